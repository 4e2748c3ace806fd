/**
 * Rows of a Hub dataset split, from its parquet files. By default these are the Hub's own parquet
 * conversion of every dataset, on the branch `refs/convert/parquet`:
 *
 *   {endpoint}/datasets/{owner}/{name}/resolve/refs%2Fconvert%2Fparquet/{config}/{split}/0000.parquet
 *
 * then `0001.parquet`, … Shards are read in order while more rows are wanted (`limit`) and the
 * next shard exists: a 404 on shard 0 means the dataset, config or split does not exist; a 404 on
 * a later shard ends the list. Downloads go through `downloadHubFile` with the repo
 * `datasets/{owner}/{name}`, so caching, checksums, cancelling and messages are the models'.
 */
import { HUB_SEGMENT } from './catalog';
import { downloadHubFile, label, type HubSession } from '../../hub/download';
import type { HubFileCache } from '../../hub/cache';
import { HubError } from '../../hub/errors';
import { fileUrl } from '../../hub/repo';
import { checkHubSplit } from './formats';
import { ParquetReadError, readParquetRows, type ParquetRows } from './parquet';

/** The branch where the Hub keeps its parquet conversion of every dataset. */
export const PARQUET_CONVERSION_REVISION = 'refs/convert/parquet';

export interface HubDatasetSource {
  /** `owner/name`. */
  dataset: string;
  /**
   * The branch, tag or commit; by default the parquet conversion branch (`refs/convert/parquet`),
   * or `main` when `files` names the dataset's own files.
   */
  revision?: string;
  config: string;
  split: string;
  /**
   * The dataset's own parquet files (paths in the repo), read in this order, instead of the
   * conversion's shards; each must exist. `config` and `split` then only serve the check that a
   * known dataset's split has labels.
   */
  files?: string[];
}

export interface HubDatasetProgress {
  /** Bytes of `file` received so far. */
  loadedBytes: number;
  /** The size of `file`, or null when the server does not say. */
  totalBytes: number | null;
  file: string;
}

export interface HubDatasetLoadOptions {
  endpoint: string;
  fetch?: typeof fetch;
  cache?: HubFileCache;
  signal?: AbortSignal;
  /** Stop once this many rows are read (fewer when the split is smaller). */
  limit?: number;
  onProgress?: (progress: HubDatasetProgress) => void;
}

export interface HubDatasetFileRecord {
  name: string;
  sha256: string;
  bytes: number;
}

export interface HubDatasetRows {
  rows: Record<string, unknown>[];
  /** ClassLabel column → class names, from the files' `huggingface` metadata. */
  classLabels: Record<string, string[]>;
  /** Every file read, in order. */
  files: HubDatasetFileRecord[];
}

const ID_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// A config or split is one path segment on the conversion branch.
const SEGMENT = HUB_SEGMENT;

/** The conversion's shard `index` of a split: `default/train/0000.parquet`. */
export function parquetShardFile(config: string, split: string, index: number): string {
  return `${config}/${split}/${String(index).padStart(4, '0')}.parquet`;
}

function checkSource(source: HubDatasetSource): void {
  const parts = source.dataset.split('/');
  if (parts.length !== 2 || !parts.every((part) => ID_PART.test(part) && !part.includes('..')))
    throw new Error(`dataset id ${JSON.stringify(source.dataset)} must be owner/name`);
  for (const [what, value] of [
    ['config', source.config],
    ['split', source.split],
  ] as const)
    if (!SEGMENT.test(value))
      throw new Error(
        `${source.dataset}: the ${what} ${JSON.stringify(value)} may only contain letters, digits, ".", "_", "+" and "-"`,
      );
  if (source.files !== undefined && source.files.length === 0)
    throw new Error(`${source.dataset}: files is empty; omit it to read the parquet conversion`);
}

export async function loadHubDatasetRows(
  source: HubDatasetSource,
  options: HubDatasetLoadOptions,
): Promise<HubDatasetRows> {
  checkSource(source);
  checkHubSplit(source.dataset, source.split);
  const { limit } = options;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0))
    throw new Error(`the row limit must be a non-negative integer, got ${limit}`);
  const session: HubSession = {
    endpoint: options.endpoint,
    ref: {
      repo: `datasets/${source.dataset}`,
      revision:
        source.revision ?? (source.files === undefined ? PARQUET_CONVERSION_REVISION : 'main'),
    },
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    cache: options.cache,
    signal: options.signal,
  };

  const rows: Record<string, unknown>[] = [];
  const classLabels: Record<string, string[]> = {};
  const files: HubDatasetFileRecord[] = [];
  const wanted = () => limit === undefined || rows.length < limit;
  for (let index = 0; wanted(); index++) {
    const listed = source.files;
    if (listed !== undefined && index >= listed.length) break;
    const file = listed?.[index] ?? parquetShardFile(source.config, source.split, index);

    let loadedBytes = 0;
    let totalBytes: number | null = null;
    const downloaded = await downloadHubFile(session, file, {
      onStart: (total) => {
        totalBytes = total;
        options.onProgress?.({ loadedBytes, totalBytes, file });
      },
      onBytes: (bytes) => {
        loadedBytes += bytes;
        options.onProgress?.({ loadedBytes, totalBytes, file });
      },
    });
    if (downloaded === null) {
      if (index > 0 && listed === undefined) break;
      throw notFound(session, source, file);
    }
    files.push({
      name: file,
      sha256: downloaded.sha256,
      bytes: downloaded.bytes.byteLength,
    });

    let read: ParquetRows;
    try {
      read = await readParquetRows(downloaded.bytes, {
        limit: limit === undefined ? undefined : limit - rows.length,
        name: file,
      });
    } catch (error) {
      if (!(error instanceof ParquetReadError)) throw error;
      throw new HubError(
        'corrupt',
        `${file} of ${label(session)} ${error.reason}`,
        { repo: label(session), file },
        error,
      );
    }
    mergeClassLabels(classLabels, read.classLabels, session, file);
    for (const row of read.rows) rows.push(row);
  }
  return { rows, classLabels, files };
}

function notFound(session: HubSession, source: HubDatasetSource, file: string): HubError {
  const url = fileUrl(session.endpoint, session.ref, file);
  const what =
    source.files === undefined
      ? `${source.dataset} has no parquet files for config ${JSON.stringify(source.config)}, ` +
        `split ${JSON.stringify(source.split)} (check both on the dataset's page)`
      : `${source.dataset} has no file ${file} at ${session.ref.revision}`;
  return new HubError('not-found', `${what}: ${url} answered 404`, {
    repo: label(session),
    file,
  });
}

/** Every shard of a split must name a ClassLabel's classes alike, or their integers disagree. */
function mergeClassLabels(
  into: Record<string, string[]>,
  from: Record<string, string[]>,
  session: HubSession,
  file: string,
): void {
  for (const [column, names] of Object.entries(from)) {
    const known = into[column];
    if (known === undefined) into[column] = names;
    else if (known.join('\n') !== names.join('\n'))
      throw new HubError(
        'corrupt',
        `${file} of ${label(session)} names the ${column} classes [${names.join(', ')}], ` +
          `but an earlier file names them [${known.join(', ')}]`,
        { repo: label(session), file },
      );
  }
}
