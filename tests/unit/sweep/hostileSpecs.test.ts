/**
 * Hostile sweep and attacker-search files (issue 24, point 2): importing one stopped the page
 * responding (its check threw while the panel derived it). Each is now bounded before it is walked
 * and refused in at most 21 one-line problems.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import type { ValidationError } from '../../../src/core/config';
import { checkAttackSpec } from '../../../src/core/attack';
import { expandSweep } from '../../../src/core/sweep';

const ctx = DEFAULT_VALIDATION_CONTEXT;

function nestedArray(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const SWEEP = {
  schemaVersion: 2,
  name: 'hostile',
  base: { preset: 'micro' },
  axes: [{ field: 'finetune.poisonRatio', values: [0.1, 0.2] }],
};

const SEARCH = {
  schemaVersion: 1,
  name: 'hostile',
  base: { preset: 'micro' },
  defenses: [{ label: 'sft', patch: {} }],
  reference: 'sft',
  space: [{ field: 'finetune.lr', min: 1e-4, max: 1e-2, scale: 'log' }],
  budget: 2,
  randomTrials: 1,
  seed: 1,
  utilityFloor: 0.9,
  defaultSeeds: [1],
};

/** The errors of a refused spec, each checked to be one short line, at most 21 of them. */
function lines(result: { ok: true } | { ok: false; errors: ValidationError[] }): string[] {
  if (result.ok) throw new Error('expected a refusal');
  const out = result.errors.map((e) => `${e.path}: ${e.message}`);
  expect(out.length).toBeLessThanOrEqual(21);
  for (const line of out) {
    expect(line).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(line.length).toBeLessThan(1_500);
  }
  return out;
}

describe('a hostile sweep is refused in a few one-line problems, never a throw', () => {
  it.each([
    ['an object without a prototype', Object.create(null) as unknown],
    ['an object', { x: 1 }],
    ['"__proto__"', '__proto__'],
  ])('an axis field that is %s', (_, field) => {
    const spec = { ...SWEEP, axes: [{ field, values: [0.1] }] };
    const out = lines(expandSweep(spec, ctx));
    expect(out.length).toBeGreaterThan(0);
    expect(out.every((line) => line.startsWith('axes[0]'))).toBe(true);
  });

  it('a variant patch holding an array nested 100,000 deep', () => {
    const spec = {
      ...SWEEP,
      axes: [{ name: 'm', variants: [{ label: 'a', patch: { seed: nestedArray(100_000) } }] }],
    };
    expect(lines(expandSweep(spec, ctx))).toEqual([
      '(root): a sweep is nested more than 32 levels deep',
    ]);
  });

  it('a base patch holding an array nested 100,000 deep', () => {
    const spec = { ...SWEEP, base: { patch: { post: { params: { x: nestedArray(100_000) } } } } };
    expect(lines(expandSweep(spec, ctx))).toHaveLength(1);
  });

  it('500 unknown fields: 20 listed and one line counting the rest', () => {
    const spec: Record<string, unknown> = { ...SWEEP };
    for (let i = 0; i < 500; i++) spec[`typo${i}`] = i;
    const out = lines(expandSweep(spec, ctx));
    expect(out).toHaveLength(21);
    expect(out[20]).toBe('(more): … and 480 more problems');
  });

  it('one 300,000-character unknown key is shown cut, with no "did you mean" search', () => {
    const started = performance.now();
    const out = lines(expandSweep({ ...SWEEP, ['k'.repeat(300_000)]: 1 }, ctx));
    expect(performance.now() - started).toBeLessThan(500);
    expect(out).toEqual([`"${'k'.repeat(40)}…" (300000 characters): unknown field`]);
  });

  it('an axis value with a line break stays on one line in the run it names', () => {
    const spec = { ...SWEEP, axes: [{ field: 'name', values: ['two\nlines'] }] };
    expect(lines(expandSweep(spec, ctx))).toHaveLength(1);
  });
});

describe('a hostile attacker search is refused in a few one-line problems, never a throw', () => {
  it('a defense patch holding an array nested 100,000 deep', () => {
    const spec = { ...SEARCH, defenses: [{ label: 'sft', patch: { seed: nestedArray(100_000) } }] };
    expect(lines(checkAttackSpec(spec, ctx))).toEqual([
      '(root): a search is nested more than 32 levels deep',
    ]);
  });

  it('a base patch holding an array nested 100,000 deep', () => {
    const spec = { ...SEARCH, base: { patch: { seed: nestedArray(100_000) } } };
    expect(lines(checkAttackSpec(spec, ctx))).toHaveLength(1);
  });

  it('40,000 defenses are refused at once (their labels were checked in quadratic time)', () => {
    const defenses = Array.from({ length: 40_000 }, (_, i) => ({ label: `d${i}`, patch: {} }));
    const started = performance.now();
    const out = lines(checkAttackSpec({ ...SEARCH, defenses }, ctx));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(out).toEqual(['(root): a search holds an array of 40000 items; at most 10000']);
  });

  it('9,000 defenses, one label repeated, name the repeat', () => {
    const defenses = Array.from({ length: 9_000 }, (_, i) => ({ label: `d${i}`, patch: {} }));
    defenses[8_999].label = 'd5';
    const out = lines(checkAttackSpec({ ...SEARCH, defenses }, ctx));
    expect(out).toContain('defenses[8999].label: "d5" is used twice');
  });

  it('a space key with a line break stays on one line', () => {
    const spec = { ...SEARCH, space: [{ field: 'finetune.lr', min: 1e-4, max: 1e-2, 'a\nb': 1 }] };
    expect(lines(checkAttackSpec(spec, ctx))).toHaveLength(1);
  });
});
