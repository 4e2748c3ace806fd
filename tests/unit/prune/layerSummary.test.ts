import { describe, expect, it } from 'vitest';
import { shortMatrixLabel, summarizeLayers } from '../../../src/core/prune/layerSummary';
import type { PruneLayerReport } from '../../../src/core/prune/report';

const report = (weight: string, prunedFraction = 0.1): PruneLayerReport => ({
  weight,
  shape: [4, 2],
  prunedFraction,
});

describe('summarizeLayers', () => {
  it('lays adapter matrices out as blocks by matrix kind, in block order', () => {
    const reports = [
      'transformer.h.1.attn.q.lora_A',
      'transformer.h.1.attn.q.lora_B',
      'transformer.h.0.attn.q.lora_A',
      'transformer.h.0.attn.v.lora_A',
      'transformer.h.10.attn.q.lora_B',
    ].map((name) => report(name));
    const summary = summarizeLayers(reports);
    expect(summary.columns).toEqual([
      { key: 'attn.q.lora_A', label: 'q A' },
      { key: 'attn.q.lora_B', label: 'q B' },
      { key: 'attn.v.lora_A', label: 'v A' },
    ]);
    // Block 10 sorts after block 1 (by number, not by text); missing matrices are null.
    expect(summary.rows).toEqual([
      { label: 'block 0', cells: [2, null, 3] },
      { label: 'block 1', cells: [0, 1, null] },
      { label: 'block 10', cells: [null, 4, null] },
    ]);
  });

  it('gives a name without a block a row of its own, after the blocks', () => {
    const summary = summarizeLayers([
      report('lm_head.weight'),
      report('model.layers.0.mlp.down_proj.lora_B'),
    ]);
    expect(summary.columns.map((c) => c.label)).toEqual(['down_proj B']);
    expect(summary.rows).toEqual([
      { label: 'block 0', cells: [1] },
      { label: 'lm_head.weight', cells: [0] },
    ]);
  });

  it('still has a column when no name has a block', () => {
    const summary = summarizeLayers([report('lm_head'), report('embed')]);
    expect(summary.columns).toEqual([{ key: '', label: 'matrix' }]);
    expect(summary.rows.map((r) => r.cells)).toEqual([[0], [1]]);
  });

  it('is empty for no reports', () => {
    expect(summarizeLayers([])).toEqual({ columns: [], rows: [] });
  });
});

describe('shortMatrixLabel', () => {
  it('drops the path segments a column heading does not need', () => {
    expect(shortMatrixLabel('self_attn.o_proj.lora_B')).toBe('o_proj B');
    expect(shortMatrixLabel('mlp.up.weight')).toBe('up');
    expect(shortMatrixLabel('attn')).toBe('attn');
  });
});
