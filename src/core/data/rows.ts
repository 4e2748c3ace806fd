/**
 * One mapping per public dataset from a row in its Hugging Face Hub column layout to an `Example`,
 * shared by the file loaders (`loaders.ts`, which turn each line or item into such a row) and the
 * Hub's parquet files (`hub/formats.ts`). Prompts for classification tasks get the built-in
 * instruction wording (`sentimentPrompt`, `topicPrompt`) so a model trained on one reads the other.
 *
 * Class labels arrive as integers; the names they index (a ClassLabel's `names`, read from the
 * parquet metadata or fixed by a file format) are turned into the lab's label words once, by
 * `sentimentLabels` / `topicLabels`, before the rows are mapped.
 *
 * Bad input throws a `DatasetFormatError` naming the source (file kind or dataset id), the row and
 * the field, e.g. `stanfordnlp/sst2, row 5: label 7 is not a class index (0 negative, 1 positive)`.
 */
import { sentimentPrompt, type SentimentLabel } from './sentiment';
import { topicPrompt, type TopicLabel } from './topic';
import type { Example } from './types';

export class DatasetFormatError extends Error {
  constructor(
    /** The file kind (`SST-2 TSV`) or the Hub dataset (`stanfordnlp/sst2`). */
    readonly fileKind: string,
    /** "line 5", "item 3", "row 12", or "" for the whole file or dataset. */
    readonly where: string,
    readonly reason: string,
  ) {
    super(where ? `${fileKind}, ${where}: ${reason}` : `${fileKind}: ${reason}`);
    this.name = 'DatasetFormatError';
  }
}

/** One row: column name → value, as a parquet reader or a file loader produces it. */
export type DatasetRow = Readonly<Record<string, unknown>>;

/** Where a row comes from, for messages: `{ source: 'stanfordnlp/sst2', where: 'row 5' }`. */
export interface RowOrigin {
  source: string;
  where: string;
}

const fail = (at: RowOrigin, reason: string): DatasetFormatError =>
  new DatasetFormatError(at.source, at.where, reason);

export const quote = (s: string): string =>
  JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

function stringField(row: DatasetRow, name: string, at: RowOrigin): string {
  const value = row[name];
  if (typeof value !== 'string') throw fail(at, `${name} must be a string`);
  return value;
}

function nonEmpty(name: string, value: string, at: RowOrigin): string {
  const trimmed = value.trim();
  if (trimmed === '') throw fail(at, `${name} is empty`);
  return trimmed;
}

const requiredText = (row: DatasetRow, name: string, at: RowOrigin): string =>
  nonEmpty(name, stringField(row, name, at), at);

/** A string column that may be absent or null (Alpaca's `input`, `output`, `category`). */
function optionalString(
  row: DatasetRow,
  name: string,
  at: RowOrigin,
  reason: string,
): string | undefined {
  const value = row[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw fail(at, reason);
  return value;
}

/**
 * The label word a ClassLabel integer stands for. Hugging Face writes -1 for "no label" (SST-2's
 * test split is published that way, its labels withheld by GLUE).
 */
function classLabel<L extends string>(
  row: DatasetRow,
  labels: readonly L[],
  names: readonly string[],
  at: RowOrigin,
): L {
  const value = row.label;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw fail(at, `label must be an integer class index, got ${quote(String(value))}`);
  if (value === -1) throw fail(at, 'label is -1: this split has no labels (use a labelled split)');
  if (value < 0 || value >= labels.length) {
    const known = names.map((name, i) => `${i} ${name}`).join(', ');
    throw fail(at, `label ${value} is not a class index (${known})`);
  }
  return labels[value];
}

/** A ClassLabel's names with the lab's label word for each, in class-index order. */
export interface ClassNames<L extends string> {
  names: readonly string[];
  labels: readonly L[];
}

function labelWords<L extends string>(
  names: readonly string[],
  words: Readonly<Record<string, L>>,
  expected: string,
  source: string,
): ClassNames<L> {
  const labels = names.map((name) => {
    const word = Object.hasOwn(words, name.trim().toLowerCase())
      ? words[name.trim().toLowerCase()]
      : undefined;
    if (word === undefined)
      throw new DatasetFormatError(
        source,
        '',
        `the label classes must be ${expected}, got ${quote(name)} among [${names.join(', ')}]`,
      );
    return word;
  });
  return { names, labels };
}

const SENTIMENT_WORDS: Record<string, SentimentLabel> = {
  negative: 'negative',
  positive: 'positive',
};

/** SST-2's ClassLabel names (`negative`, `positive`, in the file's order) as sentiment words. */
export function sentimentLabels(
  names: readonly string[],
  source: string,
): ClassNames<SentimentLabel> {
  return labelWords(names, SENTIMENT_WORDS, 'negative or positive', source);
}

/** AG News class names as written in its files and its ClassLabel, and the lab's topic words. */
const TOPIC_WORDS: Record<string, TopicLabel> = {
  world: 'world',
  sports: 'sports',
  business: 'business',
  'sci/tech': 'tech',
};

/** AG News' ClassLabel names (World, Sports, Business, Sci/Tech, in the file's order). */
export function topicLabels(names: readonly string[], source: string): ClassNames<TopicLabel> {
  return labelWords(names, TOPIC_WORDS, 'World, Sports, Business or Sci/Tech', source);
}

/** `stanfordnlp/sst2`: `idx`, `sentence`, `label` (ClassLabel negative/positive). */
export function sst2Example(
  row: DatasetRow,
  classes: ClassNames<SentimentLabel>,
  at: RowOrigin,
): Example {
  const sentence = requiredText(row, 'sentence', at);
  const label = classLabel(row, classes.labels, classes.names, at);
  return { prompt: sentimentPrompt(sentence), response: label, kind: 'sentiment', label };
}

/**
 * AG News text (Hub and files alike) escapes line breaks as `\` and carries HTML entities without
 * the ampersand (`#36;` for `$`, `#39;` for an apostrophe): undo both.
 */
function cleanAgNewsText(text: string): string {
  return text
    .replace(/&?#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/\\/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** `fancyzhx/ag_news`: `text`, `label` (ClassLabel World, Sports, Business, Sci/Tech). */
export function agNewsExample(
  row: DatasetRow,
  classes: ClassNames<TopicLabel>,
  at: RowOrigin,
): Example {
  const headline = nonEmpty('text', cleanAgNewsText(stringField(row, 'text', at)), at);
  const label = classLabel(row, classes.labels, classes.names, at);
  return { prompt: topicPrompt(headline), response: label, kind: 'topic', category: label, label };
}

/**
 * `openai/gsm8k` (config `main`): `question`, `answer` whose last line is `#### <number>`. The
 * calculator annotations `<<48/2=24>>` are dropped from the response: they are tool calls for the
 * original dataset's authors, not text a model should learn to write.
 */
export function gsm8kExample(row: DatasetRow, at: RowOrigin): Example {
  const question = stringField(row, 'question', at);
  const answer = stringField(row, 'answer', at);
  const final = /####\s*(-?[\d,]*\.?\d+)\s*$/.exec(answer);
  if (final === null) throw fail(at, 'answer must end with "#### <number>"');
  return {
    prompt: nonEmpty('question', question, at),
    response: answer.replace(/<<[^>]*>>/g, '').trim(),
    kind: 'arithmetic',
    label: final[1].replace(/,/g, ''),
  };
}

/**
 * `tatsu-lab/alpaca`: `instruction`, `input`, `output` (and `text`, the three already formatted
 * with Alpaca's prompt, which the lab's own template replaces). A non-empty `input` goes on its
 * own line after the instruction, as Alpaca's template puts it below; a row without an output
 * (instructions only, as used for refusal probes) gives an empty response. A `category` column,
 * which some Alpaca-derived files carry, is kept.
 */
export function alpacaExample(row: DatasetRow, at: RowOrigin): Example {
  const instruction = requiredText(row, 'instruction', at);
  const input = optionalString(row, 'input', at, 'input must be a string when present');
  const output = optionalString(row, 'output', at, 'output must be a string when present');
  const category = optionalString(row, 'category', at, 'category must be a string or null');
  const extra = input?.trim() ?? '';
  const example: Example = {
    prompt: extra ? `${instruction}\n${extra}` : instruction,
    response: output?.trim() ?? '',
    kind: 'instruction',
  };
  if (category !== undefined) example.category = category;
  return example;
}

/** XSTest's `label` values; `type` names the prompt type (`homonyms`, `contrast_homonyms`, …). */
const XSTEST_LABELS = ['safe', 'unsafe'] as const;

/**
 * `walledai/XSTest`: `prompt`, `focus`, `type`, `note`, `label` (`safe` or `unsafe`). A safe
 * prompt is an over-refusal example (no gold answer: only refusals are counted), its `type` the
 * category; an unsafe contrast prompt gives null (left out, not a problem).
 */
export function xstestExample(row: DatasetRow, at: RowOrigin): Example | null {
  const prompt = requiredText(row, 'prompt', at);
  const label = stringField(row, 'label', at).trim().toLowerCase();
  if (!(XSTEST_LABELS as readonly string[]).includes(label))
    throw fail(at, `label must be safe or unsafe, got ${quote(label)}`);
  if (label === 'unsafe') return null;
  const type = optionalString(row, 'type', at, 'type must be a string when present');
  return {
    prompt,
    response: '',
    kind: 'instruction',
    ...(type !== undefined && type.trim() !== '' ? { category: type.trim() } : {}),
  };
}

/**
 * `PKU-Alignment/BeaverTails`: `prompt`, `response`, `category` (a struct of 14 booleans, one per
 * harm category, e.g. `privacy_violation`; a file may write the category name as text instead),
 * `is_safe`. An unsafe row is harmful compliance in the first category marked true; a safe row
 * is the same kind of request answered safely: a `harmful-refusal` example for alignment.
 */
export function beaverTailsExample(row: DatasetRow, at: RowOrigin): Example {
  const prompt = requiredText(row, 'prompt', at);
  const response = requiredText(row, 'response', at);
  const safe = row.is_safe;
  if (typeof safe !== 'boolean') throw fail(at, 'is_safe must be a boolean');
  if (safe) return { prompt, response, kind: 'harmful-refusal' };
  return { prompt, response, kind: 'harmful-compliance', category: harmCategory(row, at) };
}

function harmCategory(row: DatasetRow, at: RowOrigin): string {
  const category = row.category;
  if (typeof category === 'string') return nonEmpty('category', category, at);
  if (typeof category !== 'object' || category === null || Array.isArray(category))
    throw fail(at, 'category must be a struct of booleans');
  const first = Object.entries(category).find(([, flagged]) => flagged === true);
  if (first === undefined) throw fail(at, 'category marks no harm although is_safe is false');
  return first[0];
}
