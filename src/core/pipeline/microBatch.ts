import { recomputeBlocks, type ExperimentConfig } from '../config/schema';
import { getTrainMethod } from '../methods/registry';
import type { ModelConfig } from '../model/config';
import type { DeviceLimits } from '../model/memory';
import { chooseMicroBatch, type MicroBatchChoice } from '../train/microBatch';
import { trainingSeqLen } from '../train/sft';
import type { TrainingStage } from './types';

/**
 * Rows per forward/backward pass for a training stage of `config` on `model`: `runtime.microBatch`
 * when set, else the largest count whose step (the stage's batch, rows, adapter and method)
 * fits `limits` (`trainingLimits(backend, device)`).
 */
export function stageMicroBatch(
  config: ExperimentConfig,
  stage: TrainingStage,
  model: ModelConfig,
  limits: DeviceLimits,
): MicroBatchChoice {
  const settings = config[stage];
  return chooseMicroBatch(
    model,
    {
      batchSize: settings.batchSize,
      seqLen: trainingSeqLen(model),
      lora: settings.lora,
      memory: getTrainMethod(stage, settings.method).stepMemory,
      recompute: recomputeBlocks(config),
    },
    limits,
    config.runtime.microBatch,
  );
}
