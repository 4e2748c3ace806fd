import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { V3_POST_LAYER_GROUPS } from '../../../src/core/config/migrate';
import { DEFAULT_CONFIG, type PostConfig } from '../../../src/core/config/schema';
import type { LayerRole } from '../../../src/core/model/roles';
import { getPostMethod } from '../../../src/core/methods/registry';
import type { PostContext } from '../../../src/core/methods/types';
import type { TokenBatch } from '../../../src/core/model/batch';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { linearWeightNames } from '../../../src/core/model/weights';
import { postWeightNames } from '../../../src/core/prune/layers';
import { CancelToken, CancelledError } from '../../../src/core/runtime/cancel';
import { useBackend } from '../support/backend';
import { TINY } from '../support/tiny';
import {
  columnCounts,
  paddedBatch,
  referenceNorms,
  referenceTopK,
  referenceWanda,
} from '../prune/reference';

/** Version 3's named groups of layers, as the roles `post.layers` lists. */
const roles = (group: string) => [...V3_POST_LAYER_GROUPS[group]] as LayerRole[];

const REALIGNMENT = [paddedBatch(21), paddedBatch(22)];
const BENIGN = [paddedBatch(31)];
const SELECTED: Record<string, string[]> = {
  mlp: linearWeightNames(TINY, ['mlp.in', 'mlp.out']),
  'mlp-fc': linearWeightNames(TINY, ['mlp.in']),
  'mlp-proj': linearWeightNames(TINY, ['mlp.out']),
  attn: linearWeightNames(TINY, ['attn.q', 'attn.o']),
  all: linearWeightNames(TINY),
};

function context(model: LanguageModel, post: Partial<PostConfig>, seed = 1): PostContext {
  const full: PostConfig = { ...DEFAULT_CONFIG.post, target: 'merged', params: {}, ...post };
  return {
    model,
    post: full,
    params: full.params,
    weightNames: postWeightNames(model, full),
    realignmentBatches: REALIGNMENT,
    taskBatches: BENIGN,
    seed,
    checkpoints: { base: new Map(), aligned: new Map() },
  };
}

const shapeOf = (model: LanguageModel, name: string) =>
  model.weights.get(name)!.shape as [number, number];

/** Expected masks for a Wanda prune calibrated on `batches`, from the brute-force reference. */
async function expectedWandaMasks(
  model: LanguageModel,
  batches: TokenBatch[],
  names: string[],
  maskRatio: number,
) {
  const norms = referenceNorms(model, batches, names);
  const masks = new Map<string, number[]>();
  for (const name of names) {
    const shape = shapeOf(model, name);
    const weight = await model.weights.get(name)!.data();
    const scores = referenceWanda(weight, shape, norms.get(name)!);
    masks.set(name, referenceTopK(scores, shape, Math.round(maskRatio * shape[0])));
  }
  return masks;
}

async function expectedMagnitudeMasks(model: LanguageModel, names: string[], maskRatio: number) {
  const masks = new Map<string, number[]>();
  for (const name of names) {
    const shape = shapeOf(model, name);
    const weight = Array.from(await model.weights.get(name)!.data(), Math.abs);
    masks.set(name, referenceTopK(weight, shape, Math.round(maskRatio * shape[0])));
  }
  return masks;
}

/**
 * Checks that exactly the masked entries of the selected matrices became zero and every other
 * value of the model is unchanged (initial weights are never exactly zero).
 */
async function expectPruned(
  model: LanguageModel,
  before: Map<string, Float32Array>,
  masks: Map<string, ArrayLike<number>>,
) {
  const after = await model.readValues();
  for (const [name, values] of before) {
    const mask = masks.get(name);
    const now = after.get(name)!;
    if (!mask) {
      expect(Array.from(now), name).toEqual(Array.from(values));
      continue;
    }
    const expected = Array.from(values, (v, i) => (mask[i] === 1 ? 0 : v));
    expect(Array.from(now), name).toEqual(expected);
  }
}

/** The zero pattern of each selected matrix after a prune. */
async function zeroMasks(model: LanguageModel, names: string[]) {
  const masks = new Map<string, number[]>();
  for (const name of names) {
    masks.set(
      name,
      Array.from(await model.weights.get(name)!.data(), (v) => (v === 0 ? 1 : 0)),
    );
  }
  return masks;
}

describe.each(['cpu', 'wasm'] as const)('post methods on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  let models: LanguageModel[] = [];
  const newModel = (seed: number) => {
    const model = LanguageModel.init(TINY, seed);
    models.push(model);
    return model;
  };
  afterEach(() => {
    models.forEach((m) => m.dispose());
    models = [];
  });

  it('none changes nothing and reports nothing', async () => {
    const model = newModel(1);
    const before = await model.readValues();
    const reports = await getPostMethod('none').apply(
      context(model, { maskRatio: 0.5, layers: roles('all') }),
    );
    expect(reports).toEqual([]);
    await expectPruned(model, before, new Map());
  });

  it.each(['mlp', 'attn'] as const)(
    'antidote zeroes the top Wanda scores on the re-alignment set (layers %s)',
    async (layers) => {
      const model = newModel(2);
      const before = await model.readValues();
      const expected = await expectedWandaMasks(model, REALIGNMENT, SELECTED[layers], 0.3);
      const reports = await getPostMethod('antidote').apply(
        context(model, { maskRatio: 0.3, layers: roles(layers) }),
      );
      await expectPruned(model, before, expected);
      expect(reports.map((r) => r.weight)).toEqual(SELECTED[layers]);
      for (const report of reports) {
        const shape = shapeOf(model, report.weight);
        expect(report.shape).toEqual(shape);
        expect(report.prunedFraction).toBeCloseTo(Math.round(0.3 * shape[0]) / shape[0], 10);
        expect(report.scoreHistogram?.counts).toHaveLength(40);
      }
    },
  );

  it('wanda-benign calibrates on the benign batches, not the re-alignment set', async () => {
    const model = newModel(3);
    const names = SELECTED.all;
    const before = await model.readValues();
    const expected = await expectedWandaMasks(model, BENIGN, names, 0.25);
    const harmful = await expectedWandaMasks(model, REALIGNMENT, names, 0.25);
    // The fixture distinguishes the two calibration sets.
    expect(names.some((n) => expected.get(n)!.join() !== harmful.get(n)!.join())).toBe(true);
    const reports = await getPostMethod('wanda-benign').apply(
      context(model, { maskRatio: 0.25, layers: roles('all') }),
    );
    await expectPruned(model, before, expected);
    expect(reports).toHaveLength(names.length);
    expect(reports.every((r) => r.scoreHistogram !== undefined)).toBe(true);
  });

  it('magnitude-prune zeroes the largest |W| of each output column', async () => {
    const model = newModel(4);
    const names = SELECTED['mlp-fc'];
    const before = await model.readValues();
    const expected = await expectedMagnitudeMasks(model, names, 0.4);
    const reports = await getPostMethod('magnitude-prune').apply(
      context(model, { maskRatio: 0.4, layers: roles('mlp-fc') }),
    );
    await expectPruned(model, before, expected);
    expect(reports.map((r) => r.weight)).toEqual(names);
    expect(reports.every((r) => r.scoreHistogram !== undefined)).toBe(true);
  });

  it('random-prune zeroes exactly k per output column, determined by the seed', async () => {
    const names = SELECTED['mlp-proj'];
    const [a, b, c] = [newModel(5), newModel(5), newModel(5)];
    const before = await a.readValues();
    const post = { maskRatio: 0.3, layers: roles('mlp-proj') };
    const reports = await getPostMethod('random-prune').apply(context(a, post, 7));
    await getPostMethod('random-prune').apply(context(b, post, 7));
    await getPostMethod('random-prune').apply(context(c, post, 8));
    const [maskA, maskB, maskC] = await Promise.all([a, b, c].map((m) => zeroMasks(m, names)));
    await expectPruned(a, before, maskA);
    for (const name of names) {
      const shape = shapeOf(a, name);
      expect(columnCounts(maskA.get(name)!, shape)).toEqual(
        new Array(shape[1]).fill(Math.round(0.3 * shape[0])),
      );
      expect(maskB.get(name)).toEqual(maskA.get(name));
    }
    expect(names.some((n) => maskC.get(n)!.join() !== maskA.get(n)!.join())).toBe(true);
    expect(reports.every((r) => r.scoreHistogram === undefined)).toBe(true);
    expect(reports.map((r) => r.prunedFraction)).toEqual(
      names.map((n) => Math.round(0.3 * shapeOf(a, n)[0]) / shapeOf(a, n)[0]),
    );
  });

  it.each(['none', 'antidote', 'random-prune', 'magnitude-prune', 'wanda-benign'])(
    '%s leaves no tensors behind',
    async (name) => {
      const model = newModel(6);
      const before = tf.memory().numTensors;
      await getPostMethod(name).apply(context(model, { maskRatio: 0.2, layers: roles('all') }));
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

describe('post method progress and cancellation', () => {
  beforeAll(() => useBackend('cpu'));

  it('antidote reports progress up to done = total (passes, then matrices)', async () => {
    const model = LanguageModel.init(TINY, 1);
    const calls: [number, number][] = [];
    await getPostMethod('antidote').apply({
      ...context(model, { maskRatio: 0.1, layers: roles('mlp') }),
      onProgress: (done, total) => calls.push([done, total]),
    });
    // The task batches are read too, for the mask-overlap diagnostic (they do not change the mask).
    const total = REALIGNMENT.length + BENIGN.length + SELECTED.mlp.length;
    expect(calls).toEqual(Array.from({ length: total }, (_, i) => [i + 1, total]));
    model.dispose();
  });

  it('a cancelled run stops before touching the model', async () => {
    const model = LanguageModel.init(TINY, 1);
    const before = await model.readValues();
    const cancel = new CancelToken();
    cancel.cancel();
    for (const name of ['antidote', 'random-prune', 'magnitude-prune']) {
      await expect(
        getPostMethod(name).apply({
          ...context(model, { maskRatio: 0.5, layers: roles('all') }),
          cancel,
        }),
      ).rejects.toBeInstanceOf(CancelledError);
    }
    await expectPruned(model, before, new Map());
    model.dispose();
  });

  it('Wanda methods refuse an empty calibration set', async () => {
    const model = LanguageModel.init(TINY, 1);
    await expect(
      getPostMethod('antidote').apply({ ...context(model, {}), realignmentBatches: [] }),
    ).rejects.toThrow(/calibration/);
    await expect(
      getPostMethod('wanda-benign').apply({ ...context(model, {}), taskBatches: [] }),
    ).rejects.toThrow(/calibration/);
    model.dispose();
  });
});
