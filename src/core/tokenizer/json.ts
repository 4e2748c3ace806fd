/**
 * Reading untrusted `tokenizer.json` objects: a typed error that names the offending field, and
 * the two small JSON helpers both loaders share.
 */

/** A `tokenizer.json` (or `tokenizer_config.json`) that cannot be used, and which field says so. */
export class TokenizerFormatError extends Error {
  /** Field path in the JSON, e.g. `model.vocab["hello"]`; empty for the object as a whole. */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(path === '' ? `tokenizer.json: ${problem}` : `tokenizer.json ${path}: ${problem}`);
    this.name = 'TokenizerFormatError';
    this.path = path;
  }
}

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of JSON values; object key order does not matter, absent equals undefined. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (!jsonEqual(a[key], b[key])) return false;
  }
  return true;
}

/** A short rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
