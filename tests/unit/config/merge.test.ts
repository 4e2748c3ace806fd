import { describe, expect, it } from 'vitest';
import { applyPatches, clonePlain, deepFreeze, deepMerge } from '../../../src/core/config';

interface Shape {
  a: { b: number; c: number; list: number[] };
  d: string;
  e?: { f: number };
}

const base: Shape = { a: { b: 1, c: 2, list: [1, 2, 3] }, d: 'x' };

describe('deepMerge', () => {
  it('merges nested objects key by key, keeping unpatched siblings', () => {
    expect(deepMerge(base, { a: { b: 10 } })).toEqual({
      a: { b: 10, c: 2, list: [1, 2, 3] },
      d: 'x',
    });
  });

  it('replaces arrays whole instead of merging them', () => {
    expect(deepMerge(base, { a: { list: [9] } }).a.list).toEqual([9]);
  });

  it('ignores keys whose patch value is undefined', () => {
    expect(deepMerge(base, { d: undefined, a: { b: undefined } })).toEqual(base);
  });

  it('an undefined patch leaves a copy of the base', () => {
    const merged = deepMerge(base, undefined as unknown as Partial<Shape>);
    expect(merged).toEqual(base);
    expect(merged).not.toBe(base);
  });

  it('adds objects the base does not have', () => {
    expect(deepMerge(base, { e: { f: 1 } }).e).toEqual({ f: 1 });
  });

  it('modifies neither argument and shares no objects with them', () => {
    const patch = { a: { list: [7, 8] } };
    const before = clonePlain(base);
    const merged = deepMerge<Shape>(base, patch);
    merged.a.list.push(0);
    merged.a.b = 99;
    expect(base).toEqual(before);
    expect(patch).toEqual({ a: { list: [7, 8] } });
  });

  it('treats a "__proto__" key as data, never changing a prototype', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const merged = deepMerge<Record<string, unknown>>({}, patch);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.keys(merged)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('applyPatches', () => {
  it('applies patches in order, later ones winning', () => {
    const merged = applyPatches(base, [{ a: { b: 5 }, d: 'y' }, { a: { b: 6 } }]);
    expect(merged).toEqual({ a: { b: 6, c: 2, list: [1, 2, 3] }, d: 'y' });
  });

  it('with no patches returns an unshared copy', () => {
    const copy = applyPatches(base, []);
    expect(copy).toEqual(base);
    expect(copy.a).not.toBe(base.a);
  });
});

describe('deepFreeze', () => {
  it('freezes nested objects and arrays', () => {
    const frozen = deepFreeze(clonePlain(base));
    expect(Object.isFrozen(frozen.a)).toBe(true);
    expect(Object.isFrozen(frozen.a.list)).toBe(true);
  });
});
