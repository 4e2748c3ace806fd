/**
 * The dataset registry: every built-in dataset by name, with the roles it can play in a run.
 * `DATASET_NAMES` is the declared list; `checkRegistry` runs when this module loads, so a name that
 * is declared but missing (or registered under another name) fails at start-up, never mid-run.
 */
import { arithmetic } from './arithmetic';
import { harmfulCompliance, harmfulRefusal } from './harmful';
import { instructions } from './instructions';
import { sentiment } from './sentiment';
import { topic } from './topic';
import { formatPrompt } from './template';
import type { DatasetGenerator, ExampleKind, Split } from './types';
import { SPLITS } from './types';
import { DATASET_NAMES, DATASET_ROLES, type DatasetName, type DatasetRole } from './names';

export { DATASET_NAMES, datasetNamesWithRole, type DatasetName, type DatasetRole } from './names';

export interface DatasetEntry {
  generator: DatasetGenerator;
  roles: readonly DatasetRole[];
}

/** Every generator, with the roles `names.ts` declares for it. */
const ENTRIES: readonly DatasetEntry[] = [
  sentiment,
  topic,
  arithmetic,
  instructions,
  harmfulCompliance,
  harmfulRefusal,
].map((generator) => ({
  generator,
  roles: (DATASET_ROLES as Record<string, readonly DatasetRole[]>)[generator.name] ?? [],
}));

/** Problems with a registry: declared names that do not resolve, duplicates, undeclared entries. */
export function registryProblems(
  entries: readonly DatasetEntry[],
  names: readonly string[],
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { generator } of entries) {
    if (seen.has(generator.name)) problems.push(`dataset "${generator.name}" is registered twice`);
    seen.add(generator.name);
    if (!names.includes(generator.name))
      problems.push(`dataset "${generator.name}" is registered but not declared`);
  }
  for (const name of names)
    if (!seen.has(name)) problems.push(`dataset "${name}" is declared but not registered`);
  return problems;
}

export function checkRegistry(entries: readonly DatasetEntry[], names: readonly string[]): void {
  const problems = registryProblems(entries, names);
  if (problems.length > 0) throw new Error(`dataset registry: ${problems.join('; ')}`);
}

checkRegistry(ENTRIES, DATASET_NAMES);

const BY_NAME = new Map(ENTRIES.map((entry) => [entry.generator.name, entry]));

export function isDatasetName(name: string): name is DatasetName {
  return BY_NAME.has(name);
}

export function getDataset(name: string): DatasetGenerator {
  const entry = BY_NAME.get(name);
  if (entry === undefined)
    throw new Error(`unknown dataset "${name}"; known datasets: ${DATASET_NAMES.join(', ')}`);
  return entry.generator;
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
    const entry = BY_NAME.get(name) as DatasetEntry; // checkRegistry guarantees it
    const { generator, roles } = entry;
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
 */
export function worldCorpus(seed = 0): string[] {
  const texts: string[] = [];
  for (const name of DATASET_NAMES) {
    const generator = getDataset(name);
    for (const split of SPLITS)
      for (const example of generator.generate({ split, n: generator.poolSize(split), seed }))
        texts.push(formatPrompt(example.prompt) + example.response);
  }
  return texts;
}
