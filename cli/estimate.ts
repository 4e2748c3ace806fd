/**
 * What a run will cost, said in one line before the browser starts (issue 24, point 4): the
 * training steps of each stage, the model's size and the memory of a step, from the config alone
 * (nothing is downloaded, no tensor is made). Steps are epochs × ⌈samples / batchSize⌉: packing
 * short examples into one row makes fewer, a method that adds examples (safe-data-mix) more, so
 * the line says "about". The cost is steps × parameters; the lab has no measured time per step to
 * turn it into a duration before a run.
 */
import { readFileSync } from 'node:fs';
import { canonicalJSON, type Backend, type ExperimentConfig } from '../src/core/config';
import { stageKeyMaterial } from '../src/core/config/canonical';
import { stageSteps } from '../src/core/config/cost';
import { curatedModel } from '../src/core/hub/curated';
import { BASE_MODEL_NAMES } from '../src/core/model/bases';
import { modelConfigFromHub } from '../src/core/model/checkpoint';
import type { ModelConfig } from '../src/core/model/config';
import { formatBytes } from '../src/core/model/memory';
import { parameterCount } from '../src/core/model/weights';
import { stageMicroBatch } from '../src/core/pipeline/microBatch';
import type { TrainingStage } from '../src/core/pipeline/types';
import {
  describeMicroBatch,
  trainingLimits,
  type MicroBatchChoice,
} from '../src/core/train/microBatch';
import { errorText } from '../src/core/errors';

const TRAINING_STAGES: readonly TrainingStage[] = ['alignment', 'finetune'];

export interface ModelSize {
  /** `model.base` as the config names it. */
  name: string;
  /** Null for a Hub model the lab does not curate: its config.json is read only in the browser. */
  config: ModelConfig | null;
  parameters: number | null;
}

/** The largest training step of a run, by the memory estimate (`stageMicroBatch`). */
export interface StepEstimate {
  stage: TrainingStage;
  backend: Backend;
  choice: MicroBatchChoice;
}

export interface RunEstimate {
  model: ModelSize;
  steps: Record<TrainingStage, number>;
  /** Null when the model's shape is not known before download. */
  step: StepEstimate | null;
}

const MODELS_DIR = new URL('../models/', import.meta.url);
const builtInSizes = new Map<string, ModelSize>();

/** The base model's shape and size: a built-in one from its config.json, a curated Hub one from the list. */
export function modelSize(base: string): ModelSize {
  if ((BASE_MODEL_NAMES as readonly string[]).includes(base)) {
    let size = builtInSizes.get(base);
    if (!size) {
      const json = JSON.parse(
        readFileSync(new URL(`${base}/config.json`, MODELS_DIR), 'utf8'),
      ) as Record<string, unknown>;
      const config = modelConfigFromHub(json);
      size = { name: base, config, parameters: parameterCount(config) };
      builtInSizes.set(base, size);
    }
    return size;
  }
  const curated = curatedModel(base);
  return curated
    ? { name: base, config: curated.config, parameters: curated.parameters }
    : { name: base, config: null, parameters: null };
}

export function estimateRun(config: ExperimentConfig): RunEstimate {
  const model = modelSize(config.model.base);
  const steps = {
    alignment: stageSteps(config.alignment),
    finetune: stageSteps(config.finetune),
  };
  return { model, steps, step: model.config ? largestStep(config, model.config) : null };
}

function largestStep(config: ExperimentConfig, model: ModelConfig): StepEstimate {
  const backend = config.runtime.backend;
  // With `auto` the browser picks the backend: the step at the whole batch, no budget applied.
  const limits =
    backend === 'auto'
      ? { maxBufferSize: Infinity, maxStorageBufferBindingSize: Infinity }
      : trainingLimits(backend);
  const steps = TRAINING_STAGES.map((stage) => ({
    stage,
    backend,
    choice: stageMicroBatch(config, stage, model, limits),
  }));
  return steps.reduce((a, b) => (b.choice.stepBytes > a.choice.stepBytes ? b : a));
}

/** `0.49M parameters`, or why the size is not known yet. */
function describeModel(model: ModelSize): string {
  return model.parameters === null
    ? `${model.name}, parameters unknown until its config.json is downloaded`
    : `${model.name}, ${formatParameters(model.parameters)} parameters`;
}

function formatParameters(n: number): string {
  return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)}M`;
}

function describeStep(step: StepEstimate): string {
  const { stage, backend, choice } = step;
  if (backend !== 'auto') {
    return `${stage}: ${describeMicroBatch({
      ...choice,
      backend,
      ...(choice.fits ? {} : { problem: choice.problems[0] }),
    })}`;
  }
  const rows =
    choice.rows < choice.batchSize
      ? `${choice.batchSize} rows (${choice.rows} per pass)`
      : `${choice.batchSize} rows`;
  return `one ${stage} step of ${rows} needs about ${formatBytes(choice.stepBytes)} (the backend is chosen in the browser)`;
}

function parameterSteps(n: number): string {
  return `≈ ${n.toExponential(1)} parameter-steps`;
}

/** The one line `run` prints. */
export function formatRunEstimate(estimate: RunEstimate): string {
  const { model, steps, step } = estimate;
  const stages = `alignment about ${steps.alignment} steps, finetune about ${steps.finetune} steps`;
  const cost =
    model.parameters === null
      ? ''
      : ` (${parameterSteps((steps.alignment + steps.finetune) * model.parameters)})`;
  return `estimate: ${describeModel(model)}; ${stages}${cost}${step ? `; ${describeStep(step)}` : ''}`;
}

/** A run of a sweep or a search, for the estimate of them all. */
export interface PlannedRun {
  config: ExperimentConfig;
  /**
   * How many runs fine-tune as this config does at the top of the attacker's space (trials that
   * differ in their settings, each trained, none re-used); default 1, a run of its own.
   */
  trials?: number;
}

/**
 * The one line `sweep` and `attack` print: the runs, their training steps in all (a stage shared
 * by runs, the same stage material, counted once, as the stage cache re-uses it), the models and
 * the largest step.
 */
export function formatPlanEstimate(runs: readonly PlannedRun[], note?: string): string {
  const seen = new Set<string>();
  let total = 0;
  let cost = 0;
  let costKnown = true;
  const models = new Map<string, ModelSize>();
  let largest: StepEstimate | null = null;
  let count = 0;
  for (const run of runs) {
    const trials = run.trials ?? 1;
    count += trials;
    const estimate = estimateRun(run.config);
    models.set(estimate.model.name, estimate.model);
    for (const stage of TRAINING_STAGES) {
      const key = `${stage}:${canonicalJSON(stageKeyMaterial(run.config, stage))}`;
      // Trials share their alignment; each trial's fine-tuning is its own.
      const times =
        stage === 'finetune' && run.trials !== undefined ? trials : seen.has(key) ? 0 : 1;
      seen.add(key);
      total += times * estimate.steps[stage];
      if (estimate.model.parameters === null) costKnown = false;
      else cost += times * estimate.steps[stage] * estimate.model.parameters;
    }
    if (estimate.step && (!largest || estimate.step.choice.stepBytes > largest.choice.stepBytes)) {
      largest = estimate.step;
    }
  }
  const notes = [
    ...(note ? [note] : []),
    'a stage shared by runs counted once',
    ...(costKnown ? [parameterSteps(cost)] : []),
  ];
  const modelText =
    models.size === 1
      ? describeModel([...models.values()][0])
      : `models: ${[...models.values()].map((m) => (m.parameters === null ? `${m.name} (size unknown until download)` : `${m.name} (${formatParameters(m.parameters)})`)).join(', ')}`;
  return (
    `estimate: ${count} runs, ${note ? 'at most ' : ''}about ${total} training steps in all (${notes.join('; ')}); ` +
    `${modelText}${largest ? `; the largest step: ${describeStep(largest)}` : ''}`
  );
}

/**
 * The estimate line, or a line saying why there is none: the estimate is advice, and a config
 * the lab will run must not fail on it.
 */
export function estimateLine(format: () => string): string {
  try {
    return format();
  } catch (error) {
    return `estimate: unavailable (${errorText(error)})`;
  }
}
