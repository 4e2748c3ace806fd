/**
 * Rows of a known Hub dataset's column layout → the lab's `Example`s, with the row mappings of
 * `rows.ts` (shared with the file loaders). What the lab knows of each dataset (format, licence,
 * default config and splits, roles) is the one catalog, `catalog.ts`; `HUB_DATASETS` here is its
 * view keyed by id, in the loader's terms.
 */
import type { DataRole as DatasetRole } from '../../config/schema';
import { HUB_DATASETS as CATALOG, type HubDatasetFormat } from './catalog';
import {
  DatasetFormatError,
  agNewsExample,
  alpacaExample,
  beaverTailsExample,
  gsm8kExample,
  sentimentLabels,
  sst2Example,
  topicLabels,
  xstestExample,
  type DatasetRow,
  type RowOrigin,
} from '../rows';
import type { Example } from '../types';

export type { HubDatasetFormat } from './catalog';

/** What the loader needs of a known Hub dataset (from the one catalog, `catalog.ts`). */
export interface HubDatasetInfo {
  format: HubDatasetFormat;
  /** The licence the dataset card states, or 'see the dataset card' where it states none. */
  license: string;
  /** The config to read when a source names none. */
  config: string;
  trainSplit: string;
  /** The held-out split, or null when the dataset has only one. */
  evalSplit: string | null;
  roles: readonly DatasetRole[];
  /** Splits published without labels (their label column is -1). */
  unlabeledSplits: readonly string[];
}

export const HUB_DATASETS: Readonly<Record<string, HubDatasetInfo>> = Object.fromEntries(
  CATALOG.map((entry) => [
    entry.id,
    {
      format: entry.format,
      license: entry.license,
      config: entry.config,
      trainSplit: entry.train,
      evalSplit: entry.eval,
      roles: entry.roles,
      unlabeledSplits: entry.unlabeledSplits,
    },
  ]),
);

/** The dataset each format belongs to, as messages name it. */
const FORMAT_DATASET = Object.fromEntries(
  CATALOG.map((entry) => [entry.format, entry.id]),
) as Record<HubDatasetFormat, string>;

export function hubDatasetInfo(dataset: string): HubDatasetInfo | undefined {
  return Object.hasOwn(HUB_DATASETS, dataset) ? HUB_DATASETS[dataset] : undefined;
}

/** Refuse a known dataset's split that has no labels, before anything is downloaded. */
export function checkHubSplit(dataset: string, split: string): void {
  const info = hubDatasetInfo(dataset);
  if (info === undefined || !info.unlabeledSplits.includes(split)) return;
  const labelled = [info.trainSplit, info.evalSplit].filter((s) => s !== null).join(' or ');
  throw new DatasetFormatError(
    dataset,
    '',
    `the ${split} split has no labels (its label column is -1); use ${labelled}`,
  );
}

export interface HubRowsOptions {
  /**
   * BeaverTails only: `true` keeps the safe rows (refusal examples), `false` the unsafe rows
   * (harmful compliance); omitted keeps both.
   */
  safe?: boolean;
  /** How messages name the dataset; the format's own dataset id by default. */
  dataset?: string;
}

/**
 * Examples from rows in a format's Hub column layout. Messages name the dataset and the row by its
 * 0-based index in `rows`, which for the rows `loadHubDatasetRows` returns is the index the Hub's
 * dataset viewer shows.
 */
export function examplesFromHubRows(
  format: HubDatasetFormat,
  rows: readonly DatasetRow[],
  classLabels: Readonly<Record<string, readonly string[]>>,
  opts: HubRowsOptions = {},
): Example[] {
  const source = opts.dataset ?? FORMAT_DATASET[format];
  if (opts.safe !== undefined && format !== 'beavertails')
    throw new Error(`the safe option only applies to BeaverTails rows, not ${source}`);
  const at = (i: number): RowOrigin => ({ source, where: `row ${i}` });
  const names = (column: string): readonly string[] => {
    const found = Object.hasOwn(classLabels, column) ? classLabels[column] : undefined;
    if (found === undefined)
      throw new DatasetFormatError(
        source,
        '',
        `the parquet metadata names no ClassLabel classes for the ${column} column`,
      );
    return found;
  };
  switch (format) {
    case 'sst2': {
      const classes = sentimentLabels(names('label'), source);
      return rows.map((row, i) => sst2Example(row, classes, at(i)));
    }
    case 'agnews': {
      const classes = topicLabels(names('label'), source);
      return rows.map((row, i) => agNewsExample(row, classes, at(i)));
    }
    case 'gsm8k':
      return rows.map((row, i) => gsm8kExample(row, at(i)));
    case 'alpaca':
      return rows.map((row, i) => alpacaExample(row, at(i)));
    case 'xstest':
      return rows.flatMap((row, i) => xstestExample(row, at(i)) ?? []);
    case 'beavertails':
      return rows
        .map((row, i) => beaverTailsExample(row, at(i)))
        .filter((e) => opts.safe === undefined || (e.kind === 'harmful-refusal') === opts.safe);
  }
}
