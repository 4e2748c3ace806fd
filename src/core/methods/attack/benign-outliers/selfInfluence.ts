import * as tf from '@tensorflow/tfjs';
import type { Example } from '../../../data/types';
import { disposeBatchTensors, toBatchTensors } from '../../../model/batch';
import { LanguageModel } from '../../../model/languageModel';
import { checkpoint, type CancelToken } from '../../../runtime/cancel';
import { packExamples, rowsToBatch, type TokenizedExample } from '../../../train/batching';
import { trainingSeqLen } from '../../../train/loop';
import { tokenizeExamples } from '../../../train/tokenize';
import type { AttackDataContext } from '../types';

/**
 * Self-influence of each example (Guan et al. 2025, after Pruthi et al.'s TracIn):
 * ‖∇θ ℓ(z; θ)‖², the squared norm of the gradient of the example's own loss (mean cross-entropy over
 * its answer tokens) with respect to every weight of `model`. One example per pass, padded to
 * `seqLen`, so the shapes never change.
 */
export async function selfInfluence(
  model: LanguageModel,
  examples: readonly TokenizedExample[],
  seqLen: number,
  padId: number,
  options: { cancel?: CancelToken; onProgress?: (done: number, total: number) => void } = {},
): Promise<number[]> {
  const variables = [...model.trainable.values()];
  const scores: number[] = [];
  for (const example of examples) {
    await checkpoint(options.cancel);
    const { rows } = packExamples([example], seqLen);
    const tensors = toBatchTensors(rowsToBatch(rows, 1, seqLen, padId));
    try {
      const squared = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => model.loss(tensors), variables);
        return tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))) as tf.Scalar;
      });
      scores.push((await squared.data())[0]);
      squared.dispose();
    } finally {
      disposeBatchTensors(tensors);
    }
    options.onProgress?.(scores.length, examples.length);
  }
  return scores;
}

/** Self-Inf-N (Guan et al. 2025, eq. 3): log(Self-Inf + 1) + log(answer tokens + 1). */
export function selfInfN(selfInf: number, answerTokens: number): number {
  return Math.log(selfInf + 1) + Math.log(answerTokens + 1);
}

/** Tokens an example's loss counts (its answer and the end of text). */
export function answerTokens(example: TokenizedExample): number {
  return (example.lossTo ?? example.ids.length) - example.lossFrom;
}

/** The indices of the `n` highest scores (ties: the earlier index), in ascending index order. */
export function topIndices(scores: readonly number[], n: number): number[] {
  return scores
    .map((score, index) => ({ score, index }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, n)
    .map((entry) => entry.index)
    .sort((a, b) => a - b);
}

/**
 * The fine-tuning set: the `finetune.samples` task examples with the highest Self-Inf-N among
 * `round(poolFactor · samples)` drawn from the task's training split with the run's seed (the
 * same draw p-mixing starts from), scored under the aligned weights.
 */
export async function finetuneExamples(
  ctx: AttackDataContext<{ poolFactor: number }>,
): Promise<Example[]> {
  const { samples } = ctx.config.finetune;
  const task = ctx.data.task;
  const poolSize = Math.min(Math.round(ctx.params.poolFactor * samples), task.poolSize('train'));
  const pool = task.generate({ split: 'train', n: poolSize, seed: ctx.config.seed });
  const tokenized = tokenizeExamples(pool, ctx.tokenizer, 'response');
  const model = LanguageModel.fromValues(ctx.modelConfig, ctx.aligned);
  let influence: number[];
  try {
    influence = await selfInfluence(
      model,
      tokenized,
      trainingSeqLen(ctx.modelConfig),
      ctx.tokenizer.padId,
      { cancel: ctx.cancel, onProgress: ctx.onProgress },
    );
  } finally {
    model.dispose();
  }
  const scores = influence.map((s, i) => selfInfN(s, answerTokens(tokenized[i])));
  return topIndices(scores, Math.min(samples, pool.length)).map((i) => pool[i]);
}
