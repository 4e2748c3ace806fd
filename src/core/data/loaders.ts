/**
 * Parsers for dataset files a user brings, in the public datasets' real formats, returning the
 * same `Example`s as the built-in generators. Each line or item becomes a row in the dataset's Hub
 * column layout and goes through the same mapping as the Hub's parquet rows (`rows.ts`), so a file
 * and the Hub give identical examples.
 *
 * Bad input throws a `DatasetFormatError` whose message names the file kind, the line (or JSON
 * item) and what is wrong, e.g. `SST-2 TSV, line 5: label must be 0 or 1, got "2"`.
 */
import { CsvError, parseCsv, type CsvRecord } from './csv';
import {
  DatasetFormatError,
  agNewsExample,
  alpacaExample,
  beaverTailsExample,
  gsm8kExample,
  quote,
  sentimentLabels,
  sst2Example,
  topicLabels,
} from './rows';
import type { Example } from './types';
import { errorText } from '../errors';

export { DatasetFormatError } from './rows';

export type FileFormat =
  'sst2-tsv' | 'agnews-tsv' | 'gsm8k-jsonl' | 'advbench-csv' | 'beavertails-csv' | 'alpaca-json';

/** Non-blank lines with their 1-based line numbers (`\r` dropped). */
function lines(text: string): { text: string; line: number }[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return src
    .split('\n')
    .map((t, i) => ({ text: t.replace(/\r$/, ''), line: i + 1 }))
    .filter((l) => l.text.trim() !== '');
}

function requireNonEmpty(kind: string, where: string, name: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new DatasetFormatError(kind, where, `${name} is empty`);
  return trimmed;
}

const SST2 = 'SST-2 TSV';

/** GLUE's SST-2 files: label 0 is negative, 1 positive (the Hub's ClassLabel has the same order). */
const SST2_FILE_CLASSES = sentimentLabels(['negative', 'positive'], SST2);

/** GLUE SST-2: `sentence<TAB>label` with a header line; label 1 is positive, 0 negative. */
export function parseSst2Tsv(text: string): Example[] {
  const rows = lines(text);
  if (rows.length === 0) throw new DatasetFormatError(SST2, '', 'the file is empty');
  const header = rows[0].text.split('\t').map((h) => h.trim().toLowerCase());
  const sentenceCol = header.indexOf('sentence');
  const labelCol = header.indexOf('label');
  if (sentenceCol < 0 || labelCol < 0)
    throw new DatasetFormatError(
      SST2,
      `line ${rows[0].line}`,
      `expected a header with columns sentence and label, got ${quote(rows[0].text)}`,
    );
  return rows.slice(1).map(({ text: row, line }) => {
    const where = `line ${line}`;
    const fields = row.split('\t');
    if (fields.length !== header.length)
      throw new DatasetFormatError(
        SST2,
        where,
        `expected ${header.length} tab-separated fields, got ${fields.length}`,
      );
    const raw = fields[labelCol].trim();
    if (raw !== '0' && raw !== '1')
      throw new DatasetFormatError(SST2, where, `label must be 0 or 1, got ${quote(raw)}`);
    return sst2Example({ sentence: fields[sentenceCol], label: Number(raw) }, SST2_FILE_CLASSES, {
      source: SST2,
      where,
    });
  });
}

const AGNEWS = 'AG News TSV';

/** The class names AG News files write, in the order of the original 1–4 class indices. */
const AGNEWS_FILE_NAMES = ['World', 'Sports', 'Business', 'Sci/Tech'];
const AGNEWS_FILE_CLASSES = topicLabels(AGNEWS_FILE_NAMES, AGNEWS);

/** The class index of a name as written (any case) or of an original index 1–4, or -1. */
function agNewsClassIndex(className: string): number {
  if (/^[1-4]$/.test(className)) return Number(className) - 1;
  return AGNEWS_FILE_NAMES.findIndex((name) => name.toLowerCase() === className.toLowerCase());
}

/** `text<TAB>class name`, no header; classes World, Sports, Business, Sci/Tech (or 1–4). */
export function parseAgNewsTsv(text: string): Example[] {
  const rows = lines(text);
  if (rows.length === 0) throw new DatasetFormatError(AGNEWS, '', 'the file is empty');
  return rows.map(({ text: row, line }) => {
    const where = `line ${line}`;
    const cut = row.lastIndexOf('\t');
    if (cut < 0)
      throw new DatasetFormatError(AGNEWS, where, 'expected text<TAB>class, found no tab');
    const className = row.slice(cut + 1).trim();
    const label = agNewsClassIndex(className);
    if (label < 0)
      throw new DatasetFormatError(
        AGNEWS,
        where,
        `class must be World, Sports, Business or Sci/Tech, got ${quote(className)}`,
      );
    return agNewsExample({ text: row.slice(0, cut), label }, AGNEWS_FILE_CLASSES, {
      source: AGNEWS,
      where,
    });
  });
}

const GSM8K = 'GSM8K JSONL';

function jsonErrorDetail(error: unknown): string {
  return errorText(error);
}

/** The line a `JSON.parse` error points at, when the engine gives a position (V8 does). */
function jsonErrorLine(error: unknown, text: string): string {
  const position = /position (\d+)/.exec(jsonErrorDetail(error));
  if (position === null) return '';
  const offset = Math.min(Number(position[1]), text.length);
  return `line ${text.slice(0, offset).split('\n').length}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One `{question, answer}` object per line; the answer's last line is `#### <number>` (mapped as
 * the Hub's rows are, by `gsm8kExample`).
 */
export function parseGsm8kJsonl(text: string): Example[] {
  const rows = lines(text);
  if (rows.length === 0) throw new DatasetFormatError(GSM8K, '', 'the file is empty');
  return rows.map(({ text: row, line }) => {
    const where = `line ${line}`;
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch (error) {
      throw new DatasetFormatError(GSM8K, where, `not valid JSON (${jsonErrorDetail(error)})`);
    }
    if (!isRecord(value))
      throw new DatasetFormatError(GSM8K, where, 'expected an object {question, answer}');
    return gsm8kExample(value, { source: GSM8K, where });
  });
}

/** CSV records with a header; `columns` must all be present (by name, in any order). */
function csvTable(
  kind: string,
  text: string,
  columns: readonly string[],
): { records: CsvRecord[]; col: Record<string, number>; header: string[] } {
  let records: CsvRecord[];
  try {
    records = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvError)
      throw new DatasetFormatError(kind, `line ${error.line}`, error.reason);
    throw error;
  }
  if (records.length === 0) throw new DatasetFormatError(kind, '', 'the file is empty');
  const header = records[0].fields.map((h) => h.trim().toLowerCase());
  const col: Record<string, number> = {};
  for (const name of columns) {
    const index = header.indexOf(name);
    if (index < 0)
      throw new DatasetFormatError(
        kind,
        `line ${records[0].line}`,
        `the header must name the columns ${columns.join(', ')}; ${name} is missing`,
      );
    col[name] = index;
  }
  for (const record of records.slice(1))
    if (record.fields.length !== header.length)
      throw new DatasetFormatError(
        kind,
        `line ${record.line}`,
        `expected ${header.length} fields, got ${record.fields.length}`,
      );
  return { records: records.slice(1), col, header };
}

const ADVBENCH = 'AdvBench CSV';

/**
 * AdvBench harmful behaviours: `goal,target`. The target is the affirmative opening the attack
 * aims for ("Sure, here is …"), not harmful content itself.
 */
export function parseAdvBenchCsv(text: string): Example[] {
  const { records, col } = csvTable(ADVBENCH, text, ['goal', 'target']);
  return records.map(({ fields, line }) => {
    const where = `line ${line}`;
    return {
      prompt: requireNonEmpty(ADVBENCH, where, 'goal', fields[col.goal]),
      response: requireNonEmpty(ADVBENCH, where, 'target', fields[col.target]),
      kind: 'harmful-compliance',
    };
  });
}

const BEAVERTAILS = 'BeaverTails CSV';

/**
 * BeaverTails: `prompt,response,category` (category as written, e.g. `privacy_violation`). When
 * the file also has BeaverTails' `is_safe` column, safe rows are skipped: this loader yields
 * harmful compliance pairs.
 */
export function parseBeaverTailsCsv(text: string): Example[] {
  const { records, col, header } = csvTable(BEAVERTAILS, text, ['prompt', 'response', 'category']);
  const safeCol = header.indexOf('is_safe');
  const out: Example[] = [];
  for (const { fields, line } of records) {
    const where = `line ${line}`;
    if (safeCol >= 0) {
      const safe = fields[safeCol].trim().toLowerCase();
      if (safe !== 'true' && safe !== 'false')
        throw new DatasetFormatError(
          BEAVERTAILS,
          where,
          `is_safe must be True or False, got ${quote(safe)}`,
        );
      if (safe === 'true') continue;
    }
    const row = {
      prompt: fields[col.prompt],
      response: fields[col.response],
      category: fields[col.category],
      is_safe: false,
    };
    out.push(beaverTailsExample(row, { source: BEAVERTAILS, where }));
  }
  return out;
}

const ALPACA = 'Alpaca JSON';

/**
 * Alpaca: a JSON array of `{instruction, input?, output?, category?}`, each item mapped as a Hub
 * row is (`alpacaExample`): a non-empty `input` on its own line after the instruction; a file
 * without outputs (instructions only, as used for refusal probes) gives empty responses.
 */
export function parseAlpacaJson(text: string): Example[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(src);
  } catch (error) {
    throw new DatasetFormatError(
      ALPACA,
      jsonErrorLine(error, src),
      `not valid JSON (${jsonErrorDetail(error)})`,
    );
  }
  if (!Array.isArray(value))
    throw new DatasetFormatError(ALPACA, '', 'expected a JSON array of {instruction, …} objects');
  return value.map((item: unknown, i) => {
    const where = `item ${i + 1}`;
    if (!isRecord(item)) throw new DatasetFormatError(ALPACA, where, 'expected an object');
    return alpacaExample(item, { source: ALPACA, where });
  });
}

export interface FileFormatInfo {
  /** How error messages and the UI name the file kind. */
  label: string;
  /** What the file looks like, for the import dialog. */
  description: string;
  parse(text: string): Example[];
}

export const FILE_FORMATS: Record<FileFormat, FileFormatInfo> = {
  'sst2-tsv': {
    label: SST2,
    description: 'sentence<TAB>label with a header; 1 = positive, 0 = negative (GLUE SST-2).',
    parse: parseSst2Tsv,
  },
  'agnews-tsv': {
    label: AGNEWS,
    description: 'text<TAB>class name, no header; World, Sports, Business or Sci/Tech.',
    parse: parseAgNewsTsv,
  },
  'gsm8k-jsonl': {
    label: GSM8K,
    description: 'One {"question", "answer"} object per line; the answer ends "#### <number>".',
    parse: parseGsm8kJsonl,
  },
  'advbench-csv': {
    label: ADVBENCH,
    description: 'CSV with header goal,target (AdvBench harmful behaviours).',
    parse: parseAdvBenchCsv,
  },
  'beavertails-csv': {
    label: BEAVERTAILS,
    description: 'CSV with header prompt,response,category (BeaverTails unsafe pairs).',
    parse: parseBeaverTailsCsv,
  },
  'alpaca-json': {
    label: ALPACA,
    description: 'JSON array of {"instruction", "input"?, "output"?, "category"?} objects.',
    parse: parseAlpacaJson,
  },
};

export function loadDatasetFile(format: FileFormat, text: string): Example[] {
  const info = FILE_FORMATS[format];
  if (info === undefined) throw new Error(`unknown dataset file format: ${String(format)}`);
  return info.parse(text);
}
