import * as tf from '@tensorflow/tfjs';
import type { PruneLayerReport } from '../../../prune/report';
import { checkpoint } from '../../../runtime/cancel';
import { trainMatrices } from '../../../train/fewSteps';
import type { PostContext } from '../../types';
import type { SafetyArithmeticParams } from './index';

/**
 * The harm vector trimmed to its `keep` fraction of largest-magnitude entries,
 * `Math.round(keep · n)` of them (ties: the lower index first); the others become 0.
 */
export function trimToLargest(vector: Float32Array, keep: number): Float32Array {
  const count = Math.round(keep * vector.length);
  if (count >= vector.length) return vector.slice();
  const order = Array.from(vector.keys()).sort(
    (a, b) => Math.abs(vector[b]) - Math.abs(vector[a]) || a - b,
  );
  const trimmed = new Float32Array(vector.length);
  for (const i of order.slice(0, count)) trimmed[i] = vector[i];
  return trimmed;
}

/** θ − λ·τ, entry by entry (Float32, as the weights are stored). */
export function subtractHarm(
  weights: Float32Array,
  harm: Float32Array,
  lambda: number,
): Float32Array {
  if (weights.length !== harm.length) {
    throw new Error(`harm vector has ${harm.length} entries, the matrix ${weights.length}`);
  }
  return weights.map((w, i) => w - lambda * harm[i]);
}

/**
 * Harm Direction Removal (Hazra et al. 2024) on `ctx.weightNames`: θ_harm = θ after
 * `steps` steps on `samples` re-alignment examples, τ = θ_harm − θ, τ' = τ trimmed to its
 * largest `keep` entries per matrix, θ ← θ − λ·τ'. The fine-tuned values are restored before the
 * subtraction, so only the selected matrices change. Reports each (nothing is zeroed).
 */
export async function apply(ctx: PostContext<SafetyArithmeticParams>): Promise<PruneLayerReport[]> {
  if (!ctx.training) {
    throw new Error('safety-arithmetic needs the re-alignment examples (no training data given)');
  }
  const { lambda, keep, samples, steps, lr } = ctx.params;
  const names = ctx.weightNames;
  const finetuned = new Map<string, Float32Array>();
  for (const name of names) {
    finetuned.set(name, (await ctx.model.parameter(name).data()) as Float32Array);
  }
  const examples = ctx.training.realignment().slice(0, samples);
  try {
    await trainMatrices(ctx.model, examples, names, {
      steps,
      lr,
      seed: ctx.seed,
      padId: ctx.training.padId,
      cancel: ctx.cancel,
      onStep: ctx.onProgress,
    });
    await checkpoint(ctx.cancel);
  } catch (error) {
    restore(ctx, finetuned);
    throw error;
  }
  const reports: PruneLayerReport[] = [];
  for (const name of names) {
    const variable = ctx.model.parameter(name);
    const before = finetuned.get(name) as Float32Array;
    const harmful = (await variable.data()) as Float32Array;
    const harm = trimToLargest(
      harmful.map((h, i) => h - before[i]),
      keep,
    );
    const repaired = subtractHarm(before, harm, lambda);
    tf.tidy(() => variable.assign(tf.tensor(repaired, variable.shape, 'float32')));
    reports.push({ weight: name, shape: variable.shape as [number, number], prunedFraction: 0 });
  }
  return reports;
}

/** Puts the fine-tuned values back (a cancelled or failed run leaves the model as it was). */
function restore(ctx: PostContext, values: Map<string, Float32Array>): void {
  for (const [name, data] of values) {
    const variable = ctx.model.parameter(name);
    tf.tidy(() => variable.assign(tf.tensor(data, variable.shape, 'float32')));
  }
}
