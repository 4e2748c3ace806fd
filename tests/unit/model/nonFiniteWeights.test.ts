/**
 * A checkpoint's weights must be finite: a NaN or an infinity in a file from outside would make
 * every loss NaN many minutes later, far from its cause. Loading refuses it in one line naming the
 * tensor, as each weight is decoded.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { checkpointFiles, valuesFromHubTensors } from '../../../src/core/model/checkpoint';
import {
  readSafetensors,
  writeSafetensors,
  type WrittenDtype,
} from '../../../src/core/model/safetensors';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { initialValues } from '../../../src/core/model/weights';
import { TINY } from '../support/tiny';

const POISONED = 'transformer.h.1.mlp.c_fc.weight';

/** TINY's checkpoint with one value of one weight replaced. */
function checkpointWith(value: number, dtype: WrittenDtype = 'F32') {
  const values = initialValues(TINY, 3);
  values.get(POISONED)![5] = value;
  const files = checkpointFiles(TINY, values);
  if (dtype === 'F32') return files.safetensors;
  // Re-written at a narrower dtype, as Hub checkpoints usually are.
  const { tensors, metadata } = readSafetensors(files.safetensors);
  return writeSafetensors(tensors, metadata, dtype);
}

describe('non-finite weights', () => {
  it.each([
    [NaN, 'F32'],
    [Infinity, 'F32'],
    [-Infinity, 'F32'],
    [NaN, 'BF16'],
    [Infinity, 'F16'],
    [1e6, 'F16'], // past F16's largest value: infinite once written
  ] as const)(
    'refuses %s (%s) in one line naming the tensor, from either loader',
    (value, dtype) => {
      const bytes = checkpointWith(value, dtype);
      const message = new RegExp(
        `^checkpoint: "${POISONED.replace(/\./g, '\\.')}" holds (NaN|-?Infinity) at index 5; a weight must be a finite number$`,
      );
      expect(() => valuesFromHubTensors(TINY, readSafetensors(bytes).tensors)).toThrow(message);
    },
  );

  it('loads finite extremes: the largest float32, subnormals, negative zero', () => {
    const values = initialValues(TINY, 3);
    values.get(POISONED)!.set([3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -0], 0);
    const { tensors } = readSafetensors(checkpointFiles(TINY, values).safetensors);
    expect(valuesFromHubTensors(TINY, tensors).get(POISONED)!.slice(0, 4)).toEqual(
      values.get(POISONED)!.slice(0, 4),
    );
  });
});

describe('a model refused half-way through its weights', () => {
  it('keeps none of the tensors it had made (the failing weight is in block 1, after block 0 was built)', () => {
    const before = tf.memory().numTensors;
    const values = initialValues(TINY, 3);
    // A source that fails on one weight, as a decode that meets a NaN does.
    const source = {
      get(name: string) {
        if (name === POISONED) throw new Error(`checkpoint: "${name}" holds NaN at index 5`);
        return values.get(name);
      },
    };
    expect(() => LanguageModel.fromValues(TINY, source)).toThrow(/holds NaN at index 5/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
