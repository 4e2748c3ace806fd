/**
 * Rows of a parquet file held in memory, read with hyparquet (every codec the Hub's files use:
 * snappy, zstd, gzip, … through hyparquet-compressors), plus the ClassLabel names Hugging Face
 * `datasets` stores in the file's `huggingface` key-value metadata:
 * `{"info": {"features": {"label": {"names": [...], "_type": "ClassLabel"}}}}`.
 */
import { parquetMetadata, parquetReadObjects, parquetSchema, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { errorText } from '../../errors';

export interface ParquetRows {
  rows: Record<string, unknown>[];
  /** ClassLabel column → its class names, in class-index order. */
  classLabels: Record<string, string[]>;
  /** Rows in the whole file (`rows` holds at most `limit` of them). */
  numRows: number;
}

export interface ReadParquetOptions {
  /** Read only the first `limit` rows. */
  limit?: number;
  /** Read only these top-level columns (all when omitted); a missing one is an error. */
  columns?: string[];
  /** How messages name the file (`default/train/0000.parquet`). */
  name?: string;
}

/** A file that cannot be read; the message is one line naming it. */
export class ParquetReadError extends Error {
  constructor(
    readonly file: string,
    /** What is wrong, phrased to follow the file's name: `is not a parquet file (…)`. */
    readonly reason: string,
  ) {
    super(`${file} ${reason}`);
    this.name = 'ParquetReadError';
  }
}

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1" opens and closes every parquet file

function hasMagic(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 12) return false;
  const end = bytes.byteLength - 4;
  return MAGIC.every((b, i) => bytes[i] === b && bytes[end + i] === b);
}

const detail = (error: unknown): string => errorText(error);

export async function readParquetRows(
  bytes: Uint8Array,
  options: ReadParquetOptions = {},
): Promise<ParquetRows> {
  const name = options.name ?? 'the parquet file';
  const { limit, columns } = options;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0))
    throw new Error(`parquet row limit must be a non-negative integer, got ${limit}`);
  if (!hasMagic(bytes))
    throw new ParquetReadError(
      name,
      `is not a parquet file (it does not start and end with "PAR1"; ${bytes.byteLength} bytes)`,
    );

  const file = arrayBufferOf(bytes);
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(file);
  } catch (error) {
    throw new ParquetReadError(name, `has an unreadable parquet footer (${detail(error)})`);
  }
  const present = parquetSchema(metadata).children.map((child) => child.element.name);
  for (const column of columns ?? [])
    if (!present.includes(column))
      throw new ParquetReadError(
        name,
        `has no column ${JSON.stringify(column)} (its columns: ${present.join(', ')})`,
      );

  const classLabels = classLabelsOf(metadata, name);
  const numRows = Number(metadata.num_rows);
  const rowEnd = Math.min(limit ?? numRows, numRows);
  let rows: Record<string, unknown>[] = [];
  if (rowEnd > 0) {
    try {
      rows = await parquetReadObjects({
        file,
        metadata,
        columns,
        rowStart: 0,
        rowEnd,
        compressors,
      });
    } catch (error) {
      throw new ParquetReadError(name, `could not be read (${detail(error)})`);
    }
  }
  return { rows: rows.map((row) => plain(row) as Record<string, unknown>), classLabels, numRows };
}

/** The bytes as an ArrayBuffer (what hyparquet reads), copied unless they fill their own buffer. */
function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  const { buffer } = bytes;
  if (
    buffer instanceof ArrayBuffer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === buffer.byteLength
  )
    return buffer;
  // Not `bytes.slice()`: on a Node Buffer that is a view of the same (pooled) memory.
  return new Uint8Array(bytes).buffer;
}

/**
 * hyparquet gives INT64 columns (which is how `datasets` stores ClassLabel and int64 values) as
 * BigInt; rows carry numbers wherever that loses nothing, so mappers see `label: 1`.
 */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  if (Array.isArray(value)) return value.map(plain);
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, plain(v)]));
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The top-level ClassLabel columns named in the `huggingface` metadata, with their names. */
function classLabelsOf(metadata: FileMetaData, name: string): Record<string, string[]> {
  const entry = metadata.key_value_metadata?.find((kv) => kv.key === 'huggingface');
  if (entry?.value === undefined) return {};
  let info: unknown;
  try {
    info = JSON.parse(entry.value);
  } catch (error) {
    throw new ParquetReadError(
      name,
      `has "huggingface" metadata that is not JSON (${detail(error)})`,
    );
  }
  // `datasets` writes {"info": {"features": …}}; some older files put the features at the top.
  const features = field(field(info, 'info'), 'features') ?? field(info, 'features');
  const out: Record<string, string[]> = {};
  if (!isPlainObject(features)) return out;
  for (const [column, feature] of Object.entries(features)) {
    if (field(feature, '_type') !== 'ClassLabel') continue;
    const names = field(feature, 'names');
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))
      throw new ParquetReadError(
        name,
        `has "huggingface" metadata whose ClassLabel ${column} has no list of names`,
      );
    out[column] = names;
  }
  return out;
}

function field(value: unknown, key: string): unknown {
  return isPlainObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}
