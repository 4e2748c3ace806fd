/**
 * The attacker's search space: each dimension a config field with a numeric range (linear or log,
 * whole numbers or not) or a list of values. The proposer works in unit space, [0, 1] per
 * dimension (a list's values at evenly spaced points), and maps back with `fromUnit`.
 */
import { isPlainObject } from '../config/merge';
import type { FieldValue } from '../sweep/spec';

export type Dimension =
  | { field: string; min: number; max: number; scale?: 'linear' | 'log'; integer?: boolean }
  | { field: string; values: FieldValue[] };

/** Field → value, in space order. */
export type Point = Record<string, FieldValue>;

export type SpaceResult =
  { ok: true; space: Dimension[] } | { ok: false; errors: { path: string; message: string }[] };

const RANGE_KEYS = ['field', 'min', 'max', 'scale', 'integer'];
const LIST_KEYS = ['field', 'values'];

/** Checks a space from untrusted input; every problem is one error with its path. */
export function checkSpace(input: unknown, path = 'space'): SpaceResult {
  const errors: { path: string; message: string }[] = [];
  const fail = (at: string, message: string) => errors.push({ path: at, message });
  if (!Array.isArray(input) || input.length === 0) {
    fail(path, 'must be a non-empty list of {"field", "min", "max"} or {"field", "values"}');
    return { ok: false, errors };
  }
  const fields = new Set<string>();
  input.forEach((dim: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isPlainObject(dim))
      return fail(at, 'must be {"field", "min", "max"} or {"field", "values"}');
    if (typeof dim.field !== 'string' || !/^[A-Za-z]\w*(\.[A-Za-z]\w*)*$/.test(dim.field)) {
      fail(`${at}.field`, 'must be a dotted config path, e.g. finetune.lr');
    } else if (fields.has(dim.field)) {
      fail(`${at}.field`, `"${dim.field}" appears twice`);
    } else fields.add(dim.field);
    const list = 'values' in dim;
    const allowed = list ? LIST_KEYS : RANGE_KEYS;
    for (const key of Object.keys(dim)) {
      if (!allowed.includes(key)) {
        fail(`${at}.${key}`, `unknown field (${[...RANGE_KEYS, 'values'].join(', ')})`);
      }
    }
    if (list) {
      const values = dim.values;
      if (!Array.isArray(values) || values.length === 0) {
        return fail(`${at}.values`, 'must be a non-empty list');
      }
      values.forEach((v: unknown, j) => {
        if (!['number', 'string', 'boolean'].includes(typeof v)) {
          fail(`${at}.values[${j}]`, 'must be a number, text or true/false');
        }
      });
      if (new Set(values.map((v) => JSON.stringify(v))).size !== values.length) {
        fail(`${at}.values`, 'has a repeated value');
      }
      return;
    }
    const { min, max, scale, integer } = dim;
    if (typeof min !== 'number' || !Number.isFinite(min)) fail(`${at}.min`, 'must be a number');
    if (typeof max !== 'number' || !Number.isFinite(max)) fail(`${at}.max`, 'must be a number');
    if (scale !== undefined && scale !== 'linear' && scale !== 'log') {
      fail(`${at}.scale`, 'must be "linear" or "log"');
    }
    if (integer !== undefined && typeof integer !== 'boolean') {
      fail(`${at}.integer`, 'must be true/false');
    }
    if (typeof min !== 'number' || typeof max !== 'number') return;
    if (!(min < max)) fail(`${at}.max`, `must be above min (${min})`);
    if (scale === 'log' && !(min > 0)) fail(`${at}.min`, 'must be above 0 on a log scale');
    if (integer === true && !(Number.isInteger(min) && Number.isInteger(max))) {
      fail(`${at}`, 'a whole-number range needs whole-number min and max');
    }
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, space: input as Dimension[] };
}

/** A value's place in [0, 1]: log-aware for ranges; a list value's index, evenly spaced. */
export function toUnit(dim: Dimension, value: FieldValue): number {
  if ('values' in dim) {
    const i = dim.values.findIndex((v) => v === value);
    return dim.values.length === 1 ? 0.5 : Math.max(0, i) / (dim.values.length - 1);
  }
  const v = Number(value);
  const u =
    dim.scale === 'log'
      ? Math.log(v / dim.min) / Math.log(dim.max / dim.min)
      : (v - dim.min) / (dim.max - dim.min);
  return clamp01(u);
}

/** The value at `u` ∈ [0, 1] (clamped): rounded for whole-number ranges, the nearest list value. */
export function fromUnit(dim: Dimension, u: number): FieldValue {
  const t = clamp01(u);
  if ('values' in dim) {
    return dim.values[Math.min(dim.values.length - 1, Math.round(t * (dim.values.length - 1)))];
  }
  const raw =
    dim.scale === 'log' ? dim.min * (dim.max / dim.min) ** t : dim.min + t * (dim.max - dim.min);
  const value = dim.integer ? Math.round(raw) : raw;
  return Math.min(dim.max, Math.max(dim.min, value));
}

/** Whether every dimension has a value in its range (or list), and nothing else is set. */
export function inSpace(space: readonly Dimension[], point: Point): boolean {
  if (Object.keys(point).length !== space.length) return false;
  return space.every((dim) => {
    const value = point[dim.field];
    if ('values' in dim) return dim.values.includes(value);
    if (typeof value !== 'number' || value < dim.min || value > dim.max) return false;
    return !dim.integer || Number.isInteger(value);
  });
}

function clamp01(u: number): number {
  return Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : 0;
}
