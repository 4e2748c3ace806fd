/**
 * The post-hoc repairs beside Antidote — antidote-task-aware, safemerge, safety-arithmetic,
 * safety-patch — and the mask-overlap diagnostic, against brute-force references in plain
 * JavaScript (tests/unit/prune/reference.ts) or hand-built cases.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  type LoraSettings,
  type PostConfig,
} from '../../../../src/core/config/schema';
import { mergesLayer } from '../../../../src/core/methods/post/safemerge/safemerge';
import {
  subtractHarm,
  trimToLargest,
} from '../../../../src/core/methods/post/safety-arithmetic/safetyArithmetic';
import { getPostMethod } from '../../../../src/core/methods/registry';
import type { PostContext, PostTrainingData } from '../../../../src/core/methods/types';
import { disposeBatchTensors, toBatchTensors } from '../../../../src/core/model/batch';
import { LanguageModel } from '../../../../src/core/model/languageModel';
import { initialAdapterValues } from '../../../../src/core/model/lora';
import type { LayerRole } from '../../../../src/core/model/roles';
import { initialValues, linearWeightNames } from '../../../../src/core/model/weights';
import { postWeightNames } from '../../../../src/core/prune/layers';
import { createRng } from '../../../../src/core/random';
import { CancelToken, CancelledError } from '../../../../src/core/runtime/cancel';
import {
  packExamples,
  rowsToBatch,
  type TokenizedExample,
} from '../../../../src/core/train/batching';
import { trainMatrices } from '../../../../src/core/train/fewSteps';
import { useBackend } from '../../support/backend';
import { TINY } from '../../support/tiny';
import { paddedBatch, referenceNorms, referenceTopK, referenceWanda } from '../../prune/reference';

const REALIGNMENT = [paddedBatch(21), paddedBatch(22)];
const TASK = [paddedBatch(31)];
const ALL_ROLES: LayerRole[] = ['attn.q', 'attn.k', 'attn.v', 'attn.o', 'mlp.in', 'mlp.out'];

/** Tokenized examples of TINY's vocabulary: a 3-token "prompt" and a short "answer". */
function examples(seed: number, n: number): TokenizedExample[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => ({
    ids: Array.from({ length: 3 + 1 + rng.int(3) }, () => 1 + rng.int(TINY.vocabSize - 1)),
    lossFrom: 3,
  }));
}

const TRAINING: PostTrainingData = {
  refusals: (n) => examples(41, n),
  realignment: () => examples(42, 12),
  padId: 0,
};

function context(
  model: LanguageModel,
  post: Partial<PostConfig>,
  extra: Partial<PostContext> = {},
): PostContext {
  const full: PostConfig = { ...DEFAULT_CONFIG.post, target: 'merged', params: {}, ...post };
  return {
    model,
    post: full,
    params: full.params,
    weightNames: postWeightNames(model, full),
    realignmentBatches: REALIGNMENT,
    taskBatches: TASK,
    seed: 1,
    checkpoints: { base: new Map(), aligned: new Map() },
    training: TRAINING,
    ...extra,
  };
}

const shapeOf = (model: LanguageModel, name: string) =>
  model.parameter(name).shape as [number, number];

/** Brute-force Pearson correlation. */
function correlation(x: number[], y: number[]) {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let xy = 0;
  let xx = 0;
  let yy = 0;
  x.forEach((xi, i) => {
    xy += (xi - mx) * (y[i] - my);
    xx += (xi - mx) ** 2;
    yy += (y[i] - my) ** 2;
  });
  return xy / Math.sqrt(xx * yy);
}

describe('antidote-task-aware and the mask-overlap diagnostic', () => {
  beforeAll(() => useBackend('cpu'));
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

  it('with λ = 0 it is Antidote exactly: the same weights, bit for bit, and the same reports', async () => {
    const [a, b] = [newModel(2), newModel(2)];
    const post = { maskRatio: 0.3, layers: ALL_ROLES };
    const antidote = await getPostMethod('antidote').apply(context(a, post));
    const taskAware = await getPostMethod('antidote-task-aware').apply(
      context(b, { ...post, params: { lambda: 0 } }),
    );
    expect(taskAware).toEqual(antidote);
    const [va, vb] = [await a.readValues(), await b.readValues()];
    for (const [name, values] of va)
      expect(Array.from(vb.get(name)!), name).toEqual(Array.from(values));
  });

  it('prunes by H/mean(H) − λ·T/mean(T), as a naive reference computes it', async () => {
    const model = newModel(3);
    const names = linearWeightNames(TINY, ['mlp.in', 'mlp.out', 'attn.q']);
    const harmful = referenceNorms(model, REALIGNMENT, names);
    const task = referenceNorms(model, TASK, names);
    const lambda = 0.8;
    const ratio = 0.25;
    const before = await model.readValues();
    const expected = new Map<string, number[]>();
    for (const name of names) {
      const shape = shapeOf(model, name);
      const H = referenceWanda(before.get(name)!, shape, harmful.get(name)!);
      const T = referenceWanda(before.get(name)!, shape, task.get(name)!);
      const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
      const scores = H.map((h, i) => h / mean(H) - (lambda * T[i]) / mean(T));
      expected.set(name, referenceTopK(scores, shape, Math.round(ratio * shape[0])));
    }
    await getPostMethod('antidote-task-aware').apply(
      context(model, {
        maskRatio: ratio,
        layers: ['mlp.in', 'mlp.out', 'attn.q'],
        params: { lambda },
      }),
    );
    const after = await model.readValues();
    let differsFromAntidote = false;
    for (const name of names) {
      const mask = expected.get(name)!;
      const values = before.get(name)!;
      expect(Array.from(after.get(name)!), name).toEqual(
        Array.from(values, (v, i) => (mask[i] === 1 ? 0 : v)),
      );
      const shape = shapeOf(model, name);
      const antidote = referenceTopK(
        referenceWanda(values, shape, harmful.get(name)!),
        shape,
        Math.round(ratio * shape[0]),
      );
      if (antidote.join() !== mask.join()) differsFromAntidote = true;
    }
    // The fixture is one where sparing the task's weights changes the mask.
    expect(differsFromAntidote).toBe(true);
  });

  it.each(['antidote', 'antidote-task-aware', 'wanda-benign'])(
    '%s reports the Jaccard of both calibrations’ masks and the correlation of their norms',
    async (method) => {
      const model = newModel(4);
      const names = linearWeightNames(TINY);
      const before = await model.readValues();
      const harmful = referenceNorms(model, REALIGNMENT, names);
      const task = referenceNorms(model, TASK, names);
      const reports = await getPostMethod(method).apply(
        context(model, {
          maskRatio: 0.4,
          layers: ALL_ROLES,
          params: method === 'antidote-task-aware' ? { lambda: 2 } : {},
        }),
      );
      expect(reports.map((r) => r.weight)).toEqual(names);
      for (const report of reports) {
        const name = report.weight;
        const shape = shapeOf(model, name);
        const k = Math.round(0.4 * shape[0]);
        const H = referenceTopK(
          referenceWanda(before.get(name)!, shape, harmful.get(name)!),
          shape,
          k,
        );
        const T = referenceTopK(
          referenceWanda(before.get(name)!, shape, task.get(name)!),
          shape,
          k,
        );
        const both = H.filter((h, i) => h === 1 && T[i] === 1).length;
        const either = H.filter((h, i) => h === 1 || T[i] === 1).length;
        expect(report.maskOverlap?.jaccard, name).toBeCloseTo(both / either, 12);
        expect(report.maskOverlap?.normCorrelation, name).toBeCloseTo(
          correlation(harmful.get(name)!, task.get(name)!),
          5,
        );
      }
    },
  );

  it('antidote without task batches prunes as before and reports no overlap', async () => {
    const model = newModel(5);
    const reports = await getPostMethod('antidote').apply({
      ...context(model, { maskRatio: 0.2, layers: ['mlp.in'] }),
      taskBatches: [],
    });
    expect(reports.every((r) => r.maskOverlap === undefined && r.scoreHistogram)).toBe(true);
    await expect(
      getPostMethod('antidote-task-aware').apply({
        ...context(model, { layers: ['mlp.in'], params: { lambda: 1 } }),
        taskBatches: [],
      }),
    ).rejects.toThrow(/calibration/);
  });
});

describe('safemerge', () => {
  beforeAll(() => useBackend('cpu'));

  it('merges exactly the layers whose update left the alignment subspace: W_aligned + α·ΔW', async () => {
    const names = linearWeightNames(TINY, ['mlp.in', 'mlp.out']);
    const model = LanguageModel.fromValues(TINY, initialValues(TINY, 1));
    const base = await model.readValues();
    const aligned = new Map(base);
    const finetuned = new Map<string, Float32Array>();
    const rng = createRng(9);
    // Per matrix [rows, cols], V = u·e₀ᵀ (rank one, output 0). An update a·e₀ᵀ projects onto
    // itself (similarity 1); a·e₁ᵀ projects to zero (similarity 0).
    names.forEach((name, index) => {
      const [rows, cols] = shapeOf(model, name);
      const u = Array.from({ length: rows }, () => rng.normal());
      const a = Array.from({ length: rows }, () => rng.normal());
      const column = index % 2 === 0 ? 0 : 1;
      const w = base.get(name)!;
      const al = w.map((x, k) => (k % cols === 0 ? x + 0.1 * u[Math.floor(k / cols)] : x));
      aligned.set(name, al);
      finetuned.set(
        name,
        al.map((x, k) => (k % cols === column ? x + 0.05 * a[Math.floor(k / cols)] : x)),
      );
    });
    const tuned = LanguageModel.fromValues(TINY, new Map([...base, ...finetuned]));
    const alpha = 0.25;
    const reports = await getPostMethod('safemerge').apply(
      context(
        tuned,
        { layers: ['mlp.in', 'mlp.out'], params: { threshold: 0.5, alpha } },
        {
          checkpoints: { base, aligned },
        },
      ),
    );
    const after = await tuned.readValues();
    names.forEach((name, index) => {
      const report = reports[index];
      const drifted = index % 2 === 1;
      expect(report.projection?.similarity, name).toBeCloseTo(drifted ? 0 : 1, 5);
      expect(report.projection?.projected, name).toBe(drifted);
      const al = aligned.get(name)!;
      const ft = finetuned.get(name)!;
      const expected = drifted ? al.map((x, k) => x + alpha * (ft[k] - x)) : ft;
      const got = after.get(name)!;
      got.forEach((g, k) => expect(g).toBeCloseTo(expected[k], 6));
      if (!drifted) expect(Array.from(got)).toEqual(Array.from(ft));
    });
    model.dispose();
    tuned.dispose();
  });

  it('decides by ρ < τ, and on the adapter scales a merged role’s B by α, leaving A', async () => {
    expect(mergesLayer(0.3, 0.5)).toBe(true);
    expect(mergesLayer(0.5, 0.5)).toBe(false);
    expect(mergesLayer(0.9, 0.5)).toBe(false);
    const settings: LoraSettings = { rank: 2, alpha: 4, targets: ['attn.q', 'mlp.in'] };
    const model = LanguageModel.fromValues(TINY, initialValues(TINY, 3));
    const adapter = initialAdapterValues(TINY, settings, 4);
    const rng = createRng(5);
    for (const [name, data] of adapter) {
      if (name.endsWith('lora_B')) for (let i = 0; i < data.length; i++) data[i] = rng.normal();
    }
    model.attachAdapter(settings, { values: adapter });
    const checkpoints = { base: initialValues(TINY, 6), aligned: initialValues(TINY, 7) };
    const before = (await model.readAdapterValues())!;
    // Random updates are never exactly in the subspace (ρ < 1): at τ = 1 every role merges.
    const reports = await getPostMethod('safemerge').apply(
      context(
        model,
        { target: 'adapter', layers: ALL_ROLES, params: { threshold: 1, alpha: 0.5 } },
        { checkpoints },
      ),
    );
    expect(reports.map((r) => r.weight)).toEqual(
      [...before.keys()].filter((n) => n.endsWith('lora_B')),
    );
    const after = (await model.readAdapterValues())!;
    for (const [name, values] of before) {
      const merged = reports.find((r) => r.weight === name)?.projection?.projected;
      const expected = name.endsWith('lora_B') && merged ? values.map((v) => v * 0.5) : values;
      expect(Array.from(after.get(name)!), name).toEqual(Array.from(expected));
    }
    expect(reports.every((r) => r.projection!.projected)).toBe(true);
    // At τ = −1 no similarity is below it: nothing changes.
    const untouched = await getPostMethod('safemerge').apply(
      context(
        model,
        { target: 'adapter', layers: ALL_ROLES, params: { threshold: -1, alpha: 0 } },
        { checkpoints },
      ),
    );
    expect(untouched.some((r) => r.projection!.projected)).toBe(false);
    for (const [name, values] of (await model.readAdapterValues())!) {
      expect(Array.from(values), name).toEqual(Array.from(after.get(name)!));
    }
    model.dispose();
  });
});

describe('safety-arithmetic', () => {
  beforeAll(() => useBackend('cpu'));

  it('trims the harm vector to its largest entries and subtracts λ of it, by hand', () => {
    const harm = Float32Array.from([0.5, -2, 0.1, 1, -0.25]);
    expect(Array.from(trimToLargest(harm, 0.4))).toEqual([0, -2, 0, 1, 0]);
    expect(Array.from(trimToLargest(harm, 1))).toEqual(Array.from(harm));
    expect(Array.from(trimToLargest(harm, 0))).toEqual([0, 0, 0, 0, 0]);
    // Ties keep the lower index.
    expect(Array.from(trimToLargest(Float32Array.from([1, -1, 1]), 0.34))).toEqual([1, 0, 0]);
    expect(
      Array.from(subtractHarm(Float32Array.from([1, 2, 3]), Float32Array.from([0.5, 0, -1]), 2)),
    ).toEqual([0, 2, 5]);
  });

  it('subtracts λ × the update a few harmful steps make, only from the selected matrices', async () => {
    const layers: LayerRole[] = ['mlp.in'];
    const names = linearWeightNames(TINY, layers);
    const values = initialValues(TINY, 8);
    const reference = LanguageModel.fromValues(TINY, values);
    const model = LanguageModel.fromValues(TINY, values);
    const params = { lambda: 0.5, keep: 1, samples: 6, steps: 3, lr: 1e-2 };
    // θ_harm, by the same training on a twin.
    await trainMatrices(reference, TRAINING.realignment().slice(0, 6), names, {
      steps: 3,
      lr: 1e-2,
      seed: 1,
      padId: 0,
    });
    const harmful = await reference.readValues();
    const reports = await getPostMethod('safety-arithmetic').apply(
      context(model, { layers, params }),
    );
    expect(reports.map((r) => r.weight)).toEqual(names);
    const after = await model.readValues();
    for (const [name, before] of values) {
      const got = after.get(name)!;
      if (!names.includes(name)) {
        expect(Array.from(got), name).toEqual(Array.from(before));
        continue;
      }
      const h = harmful.get(name)!;
      let moved = 0;
      before.forEach((b, k) => {
        expect(got[k]).toBeCloseTo(b - 0.5 * (h[k] - b), 6);
        moved = Math.max(moved, Math.abs(got[k] - b));
      });
      expect(moved).toBeGreaterThan(1e-4);
    }
    reference.dispose();
    model.dispose();
  });

  it('with λ = 0 changes nothing', async () => {
    const values = initialValues(TINY, 9);
    const model = LanguageModel.fromValues(TINY, values);
    await getPostMethod('safety-arithmetic').apply(
      context(model, {
        layers: ALL_ROLES,
        params: { lambda: 0, keep: 0.2, samples: 4, steps: 2, lr: 1e-2 },
      }),
    );
    const after = await model.readValues();
    for (const [name, v] of values)
      expect(Array.from(after.get(name)!), name).toEqual(Array.from(v));
    model.dispose();
  });
});

describe('safety-patch', () => {
  beforeAll(() => useBackend('cpu'));

  const refusalLoss = (model: LanguageModel, n: number) => {
    const { rows } = packExamples(TRAINING.refusals(n), TINY.contextLength);
    const tensors = toBatchTensors(rowsToBatch(rows, rows.length, TINY.contextLength, 0));
    const loss = tf.tidy(() => model.loss(tensors).dataSync()[0]);
    disposeBatchTensors(tensors);
    return loss;
  };

  it('trains the selected matrices toward the refusals, deterministically from the seed', async () => {
    const values = initialValues(TINY, 10);
    const layers: LayerRole[] = ['attn.q', 'mlp.out'];
    const names = linearWeightNames(TINY, layers);
    const params = { samples: 6, steps: 8, lr: 1e-2 };
    const run = async (seed: number) => {
      const model = LanguageModel.fromValues(TINY, values);
      const reports = await getPostMethod('safety-patch').apply(
        context(model, { layers, params }, { seed }),
      );
      expect(reports.map((r) => r.weight)).toEqual(names);
      const loss = refusalLoss(model, 6);
      const after = await model.readValues();
      model.dispose();
      return { after, loss };
    };
    const untouched = LanguageModel.fromValues(TINY, values);
    const lossBefore = refusalLoss(untouched, 6);
    untouched.dispose();
    const [first, again] = [await run(1), await run(1)];
    expect(first.loss).toBeLessThan(lossBefore);
    for (const [name, before] of values) {
      const got = Array.from(first.after.get(name)!);
      expect(Array.from(again.after.get(name)!), name).toEqual(got);
      if (names.includes(name)) expect(got, name).not.toEqual(Array.from(before));
      else expect(got, name).toEqual(Array.from(before));
    }
  });

  it('on the adapter, changes only the adapter', async () => {
    const settings: LoraSettings = { rank: 2, alpha: 4, targets: ['attn.q', 'mlp.in'] };
    const model = LanguageModel.fromValues(TINY, initialValues(TINY, 11));
    model.attachAdapter(settings, { seed: 12 });
    const weights = await model.readValues();
    const adapter = (await model.readAdapterValues())!;
    await getPostMethod('safety-patch').apply(
      context(model, {
        target: 'adapter',
        layers: ['mlp.in'],
        params: { samples: 4, steps: 3, lr: 1e-2 },
      }),
    );
    const [weightsAfter, adapterAfter] = [
      await model.readValues(),
      (await model.readAdapterValues())!,
    ];
    for (const [name, v] of weights)
      expect(Array.from(weightsAfter.get(name)!), name).toEqual(Array.from(v));
    for (const [name, v] of adapter) {
      const changed = adapterAfter.get(name)!.join() !== v.join();
      expect(changed, name).toBe(name.includes('mlp.in'));
    }
    model.dispose();
  });

  it('says what is missing without training data', async () => {
    const model = LanguageModel.init(TINY, 1);
    await expect(
      getPostMethod('safety-patch').apply({
        ...context(model, { layers: ['mlp.in'], params: { samples: 2, steps: 1, lr: 1e-3 } }),
        training: undefined,
      }),
    ).rejects.toThrow('safety-patch needs refusal examples');
    model.dispose();
  });
});

describe('every repair', () => {
  beforeAll(() => useBackend('cpu'));
  const PARAMS: Record<string, Record<string, unknown>> = {
    'antidote-task-aware': { lambda: 1 },
    safemerge: { threshold: 0.9, alpha: 0.5 },
    'safety-arithmetic': { lambda: 1, keep: 0.5, samples: 4, steps: 2, lr: 1e-2 },
    'safety-patch': { samples: 4, steps: 2, lr: 1e-2 },
  };
  const setup = async () => {
    const model = LanguageModel.fromValues(TINY, initialValues(TINY, 13));
    const checkpoints = { base: initialValues(TINY, 14), aligned: initialValues(TINY, 15) };
    return { model, checkpoints };
  };

  it.each(Object.keys(PARAMS))('%s leaves no tensors behind', async (name) => {
    const { model, checkpoints } = await setup();
    const before = tf.memory().numTensors;
    await getPostMethod(name).apply(
      context(model, { maskRatio: 0.2, layers: ALL_ROLES, params: PARAMS[name] }, { checkpoints }),
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it.each(Object.keys(PARAMS))('%s, cancelled, leaves the model as it was', async (name) => {
    const { model, checkpoints } = await setup();
    const before = await model.readValues();
    const cancel = new CancelToken();
    cancel.cancel();
    await expect(
      getPostMethod(name).apply(
        context(model, { layers: ALL_ROLES, params: PARAMS[name] }, { checkpoints, cancel }),
      ),
    ).rejects.toBeInstanceOf(CancelledError);
    const after = await model.readValues();
    for (const [n, v] of before) expect(Array.from(after.get(n)!), n).toEqual(Array.from(v));
    model.dispose();
  });
});
