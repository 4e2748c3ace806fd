import * as tf from '@tensorflow/tfjs';
import type { LanguageModel } from '../model/languageModel';
import type { CancelToken } from '../runtime/cancel';
import { packExamples, type TokenizedExample } from './batching';
import { trainSupervised, trainingSeqLen, type SftReport } from './loop';
import { createRng } from '../random';

/**
 * `steps` optimizer steps on a handful of `examples`, each step on all of them at once (one
 * batch per epoch, the epoch's seeded order), changing only the matrices `names` — what a
 * post-fine-tuning method that trains (`safety-patch`, `safety-arithmetic`) needs. The training
 * loop is the stages' own (`trainSupervised`: AdamW, packing, loss on the answer), at a constant
 * `lr` without weight decay, gradients clipped to norm 1. Same seed and data → same weights.
 */
export async function trainMatrices(
  model: LanguageModel,
  examples: readonly TokenizedExample[],
  names: readonly string[],
  options: {
    steps: number;
    lr: number;
    seed: number;
    padId: number;
    cancel?: CancelToken;
    onStep?: (done: number, total: number) => void;
  },
): Promise<SftReport> {
  if (examples.length === 0) throw new Error('no examples to train on (the set is empty)');
  const variables = names.map((name) => model.parameter(name));
  const frozen = variables.filter((variable) => !variable.trainable);
  if (frozen.length > 0) throw new Error(`"${frozen[0].name}" is not a trained matrix`);
  const seqLen = trainingSeqLen(model.config);
  // The most rows an epoch's packing makes: one batch then holds every example.
  let rows = 1;
  for (let epoch = 0; epoch < options.steps; epoch++) {
    const order = createRng(options.seed).fork(`epoch-${epoch}`).shuffle(examples);
    rows = Math.max(rows, packExamples(order, seqLen).rows.length);
  }
  return trainSupervised(model, examples, {
    epochs: options.steps,
    batchSize: rows,
    lr: options.lr,
    schedule: 'constant',
    warmupFraction: 0,
    weightDecay: 0,
    maxGradNorm: 1,
    seed: options.seed,
    seqLen,
    padId: options.padId,
    cancel: options.cancel,
    onStep: (result, total) => options.onStep?.(result.step + 1, total),
    // Only the named matrices are differentiated; AdamW skips parameters without a gradient.
    gradients: (_trainer, tensors) => {
      const { value, grads } = tf.variableGrads(() => model.loss(tensors), variables);
      const named: Record<string, tf.Tensor> = {};
      names.forEach((name, i) => (named[name] = grads[variables[i].name]));
      return { loss: value, grads: named };
    },
  });
}
