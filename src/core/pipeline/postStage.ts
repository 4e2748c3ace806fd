import type { Example } from '../data/types';
import { getPostMethod } from '../methods/registry';
import type { TokenBatch } from '../model/batch';
import type { LanguageModel } from '../model/languageModel';
import { postWeightNames } from '../prune/layers';
import type { Tokenizer } from '../tokenizer/types';
import { packExamples, rowsToBatch } from '../train/batching';
import { trainingSeqLen } from '../train/loop';
import { tokenizeExamples } from '../train/tokenize';
import type { RunContext } from './context';
import { realignmentExamples, taskCalibrationExamples } from './stageData';
import type { PruneLayerReport } from './types';

const CALIBRATION_BATCH = 16;

/**
 * The post-fine-tuning stage's work: the registered post method on `model` (as `postPlan` built
 * it), with Antidote's re-alignment set and `wanda-benign`'s calibration set (the user's own
 * fine-tuning task data, without poison) as batches, and, for the methods that train, refusals
 * and the re-alignment set as examples. Returns what it pruned, if it reports it.
 */
export async function applyPostMethod(
  run: RunContext,
  model: LanguageModel,
  checkpoints: { base: Map<string, Float32Array>; aligned: Map<string, Float32Array> },
): Promise<PruneLayerReport[] | undefined> {
  const { config, data, tokenizer, events } = run;
  events.stageStart('post', 1, false);
  const seqLen = trainingSeqLen(run.modelConfig);
  return getPostMethod(config.post.method).apply({
    model,
    post: config.post,
    params: config.post.params,
    weightNames: postWeightNames(model, config.post),
    realignmentBatches: calibrationBatches(realignmentExamples(config, data), tokenizer, seqLen),
    taskBatches: calibrationBatches(taskCalibrationExamples(config, data), tokenizer, seqLen),
    seed: config.seed,
    checkpoints,
    training: {
      refusals: (n) =>
        tokenizeExamples(
          data.refusal.generate({
            split: 'train',
            n: Math.min(n, data.refusal.poolSize('train')),
            seed: config.seed,
          }),
          tokenizer,
          'response',
        ),
      realignment: () => tokenizeExamples(realignmentExamples(config, data), tokenizer, 'response'),
      padId: tokenizer.padId,
    },
    cancel: run.cancel,
    onProgress: (done, total) => events.postProgress(done, total),
  });
}

/** Whole examples (prompt and answer) packed into fixed-shape batches, for activation statistics. */
function calibrationBatches(
  examples: Example[],
  tokenizer: Tokenizer,
  seqLen: number,
): TokenBatch[] {
  const { rows } = packExamples(tokenizeExamples(examples, tokenizer, 'all'), seqLen);
  const batches: TokenBatch[] = [];
  for (let i = 0; i < rows.length; i += CALIBRATION_BATCH) {
    batches.push(
      rowsToBatch(rows.slice(i, i + CALIBRATION_BATCH), CALIBRATION_BATCH, seqLen, tokenizer.padId),
    );
  }
  return batches;
}
