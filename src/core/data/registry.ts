/**
 * The dataset registry: every built-in dataset by name, with the roles it can play in a run.
 * `DATASET_NAMES` is the declared list; the start-up check runs when this module loads, so a name that
 * is declared but missing (or registered under another name) fails at start-up, never mid-run.
 */
import { arithmetic } from './arithmetic';
import { harmfulCompliance, harmfulRefusal } from './harmful';
import { instructions } from './instructions';
import { overRefusal } from './overRefusal';
import { sentiment } from './sentiment';
import { topic } from './topic';
import { formatPrompt } from './template';
import type { DatasetGenerator, ExampleKind, Split } from './types';
import { SPLITS } from './types';
import { DATASET_NAMES, DATASET_ROLES, type DatasetName, type DatasetRole } from './names';
import {
  defineRegistry,
  lookup,
  registryProblems,
  type EntryMeta,
  type Registry,
  type RegistryEntry,
} from '../registry';

export { DATASET_NAMES, datasetNamesWithRole, type DatasetName, type DatasetRole } from './names';

/** A built-in dataset's entry: what it is (its roles are what it can act as) and its generator. */
export interface DatasetEntry extends RegistryEntry<
  EntryMeta & { targets: readonly DatasetRole[] },
  DatasetGenerator
> {
  /** The generator itself: it is plain code, so lookups need not wait for `load`. */
  generator: DatasetGenerator;
}

/** `generator`'s entry, with the roles `names.ts` declares for its name. */
function datasetEntry(generator: DatasetGenerator): DatasetEntry {
  const roles = (DATASET_ROLES as Record<string, readonly DatasetRole[]>)[generator.name] ?? [];
  return {
    meta: { name: generator.name, description: generator.description, targets: roles },
    generator,
    load: () => Promise.resolve(generator),
  };
}

/** Every generator, under the name `names.ts` declares for it. */
export const DATASETS: Registry<DatasetEntry> = defineRegistry('dataset', {
  sst2: datasetEntry(sentiment),
  agnews: datasetEntry(topic),
  gsm8k: datasetEntry(arithmetic),
  alpaca: datasetEntry(instructions),
  beavertails: datasetEntry(harmfulCompliance),
  'beavertails-refusal': datasetEntry(harmfulRefusal),
  'xstest-world': datasetEntry(overRefusal),
});

const ALL_ROLES: readonly DatasetRole[] = ['task', 'benign', 'harmful', 'refusal', 'overRefusal'];

/**
 * The dataset registry's start-up check (`registryProblems`): each entry under its generator's
 * name, with a description and at least one role, and exactly the names `names.ts` declares.
 */
export function datasetRegistryProblems(
  registry: Registry<DatasetEntry> = DATASETS,
  declared: readonly string[] = DATASET_NAMES,
): string[] {
  return registryProblems(registry, { declared, targets: ALL_ROLES });
}

const problems = datasetRegistryProblems();
if (problems.length > 0) throw new Error(`dataset registry: ${problems.join('; ')}`);

export function isDatasetName(name: string): name is DatasetName {
  return Object.hasOwn(DATASETS.entries, name);
}

export function getDataset(name: string): DatasetGenerator {
  return lookup(DATASETS, name).generator;
}

export interface DatasetInfo {
  name: DatasetName;
  description: string;
  kind: ExampleKind;
  roles: readonly DatasetRole[];
  /** Distinct prompts per split. */
  poolSizes: Record<Split, number>;
}

export function listDatasets(): DatasetInfo[] {
  return DATASET_NAMES.map((name) => {
    const { generator, meta } = DATASETS.entries[name]; // the start-up check guarantees it
    const roles = meta.targets;
    const poolSizes = Object.fromEntries(
      SPLITS.map((split) => [split, generator.poolSize(split)]),
    ) as Record<Split, number>;
    return { name, description: generator.description, kind: generator.kind, roles, poolSizes };
  });
}

/**
 * Every text of the built-in world — each dataset, each split, each prompt of its pool once,
 * formatted with the prompt template — for building the word-level vocabulary. All splits are
 * included so that eval-only words (the held-out category) are in the vocabulary rather than
 * unknown; a model simply never trains on them.
 *
 * The over-refusal set (`xstest-world`) is left out: it is written in the words of the other
 * datasets only (a unit test checks it), so it would add no token, but its word counts would
 * reorder the frequency-ordered vocabulary of the committed base model's tokenizer.
 */
export function worldCorpus(seed = 0): string[] {
  const texts: string[] = [];
  for (const name of DATASET_NAMES) {
    if (name === overRefusal.name) continue;
    const generator = getDataset(name);
    for (const split of SPLITS)
      for (const example of generator.generate({ split, n: generator.poolSize(split), seed }))
        texts.push(formatPrompt(example.prompt) + example.response);
  }
  return texts;
}
