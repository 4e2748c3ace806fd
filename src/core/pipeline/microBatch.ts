import { recomputePolicy, type ExperimentConfig } from '../config/schema';
import { getTrainMethod } from '../methods/registry';
import type { ModelConfig } from '../model/config';
import { GENERATION_BATCH } from '../generation/answers';
import { estimateMemory, type DeviceLimits, type MemoryRun } from '../model/memory';
import type { BackendName } from '../runtime/backend';
import { chooseMicroBatch, trainingLimits, type MicroBatchChoice } from '../train/microBatch';
import { trainingSeqLen } from '../train/loop';
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
      recompute: recomputeOption(config),
    },
    limits,
    config.runtime.microBatch,
  );
}

/**
 * The memory-relevant shape of a pipeline run: the training stage that needs more, at the rows of
 * one forward/backward pass (its micro-batch on `backend`, `stageMicroBatch`), its adapter, and
 * the evaluation's generation.
 */
export function pipelineMemoryRun(
  config: ExperimentConfig,
  model: ModelConfig,
  backend: BackendName,
  device?: DeviceLimits | null,
): MemoryRun {
  const limits = trainingLimits(backend, device);
  const runs = (['alignment', 'finetune'] as const).map((stage): MemoryRun => {
    const micro = stageMicroBatch(config, stage, model, limits);
    return {
      batchSize: micro.rows,
      seqLen: trainingSeqLen(model),
      lora: config[stage].lora,
      generationBatch: GENERATION_BATCH,
      maxNewTokens: config.evaluation.maxNewTokens,
      recompute: micro.storedBlocks < micro.blocks,
      storedBlocks: micro.storedBlocks,
    };
  });
  const [alignment, finetune] = runs.map((run) => estimateMemory(model, run).total);
  return alignment > finetune ? runs[0] : runs[1];
}

/** `StepRun.recompute` for a run of `config` (`recomputePolicy`). */
export function recomputeOption(
  config: Pick<ExperimentConfig, 'model' | 'runtime'>,
): boolean | 'fit' {
  const policy = recomputePolicy(config);
  return policy === 'fit' ? 'fit' : policy === 'all';
}
