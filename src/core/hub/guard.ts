import { checkedHubConfig } from '../model/checkpoint';
import type { ModelConfig } from '../model/config';
import {
  deviceFit,
  estimateMemory,
  formatBytes,
  type DeviceLimits,
  type MemoryRun,
} from '../model/memory';
import type { BackendName } from '../runtime/backend';
import { trainingLimits } from '../train/microBatch';

/**
 * What a model is checked against before its weights download on `backend`: the limits the
 * trainer chooses its micro-batches against (`trainingLimits`), so every backend has a budget:
 * wasm's 4 GiB heap (a buffer) and its training share of it, WebGPU's granted adapter limits (the
 * spec's defaults when unknown) and the smaller of the device's memory and a laptop GPU's share,
 * a JavaScript-heap budget for cpu and WebGL.
 */
export function guardLimits(backend: BackendName, device?: DeviceLimits | null): DeviceLimits {
  return trainingLimits(backend, device);
}

/**
 * Refuses a model before its weights download when the run cannot fit the device: a `config.json`
 * number out of range (`checkedHubConfig`, before anything is estimated), a tensor over the
 * device's buffer limits, or a total over its memory budget (`guardLimits` gives each backend's).
 * The estimate is arithmetic on one block's shapes, so it costs the same for any depth. Throws one
 * line with the figures; otherwise returns the estimate's one-line summary.
 */
export function checkModelFits(
  name: string,
  configJson: Record<string, unknown>,
  run: (model: ModelConfig) => MemoryRun,
  limits: DeviceLimits,
): string {
  const model = checkedHubConfig(configJson);
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
