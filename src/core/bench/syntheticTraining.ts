import * as tf from '@tensorflow/tfjs';
import { batchFromSequences } from '../model/batch';
import type { ModelConfigInput } from '../model/config';
import { LanguageModel } from '../model/languageModel';
import { createRng } from '../random';
import { checkpoint, type CancelToken } from '../runtime/cancel';
import { webgpuDispatches, webgpuDispatchesByProgram } from '../runtime/dispatchCount';
import { setFusedKernels } from '../runtime/webgpuFused';
import { Trainer } from '../train/trainer';
import { checkProfilable, profileKernels, type KernelProfile } from './kernelProfile';

/**
 * Training on a learnable synthetic language (each row counts up by a row-specific stride, mod
 * vocabSize), used by the backend checks, `auto` backend selection and `npm run bench`.
 * Everything is seeded in JavaScript, so the step-0 loss is the same on every backend up to float
 * rounding.
 */
export interface SyntheticTrainingOptions {
  model: ModelConfigInput;
  batch: number;
  steps: number;
  seed: number;
  lr?: number;
  /** Steps not timed (kernel compilation, buffer pools). */
  warmupSteps?: number;
  /** WebGPU: the fused training kernels (default on); off measures the plain tfjs ops. */
  fusedKernels?: boolean;
  /**
   * Steps after the timed ones with every kernel timed (`kernelProfile.ts`; wasm and cpu only):
   * kept out of `msPerStep`, as the timers cost a little of each step.
   */
  profileSteps?: number;
}

export interface SyntheticTrainingReport {
  losses: number[];
  /** Wall time of each step including the loss read-back. */
  msPerStep: number[];
  /** Median of the timed steps (after warm-up). */
  medianMsPerStep: number;
  tokensPerSecond: number;
  /** `tf.memory().numTensors` after each step: flat once training runs, or something leaks. */
  numTensorsPerStep: number[];
  numTensorsBefore: number;
  numTensorsAfter: number;
  /** WebGPU only: compute dispatches of each step (median over the timed steps in `dispatchesPerStep`). */
  dispatchesPerStepAll?: number[];
  dispatchesPerStep?: number;
  /** WebGPU only: the last step's dispatches by program (its shader key's kind or the lab kernel). */
  dispatchesByProgram?: Record<string, number>;
  /** With `profileSteps`: the kernels' time over those steps, and those steps' median. */
  kernelProfile?: KernelProfile & { medianMsPerStep: number };
}

export function syntheticRows(config: ModelConfigInput, batch: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: batch }, () => {
    const start = rng.int(config.vocabSize);
    const stride = 1 + rng.int(3);
    return Array.from(
      { length: config.contextLength },
      (_, t) => (start + stride * t) % config.vocabSize,
    );
  });
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function runSyntheticTraining(
  options: SyntheticTrainingOptions,
  onStep?: (step: number, loss: number, ms: number) => void,
  cancel?: CancelToken,
  now: () => number = () => performance.now(),
): Promise<SyntheticTrainingReport> {
  const { model: config, batch, steps, seed } = options;
  const profileSteps = options.profileSteps ?? 0;
  // Refused before anything trains: the profile times only kernels that compute synchronously.
  if (profileSteps > 0) checkProfilable();
  const numTensorsBefore = tf.memory().numTensors;
  const model = LanguageModel.init(config, seed);
  const trainer = new Trainer(model, {
    schedule: { kind: 'constant', peakLr: options.lr ?? 3e-3, totalSteps: steps, warmupSteps: 0 },
    weightDecay: 0.01,
    maxGradNorm: 1,
  });
  const losses: number[] = [];
  const msPerStep: number[] = [];
  const numTensorsPerStep: number[] = [];
  const dispatches: number[] = [];
  let byProgram: Record<string, number> | undefined;
  setFusedKernels(options.fusedKernels ?? true);
  let kernelProfile: SyntheticTrainingReport['kernelProfile'];
  let stopProfile = () => {};
  try {
    for (let step = 0; step < steps; step++) {
      await checkpoint(cancel);
      const rows = batchFromSequences(
        syntheticRows(config, batch, seed * 7919 + (step % 8)),
        config.contextLength,
        0,
      );
      const dispatchesBefore = webgpuDispatches();
      const last = step === steps - 1;
      const programsBefore = last ? webgpuDispatchesByProgram() : null;
      const start = now();
      const { loss } = await trainer.step(rows);
      const ms = now() - start;
      const dispatchesAfter = webgpuDispatches();
      const programsAfter = last ? webgpuDispatchesByProgram() : null;
      if (dispatchesBefore !== null && dispatchesAfter !== null) {
        dispatches.push(dispatchesAfter - dispatchesBefore);
      }
      if (programsBefore && programsAfter) {
        byProgram = Object.fromEntries(
          [...programsAfter]
            .map(([name, n]) => [name, n - (programsBefore.get(name) ?? 0)] as [string, number])
            .filter(([, n]) => n > 0)
            .sort((a, b) => b[1] - a[1]),
        );
      }
      losses.push(loss);
      msPerStep.push(ms);
      numTensorsPerStep.push(tf.memory().numTensors);
      onStep?.(step, loss, ms);
    }
    if (profileSteps > 0) {
      // Wrapped now, not before: the kernels the steps registered on first use are timed too.
      const profiler = profileKernels();
      stopProfile = () => profiler.stop();
      profiler.begin();
      const profiledMs: number[] = [];
      for (let step = steps; step < steps + profileSteps; step++) {
        await checkpoint(cancel);
        const rows = batchFromSequences(
          syntheticRows(config, batch, seed * 7919 + (step % 8)),
          config.contextLength,
          0,
        );
        const start = now();
        await trainer.step(rows);
        profiledMs.push(now() - start);
        profiler.step();
      }
      kernelProfile = { ...profiler.report(), medianMsPerStep: median(profiledMs) };
    }
  } finally {
    stopProfile();
    setFusedKernels(true);
    trainer.dispose();
    model.dispose();
  }
  // The first timed step (at least the last one is timed, whatever the warm-up).
  const firstTimed = Math.min(options.warmupSteps ?? 0, Math.max(0, steps - 1));
  const medianMs = median(msPerStep.slice(firstTimed));
  return {
    losses,
    msPerStep,
    medianMsPerStep: medianMs,
    tokensPerSecond: (batch * config.contextLength * 1000) / medianMs,
    numTensorsPerStep,
    numTensorsBefore,
    numTensorsAfter: tf.memory().numTensors,
    ...(kernelProfile ? { kernelProfile } : {}),
    ...(dispatches.length > 0
      ? {
          dispatchesPerStepAll: dispatches,
          dispatchesPerStep: median(dispatches.slice(firstTimed)),
          ...(byProgram ? { dispatchesByProgram: byProgram } : {}),
        }
      : {}),
  };
}
