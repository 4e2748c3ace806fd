import * as tf from '@tensorflow/tfjs';
import { matMul } from './matmul';
import { MASKED } from './batch';
import type { GPT } from './gpt';
import { layerNorm } from './layerNorm';
import { linear } from './linear';
import { mlp } from './mlp';
import { getWeight, layerPrefix } from './weights';

export interface GenerateOptions {
  maxNewTokens: number;
  /** Generation of a row stops after it emits one of these. */
  stopIds: readonly number[];
  /** Checked between steps; throw to cancel. */
  checkCancelled?: () => void;
}

/**
 * Greedy decoding of a batch of prompts with a key/value cache. All rows advance one position per
 * step; a row still inside its prompt is fed its next prompt token (so prompts of different
 * lengths need no padding and keep their true positions), then its own argmax. Cache tensors keep
 * a fixed shape `[batch·heads, maxLen, headDim]` (WebGPU pools buffers by exact size): the new key
 * and value are written into position t with a one-hot mask.
 * Returns the generated ids per row, without the prompt and without the stop token.
 */
export async function generateGreedy(
  model: GPT,
  prompts: readonly number[][],
  options: GenerateOptions,
): Promise<number[][]> {
  const { dModel: C, nHeads: H, nLayers: L, contextLength } = model.config;
  const B = prompts.length;
  if (B === 0) return [];
  const headDim = C / H;
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

  const w = model.weights;
  const wte = getWeight(w, 'transformer.wte.weight') as tf.Tensor2D;
  const wpe = getWeight(w, 'transformer.wpe.weight') as tf.Tensor2D;
  let keys: tf.Tensor3D[] = Array.from({ length: L }, () => tf.zeros([B * H, maxLen, headDim]));
  let values: tf.Tensor3D[] = Array.from({ length: L }, () => tf.zeros([B * H, maxLen, headDim]));
  let current = rows.map((row) => row[0]);

  try {
    for (let t = 0; t < maxLen - 1 && done.some((d) => !d); t++) {
      options.checkCancelled?.();
      const slot = new Float32Array(maxLen);
      slot[t] = 1;
      const visible = new Float32Array(maxLen).fill(MASKED).fill(0, 0, t + 1);
      const step = tf.tidy(() => {
        const writeMask = tf.tensor3d(slot, [1, maxLen, 1]);
        const bias = tf.tensor3d(visible, [1, 1, maxLen]);
        let x = tf.add(
          tf.gather(wte, tf.tensor1d(current, 'int32')),
          tf.slice(wpe, [t, 0], [1, C]),
        ) as tf.Tensor2D;
        const newKeys: tf.Tensor3D[] = [];
        const newValues: tf.Tensor3D[] = [];
        for (let l = 0; l < L; l++) {
          const p = layerPrefix(l);
          const h = layerNorm(x, getWeight(w, `${p}.ln_1.weight`), getWeight(w, `${p}.ln_1.bias`));
          const qkv = linear(
            h,
            getWeight(w, `${p}.attn.c_attn.weight`),
            getWeight(w, `${p}.attn.c_attn.bias`),
          );
          const [q, k, v] = tf
            .split(qkv, 3, 1)
            .map((part) => tf.reshape(part, [B * H, 1, headDim]) as tf.Tensor3D);
          const layerKeys = tf.add(keys[l], tf.mul(writeMask, k)) as tf.Tensor3D;
          const layerValues = tf.add(values[l], tf.mul(writeMask, v)) as tf.Tensor3D;
          newKeys.push(tf.keep(layerKeys));
          newValues.push(tf.keep(layerValues));
          const scores = tf.add(
            tf.mul(matMul(q, layerKeys, false, true), 1 / Math.sqrt(headDim)),
            bias,
          );
          const context = tf.reshape(matMul(tf.softmax(scores), layerValues), [
            B,
            C,
          ]) as tf.Tensor2D;
          x = tf.add(
            x,
            linear(
              context,
              getWeight(w, `${p}.attn.c_proj.weight`),
              getWeight(w, `${p}.attn.c_proj.bias`),
            ),
          ) as tf.Tensor2D;
          const m = layerNorm(x, getWeight(w, `${p}.ln_2.weight`), getWeight(w, `${p}.ln_2.bias`));
          x = tf.add(x, mlp(m, w, p)) as tf.Tensor2D;
        }
        const final = layerNorm(
          x,
          getWeight(w, 'transformer.ln_f.weight'),
          getWeight(w, 'transformer.ln_f.bias'),
        );
        const next = tf.argMax(matMul(final, wte, false, true), -1);
        return { next, newKeys, newValues };
      });
      tf.dispose([...keys, ...values]);
      keys = step.newKeys;
      values = step.newValues;
      const predicted = Array.from(await step.next.data());
      step.next.dispose();
      current = rows.map((row, b) => {
        if (t + 1 < row.length) return row[t + 1];
        if (!done[b]) {
          if (stop.has(predicted[b])) done[b] = true;
          else {
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
