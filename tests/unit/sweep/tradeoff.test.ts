import { describe, expect, it } from 'vitest';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import { DEFAULT_CONFIG } from '../../../src/core/config/schema';
import type { ResultsFile } from '../../../src/core/pipeline/types';
import {
  expandSweep,
  getSweepPreset,
  sweepTradeoff,
  type SweepRun,
  type SweepSpec,
} from '../../../src/core/sweep';
import { fakeResults } from './fakeResults';

function expand(spec: SweepSpec): SweepRun[] {
  const result = expandSweep(spec, DEFAULT_VALIDATION_CONTEXT);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.runs;
}

async function finish(runs: readonly SweepRun[], skip: number[] = []) {
  const results = new Map<number, ResultsFile>();
  for (const run of runs)
    if (!skip.includes(run.index)) results.set(run.index, await fakeResults(run.config));
  return results;
}

describe('sweepTradeoff', () => {
  it('draws the mask-ratio preset along its axis, with sst2 chance and the default marked', async () => {
    const spec = getSweepPreset('mask-ratio');
    const runs = expand(spec);
    const tradeoff = sweepTradeoff(spec, runs, await finish(runs, [1]));
    expect(tradeoff).not.toBeNull();
    if (!tradeoff) return;
    expect(tradeoff.axis).toBe('maskRatio');
    expect(tradeoff.numeric).toBe(true);
    // The unfinished run (index 1, maskRatio 0.02) is left out; the others in axis order.
    expect(tradeoff.points.map((p) => p.x)).toEqual([0.01, 0.05, 0.1, 0.15, 0.2, 0.25]);
    expect(tradeoff.points[0]).toMatchObject({ label: '0.01', finetuneAccuracy: 90, runs: 1 });
    expect(tradeoff.task).toBe('sst2');
    expect(tradeoff.chance).toEqual({ kind: 'classes', classes: 2, accuracy: 50 });
    // The default is the base config's own maskRatio (the preset leaves the schema's default).
    expect(tradeoff.defaultX).toBe(DEFAULT_CONFIG.post.maskRatio);
  });

  it('places a variant axis by position and marks the variant that changes nothing', async () => {
    const spec: SweepSpec = {
      schemaVersion: 1,
      name: 'methods',
      base: { preset: 'micro', patch: { post: { method: 'none' } } },
      axes: [
        {
          name: 'method',
          variants: [
            { label: 'vaccine', patch: { alignment: { method: 'vaccine' } } },
            { label: 'sft (no defense)', patch: {} },
            { label: 'antidote', patch: { post: { method: 'antidote' } } },
          ],
        },
      ],
    };
    const runs = expand(spec);
    const tradeoff = sweepTradeoff(spec, runs, await finish(runs));
    expect(tradeoff?.numeric).toBe(false);
    expect(tradeoff?.points.map((p) => [p.x, p.label])).toEqual([
      [0, 'vaccine'],
      [1, 'sft (no defense)'],
      [2, 'antidote'],
    ]);
    expect(tradeoff?.defaultX).toBe(1);
    expect(tradeoff?.defaultLabel).toBe('sft (no defense)');
  });

  it('averages over seeds, and has no picture for a grid of two settings', async () => {
    const seeded: SweepSpec = {
      schemaVersion: 2,
      name: 'p-seeds',
      base: { preset: 'micro', patch: { post: { method: 'none' } } },
      axes: [{ field: 'finetune.poisonRatio', values: [0.1, 0.3] }],
      seeds: [1, 2],
    };
    const runs = expand(seeded);
    const tradeoff = sweepTradeoff(seeded, runs, await finish(runs, [3]));
    expect(tradeoff?.points.map((p) => [p.x, p.runs])).toEqual([
      [0.1, 2],
      [0.3, 1],
    ]);
    // fakeResults: the post harmful score is 100·p without a repair.
    expect(tradeoff?.points[0].harmfulScore).toBeCloseTo(10);

    const twoAxes: SweepSpec = {
      ...seeded,
      seeds: undefined,
      axes: [...seeded.axes, { field: 'finetune.lr', values: [1e-3, 1e-2] }],
    };
    const grid = expand(twoAxes);
    expect(sweepTradeoff(twoAxes, grid, await finish(grid))).toBeNull();
  });
});
