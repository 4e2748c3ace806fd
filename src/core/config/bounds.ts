/**
 * Bounds on JSON from outside the lab (a config file, a share link, an import, a sweep or search
 * spec, a results file). Its size is checked before it is parsed, and its depth, its values in
 * all, the keys of one object and the items of one array by one iterative walk before anything
 * walks it recursively (a 586-character link inflated to an array 200,000 deep overflowed the
 * stack of every recursive helper). What is reported of it is bounded too: at most
 * `MAX_PROBLEMS` problems, each one short line (`oneLine`), a long or odd key shown shortened
 * (`showKey`).
 */
import { isPlainObject } from './merge';
import { errorText } from '../errors';

export interface JsonLimits {
  /** What the JSON is, as a message names it: `a config`, `a sweep`, `a results file`. */
  what: string;
  /** Characters of text at most (checked before `JSON.parse`). */
  maxChars: number;
  /** Objects and arrays nested inside each other at most. */
  maxDepth: number;
  /** Values (objects, arrays and scalars) in the whole document at most. */
  maxValues: number;
  /** Keys of one object at most. */
  maxKeys: number;
  /** Items of one array at most. */
  maxItems: number;
}

/**
 * A config, from a file, a link or the page. A complete config is about 130 values, 5 deep; its
 * longest lists (labels, parquet files) are a few hundred items.
 */
export const CONFIG_LIMITS: JsonLimits = {
  what: 'a config',
  maxChars: 1 << 20,
  maxDepth: 32,
  maxValues: 20_000,
  maxKeys: 1_000,
  maxItems: 10_000,
};

/** A sweep or an attacker search: configs as patches, for at most a few hundred runs. */
export const SPEC_LIMITS: JsonLimits = {
  what: 'a spec',
  maxChars: 1 << 20,
  maxDepth: 32,
  maxValues: 100_000,
  maxKeys: 1_000,
  maxItems: 10_000,
};

/**
 * A results file: its samples may be many (`keepSamples` up to 10,000 per checkpoint, answers up
 * to 1,024 tokens), so its text may be large; its shape is still shallow.
 */
export const RESULTS_LIMITS: JsonLimits = {
  what: 'a results file',
  maxChars: 256 << 20,
  maxDepth: 32,
  maxValues: 5_000_000,
  maxKeys: 100_000,
  maxItems: 1_000_000,
};

/** Problems listed at most; one more line counts the rest. */
/**
 * A Hub repo's JSON files (`config.json`, `tokenizer.json`, …): a real tokenizer's vocabulary is one
 * object of up to a few hundred thousand keys and its merges an array as long, but nothing in them
 * nests deeper than a dozen levels.
 */
export const HUB_JSON_LIMITS: JsonLimits = {
  what: 'a Hub JSON file',
  maxChars: 50_000_000,
  maxDepth: 64,
  maxValues: 5_000_000,
  maxKeys: 1_000_000,
  maxItems: 1_000_000,
};

export const MAX_PROBLEMS = 20;
/** Pseudo-path of the line that counts the problems not listed. */
export const MORE_PATH = '(more)';
/** Longest word the "did you mean" search compares (an edit distance costs length × length). */
export const MAX_SUGGEST_LENGTH = 64;

/**
 * Why `value` is out of `limits` (one line), or undefined when it is within them. Iterative: it
 * never recurses, so any depth is measured safely, and it stops at the first bound passed, so its
 * time is at most proportional to `maxValues`. Non-plain objects (a Date, a Map) count as leaves.
 */
export function jsonBoundsProblem(value: unknown, limits: JsonLimits): string | undefined {
  const { what } = limits;
  const stack: unknown[] = [value];
  const depths: number[] = [0];
  let values = 1;
  while (stack.length > 0) {
    const item = stack.pop();
    const depth = depths.pop() ?? 0;
    let children: unknown[];
    if (Array.isArray(item)) {
      if (item.length > limits.maxItems) {
        return `${what} holds an array of ${item.length} items; at most ${limits.maxItems}`;
      }
      children = item;
    } else if (isPlainObject(item)) {
      const keys = Object.keys(item);
      if (keys.length > limits.maxKeys) {
        return `${what} holds an object with ${keys.length} keys; at most ${limits.maxKeys}`;
      }
      children = keys.map((key) => item[key]);
    } else continue;
    if (children.length === 0) continue;
    if (depth >= limits.maxDepth) {
      return `${what} is nested more than ${limits.maxDepth} levels deep`;
    }
    values += children.length;
    if (values > limits.maxValues) {
      return `${what} holds more than ${limits.maxValues} values`;
    }
    for (const child of children) {
      stack.push(child);
      depths.push(depth + 1);
    }
  }
  return undefined;
}

export type BoundedParse = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * `JSON.parse(text)` within `limits`: the size before parsing, the shape after. The message is
 * one line (`a config is 2000000 characters long; at most 1048576`, `not valid JSON (…)`).
 */
export function parseBoundedJSON(text: string, limits: JsonLimits): BoundedParse {
  const size = sizeProblem(text.length, limits);
  if (size !== undefined) return { ok: false, message: size };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `not valid JSON (${oneLine(reason(error), 200)})` };
  }
  const shape = jsonBoundsProblem(value, limits);
  return shape === undefined ? { ok: true, value } : { ok: false, message: shape };
}

/** Why text (or a file) of `length` characters (or bytes) is too large to read, or undefined. */
export function sizeProblem(length: number, limits: JsonLimits): string | undefined {
  return length > limits.maxChars
    ? `${limits.what} is ${length} characters long; at most ${limits.maxChars}`
    : undefined;
}

/**
 * `key` as a path segment: as it is when short and printable, otherwise quoted with its control
 * characters escaped and cut to 40 characters (`"kkkk…" (300000 characters)`), so one line stays
 * one line and a path stays short.
 */
export function showKey(key: string): string {
  return PLAIN.test(key) ? key : quoteShort(key);
}

/** `'name'` for a short printable value, else the quoted, shortened form of `showKey`. */
export function showName(value: string): string {
  return PLAIN.test(value) ? `'${value}'` : quoteShort(value);
}

/**
 * `text` on one line of at most `max` characters: line breaks and other control characters
 * escaped (`\n`), the rest cut with `…`. A safety net for every message built from outside text.
 */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(BREAKING, escapeChar);
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/**
 * The first `MAX_PROBLEMS` of `problems` and, when there were more, one line counting the rest
 * (made by `more`), so a file with 100,000 mistakes is reported in 21 lines.
 */
export function capProblems<T>(problems: readonly T[], more: (count: number) => T): T[] {
  if (problems.length <= MAX_PROBLEMS) return [...problems];
  return [...problems.slice(0, MAX_PROBLEMS), more(problems.length - MAX_PROBLEMS)];
}

/** Longest path and message reported: a line or two of a terminal, whatever the input. */
export const MAX_PATH_CHARS = 200;
export const MAX_MESSAGE_CHARS = 1_000;

/**
 * `problems` as they are reported: the first `MAX_PROBLEMS`, then a `(more)` line counting the
 * rest, each path and message on one line of bounded length.
 */
export function boundedProblems(
  problems: readonly { path: string; message: string }[],
): { path: string; message: string }[] {
  return capProblems(problems, (count) => ({ path: MORE_PATH, message: moreProblems(count) })).map(
    (problem) => ({
      path: oneLine(problem.path, MAX_PATH_CHARS),
      message: oneLine(problem.message, MAX_MESSAGE_CHARS),
    }),
  );
}

/** The counting line's message: `… and 123 more problems`. */
export function moreProblems(count: number): string {
  return `… and ${count} more problem${count === 1 ? '' : 's'}`;
}

// Up to 64 characters with no control characters, quotes or line/paragraph separators.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is excluded
const PLAIN = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029'"]{1,64}$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
const BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function quoteShort(text: string): string {
  if (text.length <= 40) return JSON.stringify(text).replace(BREAKING, escapeChar);
  return `${JSON.stringify(`${text.slice(0, 40)}…`).replace(BREAKING, escapeChar)} (${text.length} characters)`;
}

function escapeChar(char: string): string {
  return SHORT_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function reason(error: unknown): string {
  return errorText(error);
}
