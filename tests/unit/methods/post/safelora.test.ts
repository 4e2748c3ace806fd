import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAYER_ROLES, type LayerRole } from '../../../../src/core/model/roles';
import { DEFAULT_CONFIG, type PostConfig } from '../../../../src/core/config/schema';
import {
  alignmentMatrix,
  cosineSimilarity,
  projectUpdate,
  selectProjected,
} from '../../../../src/core/methods/post/safelora/safelora';
import type { SafeLoraParams } from '../../../../src/core/methods/post/safelora';
import { getPostMethod } from '../../../../src/core/methods/registry';
import type { PostContext } from '../../../../src/core/methods/types';
import { LanguageModel } from '../../../../src/core/model/languageModel';
import { linearWeightNames } from '../../../../src/core/model/weights';
import { postWeightNames } from '../../../../src/core/prune/layers';
import { resultsFileProblems } from '../../../../src/core/pipeline/resultsSchema';
import { createRng } from '../../../../src/core/random';
import { CancelToken, CancelledError } from '../../../../src/core/runtime/cancel';
import { validResultsFile } from '../../cli/fixtures';
import { useBackend } from '../../support/backend';
import { TINY } from '../../support/tiny';

const safelora = getPostMethod('safelora');

/**
 * Safe LoRA as the paper writes it, with torch Linear weights `[out, in]`: C = V·Vᵀ/‖V‖_F and
 * ΔW' = C·ΔW. Inputs and output are in the lab's Conv1D layout `[in, out]` (row-major), so this
 * transposes on the way in and out — an independent check of the layout argument in safelora.ts.
 */
function bruteForceProjection(
  aligned: Float32Array,
  base: Float32Array,
  finetuned: Float32Array,
  [rows, cols]: [number, number],
) {
  const torch = (w: ArrayLike<number>, i: number, o: number) => w[i * cols + o]; // W_t[o][i]
  const v = Array.from(aligned, (a, k) => a - base[k]);
  const delta = Array.from(finetuned, (f, k) => f - aligned[k]);
  const frobenius = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const c = Array.from({ length: cols }, (_, o1) =>
    Array.from({ length: cols }, (_, o2) => {
      let sum = 0;
      for (let i = 0; i < rows; i++) sum += torch(v, i, o1) * torch(v, i, o2);
      return frobenius > 0 ? sum / frobenius : 0;
    }),
  );
  const projected = new Array<number>(rows * cols);
  for (let o = 0; o < cols; o++) {
    for (let i = 0; i < rows; i++) {
      let sum = 0;
      for (let o2 = 0; o2 < cols; o2++) sum += c[o][o2] * torch(delta, i, o2);
      projected[i * cols + o] = sum;
    }
  }
  let dot = 0;
  let pp = 0;
  let dd = 0;
  projected.forEach((p, k) => {
    dot += p * delta[k];
    pp += p * p;
    dd += delta[k] * delta[k];
  });
  const similarity = pp > 0 && dd > 0 ? dot / Math.sqrt(pp * dd) : 0;
  return { c, projected, similarity };
}

function perturbed(values: Map<string, Float32Array>, seed: number, scale: number) {
  const rng = createRng(seed);
  return new Map([...values].map(([n, v]) => [n, v.map((x) => x + scale * rng.normal())]));
}

/** base → aligned → fine-tuned checkpoints, each a random step from the previous one. */
async function checkpoints() {
  const init = LanguageModel.init(TINY, 1);
  const base = await init.readValues();
  init.dispose();
  const aligned = perturbed(base, 2, 0.01);
  const finetuned = perturbed(aligned, 3, 0.01);
  return { base, aligned, finetuned };
}

const shapeOf = (model: LanguageModel, name: string) =>
  model.weights.get(name)!.shape as [number, number];

function context(
  model: LanguageModel,
  ckpt: { base: Map<string, Float32Array>; aligned: Map<string, Float32Array> },
  params: SafeLoraParams,
  layers: LayerRole[] = [...LAYER_ROLES],
): PostContext {
  const post: PostConfig = {
    ...DEFAULT_CONFIG.post,
    target: 'merged',
    layers,
    params: { ...params },
  };
  return {
    model,
    post,
    params: post.params,
    weightNames: postWeightNames(model, post),
    realignmentBatches: [],
    taskBatches: [],
    seed: 1,
    checkpoints: { base: ckpt.base, aligned: ckpt.aligned },
  };
}

describe('SafeLoRA projection', () => {
  beforeAll(() => useBackend('cpu'));

  it('projects on the output side exactly as the torch-layout formula, with its cosine', async () => {
    const rng = createRng(5);
    const shape: [number, number] = [3, 4];
    const random = () => Float32Array.from({ length: 12 }, () => rng.normal());
    const [aligned, base, finetuned] = [random(), random(), random()];
    const expected = bruteForceProjection(aligned, base, finetuned, shape);
    const [a, b, f] = [aligned, base, finetuned].map((d) => tf.tensor2d(d, shape));
    const c = alignmentMatrix(a, b);
    expect(c.shape).toEqual([4, 4]);
    Array.from(await c.data()).forEach((x, k) =>
      expect(x).toBeCloseTo(expected.c[Math.floor(k / 4)][k % 4], 5),
    );
    const delta = tf.sub(f, a) as tf.Tensor2D;
    const projected = projectUpdate(delta, c);
    Array.from(await projected.data()).forEach((x, k) =>
      expect(x).toBeCloseTo(expected.projected[k], 5),
    );
    expect(await cosineSimilarity(projected, delta)).toBeCloseTo(expected.similarity, 5);
    tf.dispose([a, b, f, c, delta, projected]);
  });

  it('treats a zero alignment direction or update as similarity 0 (no NaN)', async () => {
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const c = alignmentMatrix(a, a);
    expect(Array.from(await c.data())).toEqual([0, 0, 0, 0]);
    const zero = tf.zeros([2, 2]);
    expect(await cosineSimilarity(zero, a)).toBe(0);
    tf.dispose([a, c, zero]);
  });

  it('selects by threshold (≤ τ) or the `count` lowest similarities, ties in order', () => {
    const similarities = [0.4, 0.9, 0.1, 0.4, 0.6];
    expect(
      selectProjected(similarities, { select: 'threshold', threshold: 0.4, count: 0 }),
    ).toEqual([true, false, true, true, false]);
    expect(selectProjected(similarities, { select: 'count', threshold: 0, count: 2 })).toEqual([
      true,
      false,
      true,
      false,
      false,
    ]);
    expect(selectProjected(similarities, { select: 'count', threshold: 0, count: 0 })).toEqual(
      similarities.map(() => false),
    );
    expect(selectProjected(similarities, { select: 'count', threshold: 0, count: 9 })).toEqual(
      similarities.map(() => true),
    );
  });
});

describe.each(['cpu', 'wasm'] as const)('safelora on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  const names = linearWeightNames(TINY);

  /** Applies safelora to the fine-tuned checkpoint and checks every weight against brute force. */
  async function expectProjected(
    params: SafeLoraParams,
    expectedChosen: (sims: number[]) => boolean[],
  ) {
    const ckpt = await checkpoints();
    const model = LanguageModel.fromValues(TINY, ckpt.finetuned);
    const expected = names.map((name) =>
      bruteForceProjection(
        ckpt.aligned.get(name)!,
        ckpt.base.get(name)!,
        ckpt.finetuned.get(name)!,
        shapeOf(model, name),
      ),
    );
    const sims = expected.map((e) => e.similarity);
    const chosen = expectedChosen(sims);
    const before = tf.memory().numTensors;
    const reports = await safelora.apply(context(model, ckpt, params));
    expect(tf.memory().numTensors).toBe(before);

    expect(reports.map((r) => r.weight)).toEqual(names);
    reports.forEach((report, i) => {
      expect(report.shape).toEqual(shapeOf(model, names[i]));
      expect(report.prunedFraction).toBe(0);
      expect(report.projection?.similarity).toBeCloseTo(sims[i], 5);
      expect(report.projection?.projected).toBe(chosen[i]);
    });
    const after = await model.readValues();
    for (const [name, values] of ckpt.finetuned) {
      const i = names.indexOf(name);
      if (i >= 0 && chosen[i]) {
        const aligned = ckpt.aligned.get(name)!;
        Array.from(after.get(name)!).forEach((x, k) =>
          expect(x).toBeCloseTo(aligned[k] + expected[i].projected[k], 6),
        );
      } else {
        // Unprojected layers and every non-linear weight keep the fine-tuned values bit for bit.
        expect(after.get(name)!, name).toEqual(values);
      }
    }
    model.dispose();
    return { chosen, sims };
  }

  it('projects exactly the matrices at or below the threshold', async () => {
    const ckpt = await checkpoints();
    const sizes = names.map((n) => ckpt.base.get(n)!.length);
    expect(sizes.length).toBe(8);
    // A threshold between the 3rd and 4th lowest similarity of this fixture.
    const probe = await expectProjected({ select: 'count', threshold: 0, count: 0 }, (s) =>
      s.map(() => false),
    );
    const sorted = [...probe.sims].sort((a, b) => a - b);
    const threshold = (sorted[2] + sorted[3]) / 2;
    const { chosen } = await expectProjected({ select: 'threshold', threshold, count: 0 }, (s) =>
      s.map((x) => x <= threshold),
    );
    expect(chosen.filter(Boolean)).toHaveLength(3);
  });

  it('projects exactly the `count` least similar matrices in count mode', async () => {
    const { chosen, sims } = await expectProjected(
      { select: 'count', threshold: 0, count: 2 },
      (s) => {
        const cut = [...s].sort((a, b) => a - b)[1];
        return s.map((x) => x <= cut);
      },
    );
    expect(chosen.filter(Boolean)).toHaveLength(2);
    const projected = sims.filter((_s, i) => chosen[i]);
    const kept = sims.filter((_s, i) => !chosen[i]);
    expect(Math.max(...projected)).toBeLessThan(Math.min(...kept));
  });

  it('changes the model where none does not, and only the post.layers matrices', async () => {
    const ckpt = await checkpoints();
    const [a, b] = [
      LanguageModel.fromValues(TINY, ckpt.finetuned),
      LanguageModel.fromValues(TINY, ckpt.finetuned),
    ];
    const params: SafeLoraParams = { select: 'count', threshold: 0, count: 8 };
    await getPostMethod('none').apply(context(a, ckpt, params));
    const reports = await safelora.apply(
      context(b, ckpt, params, ['mlp.gate', 'mlp.in', 'mlp.out']),
    );
    const mlp = linearWeightNames(TINY, ['mlp.in', 'mlp.out']);
    expect(reports.map((r) => r.weight)).toEqual(mlp);
    const [valuesA, valuesB] = [await a.readValues(), await b.readValues()];
    for (const [name, values] of valuesA) {
      if (mlp.includes(name)) expect(valuesB.get(name)).not.toEqual(values);
      else expect(valuesB.get(name), name).toEqual(values);
    }
    expect(valuesA.get(mlp[0])).toEqual(ckpt.finetuned.get(mlp[0]));
    a.dispose();
    b.dispose();
  });

  it('reports progress per matrix, stops on cancel untouched, and needs both checkpoints', async () => {
    const ckpt = await checkpoints();
    const model = LanguageModel.fromValues(TINY, ckpt.finetuned);
    const params: SafeLoraParams = { select: 'count', threshold: 0, count: 8 };
    const cancel = new CancelToken();
    const calls: [number, number][] = [];
    await expect(
      safelora.apply({
        ...context(model, ckpt, params),
        cancel,
        onProgress: (done, total) => {
          calls.push([done, total]);
          if (done === 3) cancel.cancel();
        },
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toEqual([
      [1, 8],
      [2, 8],
      [3, 8],
    ]);
    expect(await model.readValues()).toEqual(ckpt.finetuned);
    const before = tf.memory().numTensors;
    await expect(
      safelora.apply(context(model, { base: new Map(), aligned: ckpt.aligned }, params)),
    ).rejects.toThrow(/base checkpoint/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('results file with SafeLoRA reports', () => {
  it('accepts a projection and names a malformed one', async () => {
    const file = await validResultsFile();
    file.prune = [
      {
        weight: 'transformer.h.0.mlp.c_fc.weight',
        shape: [8, 16],
        prunedFraction: 0,
        projection: { similarity: 0.25, projected: true },
      },
    ];
    expect(await resultsFileProblems(file)).toEqual([]);
    const bad = JSON.parse(JSON.stringify(file));
    bad.prune[0].projection = { similarity: 2, projected: 'yes' };
    expect(await resultsFileProblems(bad)).toEqual([
      'prune[0].projection: similarity must be a number between -1 and 1 (got number 2)',
    ]);
    bad.prune[0].projection = { similarity: -0.5, projected: 'yes' };
    expect(await resultsFileProblems(bad)).toEqual([
      'prune[0].projection: projected must be a boolean (got string "yes")',
    ]);
  });
});
