import * as tf from '@tensorflow/tfjs';
import type { LanguageModel } from '../../../model/languageModel';
import { adapterNames, adapterSpecs, roleMatrix, roleShape } from '../../../model/lora';
import { matMul } from '../../../model/matmul';
import type { PruneLayerReport } from '../../../prune/report';
import { checkpoint, type CancelToken } from '../../../runtime/cancel';
import type { PostContext } from '../../types';
import { alignmentMatrix, cosineSimilarity, projectUpdate } from '../safelora/safelora';
import type { SafeMergeParams } from './index';

type Checkpoints = { base: Map<string, Float32Array>; aligned: Map<string, Float32Array> };
type Options = { cancel?: CancelToken; onProgress?: (done: number, total: number) => void };

/**
 * SafeMERGE's decision for one layer: merge when the update has drifted from the alignment
 * subspace, i.e. its similarity ρ with its projection is below τ (the paper's ρ < τ).
 */
export function mergesLayer(similarity: number, threshold: number): boolean {
  return similarity < threshold;
}

function checkpointValues(values: Map<string, Float32Array>, which: string, name: string) {
  const data = values.get(name);
  if (!data)
    throw new Error(`SafeMERGE needs the ${which} checkpoint's "${name}", which is missing`);
  return data;
}

/** A layer measured: where to write what, should it be merged. */
interface Measured {
  name: string;
  shape: [number, number];
  similarity: number;
  merged: tf.Tensor2D;
}

/**
 * ρ = cos(projection, update) for one layer; the update and its projection are disposed, the
 * merged candidate is kept for `writeMerged` (and disposed here if the measurement fails).
 */
async function measure(
  name: string,
  shape: [number, number],
  layer: { update: tf.Tensor; projected: tf.Tensor; merged: tf.Tensor2D },
): Promise<Measured> {
  try {
    return {
      name,
      shape,
      similarity: await cosineSimilarity(layer.projected, layer.update),
      merged: layer.merged,
    };
  } catch (error) {
    layer.merged.dispose();
    throw error;
  } finally {
    tf.dispose([layer.update, layer.projected]);
  }
}

/**
 * SafeMERGE on the merged weights: ΔW = W − W_aligned, ρ = cos(ΔW·C, ΔW); a matrix with ρ < τ
 * becomes W_aligned + α·ΔW. Nothing is written until every similarity is known.
 */
export async function applySafeMerge(
  model: LanguageModel,
  checkpoints: Checkpoints,
  weightNames: readonly string[],
  params: SafeMergeParams,
  options: Options = {},
): Promise<PruneLayerReport[]> {
  const measured: Measured[] = [];
  try {
    for (const [index, name] of weightNames.entries()) {
      await checkpoint(options.cancel);
      const variable = model.parameter(name);
      if (variable.rank !== 2) throw new Error(`weight "${name}" is not a matrix`);
      const shape = variable.shape as [number, number];
      const aligned = tf.tensor2d(checkpointValues(checkpoints.aligned, 'aligned', name), shape);
      const base = tf.tensor2d(checkpointValues(checkpoints.base, 'base', name), shape);
      const { update, projected, merged } = tf.tidy(() => {
        const delta = tf.sub(variable, aligned) as tf.Tensor2D;
        return {
          update: delta,
          projected: projectUpdate(delta, alignmentMatrix(aligned, base)),
          merged: tf.add(aligned, tf.mul(delta, params.alpha)) as tf.Tensor2D,
        };
      });
      tf.dispose([aligned, base]);
      measured.push(await measure(name, shape, { update, projected, merged }));
      options.onProgress?.(index + 1, weightNames.length);
    }
    await checkpoint(options.cancel);
    return writeMerged(model, measured, params.threshold);
  } finally {
    tf.dispose(measured.map((m) => m.merged));
  }
}

/**
 * SafeMERGE on the fine-tuning adapter (the paper's setting): per adapted role, ΔW = s·A·B and
 * its projection s·A·(B·C), C the alignment matrix of the role's slice of W_aligned − W_base; a
 * role with ρ < τ gets B ← α·B (so ΔW ← α·ΔW; A is never changed). Reported once per role, under
 * its B. Nothing is written until every similarity is known.
 */
export async function applySafeMergeAdapter(
  model: LanguageModel,
  checkpoints: Checkpoints,
  weightNames: readonly string[],
  params: SafeMergeParams,
  options: Options = {},
): Promise<PruneLayerReport[]> {
  const adapter = model.adapter;
  if (!adapter) throw new Error('SafeMERGE on the adapter: the model has no fine-tuning adapter');
  const selected = new Set(weightNames);
  const roles = adapterSpecs(model.config, adapter.settings).filter(
    (spec) => spec.matrix === 'B' && selected.has(spec.name),
  );
  const measured: Measured[] = [];
  try {
    for (const [index, { name, layer, role }] of roles.entries()) {
      await checkpoint(options.cancel);
      const A = model.parameter(adapterNames(model.config, layer, role).a);
      const B = model.parameter(name);
      const shape = roleShape(model.config, role);
      const aligned = tf.tensor2d(
        roleMatrix(model.config, checkpoints.aligned, layer, role),
        shape,
      );
      const base = tf.tensor2d(roleMatrix(model.config, checkpoints.base, layer, role), shape);
      const { update, projected, merged } = tf.tidy(() => ({
        update: tf.mul(matMul(A, B), adapter.scale),
        projected: tf.mul(matMul(A, matMul(B, alignmentMatrix(aligned, base))), adapter.scale),
        merged: tf.mul(B, params.alpha) as tf.Tensor2D,
      }));
      tf.dispose([aligned, base]);
      measured.push(
        await measure(name, B.shape as [number, number], { update, projected, merged }),
      );
      options.onProgress?.(index + 1, roles.length);
    }
    await checkpoint(options.cancel);
    return writeMerged(model, measured, params.threshold);
  } finally {
    tf.dispose(measured.map((m) => m.merged));
  }
}

/** Writes the merged value of every layer below the threshold and reports each layer. */
function writeMerged(
  model: LanguageModel,
  measured: readonly Measured[],
  threshold: number,
): PruneLayerReport[] {
  return measured.map(({ name, shape, similarity, merged }) => {
    const merge = mergesLayer(similarity, threshold);
    if (merge) model.parameter(name).assign(merged);
    return { weight: name, shape, prunedFraction: 0, projection: { similarity, projected: merge } };
  });
}

/** SafeMERGE as a post method: on the adapter, of the LoRA update; merged, of the full delta. */
export function apply(ctx: PostContext<SafeMergeParams>): Promise<PruneLayerReport[]> {
  const merge = ctx.post.target === 'adapter' ? applySafeMergeAdapter : applySafeMerge;
  return merge(ctx.model, ctx.checkpoints, ctx.weightNames, ctx.params, {
    cancel: ctx.cancel,
    onProgress: ctx.onProgress,
  });
}
