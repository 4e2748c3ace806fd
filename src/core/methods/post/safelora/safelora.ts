import * as tf from '@tensorflow/tfjs';
import type { PostContext } from '../../types';
import type { SafeLoraParams } from './index';
import type { LanguageModel } from '../../../model/languageModel';
import { matMul } from '../../../model/matmul';
import { adapterNames, adapterSpecs, roleMatrix, roleShape } from '../../../model/lora';
import { getWeight } from '../../../model/weights';
import type { PruneLayerReport } from '../../../prune/report';
import { checkpoint, type CancelToken } from '../../../runtime/cancel';

/**
 * Safe LoRA's alignment matrix for one linear weight, C = VᵀV / ‖V‖_F with V = W_aligned − W_base.
 * The paper writes C = V_t·V_tᵀ / ‖V_t‖_F for a torch Linear weight V_t `[out, in]` and projects
 * the update from the left, C·ΔW_t. The lab stores weights in GPT-2's Conv1D layout `[in, out]`,
 * i.e. V = V_tᵀ, so the same matrix is VᵀV `[out, out]` and the same projection is
 * (C·ΔW_t)ᵀ = ΔW·C: it acts on the output side in both layouts. A zero V gives C = 0.
 */
export function alignmentMatrix(aligned: tf.Tensor2D, base: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const v = tf.sub(aligned, base);
    const frobenius = tf.sqrt(tf.sum(tf.square(v)));
    return tf.divNoNan(matMul(v, v, true, false), frobenius) as tf.Tensor2D;
  });
}

/** ΔW·C: the update projected by the alignment matrix (see `alignmentMatrix` for the layout). */
export function projectUpdate(update: tf.Tensor2D, alignment: tf.Tensor2D): tf.Tensor2D {
  return matMul(update, alignment) as tf.Tensor2D;
}

/** Cosine similarity of two matrices flattened to vectors; 0 when either is zero. */
export async function cosineSimilarity(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const sums = tf.tidy(() =>
    tf.stack([tf.sum(tf.mul(a, b)), tf.sum(tf.square(a)), tf.sum(tf.square(b))]),
  );
  const [dot, aa, bb] = await sums.data();
  sums.dispose();
  if (!(aa > 0 && bb > 0)) return 0;
  return Math.max(-1, Math.min(1, dot / Math.sqrt(aa * bb)));
}

/**
 * Which matrices to project, given their similarities: those at or below the threshold (the
 * official `cos <= thrs_cos`), or exactly the `count` lowest (ties in matrix order).
 */
export function selectProjected(
  similarities: readonly number[],
  params: SafeLoraParams,
): boolean[] {
  if (params.select === 'threshold') return similarities.map((s) => s <= params.threshold);
  const order = similarities.map((s, i) => ({ s, i })).sort((a, b) => a.s - b.s || a.i - b.i);
  const chosen = new Set(order.slice(0, Math.max(0, params.count)).map(({ i }) => i));
  return similarities.map((_s, i) => chosen.has(i));
}

function checkpointValues(
  values: Map<string, Float32Array>,
  which: string,
  name: string,
): Float32Array {
  const data = values.get(name);
  if (!data) {
    throw new Error(`SafeLoRA needs the ${which} checkpoint's "${name}", which is missing`);
  }
  return data;
}

/**
 * Safe LoRA (Hsu et al., NeurIPS 2024) on full weights. For each named matrix, the fine-tuning
 * update ΔW = W_finetuned − W_aligned is projected, ΔW' = ΔW·C, and the similarity of ΔW' with
 * ΔW is measured; the matrices chosen by `selectProjected` become W_aligned + ΔW', the others stay
 * bit-identical. Nothing is written until every similarity is known, so a cancelled run leaves the
 * model untouched. Reports one entry per matrix (`prunedFraction` 0: nothing is zeroed).
 */
export async function applySafeLora(
  model: LanguageModel,
  checkpoints: { base: Map<string, Float32Array>; aligned: Map<string, Float32Array> },
  weightNames: readonly string[],
  params: SafeLoraParams,
  options: { cancel?: CancelToken; onProgress?: (done: number, total: number) => void } = {},
): Promise<PruneLayerReport[]> {
  const candidates: Candidate[] = [];
  const projectedWeights = new Map<string, tf.Tensor2D>();
  try {
    for (const [index, name] of weightNames.entries()) {
      await checkpoint(options.cancel);
      const variable = getWeight(model.weights, name);
      if (variable.rank !== 2) throw new Error(`weight "${name}" is not a matrix`);
      const shape = variable.shape as [number, number];
      const alignedValues = checkpointValues(checkpoints.aligned, 'aligned', name);
      const baseValues = checkpointValues(checkpoints.base, 'base', name);
      const aligned = tf.tensor2d(alignedValues, shape);
      const base = tf.tensor2d(baseValues, shape);
      try {
        const { update, projected } = tf.tidy(() => {
          const delta = tf.sub(variable, aligned) as tf.Tensor2D;
          return { update: delta, projected: projectUpdate(delta, alignmentMatrix(aligned, base)) };
        });
        try {
          candidates.push({ name, shape, similarity: await cosineSimilarity(projected, update) });
          projectedWeights.set(name, tf.add(aligned, projected));
        } finally {
          tf.dispose([update, projected]);
        }
      } finally {
        tf.dispose([aligned, base]);
      }
      options.onProgress?.(index + 1, weightNames.length);
    }
    await checkpoint(options.cancel);
    return writeChosen(model, candidates, projectedWeights, params);
  } finally {
    tf.dispose([...projectedWeights.values()]);
  }
}

interface Candidate {
  name: string;
  shape: [number, number];
  similarity: number;
}

/**
 * Writes the projected value of every matrix `selectProjected` chooses (the others stay
 * bit-identical) and reports each one (`prunedFraction` 0: nothing is zeroed). Called once every
 * similarity is known, so a cancelled run has written nothing.
 */
function writeChosen(
  model: LanguageModel,
  candidates: readonly Candidate[],
  projected: ReadonlyMap<string, tf.Tensor2D>,
  params: SafeLoraParams,
): PruneLayerReport[] {
  const chosen = selectProjected(
    candidates.map((c) => c.similarity),
    params,
  );
  return candidates.map(({ name, shape, similarity }, i) => {
    if (chosen[i]) model.parameter(name).assign(projected.get(name) as tf.Tensor2D);
    return {
      weight: name,
      shape,
      prunedFraction: 0,
      projection: { similarity, projected: chosen[i] },
    };
  });
}

/**
 * Safe LoRA on the fine-tuning adapter, the paper's own setting: the update of a role is
 * ΔW = s·A·B (`[in, out]`, s = alpha/rank) and its projection ΔW·C = s·A·(B·C), with C the
 * alignment matrix of that role's slice of `W_aligned − W_base` (a third of the fused `c_attn`
 * for q, k and v). A projected role keeps its adapter form with B ← B·C; A is never changed. The
 * matrices `weightNames` name are the adapter's (A and B); each role is reported once, under its
 * B. Nothing is written until every similarity is known.
 */
export async function applySafeLoraAdapter(
  model: LanguageModel,
  checkpoints: { base: Map<string, Float32Array>; aligned: Map<string, Float32Array> },
  weightNames: readonly string[],
  params: SafeLoraParams,
  options: { cancel?: CancelToken; onProgress?: (done: number, total: number) => void } = {},
): Promise<PruneLayerReport[]> {
  const adapter = model.adapter;
  if (!adapter) throw new Error('SafeLoRA on the adapter: the model has no fine-tuning adapter');
  const selected = new Set(weightNames);
  const roles = adapterSpecs(model.config, adapter.settings)
    .filter((spec) => spec.matrix === 'B' && selected.has(spec.name))
    .map(({ name, layer, role }) => ({ name, layer, role }));
  const candidates: Candidate[] = [];
  const projectedB = new Map<string, tf.Tensor2D>();
  try {
    for (const [index, { name, layer, role }] of roles.entries()) {
      await checkpoint(options.cancel);
      const { a } = adapterNames(model.config, layer, role);
      const A = model.parameter(a) as tf.Variable<tf.Rank.R2>;
      const B = model.parameter(name) as tf.Variable<tf.Rank.R2>;
      const shape = roleShape(model.config, role);
      const aligned = tf.tensor2d(
        roleMatrix(model.config, checkpoints.aligned, layer, role),
        shape,
      );
      const base = tf.tensor2d(roleMatrix(model.config, checkpoints.base, layer, role), shape);
      try {
        const { update, projected, newB } = tf.tidy(() => {
          const projectedFactor = matMul(B, alignmentMatrix(aligned, base)) as tf.Tensor2D;
          return {
            update: tf.mul(matMul(A, B), adapter.scale),
            projected: tf.mul(matMul(A, projectedFactor), adapter.scale),
            newB: projectedFactor,
          };
        });
        try {
          candidates.push({
            name,
            shape: B.shape as [number, number],
            similarity: await cosineSimilarity(projected, update),
          });
          projectedB.set(name, newB);
        } finally {
          tf.dispose([update, projected]);
        }
      } finally {
        tf.dispose([aligned, base]);
      }
      options.onProgress?.(index + 1, roles.length);
    }
    await checkpoint(options.cancel);
    return writeChosen(model, candidates, projectedB, params);
  } finally {
    tf.dispose([...projectedB.values()]);
  }
}

/**
 * SafeLoRA as a post method: on the adapter, the paper's projection of the LoRA update B·A;
 * merged, of the full delta.
 */
export function apply(ctx: PostContext<SafeLoraParams>): Promise<PruneLayerReport[]> {
  const project = ctx.post.target === 'adapter' ? applySafeLoraAdapter : applySafeLora;
  return project(ctx.model, ctx.checkpoints, ctx.weightNames, ctx.params, {
    cancel: ctx.cancel,
    onProgress: ctx.onProgress,
  });
}
