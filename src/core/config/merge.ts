/**
 * Plain-data helpers: presets and sweeps are stacks of partial configs merged over the defaults.
 * Objects merge key by key, recursively; arrays and every other value replace what was there.
 */
import type { DeepPartial } from './schema';

/** A JSON-style object: `{}` literal or `Object.create(null)`, not an array, Date, Map, … */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A deep copy of plain data (objects and arrays), so merged configs never share references. */
export function clonePlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => clonePlain(item)) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) setOwn(out, key, clonePlain(item));
    return out as T;
  }
  return value;
}

/** Freezes plain data all the way down (shared constants: a stray write throws, never corrupts). */
export function deepFreeze<T>(value: T): T {
  if (Array.isArray(value) || isPlainObject(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/**
 * `base` with `patch` laid over it: plain objects merge recursively, anything else in the patch
 * (arrays included) replaces the base value; keys whose patch value is `undefined` are left alone.
 * Neither argument is modified and the result shares no objects with them.
 */
export function deepMerge<T>(base: T, patch: DeepPartial<T>): T {
  return mergeValues(base, patch) as T;
}

/** `patches` applied in order over `base`, e.g. a preset stack or one point of a sweep. */
export function applyPatches<T>(base: T, patches: readonly DeepPartial<T>[]): T {
  return patches.reduce<T>((merged, patch) => deepMerge(merged, patch), clonePlain(base));
}

function mergeValues(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return clonePlain(base);
  if (!isPlainObject(base) || !isPlainObject(patch)) return clonePlain(patch);
  const out = clonePlain(base);
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined)
      setOwn(out, key, mergeValues(Object.hasOwn(out, key) ? out[key] : undefined, value));
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
