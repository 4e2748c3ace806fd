import type { ExperimentConfig } from '../config/schema';
import { getDataset } from '../data/registry';
import type { DataSources } from '../data/sources';
import type { DatasetGenerator, Example } from '../data/types';
import type { AnswerPrefix } from '../generation/answers';

/**
 * Held-out evaluation sets. They depend on the config's sizes and task but not on its `seed`, so
 * runs with different seeds (or methods) are scored on exactly the same prompts.
 */
export const EVAL_SEED = 20250;

export interface EvalSets {
  harmful: Example[];
  benign: Example[];
  helpfulness: Example[];
  task: Example[];
  /** Safe prompts that look unsafe (XSTest-style), for `overRefusalRate`; empty at 0 prompts. */
  overRefusal: Example[];
  /** Small subsets for probes during fine-tuning. */
  probeHarmful: Example[];
  probeTask: Example[];
  /**
   * Forced as the first tokens of every answer to a harmful prompt (the `prefill` attack), the
   * judged answer being it and its continuation; absent: answers start free.
   */
  harmfulAnswerPrefix?: AnswerPrefix;
}

/** Benign prompts, for refusals of benign prompts: general instructions and every task's prompts. */
const BENIGN_TASKS = ['sst2', 'agnews', 'gsm8k'] as const;

/**
 * The held-out sets of a run. Harmful prompts come from the harmful source, task prompts from
 * the task source, benign prompts (refusals of benign prompts) from the benign source and the
 * built-in tasks, over-refusal prompts (safe prompts that look unsafe) from the over-refusal source.
 * Helpfulness is always graded on the built-in instructions: their answers carry a key phrase a
 * grader can check, which a Hub dataset's free-text answers (Alpaca's) do not.
 */
export function buildEvalSets(config: ExperimentConfig, data: DataSources): EvalSets {
  const e = config.evaluation;
  const evalSplit = (source: DatasetGenerator, n: number, seed = EVAL_SEED) =>
    source.generate({ split: 'eval', n, seed });
  const harmful = evalSplit(data.harmful, e.harmfulPrompts);
  const task = evalSplit(data.task, e.taskPrompts);
  // Benign refusals are measured on benign prompts of every kind, not only the fine-tuning task.
  const benignSources = [data.benign, ...BENIGN_TASKS.map((name) => getDataset(name))];
  const perSource = Math.ceil(e.benignPrompts / benignSources.length);
  const benign = benignSources
    .flatMap((source) => evalSplit(source, perSource, EVAL_SEED + 1))
    .slice(0, e.benignPrompts);
  return {
    harmful,
    benign,
    helpfulness: evalSplit(getDataset('alpaca'), e.helpfulnessPrompts, EVAL_SEED + 2),
    task,
    // Its own seed: the other sets' draws are the same with or without it.
    overRefusal: evalSplit(data.overRefusal, e.overRefusalPrompts, EVAL_SEED + 3),
    probeHarmful: harmful.slice(0, e.probePrompts),
    probeTask: task.slice(0, e.probePrompts),
  };
}
