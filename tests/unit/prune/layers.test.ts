import { describe, expect, it } from 'vitest';
import { PRUNE_LAYERS, type PruneLayers } from '../../../src/core/config/schema';
import { initialValues } from '../../../src/core/model/weights';
import { pruneWeightNames } from '../../../src/core/prune/layers';
import { TINY } from '../support/tiny';

const h = (layer: number, kind: string) => `transformer.h.${layer}.${kind}.weight`;

const EXPECTED: Record<PruneLayers, string[]> = {
  mlp: [h(0, 'mlp.c_fc'), h(0, 'mlp.c_proj'), h(1, 'mlp.c_fc'), h(1, 'mlp.c_proj')],
  'mlp-fc': [h(0, 'mlp.c_fc'), h(1, 'mlp.c_fc')],
  'mlp-proj': [h(0, 'mlp.c_proj'), h(1, 'mlp.c_proj')],
  attn: [h(0, 'attn.c_attn'), h(0, 'attn.c_proj'), h(1, 'attn.c_attn'), h(1, 'attn.c_proj')],
  all: [0, 1].flatMap((l) =>
    ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'].map((k) => h(l, k)),
  ),
};

describe('pruneWeightNames', () => {
  it.each(PRUNE_LAYERS)('selects the right matrices of every block for "%s"', (layers) => {
    expect(pruneWeightNames(TINY, layers)).toEqual(EXPECTED[layers]);
  });

  it('names only weights the model has', () => {
    const names = new Set(initialValues(TINY, 1).keys());
    for (const layers of PRUNE_LAYERS) {
      for (const name of pruneWeightNames(TINY, layers)) expect(names.has(name)).toBe(true);
    }
  });

  it('rejects an unknown option', () => {
    expect(() => pruneWeightNames(TINY, 'mlps' as PruneLayers)).toThrow(/mlps/);
  });
});
