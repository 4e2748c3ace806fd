/**
 * Post methods on the fine-tuning adapter (`post.target: 'adapter'`, Antidote's reference code):
 * masks on A and B against brute-force references in which A's inputs are the layer's input X
 * and B's inputs are X·A, computed here in plain JavaScript from the base layers' taps.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { V3_POST_LAYER_GROUPS } from '../../../src/core/config/migrate';
import {
  DEFAULT_CONFIG,
  type LayerRole,
  type LoraSettings,
  type PostConfig,
} from '../../../src/core/config/schema';
import { getPostMethod } from '../../../src/core/methods/registry';
import type { PostContext } from '../../../src/core/methods/types';
import type { TokenBatch } from '../../../src/core/model/batch';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { adapterNames, initialAdapterValues } from '../../../src/core/model/lora';
import { initialValues } from '../../../src/core/model/weights';
import { modelRoles } from '../../../src/core/model/architecture';
import { postWeightNames } from '../../../src/core/prune/layers';
import { createRng } from '../../../src/core/random';
import { useBackend } from '../support/backend';
import { TINY } from '../support/tiny';
import {
  columnCounts,
  paddedBatch,
  referenceTopK,
  referenceWanda,
  tappedInputs,
} from '../prune/reference';

/** Version 3's named groups of layers, as the roles `post.layers` lists. */
const roles = (group: string) => [...V3_POST_LAYER_GROUPS[group]] as LayerRole[];

const SETTINGS: LoraSettings = { rank: 4, alpha: 8, targets: ['attn.q', 'attn.v', 'mlp.in'] };
const REALIGNMENT = [paddedBatch(21), paddedBatch(22)];
const BENIGN = [paddedBatch(31)];

/** The base layer whose input a role's adapter reads (GPT-2 fuses q, k and v in c_attn). */
const BASE_INPUT: Partial<Record<LayerRole, string>> = {
  'attn.q': 'attn.c_attn',
  'attn.k': 'attn.c_attn',
  'attn.v': 'attn.c_attn',
  'attn.o': 'attn.c_proj',
  'mlp.in': 'mlp.c_fc',
  'mlp.out': 'mlp.c_proj',
};

function fineTunedModel(seed: number): LanguageModel {
  const model = LanguageModel.fromValues(TINY, initialValues(TINY, seed));
  const adapter = initialAdapterValues(TINY, SETTINGS, seed + 1);
  const rng = createRng(seed + 2);
  for (const [name, data] of adapter) {
    if (name.endsWith('lora_B')) for (let i = 0; i < data.length; i++) data[i] = rng.normal() * 0.2;
  }
  model.attachAdapter(SETTINGS, { values: adapter });
  return model;
}

function context(model: LanguageModel, post: Partial<PostConfig>): PostContext {
  const full: PostConfig = { ...DEFAULT_CONFIG.post, target: 'adapter', params: {}, ...post };
  return {
    model,
    post: full,
    params: full.params,
    weightNames: postWeightNames(model, full),
    realignmentBatches: REALIGNMENT,
    taskBatches: BENIGN,
    seed: 1,
    checkpoints: { base: new Map(), aligned: new Map() },
  };
}

/** ‖X_i‖₂ of A's inputs and ‖(X·A)_k‖₂ of B's inputs over the non-padding tokens of `batches`. */
async function referenceAdapterNorms(model: LanguageModel, batches: TokenBatch[]) {
  const adapter = (await model.readAdapterValues())!;
  const sums = new Map<string, number[]>();
  const add = (name: string, row: number[]) => {
    const sum = sums.get(name) ?? new Array<number>(row.length).fill(0);
    row.forEach((x, i) => (sum[i] += x * x));
    sums.set(name, sum);
  };
  for (const batch of batches) {
    const inputs = tappedInputs(model, batch);
    for (let layer = 0; layer < TINY.nLayers; layer++) {
      for (const role of SETTINGS.targets) {
        const { a, b } = adapterNames(TINY, layer, role);
        const x = inputs.get(`transformer.h.${layer}.${BASE_INPUT[role]!}.weight`)!;
        const A = adapter.get(a)!;
        x.forEach((row, t) => {
          if (batch.segments[t] < 0) return;
          add(a, row);
          const down = Array.from({ length: SETTINGS.rank }, (_, k) =>
            row.reduce((s, xi, i) => s + xi * A[i * SETTINGS.rank + k], 0),
          );
          add(b, down);
        });
      }
    }
  }
  return new Map([...sums].map(([name, sum]) => [name, sum.map(Math.sqrt)]));
}

describe.each(['cpu', 'wasm'] as const)('post methods on the adapter (%s)', (backend) => {
  beforeAll(() => useBackend(backend));
  let models: LanguageModel[] = [];
  const newModel = (seed: number) => {
    const model = fineTunedModel(seed);
    models.push(model);
    return model;
  };
  afterEach(() => {
    models.forEach((m) => m.dispose());
    models = [];
  });

  it('acts on the adapted roles post.layers selects, A and B of each', () => {
    const model = newModel(1);
    expect(postWeightNames(model, { target: 'adapter', layers: roles('attn') })).toEqual([
      'transformer.h.0.attn.q.lora_A',
      'transformer.h.0.attn.q.lora_B',
      'transformer.h.0.attn.v.lora_A',
      'transformer.h.0.attn.v.lora_B',
      'transformer.h.1.attn.q.lora_A',
      'transformer.h.1.attn.q.lora_B',
      'transformer.h.1.attn.v.lora_A',
      'transformer.h.1.attn.v.lora_B',
    ]);
    expect(postWeightNames(model, { target: 'adapter', layers: roles('mlp-proj') })).toEqual([]);
    expect(postWeightNames(model, { target: 'merged', layers: roles('mlp-fc') })).toEqual([
      'transformer.h.0.mlp.c_fc.weight',
      'transformer.h.1.mlp.c_fc.weight',
    ]);
  });

  it.each([
    ['antidote', REALIGNMENT],
    ['wanda-benign', BENIGN],
  ] as const)(
    '%s masks the top Wanda scores of A (inputs X) and B (inputs X·A) per output column, and nothing else',
    async (method, batches) => {
      const model = newModel(2);
      const weightsBefore = await model.readValues();
      const adapterBefore = (await model.readAdapterValues())!;
      const norms = await referenceAdapterNorms(model, batches);
      const maskRatio = 0.3;
      const reports = await getPostMethod(method).apply(
        context(model, { maskRatio, layers: roles('all') }),
      );
      expect(await model.readValues()).toEqual(weightsBefore); // the aligned weights: bit-identical
      const adapterAfter = (await model.readAdapterValues())!;
      expect(reports.map((r) => r.weight)).toEqual([...adapterBefore.keys()]);
      for (const [name, before] of adapterBefore) {
        const shape = model.parameter(name).shape as [number, number];
        const k = Math.round(maskRatio * shape[0]);
        const expected = referenceTopK(referenceWanda(before, shape, norms.get(name)!), shape, k);
        expect(Array.from(adapterAfter.get(name)!), name).toEqual(
          Array.from(before, (v, i) => (expected[i] === 1 ? 0 : v)),
        );
        expect(columnCounts(expected, shape)).toEqual(new Array(shape[1]).fill(k));
      }
    },
  );

  it.each(['random-prune', 'magnitude-prune'] as const)(
    '%s zeroes exactly round(maskRatio·in) entries of every output column of A and B',
    async (method) => {
      const model = newModel(3);
      const weightsBefore = await model.readValues();
      await getPostMethod(method).apply(context(model, { maskRatio: 0.5, layers: roles('all') }));
      expect(await model.readValues()).toEqual(weightsBefore);
      for (const [name, values] of (await model.readAdapterValues())!) {
        const shape = model.parameter(name).shape as [number, number];
        const zeros = Array.from(values, (v) => (v === 0 ? 1 : 0));
        expect(columnCounts(zeros, shape), name).toEqual(
          new Array(shape[1]).fill(Math.round(0.5 * shape[0])),
        );
      }
    },
  );

  it('safelora projects B ← B·C of the roles it selects and never touches A or the weights', async () => {
    const model = newModel(4);
    const weightsBefore = await model.readValues();
    const adapterBefore = (await model.readAdapterValues())!;
    const base = initialValues(TINY, 40);
    const aligned = new Map(
      [...base].map(([name, v]) => [name, v.map((x, i) => x + 0.05 * Math.sin(i + name.length))]),
    );
    const reports = await getPostMethod('safelora').apply({
      ...context(model, {
        method: 'safelora',
        layers: roles('all'),
        params: { select: 'threshold', threshold: 1 },
      }),
      checkpoints: { base, aligned },
    });
    expect(await model.readValues()).toEqual(weightsBefore);
    const after = (await model.readAdapterValues())!;
    expect(reports.map((r) => r.weight)).toEqual(
      [...adapterBefore.keys()].filter((name) => name.endsWith('lora_B')),
    );
    for (const [name, before] of adapterBefore) {
      if (name.endsWith('lora_A')) expect(after.get(name), name).toEqual(before);
      else expect(after.get(name), name).not.toEqual(before);
    }
    expect(reports.every((r) => r.projection?.projected)).toBe(true);
  });

  it('covers every layer role a GPT-2 model has', () => {
    expect(new Set(Object.keys(BASE_INPUT))).toEqual(new Set(modelRoles(TINY)));
  });
});
