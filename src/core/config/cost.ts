/**
 * What a run costs, roughly, before it runs: the training rows its stages pass through the model
 * (samples × epochs, each epoch rounded up to whole batches) times the base model's parameters, a
 * proxy for the compute (about 6 × parameters per token, Kaplan et al. 2020). Every setting at its
 * allowed maximum is valid, so a config that arrives from outside (a link, an imported file) and
 * costs more than `CONFIRM_WORK` is shown with this estimate and runs only once the user agrees
 * (issue 24, point 4). Evaluation is left out: it generates, it does not train.
 */
import { BASE_MODELS } from '../model/bases';
import { gpt2Config } from '../model/config';
import { parameterCount } from '../model/weights';
import { presetStack } from './presets';
import { applyPatches } from './merge';
import { DEFAULT_CONFIG, type AttackConfig, type ExperimentConfig } from './schema';

export interface RunCost {
  /** Optimizer steps of alignment and fine-tuning together. */
  steps: number;
  /** Training rows through the model (padded to whole batches), both stages. */
  rows: number;
  /** The base model's parameters; null when not known before it downloads (a Hub repo). */
  parameters: number | null;
  /** `rows × parameters`; null when the parameters are not known. */
  work: number | null;
}

/**
 * Work above which a config from outside asks before it runs: about 22 × the `antidote-sst2`
 * preset's (9,040 rows through the built-in 486k-parameter model). The Hub presets are above it
 * (SmolLM2-135M: 2,000 rows, 2.7e11), as a run of hours should be.
 */
export const CONFIRM_WORK = 1e11;

/** The preset a cost is compared with, the page's first. */
const REFERENCE_PRESET = 'antidote-sst2';
let referenceWork: number | undefined;

function reference(): number {
  if (referenceWork === undefined) {
    // A built-in preset (the composition root validates every one at start-up); its counts are all
    // the cost reads, so it needs no validation context here.
    const config = applyPatches<ExperimentConfig>(DEFAULT_CONFIG, presetStack(REFERENCE_PRESET));
    referenceWork = runCost(config, builtInParameters(config.model.base)).work ?? 1;
  }
  return referenceWork;
}

/** The cost of `config` on a base model of `parameters` (null when unknown). */
export function runCost(config: ExperimentConfig, parameters: number | null): RunCost {
  let steps = 0;
  let rows = 0;
  for (const stage of [config.alignment, config.finetune]) {
    const stageCount = stageSteps(stage);
    steps += stageCount;
    rows += stageCount * stage.batchSize;
  }
  rows += attackRows(config);
  return { steps, rows, parameters, work: parameters === null ? null : rows * parameters };
}

/**
 * Rows an attack passes forward and backward besides training: `benign-outliers` scores a pool of
 * round(poolFactor · finetune.samples) task examples, one backward pass each
 * (`methods/attack/benign-outliers`), which can be twenty times the fine-tuning set.
 */
function attackRows(config: ExperimentConfig): number {
  // A results file's config of schemaVersion 4 or older has no attack (p-mixing: no extra rows).
  const attack = config.attack as AttackConfig | undefined;
  const poolFactor = attack?.params.poolFactor;
  return attack?.method === 'benign-outliers' && typeof poolFactor === 'number'
    ? Math.round(poolFactor * config.finetune.samples)
    : 0;
}

/** Optimizer steps of a training stage: each epoch rounded up to whole batches. */
export function stageSteps(stage: { epochs: number; samples: number; batchSize: number }): number {
  return stage.epochs * Math.ceil(stage.samples / stage.batchSize);
}

/** Whether a run from outside of this cost asks first: above `CONFIRM_WORK`, or of unknown size. */
export function needsConfirmation(cost: RunCost): boolean {
  return cost.work === null || cost.work > CONFIRM_WORK;
}

/** Parameters of a built-in base model, from its shape (null for any other name). */
export function builtInParameters(base: string): number | null {
  if (!Object.hasOwn(BASE_MODELS, base)) return null;
  return parameterCount(gpt2Config(BASE_MODELS[base as keyof typeof BASE_MODELS].shape));
}

/**
 * One line for the confirmation: `12,500 training steps (200,000 rows) on a 486k-parameter model:
 * about 22× the antidote-sst2 preset's training.`
 */
export function describeCost(cost: RunCost): string {
  const run = `${count(cost.steps)} training steps (${count(cost.rows)} rows)`;
  if (cost.parameters === null || cost.work === null) {
    return `${run} on a model whose size is known only once it downloads.`;
  }
  const times = cost.work / reference();
  const ratio = times >= 10 ? count(Math.round(times)) : times.toPrecision(2);
  return `${run} on a ${shortCount(cost.parameters)}-parameter model: about ${ratio}× the ${REFERENCE_PRESET} preset's training.`;
}

function count(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function shortCount(n: number): string {
  if (n >= 1e9) return `${Number((n / 1e9).toPrecision(2))}B`;
  if (n >= 1e6) return `${Number((n / 1e6).toPrecision(3))}M`;
  if (n >= 1e3) return `${Math.round(n / 1e3)}k`;
  return String(n);
}
