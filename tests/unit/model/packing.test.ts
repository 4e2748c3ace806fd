import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchFromSequences,
  disposeBatchTensors,
  toBatchTensors,
} from '../../../src/core/model/batch';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { packExamples, rowsToBatch } from '../../../src/core/train/batching';
import { useBackend } from '../support/backend';
import { TINY } from '../support/tiny';

describe('packed rows', () => {
  beforeAll(() => useBackend('cpu'));

  it('give each example exactly the per-token losses it has alone', () => {
    const model = LanguageModel.init({ ...TINY, contextLength: 12 }, 4);
    const examples = [
      { ids: [1, 2, 3, 4, 5], lossFrom: 2 },
      { ids: [6, 7, 8], lossFrom: 1 },
      { ids: [9, 10, 11, 12], lossFrom: 3 },
    ];
    const { rows } = packExamples(examples, 12);
    expect(rows).toHaveLength(1);
    const packed = toBatchTensors(rowsToBatch(rows, 2, 12, 0));
    const packedLosses = tf.tidy(() => model.tokenLosses(packed)).dataSync();
    let offset = 0;
    for (const example of examples) {
      const alone = toBatchTensors(batchFromSequences([example.ids], 12, 0));
      const aloneLosses = tf.tidy(() => model.tokenLosses(alone)).dataSync();
      for (let i = 0; i + 1 < example.ids.length; i++) {
        expect(packedLosses[offset + i]).toBeCloseTo(aloneLosses[i], 5);
      }
      offset += example.ids.length;
      disposeBatchTensors(alone);
    }
    disposeBatchTensors(packed);
    model.dispose();
  });

  it('mask the loss to response tokens and never across example boundaries', () => {
    const { rows } = packExamples(
      [
        { ids: [1, 2, 3, 4], lossFrom: 2 },
        { ids: [5, 6, 7], lossFrom: 2 },
      ],
      10,
    );
    const batch = rowsToBatch(rows, 1, 10, 0);
    // Targets counted: 3,4 (first example, positions 1,2) and 7 (second, position 5).
    expect(Array.from(batch.lossMask)).toEqual([0, 1, 1, 0, 0, 1, 0, 0, 0, 0]);
    expect(Array.from(batch.targets.filter((_, i) => batch.lossMask[i] === 1))).toEqual([3, 4, 7]);
    expect(Array.from(batch.positions.slice(0, 7))).toEqual([0, 1, 2, 3, 0, 1, 2]);
  });

  it('truncate over-long examples and count them', () => {
    const { rows, truncated } = packExamples([{ ids: [1, 2, 3, 4, 5, 6], lossFrom: 1 }], 4);
    expect(truncated).toBe(1);
    expect(rows[0].tokens).toEqual([1, 2, 3, 4]);
  });
});
