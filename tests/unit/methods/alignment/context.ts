import * as tf from '@tensorflow/tfjs';
import { builtInDataSources } from '../../../../src/core/data/sources';
import { expect } from 'vitest';
import { DEFAULT_CONFIG } from '../../../../src/core/config/schema';
import { getTrainMethod } from '../../../../src/core/methods/registry';
import type { TrainContext } from '../../../../src/core/methods/types';
import type { TokenBatch } from '../../../../src/core/model/batch';
import { alignmentExamples } from '../../../../src/core/pipeline/stageData';
import { LanguageModel } from '../../../../src/core/model/languageModel';
import { createRng } from '../../../../src/core/random';
import type { Tokenizer } from '../../../../src/core/tokenizer/types';
import {
  rowsToBatch,
  packExamples,
  type TokenizedExample,
} from '../../../../src/core/train/batching';
import { TINY } from '../../support/tiny';

export const PAD = 0;

/** `count` examples of 4–7 tokens from `1..vocab−1`, the loss on the last 2–3 (the "answer"). */
export function tinyExamples(count: number, seed: number): TokenizedExample[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => {
    const length = 4 + rng.int(4);
    const ids = Array.from({ length }, () => 1 + rng.int(TINY.vocabSize - 1));
    return { ids, lossFrom: length - 2 - rng.int(2) };
  });
}

/** A fixed-shape batch of `examples` packed as the trainer packs them. */
export function packedBatch(examples: TokenizedExample[], batch = 2): TokenBatch {
  const { rows } = packExamples(examples, TINY.contextLength);
  return rowsToBatch(rows.slice(0, batch), batch, TINY.contextLength, PAD);
}

export const ALIGNMENT = tinyExamples(8, 11);
export const HARMFUL = tinyExamples(6, 12);

const TOKENIZER = { vocabSize: TINY.vocabSize, padId: PAD, eosId: 1, unkId: 2 } as Tokenizer;

/** A training context over the tiny fixtures: 1 epoch, batches of 2 rows, constant lr 1e-2. */
export function tinyContext(
  model: LanguageModel,
  params: Record<string, unknown>,
  onStep: TrainContext['onStep'] = async () => {},
): TrainContext {
  const settings = {
    ...DEFAULT_CONFIG.alignment,
    epochs: 1,
    batchSize: 2,
    lr: 1e-2,
    schedule: 'constant' as const,
    warmupFraction: 0,
    weightDecay: 0,
    maxGradNorm: 1,
  };
  return {
    model,
    stage: 'alignment',
    config: DEFAULT_CONFIG,
    sources: builtInDataSources(DEFAULT_CONFIG),
    settings,
    params,
    examples: ALIGNMENT,
    data: {
      alignment: () => ALIGNMENT,
      alignmentExamples: () =>
        alignmentExamples(DEFAULT_CONFIG, builtInDataSources(DEFAULT_CONFIG)),
      harmful: (n) => HARMFUL.slice(0, n),
    },
    parentValues: new Map(),
    tokenizer: TOKENIZER,
    seed: 5,
    onStep,
  };
}

/**
 * A TINY model at the scale of a trained one: token and position embeddings and every linear
 * weight ×30, so the residual stream has unit-order norms per token and each block changes it
 * visibly (at initialisation the stream is ~0.06 per token, where every LayerNorm makes the loss
 * far from linear in the block outputs, and the logits are nearly uniform).
 */
export async function unitScaleModel(seed: number): Promise<LanguageModel> {
  const init = LanguageModel.init(TINY, seed);
  const values = await init.readValues();
  init.dispose();
  for (const name of values.keys()) {
    if (/wte|wpe|\.(c_attn|c_proj|c_fc)\.weight$/.test(name)) {
      values.set(
        name,
        values.get(name)!.map((v) => v * 30),
      );
    }
  }
  return LanguageModel.fromValues(TINY, values);
}

/** Weights after training a fresh TINY model (seed 3) with an alignment method. */
export async function trainedWeights(method: string, params: Record<string, unknown>) {
  const model = LanguageModel.init(TINY, 3);
  try {
    const report = await getTrainMethod('alignment', method).train(tinyContext(model, params));
    return { values: await model.readValues(), steps: report.steps };
  } finally {
    model.dispose();
  }
}

export function expectSameWeights(a: Map<string, Float32Array>, b: Map<string, Float32Array>) {
  for (const [name, values] of a)
    expect(Array.from(b.get(name)!), name).toEqual(Array.from(values));
}

export function expectSomeWeightDiffers(
  a: Map<string, Float32Array>,
  b: Map<string, Float32Array>,
) {
  const differs = [...a].some(([name, values]) => values.some((v, i) => v !== b.get(name)![i]));
  expect(differs).toBe(true);
}

/**
 * Trains with `method` and checks the live tensor count is the same after the first and the
 * last step, and back to the count before training once it returns.
 */
export async function expectNoTensorLeak(method: string, params: Record<string, unknown>) {
  const model = LanguageModel.init(TINY, 4);
  const counts: number[] = [];
  const before = tf.memory().numTensors;
  const report = await getTrainMethod('alignment', method).train(
    tinyContext(model, params, async () => {
      counts.push(tf.memory().numTensors);
    }),
  );
  expect(report.steps).toBeGreaterThanOrEqual(3);
  expect(counts).toEqual(new Array(counts.length).fill(counts[0]));
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
}

/** Max |a − b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** A one-step constant-lr trainer with clipping: for comparing one step's gradients. */
export const TRAINER_OPTIONS = {
  schedule: { kind: 'constant' as const, peakLr: 1e-2, totalSteps: 1, warmupSteps: 0 },
  weightDecay: 0,
  maxGradNorm: 1,
};
