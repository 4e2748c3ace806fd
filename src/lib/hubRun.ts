/**
 * A run on a Hub base model, as the page states it before it starts (download, memory, device fit,
 * a rough training time on wasm, and whether to ask first) and after it failed to download (what
 * to do next).
 */
import type { ExperimentConfig } from '../core/config';
import { isRepoSpec } from '../core/hub/repo';
import { NETWORK_FAILURE_WORDS } from '../core/hub/errors';
import { guardLimits } from '../core/hub/guard';
import { deviceFit, estimateMemory, formatBytes } from '../core/model/memory';
import { pipelineMemoryRun } from '../core/pipeline/microBatch';
import type { BackendName } from '../core/runtime/backend';
import type { ModelOption } from './modelChoices';
import type { DurationEstimate } from './runSpeeds.svelte';

/** A Hub run on a backend without a GPU that takes longer than this (or of unknown size) asks first. */
export const SLOW_SECONDS = 10 * 60;

export interface HubRunFacts {
  /** `owner/name[@revision]`. */
  repo: string;
  backend: BackendName | null;
  /** Known for a curated model; otherwise only once its config.json downloads. */
  downloadBytes: number | null;
  /** The estimated peak of the run on `backend`, and whether it fits that backend's budget. */
  memory: { bytes: number; fits: boolean; problems: string[] } | null;
  /**
   * How long the whole run will take (`runSpeeds`: this browser's own runs of the model, else on
   * wasm the real-size run's speed scaled to its size); null when nothing says.
   */
  duration: DurationEstimate | null;
  /** Ask before it runs: no GPU, and long or of unknown size. */
  slow: boolean;
}

/**
 * What the page can say of a run of `config` before it starts, or null when its base model is
 * built in. `option` is the model's entry in the page's list (a curated one carries its shape),
 * `backend` the one the run will use (null while `auto` is still choosing), `duration` the page's
 * one estimate of the run's time (the Run card's).
 */
export function hubRunFacts(
  config: ExperimentConfig,
  option: ModelOption | undefined,
  backend: BackendName | null,
  duration: DurationEstimate | null,
): HubRunFacts | null {
  const repo = config.model.base;
  if (!isRepoSpec(repo)) return null;
  const shape = option?.config;
  let memory: HubRunFacts['memory'] = null;
  if (shape && backend !== null) {
    const estimate = estimateMemory(shape, pipelineMemoryRun(config, shape, backend));
    const fit = deviceFit(estimate, guardLimits(backend));
    memory = { bytes: estimate.total, fits: fit.fits, problems: fit.problems };
  }
  const withoutGpu = backend !== null && backend !== 'webgpu';
  return {
    repo,
    backend,
    downloadBytes: option?.downloadBytes ?? null,
    memory,
    duration,
    slow: withoutGpu && (duration === null || duration.seconds > SLOW_SECONDS),
  };
}

/** The facts as sentences, for the Run card and its confirmation. */
export function describeHubRun(facts: HubRunFacts): string[] {
  const lines: string[] = [];
  lines.push(
    facts.downloadBytes === null
      ? `${facts.repo}: its size is known once its config.json downloads; the run checks it against this device's memory before the weights download.`
      : `${facts.repo}: about ${formatBytes(facts.downloadBytes)} to download (once; then cached in this browser).`,
  );
  if (facts.memory) {
    const on = facts.backend ?? 'this backend';
    lines.push(
      facts.memory.fits
        ? `Memory: about ${formatBytes(facts.memory.bytes)} at its peak, within ${on}'s budget.`
        : `Memory: about ${formatBytes(facts.memory.bytes)} at its peak; will not fit ${on}: ${facts.memory.problems.join('; ')}.`,
    );
  }
  if (facts.duration !== null) {
    const gpu =
      facts.backend === null || facts.backend === 'webgpu'
        ? ''
        : ' A WebGPU GPU is what these models are meant for.';
    lines.push(`Time: ${facts.duration.text}.${gpu}`);
  } else if (facts.backend !== null && facts.backend !== 'webgpu') {
    lines.push(
      `On ${facts.backend} (no GPU) a Hub model runs slowly: the micro preset on a 135M model took 17 min on one wasm thread of a 2-core machine; a full preset takes hours.`,
    );
  } else if (facts.backend === 'webgpu') {
    lines.push('Time: its first steps measure it (nothing has run it on this GPU yet).');
  }
  return lines;
}

/** What a failed run's message says to do next. */
export interface HubFailureAdvice {
  /** fetch itself failed: no connection, or the endpoint refused a cross-origin request. */
  connection: boolean;
  /** Another endpoint (a mirror) may serve the files. */
  mirror: boolean;
  /** The failure is the Hub base model's: the built-in model downloads nothing. */
  builtIn: boolean;
}

/**
 * The next steps for a run of base model `base` that failed with `error`, or null when the
 * failure is not a Hub download's.
 */
export function hubFailureAdvice(error: string | null, base: string): HubFailureAdvice | null {
  if (error === null) return null;
  const network = error.includes(NETWORK_FAILURE_WORDS);
  // A server that is down or limits the rate: another endpoint may answer.
  const serverTrouble = /answered HTTP (5\d\d|429)\b/.test(error);
  const repoId = base.split('@')[0];
  const aboutBase = isRepoSpec(base) && error.includes(repoId);
  if (!network && !serverTrouble && !aboutBase) return null;
  return { connection: network, mirror: network || serverTrouble, builtIn: aboutBase };
}
