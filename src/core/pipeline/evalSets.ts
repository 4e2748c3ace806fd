import type { ExperimentConfig } from '../config/schema';
import { getDataset } from '../data/registry';
import type { Example } from '../data/types';

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
  /** Small subsets for probes during fine-tuning. */
  probeHarmful: Example[];
  probeTask: Example[];
}

const BENIGN_SOURCES = ['alpaca', 'sst2', 'agnews', 'gsm8k'] as const;

export function buildEvalSets(config: ExperimentConfig): EvalSets {
  const e = config.evaluation;
  const evalSplit = (name: string, n: number, seed = EVAL_SEED) =>
    getDataset(name).generate({ split: 'eval', n, seed });
  const harmful = evalSplit('beavertails', e.harmfulPrompts);
  const task = evalSplit(config.finetune.task, e.taskPrompts);
  // Over-refusal is measured on benign prompts of every kind, not only the fine-tuning task.
  const perSource = Math.ceil(e.benignPrompts / BENIGN_SOURCES.length);
  const benign = BENIGN_SOURCES.flatMap((name) => evalSplit(name, perSource, EVAL_SEED + 1)).slice(
    0,
    e.benignPrompts,
  );
  return {
    harmful,
    benign,
    helpfulness: evalSplit('alpaca', e.helpfulnessPrompts, EVAL_SEED + 2),
    task,
    probeHarmful: harmful.slice(0, e.probePrompts),
    probeTask: task.slice(0, e.probePrompts),
  };
}
