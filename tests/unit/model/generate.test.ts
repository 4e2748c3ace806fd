import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchFromSequences,
  disposeBatchTensors,
  toBatchTensors,
} from '../../../src/core/model/batch';
import { generateGreedy } from '../../../src/core/model/generate';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { initialValues } from '../../../src/core/model/weights';
import { createRng } from '../../../src/core/random';
import { useBackend } from '../support/backend';
import { TINY } from '../support/tiny';

/** Reference decoder: re-run the full forward pass on the whole prefix for every new token. */
function greedyWithoutCache(
  model: LanguageModel,
  prompt: number[],
  maxNewTokens: number,
  stopId: number,
): number[] {
  const sequence = prompt.slice();
  const out: number[] = [];
  while (out.length < maxNewTokens && sequence.length < model.config.contextLength) {
    const batch = toBatchTensors(batchFromSequences([sequence], sequence.length, 0));
    const next = tf.tidy(() => tf.argMax(model.logits(batch), -1).dataSync()[sequence.length - 1]);
    disposeBatchTensors(batch);
    if (next === stopId) break;
    out.push(next);
    sequence.push(next);
  }
  return out;
}

describe.each(['cpu', 'wasm'] as const)('greedy generation with a KV cache on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('equals full-recompute greedy decoding for a batch of prompts of different lengths', async () => {
    const config = { ...TINY, contextLength: 12 };
    const values = initialValues(config, 9);
    const rng = createRng(3);
    for (const data of values.values())
      for (let i = 0; i < data.length; i++) data[i] += rng.normal() * 0.5;
    const model = LanguageModel.fromValues(config, values);
    const prompts = [[1, 2, 3], [4], [5, 6, 7, 8, 9], [10, 11]];
    const stopId = 12;
    const before = tf.memory().numTensors;
    const cached = await generateGreedy(model, prompts, { maxNewTokens: 6, stopIds: [stopId] });
    expect(tf.memory().numTensors).toBe(before);
    const reference = prompts.map((p) => greedyWithoutCache(model, p, 6, stopId));
    expect(cached).toEqual(reference);
    expect(cached.some((row) => row.length > 0)).toBe(true);
    model.dispose();
  });
});
