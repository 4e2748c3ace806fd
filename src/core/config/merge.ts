/**
 * Plain-data helpers: presets and sweeps are stacks of partial configs merged over the defaults.
 * Objects merge key by key, recursively; arrays and every other value replace what was there.
 * Input from outside is bounded before it gets here (`bounds.ts`); as a backstop each helper
 * throws a one-line Error past `MAX_NESTING` levels instead of overflowing the stack.
 */
import type { DeepPartial } from './schema';

/** Deepest nesting these recursive helpers accept (far below what overflows the stack). */
export const MAX_NESTING = 100;

function tooDeep(what: string): never {
  throw new Error(`${what}: the value is nested more than ${MAX_NESTING} levels deep`);
}

/** A JSON-style object: `{}` literal or `Object.create(null)`, not an array, Date, Map, … */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A deep copy of plain data (objects and arrays), so merged configs never share references. */
export function clonePlain<T>(value: T): T {
  return cloneAt(value, 0) as T;
}

function cloneAt(value: unknown, depth: number): unknown {
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (depth > MAX_NESTING) tooDeep('clonePlain');
  if (Array.isArray(value)) return value.map((item: unknown) => cloneAt(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) setOwn(out, key, cloneAt(item, depth + 1));
  return out;
}

/** Freezes plain data all the way down (shared constants: a stray write throws, never corrupts). */
export function deepFreeze<T>(value: T): T {
  freezeAt(value, 0);
  return value;
}

function freezeAt(value: unknown, depth: number): void {
  if (!Array.isArray(value) && !isPlainObject(value)) return;
  if (depth > MAX_NESTING) tooDeep('deepFreeze');
  for (const item of Object.values(value)) freezeAt(item, depth + 1);
  Object.freeze(value);
}

/**
 * `base` with `patch` laid over it: plain objects merge recursively, anything else in the patch
 * (arrays included) replaces the base value; keys whose patch value is `undefined` are left alone.
 * Neither argument is modified and the result shares no objects with them.
 */
export function deepMerge<T>(base: T, patch: DeepPartial<T>): T {
  return mergeValues(base, patch, 0) as T;
}

/** `patches` applied in order over `base`, e.g. a preset stack or one point of a sweep. */
export function applyPatches<T>(base: T, patches: readonly DeepPartial<T>[]): T {
  return patches.reduce<T>((merged, patch) => deepMerge(merged, patch), clonePlain(base));
}

function mergeValues(base: unknown, patch: unknown, depth: number): unknown {
  if (patch === undefined) return clonePlain(base);
  if (!isPlainObject(base) || !isPlainObject(patch)) return clonePlain(patch);
  if (depth > MAX_NESTING) tooDeep('deepMerge');
  const out = clonePlain(base);
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined)
      setOwn(
        out,
        key,
        mergeValues(Object.hasOwn(out, key) ? out[key] : undefined, value, depth + 1),
      );
  }
  return out;
}

/** Assignment that treats `__proto__` as an ordinary key instead of changing the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
