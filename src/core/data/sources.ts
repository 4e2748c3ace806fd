/**
 * Where each role's data comes from in a run (`config.data`): the built-in world's generators,
 * or a Hub dataset read from its parquet files. Either way the pipeline sees `DatasetGenerator`s
 * with three disjoint splits, drawn with a seed:
 *
 * - `train`: the source's train split, minus the prompts set aside below;
 * - `realign`: prompts of the train split whose hash falls in one residue class of ten (about
 *   10%): Antidote's re-alignment set and wanda-benign's task calibration set, never trained on;
 * - `eval`: the source's eval split (prompts deduplicated: BeaverTails repeats a prompt with
 *   several answers), or, where the dataset has none (Alpaca), another residue class of the train
 *   split's prompts.
 *
 * Which split a prompt belongs to depends on its text only (FNV-1a), never on the seed, so runs
 * with different seeds are scored on the same held-out prompts, as with the built-in data.
 *
 * The `overRefusal` role is only evaluated: every usable row of its eval split (its `train`
 * split where `eval` is null; XSTest publishes one split) is an evaluation prompt, and nothing
 * of it is trained on or enters a stage key.
 */
import type { DataRole, DatasetSource, ExperimentConfig } from '../config/schema';
import { sha256Hex } from '../config/canonical';
import { parseRepoSpec } from '../hub/repo';
import type { HubFileCache } from '../hub/cache';
import { hubDatasetEntry } from './hub/catalog';
import { examplesFromHubRows, hubDatasetInfo } from './hub/formats';
import { loadHubDatasetRows, type HubDatasetProgress } from './hub/load';
import { defineGenerator } from './pool';
import { getDataset } from './registry';
import type { DatasetGenerator, Example, Split } from './types';
import { errorText } from '../errors';

/** Where a role's Hub data came from (results `data`), for provenance and the licence. */
export interface DataProvenance {
  dataset: string;
  config: string;
  splits: string[];
  license: string;
  /** Rows read per split, before filtering. */
  rows: Record<string, number>;
  files: { name: string; sha256: string }[];
  /** Rows that could not be mapped (skipped), and the first one's problem. */
  skippedRows?: number;
  skipReason?: string;
}

export interface DataSources {
  task: DatasetGenerator;
  harmful: DatasetGenerator;
  refusal: DatasetGenerator;
  benign: DatasetGenerator;
  /** Safe prompts that look unsafe (XSTest-style), for `overRefusalRate`; eval split only. */
  overRefusal: DatasetGenerator;
  /** The Hub datasets read, by role (empty for the built-in world). */
  provenance: Partial<Record<DataRole, DataProvenance>>;
  /** Per role read from the Hub: its dataset and train-split files with their SHA-256 (`stageDataKey`). */
  trainFiles: Partial<Record<DataRole, string>>;
}

/** The built-in world's generators for every role (`config.data` all null). */
export function builtInDataSources(config: Pick<ExperimentConfig, 'finetune'>): DataSources {
  return {
    task: getDataset(config.finetune.task),
    harmful: getDataset('beavertails'),
    refusal: getDataset('beavertails-refusal'),
    benign: getDataset('alpaca'),
    overRefusal: getDataset('xstest-world'),
    provenance: {},
    trainFiles: {},
  };
}

export interface DataLoadOptions {
  endpoint: string;
  fetch?: typeof fetch;
  cache?: HubFileCache;
  signal?: AbortSignal;
  onProgress?: (progress: HubDatasetProgress & { dataset: string }) => void;
}

/** FNV-1a of a prompt, for the seed-independent split of a Hub train split. */
function promptHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

const REALIGN_RESIDUE = 8;
const EVAL_RESIDUE = 9;

function uniquePrompts(examples: readonly Example[]): Example[] {
  const seen = new Set<string>();
  return examples.filter((e) => !seen.has(e.prompt) && (seen.add(e.prompt), true));
}

/** A generator over a Hub dataset's examples, split as the module comment says. */
export function hubGenerator(
  name: string,
  description: string,
  train: readonly Example[],
  held: readonly Example[] | null,
): DatasetGenerator {
  // Prompts of a separate eval split never enter training or the re-alignment set, even where
  // the dataset repeats a prompt across its splits.
  const heldPrompts = new Set((held ?? []).map((e) => e.prompt));
  const usable = train.filter((e) => !heldPrompts.has(e.prompt));
  if (usable.length === 0) throw new Error(`${name}: the train split has no usable rows`);
  const residue = (e: Example) => promptHash(e.prompt) % 10;
  const pools: Record<Split, Example[]> = {
    train: usable.filter(
      (e) => residue(e) !== REALIGN_RESIDUE && (held !== null || residue(e) !== EVAL_RESIDUE),
    ),
    realign: usable.filter((e) => residue(e) === REALIGN_RESIDUE),
    eval: uniquePrompts(held ?? usable.filter((e) => residue(e) === EVAL_RESIDUE)),
  };
  return defineGenerator<Example>({
    name,
    description,
    kind: usable[0].kind,
    enumerate: (split) => pools[split],
    render: (example) => example,
  });
}

/**
 * The part of a stage key that the Hub data of the roles `stage` reads contributes: SHA-256 over
 * those roles' train-split file hashes (eval files never change weights); undefined when the
 * stage reads no Hub data. Alignment reads refusals, benign instructions and (RepNoise, Booster)
 * harmful data; fine-tuning and post read every role.
 */
export async function stageDataKey(
  sources: DataSources,
  stage: 'alignment' | 'finetune' | 'post',
): Promise<string | undefined> {
  const roles: readonly DataRole[] =
    stage === 'alignment'
      ? ['harmful', 'refusal', 'benign']
      : ['task', 'harmful', 'refusal', 'benign'];
  const parts = roles.flatMap((role) =>
    sources.trainFiles[role] === undefined ? [] : [`${role} ${sources.trainFiles[role]}`],
  );
  return parts.length === 0 ? undefined : sha256Hex(parts.join('\n'));
}

/** The generators of `config.data`: Hub datasets downloaded and mapped, built-in data elsewhere. */
export async function loadDataSources(
  config: Pick<ExperimentConfig, 'finetune' | 'data'>,
  options: DataLoadOptions,
): Promise<DataSources> {
  const sources = builtInDataSources(config);
  for (const role of ['task', 'harmful', 'refusal', 'benign'] as const) {
    const source = config.data[role];
    if (source === null) continue;
    const { generator, provenance, trainFiles } = await loadRole(role, source, options);
    sources[role] = generator;
    sources.provenance[role] = provenance;
    sources.trainFiles[role] = trainFiles;
  }
  const overRefusal = config.data.overRefusal;
  if (overRefusal !== null) {
    const { generator, provenance } = await loadEvalOnlyRole('overRefusal', overRefusal, options);
    sources.overRefusal = generator;
    sources.provenance.overRefusal = provenance;
  }
  return sources;
}

/**
 * A role that is only evaluated (`overRefusal`): its eval split (or `train` where `eval` is
 * null) read whole, up to `maxRows`, every usable row an eval prompt. Its train and realign
 * splits are empty: nothing trains on it.
 */
async function loadEvalOnlyRole(
  role: DataRole,
  source: DatasetSource,
  options: DataLoadOptions,
): Promise<{ generator: DatasetGenerator; provenance: DataProvenance }> {
  const ref = parseRepoSpec(source.dataset);
  const info = hubDatasetInfo(ref.repo);
  const entry = hubDatasetEntry(ref.repo);
  if (info === undefined || entry === undefined)
    throw new Error(`data.${role}: the lab does not know the columns of ${ref.repo}`);
  const split = source.eval ?? source.train;
  const own = source.eval === null ? source.files?.train : source.files?.eval;
  const loaded = await loadHubDatasetRows(
    {
      dataset: ref.repo,
      ...(source.dataset.includes('@') ? { revision: ref.revision } : {}),
      config: source.config,
      split,
      ...(own !== undefined && own !== null ? { files: own } : {}),
    },
    {
      endpoint: options.endpoint,
      fetch: options.fetch,
      cache: options.cache,
      signal: options.signal,
      limit: source.maxRows,
      onProgress: (progress) => options.onProgress?.({ ...progress, dataset: ref.repo }),
    },
  );
  const skipped: { count: number; first?: string } = { count: 0 };
  const examples = loaded.rows.flatMap((row, i) => {
    try {
      return examplesFromHubRows(info.format, [row], loaded.classLabels, { dataset: ref.repo });
    } catch (error) {
      skipped.count += 1;
      skipped.first ??= `${split} ${errorText(error).replace(', row 0:', `, row ${i}:`)}`;
      return [];
    }
  });
  const pool = uniquePrompts(examples);
  if (pool.length === 0) {
    throw new Error(
      `data.${role}: no usable row in the ${split} split of ${ref.repo}${skipped.first === undefined ? '' : `; the first problem: ${skipped.first}`}`,
    );
  }
  const generator = defineGenerator<Example>({
    name: `${ref.repo} (${role})`,
    description: entry.description,
    kind: pool[0].kind,
    enumerate: (s) => (s === 'eval' ? pool : []),
    render: (example) => example,
  });
  return {
    generator,
    provenance: {
      dataset: source.dataset,
      config: source.config,
      splits: [split],
      license: entry.license,
      rows: { [split]: loaded.rows.length },
      files: loaded.files.map(({ name, sha256 }) => ({ name, sha256 })),
      ...(skipped.count > 0 ? { skippedRows: skipped.count, skipReason: skipped.first } : {}),
    },
  };
}

async function loadRole(
  role: DataRole,
  source: DatasetSource,
  options: DataLoadOptions,
): Promise<{ generator: DatasetGenerator; provenance: DataProvenance; trainFiles: string }> {
  const ref = parseRepoSpec(source.dataset);
  const info = hubDatasetInfo(ref.repo);
  const entry = hubDatasetEntry(ref.repo);
  if (info === undefined || entry === undefined)
    throw new Error(`data.${role}: the lab does not know the columns of ${ref.repo}`);
  const revision = source.dataset.includes('@') ? ref.revision : undefined;
  const files: DataProvenance['files'] = [];
  const rows: Record<string, number> = {};
  const read = async (split: string, own: string[] | null): Promise<Example[]> => {
    const loaded = await loadHubDatasetRows(
      {
        dataset: ref.repo,
        ...(revision !== undefined ? { revision } : {}),
        config: source.config,
        split,
        ...(own !== null ? { files: own } : {}),
      },
      {
        endpoint: options.endpoint,
        fetch: options.fetch,
        cache: options.cache,
        signal: options.signal,
        limit: source.maxRows,
        onProgress: (progress) => options.onProgress?.({ ...progress, dataset: ref.repo }),
      },
    );
    files.push(...loaded.files.map(({ name, sha256 }) => ({ name, sha256 })));
    rows[split] = loaded.rows.length;
    const safe = info.format === 'beavertails' ? role === 'refusal' : undefined;
    // A malformed row (an empty answer, an unknown label) is skipped and counted, not fatal: a
    // real dataset of tens of thousands of rows may hold a few.
    return loaded.rows.flatMap((row, i) => {
      try {
        return examplesFromHubRows(info.format, [row], loaded.classLabels, {
          dataset: ref.repo,
          ...(safe !== undefined ? { safe } : {}),
        });
      } catch (error) {
        const reason = errorText(error);
        skipped.count += 1;
        skipped.first ??= `${split} ${reason.replace(', row 0:', `, row ${i}:`)}`;
        return [];
      }
    });
  };
  const skipped: { count: number; first?: string } = { count: 0 };
  const train = await read(source.train, source.files?.train ?? null);
  const trainFiles = `${source.dataset} ${files.map((file) => `${file.name}:${file.sha256}`).join(' ')}`;
  // Refusals only train (alignment): their eval split is never read, and nothing is held out.
  const held =
    role === 'refusal'
      ? []
      : source.eval === null
        ? null
        : await read(source.eval, source.files?.eval ?? null);
  if (train.length === 0 && skipped.first !== undefined) {
    throw new Error(
      `data.${role}: no usable row in ${ref.repo}; the first problem: ${skipped.first}`,
    );
  }
  const generator = hubGenerator(`${ref.repo} (${role})`, entry.description, train, held);
  return {
    generator,
    trainFiles,
    provenance: {
      dataset: source.dataset,
      config: source.config,
      splits: [source.train, ...(source.eval === null || role === 'refusal' ? [] : [source.eval])],
      license: entry.license,
      rows,
      files,
      ...(skipped.count > 0 ? { skippedRows: skipped.count, skipReason: skipped.first } : {}),
    },
  };
}
