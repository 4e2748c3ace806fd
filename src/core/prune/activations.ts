import * as tf from '@tensorflow/tfjs';
import { disposeBatchTensors, toBatchTensors, type TokenBatch } from '../model/batch';
import type { LanguageModel } from '../model/languageModel';
import { checkpoint, type CancelToken } from '../runtime/cancel';

/**
 * Wanda's activation statistic ‖X_i‖₂ for every input feature i of each named linear weight,
 * over all non-padding tokens of `batches` (Sun et al. 2024, eq. 1; Antidote scores the
 * re-alignment set with it). One forward pass per batch; squares are summed on the device per
 * batch, then accumulated across batches in Float64 so a long calibration set loses no precision.
 *
 * Padding positions (`segments[t] < 0`) are excluded: their activations are real numbers (the pad
 * token is embedded like any other) but not part of any example.
 *
 * Inputs are taken from the model as it is, in a single pass for all layers (every layer sees the
 * unpruned layers before it), as the one-shot description in the Antidote paper.
 */
export async function collectActivationNorms(
  model: LanguageModel,
  batches: readonly TokenBatch[],
  weightNames: readonly string[],
  cancel?: CancelToken,
  onBatch?: (done: number, total: number) => void,
): Promise<Map<string, Float32Array>> {
  const wanted = new Set(weightNames);
  const sums = new Map<string, Float64Array>();
  for (const [index, batch] of batches.entries()) {
    await checkpoint(cancel);
    const tensors = toBatchTensors(batch);
    const keep = new Float32Array(batch.segments.length);
    for (let t = 0; t < keep.length; t++) keep[t] = batch.segments[t] >= 0 ? 1 : 0;
    const names: string[] = [];
    const squares: tf.Tensor1D[] = [];
    try {
      tf.tidy(() => {
        const tokenWeight = tf.tensor2d(keep, [keep.length, 1]);
        model.hidden(tensors, {
          linearInput: (name, input) => {
            if (!wanted.has(name)) return;
            names.push(name);
            // Kept: the forward pass tidies each block's tensors away as it goes (`forward.ts`).
            squares.push(tf.keep(tf.sum(tf.mul(tf.square(input), tokenWeight), 0) as tf.Tensor1D));
          },
        });
      });
    } catch (error) {
      tf.dispose(squares);
      throw error;
    } finally {
      disposeBatchTensors(tensors);
    }
    try {
      for (const [i, name] of names.entries()) {
        const values = await squares[i].data();
        let sum = sums.get(name);
        if (!sum) {
          sum = new Float64Array(values.length);
          sums.set(name, sum);
        }
        for (let j = 0; j < values.length; j++) sum[j] += values[j];
      }
    } finally {
      tf.dispose(squares);
    }
    onBatch?.(index + 1, batches.length);
  }
  const norms = new Map<string, Float32Array>();
  for (const name of weightNames) {
    const sum = sums.get(name);
    if (!sum) {
      if (batches.length === 0)
        throw new Error('no calibration batches to collect activations from');
      throw new Error(`no linear layer "${name}" was seen in the forward pass`);
    }
    norms.set(name, Float32Array.from(sum, Math.sqrt));
  }
  return norms;
}
