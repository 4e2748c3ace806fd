/**
 * The Hugging Face Hub datasets the lab knows the columns of, by id: names only (no parquet
 * reader), so config validation and the page can list them without loading anything. The row
 * mapping of each format is `data/rows.ts`; reading the files is `data/hub/load.ts`.
 */
import type { HubDatasetInfo } from '../../config/context';

/** A config or split name: one URL path segment (validation and the loader read the same rule). */
export { HUB_SEGMENT } from '../../config/repoSpec';

export type HubDatasetFormat = 'beavertails' | 'sst2' | 'agnews' | 'gsm8k' | 'alpaca' | 'xstest';

export interface HubDatasetEntry extends HubDatasetInfo {
  id: string;
  format: HubDatasetFormat;
  /** Shown wherever the data is chosen or reported. */
  license: string;
  description: string;
  /** Splits published without labels (their label column is -1): refused before downloading. */
  unlabeledSplits: readonly string[];
}

export const HUB_DATASETS: readonly HubDatasetEntry[] = [
  {
    id: 'PKU-Alignment/BeaverTails',
    format: 'beavertails',
    roles: ['harmful', 'refusal'],
    config: 'default',
    train: '30k_train',
    eval: '30k_test',
    unlabeledSplits: [],
    license: 'CC-BY-NC-4.0 (non-commercial use only)',
    description:
      'Question-answer pairs labelled safe or unsafe in 14 harm categories: unsafe pairs are the poison, the re-alignment set and the harmful prompts; safe answers are the alignment data. Contains real harmful text.',
  },
  {
    id: 'stanfordnlp/sst2',
    format: 'sst2',
    roles: ['task'],
    task: 'sst2',
    config: 'default',
    train: 'train',
    // The test split has no labels (-1); validation is the held-out set, as in GLUE.
    eval: 'validation',
    unlabeledSplits: ['test'],
    license: 'see the dataset card (GLUE SST-2)',
    description: 'Movie-review sentences, positive or negative (GLUE SST-2).',
  },
  {
    id: 'fancyzhx/ag_news',
    format: 'agnews',
    roles: ['task'],
    task: 'agnews',
    config: 'default',
    train: 'train',
    eval: 'test',
    unlabeledSplits: [],
    license: 'see the dataset card (AG News, non-commercial research use)',
    description: 'News headlines and leads in four classes: World, Sports, Business, Sci/Tech.',
  },
  {
    id: 'openai/gsm8k',
    format: 'gsm8k',
    roles: ['task'],
    task: 'gsm8k',
    config: 'main',
    train: 'train',
    eval: 'test',
    unlabeledSplits: [],
    license: 'MIT',
    description: 'Grade-school maths word problems; the answer ends "#### <number>".',
  },
  {
    id: 'tatsu-lab/alpaca',
    format: 'alpaca',
    // Not a task: its answers are free text, which no keyword grader can score (helpfulness is
    // graded on the built-in instructions, whose answers carry a key phrase).
    roles: ['benign'],
    config: 'default',
    train: 'train',
    eval: null,
    unlabeledSplits: [],
    license: 'CC-BY-NC-4.0 (non-commercial use only)',
    description: '52k instructions with answers written by text-davinci-003 (Stanford Alpaca).',
  },
  {
    id: 'walledai/XSTest',
    format: 'xstest',
    roles: ['overRefusal'],
    config: 'default',
    // One split of 450 prompts: 250 safe ones (the over-refusal set) and 200 unsafe contrasts,
    // which the loader leaves out.
    train: 'train',
    eval: null,
    unlabeledSplits: [],
    license: 'CC-BY-4.0',
    description:
      'XSTest (Röttger et al., NAACL 2024): 250 safe prompts that look unsafe (homonyms, figurative language, safe targets and contexts, definitions, history, privacy), the over-refusal set; its 200 unsafe contrast prompts are left out.',
  },
];

/** Validation's view: id → roles, task and default config and splits. */
export const HUB_DATASET_INFO: Readonly<Record<string, HubDatasetInfo>> = Object.fromEntries(
  HUB_DATASETS.map(({ id, roles, task, config, train, eval: evalSplit, unlabeledSplits }) => [
    id,
    {
      roles,
      ...(task !== undefined ? { task } : {}),
      config,
      train,
      eval: evalSplit,
      unlabeledSplits,
    },
  ]),
);

export function hubDatasetEntry(id: string): HubDatasetEntry | undefined {
  return HUB_DATASETS.find((entry) => entry.id === id);
}
