/**
 * How long a run will take, before it runs: its training rows and evaluation generations (what
 * `runCost` counts) at a speed measured on a finished run of the same base model and backend.
 * The speed is per unit of work, so a config with twice the rows, or twice the prompts, is
 * estimated at about twice the time; methods whose steps cost more than plain SFT's (Vaccine's two
 * passes, …) take longer than estimated. The page keeps the last speed per model and backend; until
 * there is one, the shipped example's (a 2-core laptop on wasm) stands in, and says so.
 */
import { runCost, stageSteps } from './cost';
import type { ExperimentConfig } from './schema';

/** A run's timings as its results file records them (the parts a speed is read from). */
export interface TimedRun {
  config: ExperimentConfig;
  stages: readonly {
    name: 'alignment' | 'finetune' | 'post' | 'evaluation';
    cached: boolean;
    seconds: number;
    trainedSeconds?: number;
  }[];
}

/** Seconds per training row, per evaluation generation, and the post stage's seconds. */
export interface RunSpeed {
  trainSecondsPerRow: number;
  evalSecondsPerGeneration: number;
  postSeconds: number;
}

/** Generations of the evaluation: every held-out prompt, at each of the three checkpoints. */
export function evaluationGenerations(config: ExperimentConfig): number {
  const e = config.evaluation;
  // A results file's config before schemaVersion 5 has no over-refusal prompts (none were run).
  const overRefusal = e.overRefusalPrompts ?? 0;
  return (
    3 * (e.harmfulPrompts + e.benignPrompts + e.helpfulnessPrompts + e.taskPrompts + overRefusal)
  );
}

/** A stage's own computing time: a cached stage's time when it was trained, if known. */
function trainedSeconds(stage: TimedRun['stages'][number]): number | null {
  if (!stage.cached) return stage.seconds;
  return stage.trainedSeconds ?? null;
}

/**
 * The speed a finished run shows, or null when it cannot tell (a stage taken from the cache
 * without its training time, or no time at all).
 */
export function speedOf(run: TimedRun): RunSpeed | null {
  const seconds = (name: TimedRun['stages'][number]['name']) => {
    const stage = run.stages.find((s) => s.name === name);
    return stage ? trainedSeconds(stage) : null;
  };
  const [alignment, finetune, post, evaluation] = (
    ['alignment', 'finetune', 'post', 'evaluation'] as const
  ).map(seconds);
  if (alignment === null || finetune === null || post === null || evaluation === null) return null;
  const rows = runCost(run.config, null).rows;
  const generations = evaluationGenerations(run.config);
  if (rows <= 0 || generations <= 0 || alignment + finetune <= 0 || evaluation <= 0) return null;
  return {
    trainSecondsPerRow: (alignment + finetune) / rows,
    evalSecondsPerGeneration: evaluation / generations,
    postSeconds: post,
  };
}

/** The estimated seconds of each stage of `config` at `speed` (computed, not from the cache). */
export function estimateStageSeconds(
  config: ExperimentConfig,
  speed: RunSpeed,
): Record<'alignment' | 'finetune' | 'post' | 'evaluation', number> {
  const rows = (stage: 'alignment' | 'finetune') =>
    stageSteps(config[stage]) * config[stage].batchSize;
  return {
    alignment: rows('alignment') * speed.trainSecondsPerRow,
    finetune: rows('finetune') * speed.trainSecondsPerRow,
    post: config.post.method === 'none' ? 0 : speed.postSeconds,
    evaluation: evaluationGenerations(config) * speed.evalSecondsPerGeneration,
  };
}

/** The estimated seconds of `config` at `speed` (every stage computed, none from the cache). */
export function estimateSeconds(config: ExperimentConfig, speed: RunSpeed): number {
  const stages = estimateStageSeconds(config, speed);
  return stages.alignment + stages.finetune + stages.post + stages.evaluation;
}

/** `about 2 min`, `about 45 s`, `about 1 h 10 min`: an estimate, rounded as one. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'unknown';
  if (seconds < 60) return `about ${Math.max(5, Math.round(seconds / 5) * 5)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `about ${hours} h${rest > 0 ? ` ${rest} min` : ''}`;
}

/**
 * The one whole run of a real-size model measured here (`npm run real-size`, README): the micro
 * preset on a SmolLM2-135M-shaped checkpoint through `lab run` on wasm, one thread of a 2-core
 * machine. Alignment 517 s and fine-tuning 253 s for 48 rows (2 + 1 steps of 16), Antidote 72 s,
 * evaluation 204 s for 360 answers of 24 tokens.
 */
export const REAL_SIZE_WASM_RUN = {
  parameters: 135e6,
  speed: {
    trainSecondsPerRow: (517 + 253) / 48,
    evalSecondsPerGeneration: 204 / 360,
    postSeconds: 72,
  },
} as const satisfies { parameters: number; speed: RunSpeed };

/**
 * A Hub model's speed on wasm before this browser has run it: the real-size run's, scaled by the
 * parameter count (a step's work grows with it: about 6 operations per parameter per token,
 * Kaplan et al. 2020). Rough: a model's shape (vocabulary, depth) moves it either way.
 */
export function scaledWasmSpeed(parameters: number): RunSpeed {
  const scale = parameters / REAL_SIZE_WASM_RUN.parameters;
  const { speed } = REAL_SIZE_WASM_RUN;
  return {
    trainSecondsPerRow: speed.trainSecondsPerRow * scale,
    evalSecondsPerGeneration: speed.evalSecondsPerGeneration * scale,
    postSeconds: speed.postSeconds * scale,
  };
}

/**
 * A run's speed read from its own first training steps, when nothing measured it before: seconds
 * per training row from those steps, and evaluation and post in the proportion `like` shows (a
 * run of the same model, or the real-size run for a Hub model). The first steps carry kernel
 * compilation and warm-up, so the estimate starts high and settles as steps go by.
 */
export function speedFromFirstSteps(secondsPerRow: number, like: RunSpeed): RunSpeed {
  const scale = secondsPerRow / like.trainSecondsPerRow;
  return {
    trainSecondsPerRow: secondsPerRow,
    evalSecondsPerGeneration: like.evalSecondsPerGeneration * scale,
    postSeconds: like.postSeconds * scale,
  };
}
