import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  COUNTED_ROWS_MULTIPLE,
  batchFromSequences,
  countedRows,
  disposeBatchTensors,
  toBatchTensors,
  type TokenBatch,
} from '../../../src/core/model/batch';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { useBackend } from '../support/backend';
import { TINY } from '../support/tiny';

/** A batch whose loss counts only each row's last few positions, as a fine-tuning answer's. */
function answerBatch(): TokenBatch {
  // 24 rows of 8: 192 positions, 48 of which count (a 64-position gather).
  const rows = Array.from({ length: 24 }, (_, b) =>
    Array.from({ length: TINY.contextLength }, (_, t) => (b * 11 + t * 5) % TINY.vocabSize),
  );
  const batch = batchFromSequences(rows, TINY.contextLength, 0);
  batch.lossMask.forEach((_, i) => {
    const t = i % TINY.contextLength;
    batch.lossMask[i] = t >= TINY.contextLength - 3 && t < TINY.contextLength - 1 ? 1 : 0;
  });
  return batch;
}

describe('the loss over the counted positions only', () => {
  afterAll(async () => useBackend('cpu'));

  it('lists the counted positions, then masked ones up to a multiple of 64; none when all count', () => {
    const mask = new Float32Array(200);
    mask[3] = 1;
    mask[150] = 1;
    const rows = countedRows(mask) as Int32Array;
    expect(rows.length).toBe(COUNTED_ROWS_MULTIPLE);
    expect([...rows.slice(0, 3)]).toEqual([3, 150, 0]);
    expect(rows.slice(2).every((i) => mask[i] === 0)).toBe(true);
    expect(new Set(rows).size).toBe(rows.length);
    expect(countedRows(new Float32Array(100).fill(1))).toBeNull();
    // 65 counted of 100: padding to 128 would be every position.
    expect(countedRows(new Float32Array(100).fill(1, 0, 65))).toBeNull();
  });

  const cases = [
    ['cpu', true],
    ['wasm', true],
    ['cpu', false],
    ['wasm', false],
  ] as const;
  for (const [backend, lora] of cases) {
    it(`${backend}, ${lora ? 'LoRA' : 'full training'}: gives the loss and gradients of every position's masked mean`, async () => {
      await useBackend(backend);
      const model = LanguageModel.init(TINY, 3);
      if (lora)
        model.attachAdapter({ rank: 4, alpha: 8, targets: ['attn.q', 'attn.v'] }, { seed: 4 });
      const batch = answerBatch();
      const gathered = toBatchTensors(batch);
      expect(gathered.countedRows?.shape).toEqual([COUNTED_ROWS_MULTIPLE]);
      const whole = { ...gathered, countedRows: undefined };
      const variables = [...model.trainable.values()];
      const measure = async (input: typeof gathered) => {
        const { value, grads } = tf.variableGrads(() => model.loss(input), variables);
        const result = {
          loss: (await value.data())[0],
          grads: await Promise.all(Object.values(grads).map(async (g) => [...(await g.data())])),
        };
        tf.dispose([value, ...Object.values(grads)]);
        return result;
      };
      const a = await measure(gathered);
      const b = await measure(whole);
      expect(a.loss).toBeCloseTo(b.loss, 5);
      a.grads.forEach((g, i) =>
        g.forEach((v, j) => expect(Math.abs(v - b.grads[i][j])).toBeLessThan(1e-5)),
      );
      disposeBatchTensors(gathered);
      model.dispose();
    });
  }
});
