import { describe, expect, it } from 'vitest';
import { V3_POST_LAYER_GROUPS } from '../../../src/core/config/migrate';
import type { LayerRole } from '../../../src/core/model/roles';
import { initialValues } from '../../../src/core/model/weights';
import { pruneWeightNames } from '../../../src/core/prune/layers';
import { TINY } from '../support/tiny';

const h = (layer: number, kind: string) => `transformer.h.${layer}.${kind}.weight`;

// GPT-2's matrices for each of version 3's groups (the roles each group became in version 4).
const EXPECTED: Record<string, string[]> = {
  mlp: [h(0, 'mlp.c_fc'), h(0, 'mlp.c_proj'), h(1, 'mlp.c_fc'), h(1, 'mlp.c_proj')],
  'mlp-fc': [h(0, 'mlp.c_fc'), h(1, 'mlp.c_fc')],
  'mlp-proj': [h(0, 'mlp.c_proj'), h(1, 'mlp.c_proj')],
  attn: [h(0, 'attn.c_attn'), h(0, 'attn.c_proj'), h(1, 'attn.c_attn'), h(1, 'attn.c_proj')],
  all: [0, 1].flatMap((l) =>
    ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'].map((k) => h(l, k)),
  ),
};
const GROUPS = Object.keys(EXPECTED);
const roles = (group: string) => V3_POST_LAYER_GROUPS[group] as readonly LayerRole[];

describe('pruneWeightNames', () => {
  it.each(GROUPS)('selects the right matrices of every block for the roles of "%s"', (group) => {
    expect(pruneWeightNames(TINY, roles(group))).toEqual(EXPECTED[group]);
  });

  it('follows the model, not the order the roles are listed in', () => {
    expect(pruneWeightNames(TINY, ['mlp.out', 'attn.q'])).toEqual(
      pruneWeightNames(TINY, ['attn.q', 'mlp.out']),
    );
    // GPT-2 fuses q, k and v: any of them selects c_attn.
    expect(pruneWeightNames(TINY, ['attn.v'])).toEqual([h(0, 'attn.c_attn'), h(1, 'attn.c_attn')]);
  });

  it('names only weights the model has', () => {
    const names = new Set(initialValues(TINY, 1).keys());
    for (const group of GROUPS) {
      for (const name of pruneWeightNames(TINY, roles(group))) expect(names.has(name)).toBe(true);
    }
  });
});
