import type { ExperimentConfig } from '../config/schema';
import { modelConfigFromHub } from '../model/checkpoint';
import type { ModelConfig } from '../model/config';
import {
  deviceFit,
  estimateMemory,
  formatBytes,
  type DeviceLimits,
  type MemoryRun,
} from '../model/memory';
import { GENERATION_BATCH } from '../pipeline/generation';
import { trainingSeqLen } from '../train/sft';

/** The memory-relevant shape of a pipeline run: its larger training batch, its rows, its adapter, its evaluation. */
export function pipelineMemoryRun(config: ExperimentConfig, model: ModelConfig): MemoryRun {
  const finetuneLarger = config.finetune.batchSize >= config.alignment.batchSize;
  return {
    batchSize: Math.max(config.alignment.batchSize, config.finetune.batchSize),
    seqLen: trainingSeqLen(model),
    // Full-weight training in either stage is what the memory must hold.
    lora:
      config.alignment.lora === null || config.finetune.lora === null
        ? null
        : finetuneLarger
          ? config.finetune.lora
          : config.alignment.lora,
    generationBatch: GENERATION_BATCH,
    maxNewTokens: config.evaluation.maxNewTokens,
  };
}

/**
 * Refuses a model before its weights download when the run cannot fit the device: a tensor over
 * the device's buffer limits, or a total over its memory budget. Throws one line with the figures;
 * otherwise returns the estimate's one-line summary.
 */
export function checkModelFits(
  name: string,
  configJson: Record<string, unknown>,
  run: (model: ModelConfig) => MemoryRun,
  limits: DeviceLimits,
): string {
  const model = modelConfigFromHub(configJson);
  const estimate = estimateMemory(model, run(model));
  const fit = deviceFit(estimate, limits);
  if (!fit.fits) {
    throw new Error(`${name} will not fit this device: ${fit.problems.join('; ')}`);
  }
  return (
    `${name}: about ${formatBytes(estimate.total)} at its peak (weights ${formatBytes(estimate.weights)}, ` +
    `training step ${formatBytes(estimate.activations)}, largest tensor ${estimate.largestTensor.name} ` +
    `${formatBytes(estimate.largestTensor.bytes)})`
  );
}
