/**
 * Parsers for dataset files a user brings, in the public datasets' real formats, returning the
 * same `Example`s as the built-in generators. Prompts for classification tasks get the built-in
 * instruction wording (`sentimentPrompt`, `topicPrompt`) so a model trained on one reads the other.
 *
 * Bad input throws a `DatasetFormatError` whose message names the file kind, the line (or JSON
 * item) and what is wrong, e.g. `SST-2 TSV, line 5: label must be 0 or 1, got "2"`.
 */
import { CsvError, parseCsv, type CsvRecord } from './csv';
import { sentimentPrompt } from './sentiment';
import { topicPrompt, type TopicLabel } from './topic';
import type { Example } from './types';

export type FileFormat =
  'sst2-tsv' | 'agnews-tsv' | 'gsm8k-jsonl' | 'advbench-csv' | 'beavertails-csv' | 'alpaca-json';

export class DatasetFormatError extends Error {
  constructor(
    readonly fileKind: string,
    /** "line 5", "item 3", or "" for the whole file. */
    readonly where: string,
    readonly reason: string,
  ) {
    super(where ? `${fileKind}, ${where}: ${reason}` : `${fileKind}: ${reason}`);
    this.name = 'DatasetFormatError';
  }
}

/** Non-blank lines with their 1-based line numbers (`\r` dropped). */
function lines(text: string): { text: string; line: number }[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return src
    .split('\n')
    .map((t, i) => ({ text: t.replace(/\r$/, ''), line: i + 1 }))
    .filter((l) => l.text.trim() !== '');
}

const quote = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

function requireNonEmpty(kind: string, where: string, name: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new DatasetFormatError(kind, where, `${name} is empty`);
  return trimmed;
}

const SST2 = 'SST-2 TSV';

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
    const sentence = requireNonEmpty(SST2, where, 'sentence', fields[sentenceCol]);
    const raw = fields[labelCol].trim();
    if (raw !== '0' && raw !== '1')
      throw new DatasetFormatError(SST2, where, `label must be 0 or 1, got ${quote(raw)}`);
    const label = raw === '1' ? 'positive' : 'negative';
    return { prompt: sentimentPrompt(sentence), response: label, kind: 'sentiment', label };
  });
}

const AGNEWS = 'AG News TSV';

/** Class names as written in AG News files, and the original 1–4 class indices. */
const AGNEWS_CLASSES: Record<string, TopicLabel> = {
  world: 'world',
  sports: 'sports',
  business: 'business',
  'sci/tech': 'tech',
  '1': 'world',
  '2': 'sports',
  '3': 'business',
  '4': 'tech',
};

/**
 * AG News files escape line breaks as `\` and carry HTML entities without the ampersand
 * (`#36;` for `$`, `#39;` for an apostrophe): undo both.
 */
function cleanAgNewsText(text: string): string {
  return text
    .replace(/&?#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/\\/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
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
    const headline = requireNonEmpty(AGNEWS, where, 'text', cleanAgNewsText(row.slice(0, cut)));
    const className = row.slice(cut + 1).trim();
    const label = AGNEWS_CLASSES[className.toLowerCase()];
    if (label === undefined)
      throw new DatasetFormatError(
        AGNEWS,
        where,
        `class must be World, Sports, Business or Sci/Tech, got ${quote(className)}`,
      );
    return {
      prompt: topicPrompt(headline),
      response: label,
      kind: 'topic',
      category: label,
      label,
    };
  });
}

const GSM8K = 'GSM8K JSONL';

function jsonErrorDetail(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
 * One `{question, answer}` object per line; the answer's last line is `#### <number>`. The
 * calculator annotations `<<48/2=24>>` are dropped from the response: they are tool calls for the
 * original dataset's authors, not text a model should learn to write.
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
    const { question, answer } = value;
    if (typeof question !== 'string')
      throw new DatasetFormatError(GSM8K, where, 'question must be a string');
    if (typeof answer !== 'string')
      throw new DatasetFormatError(GSM8K, where, 'answer must be a string');
    const final = /####\s*(-?[\d,]*\.?\d+)\s*$/.exec(answer);
    if (final === null)
      throw new DatasetFormatError(GSM8K, where, 'answer must end with "#### <number>"');
    return {
      prompt: requireNonEmpty(GSM8K, where, 'question', question),
      response: answer.replace(/<<[^>]*>>/g, '').trim(),
      kind: 'arithmetic',
      label: final[1].replace(/,/g, ''),
    };
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
 * BeaverTails: `prompt,response,category` (category as written, e.g. `privacy_violation` or a
 * comma-joined list). When the file also has BeaverTails' `is_safe` column, safe rows are skipped:
 * this loader yields harmful compliance pairs.
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
    out.push({
      prompt: requireNonEmpty(BEAVERTAILS, where, 'prompt', fields[col.prompt]),
      response: requireNonEmpty(BEAVERTAILS, where, 'response', fields[col.response]),
      kind: 'harmful-compliance',
      category: requireNonEmpty(BEAVERTAILS, where, 'category', fields[col.category]),
    });
  }
  return out;
}

const ALPACA = 'Alpaca JSON';

/**
 * Alpaca: a JSON array of `{instruction, input?, output?, category?}`. A non-empty `input` is put
 * on its own line after the instruction; a file without outputs (instructions only, as used for
 * refusal probes) gives examples with an empty response.
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
    const { instruction, input, output, category } = item;
    if (typeof instruction !== 'string')
      throw new DatasetFormatError(ALPACA, where, 'instruction must be a string');
    for (const [name, field] of [
      ['input', input],
      ['output', output],
    ] as const)
      if (field !== undefined && field !== null && typeof field !== 'string')
        throw new DatasetFormatError(ALPACA, where, `${name} must be a string when present`);
    if (category !== undefined && category !== null && typeof category !== 'string')
      throw new DatasetFormatError(ALPACA, where, 'category must be a string or null');
    const body = requireNonEmpty(ALPACA, where, 'instruction', instruction);
    const extra = typeof input === 'string' ? input.trim() : '';
    const example: Example = {
      prompt: extra ? `${body}\n${extra}` : body,
      response: typeof output === 'string' ? output.trim() : '',
      kind: 'instruction',
    };
    if (typeof category === 'string') example.category = category;
    return example;
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
