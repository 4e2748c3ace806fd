import * as tf from '@tensorflow/tfjs';
import { headLogits } from './matmul';
import { MASKED } from './batch';
import type { LanguageModel } from './languageModel';

export interface GenerateOptions {
  maxNewTokens: number;
  /** Generation of a row stops after it emits one of these. */
  stopIds: readonly number[];
  /** Keep the stop token at the end of a row's output (the CLI's `generate` shows it); default false. */
  includeStop?: boolean;
  /** Checked between steps; throw to cancel. */
  checkCancelled?: () => void;
  /** Sees step `t`'s logits `[batch, vocab]` (next token after position `t`); must not keep the tensor. */
  onLogits?: (t: number, logits: tf.Tensor2D) => void;
}

/**
 * Greedy decoding of a batch of prompts with a key/value cache, through the model's own forward
 * pass (`LanguageModel.decodeStep`, the attention training uses). All rows advance one position per
 * step; a row still inside its prompt is fed its next prompt token (so prompts of different
 * lengths need no padding and keep their true positions), then its own argmax. Cache tensors keep
 * a fixed shape `[batch·kvHeads, maxLen, headDim]` (WebGPU pools buffers by exact size): the new
 * key and value are written into position t with a one-hot mask (on wasm, into the cache's own
 * buffer), block by block in place of the old cache (`DecodeCache`).
 * Returns the generated ids per row, without the prompt (and without the stop token unless `includeStop`).
 */
export async function generateGreedy(
  model: LanguageModel,
  prompts: readonly number[][],
  options: GenerateOptions,
): Promise<number[][]> {
  const { nLayers: L, contextLength } = model.config;
  const B = prompts.length;
  if (B === 0) return [];
  // Keep each prompt's last tokens so that at least one new token fits in the context.
  const rows = prompts.map((prompt, b) => {
    if (prompt.length === 0) throw new Error(`prompt ${b} is empty`);
    return prompt.slice(Math.max(0, prompt.length - (contextLength - 1)));
  });
  const longest = Math.max(...rows.map((r) => r.length));
  const maxLen = Math.min(contextLength, longest + options.maxNewTokens);
  const stop = new Set(options.stopIds);
  const outputs: number[][] = rows.map(() => []);
  const done = rows.map((row) => row.length >= maxLen);

  const { nKvHeads: K, headDim: D } = model.config;
  const keys: tf.Tensor3D[] = Array.from({ length: L }, () => tf.zeros([B * K, maxLen, D]));
  const values: tf.Tensor3D[] = Array.from({ length: L }, () => tf.zeros([B * K, maxLen, D]));
  let current = rows.map((row) => row[0]);

  try {
    for (let t = 0; t < maxLen - 1 && done.some((d) => !d); t++) {
      options.checkCancelled?.();
      const slot = new Float32Array(maxLen);
      slot[t] = 1;
      const visible = new Float32Array(maxLen).fill(MASKED).fill(0, 0, t + 1);
      // The step replaces each block's key and value in `keys` and `values` (the old ones are
      // disposed as it goes); returning the arrays keeps the new ones past the tidy.
      const step = tf.tidy(() => {
        const { hidden } = model.decodeStep(
          {
            batch: B,
            seqLen: 1,
            tokens: tf.tensor1d(current, 'int32'),
            positions: tf.fill([B], t, 'int32') as tf.Tensor1D,
            attentionBias: tf.tensor4d(visible, [1, 1, 1, maxLen]),
          },
          { keys, values, writeMask: tf.tensor3d(slot, [1, maxLen, 1]), slot: t },
        );
        const logits = headLogits(hidden, model.head);
        options.onLogits?.(t, logits);
        return { next: tf.argMax(logits, -1), keys: [...keys], values: [...values] };
      });
      const predicted = Array.from(await step.next.data());
      step.next.dispose();
      current = rows.map((row, b) => {
        if (t + 1 < row.length) return row[t + 1];
        if (!done[b]) {
          if (stop.has(predicted[b])) {
            done[b] = true;
            if (options.includeStop) outputs[b].push(predicted[b]);
          } else {
            outputs[b].push(predicted[b]);
            if (
              outputs[b].length >= options.maxNewTokens ||
              row.length + outputs[b].length >= maxLen
            )
              done[b] = true;
          }
        }
        return predicted[b];
      });
    }
  } finally {
    tf.dispose([...keys, ...values]);
  }
  return outputs;
}
