import { describe, expect, it } from 'vitest';
import { DEFAULT_VALIDATION_CONTEXT, resolvePreset } from '../../../src/core/lab';
import {
  SWEEP_PRESETS,
  aggregatedAxisNames,
  expandSweep,
  type SweepSpec,
} from '../../../src/core/sweep';

const ctx = DEFAULT_VALIDATION_CONTEXT;

const spec = (over: Partial<SweepSpec> = {}): SweepSpec => ({
  schemaVersion: 1,
  name: 'p-by-method',
  base: { preset: 'micro', patch: { finetune: { lr: 2e-4 } } },
  axes: [
    { field: 'finetune.poisonRatio', values: [0.05, 0.2] },
    {
      name: 'method',
      variants: [
        { label: 'none', patch: {} },
        { label: 'antidote', patch: { post: { method: 'antidote', maskRatio: 0.2 } } },
        { label: 'random', patch: { post: { method: 'random-prune' } } },
      ],
    },
  ],
  ...over,
});

describe('expandSweep', () => {
  it('runs the grid product, last axis fastest, each a complete validated config', () => {
    const result = expandSweep(spec(), ctx);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.runs.map((r) => r.coordinates)).toEqual([
      { p: 0.05, method: 'none' },
      { p: 0.05, method: 'antidote' },
      { p: 0.05, method: 'random' },
      { p: 0.2, method: 'none' },
      { p: 0.2, method: 'antidote' },
      { p: 0.2, method: 'random' },
    ]);
    expect(result.runs.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    const micro = resolvePreset('micro');
    const antidote = result.runs[4].config;
    // preset → base patch → variant → field value, and the run's name says where it sits.
    expect(antidote).toEqual({
      ...micro,
      name: 'p-by-method 0.2 antidote',
      finetune: { ...micro.finetune, lr: 2e-4, poisonRatio: 0.2 },
      post: { ...micro.post, method: 'antidote', maskRatio: 0.2 },
    });
    expect(result.runs[0].config.post.method).toBe(micro.post.method);
  });

  it('a one-axis sweep over post.maskRatio: one run per value, the value in the config', () => {
    const result = expandSweep(
      spec({ axes: [{ field: 'post.maskRatio', values: [0.01, 0.25] }] }),
      ctx,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.runs.map((r) => [r.coordinates, r.config.post.maskRatio])).toEqual([
      [{ maskRatio: 0.01 }, 0.01],
      [{ maskRatio: 0.25 }, 0.25],
    ]);
  });

  it('names every problem of the sweep itself with its path', () => {
    const result = expandSweep(
      {
        schemaVersion: 3,
        name: 'has space',
        bse: {},
        base: { preset: 'micro', extra: 1 },
        axes: [
          { field: 'finetune..lr', values: [] },
          {
            name: 'method',
            variants: [
              { label: 'a', patch: {} },
              { label: 'a', patch: 3 },
            ],
          },
          { something: 1 },
        ],
      },
      ctx,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'bse: unknown field; did you mean base?',
      'schemaVersion: must be 2 (or 1, without seeds)',
      'name: must be 1–80 letters, digits, "-", "_" or "." (it names the output folder)',
      'base.extra: unknown field (preset, patch)',
      'axes[0].field: must be a dotted config path, e.g. finetune.poisonRatio',
      'axes[0].values: must be a non-empty list',
      'axes[1].variants[1].label: "a" is used twice',
      'axes[1].variants[1].patch: must be an object',
      'axes[2]: must have "field" and "values", or "name" and "variants"',
    ]);
  });

  it('reports an invalid run once, with its coordinates and how many runs share it', () => {
    const result = expandSweep(
      spec({
        axes: [
          { field: 'finetune.poisonRatio', values: [0.1, 1.5] },
          { field: 'finetune.lrr', values: [0.001] },
        ],
      }),
      ctx,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'runs[0] (p=0.1, finetune.lrr=0.001): finetune.lrr: unknown field (did you mean lr?) (and 1 more runs)',
      'runs[1] (p=1.5, finetune.lrr=0.001): finetune.poisonRatio: must be between 0 and 1',
    ]);
  });

  it('refuses an unknown base preset (naming the known ones) and a grid too large to run', () => {
    const unknown = expandSweep(spec({ base: { preset: 'mikro' } }), ctx);
    expect(!unknown.ok && unknown.errors[0].path).toBe('base.preset');
    expect(!unknown.ok && unknown.errors[0].message).toMatch(/did you mean 'micro'/);
    const values = Array.from({ length: 15 }, (_, i) => i + 1);
    const huge = expandSweep(
      spec({
        axes: [
          { field: 'seed', values },
          { field: 'finetune.epochs', values },
        ],
      }),
      ctx,
    );
    expect(!huge.ok && huge.errors).toEqual([
      { path: 'axes', message: 'the grid has 225 runs; at most 200' },
    ]);
  });

  it('the built-in sweeps expand against the registries: (a) 36 runs, (b) 32, (c) 7, lora-* 9, 21, 18, repairs-vs-attacks 126, repair-strength 15', () => {
    const counts = Object.fromEntries(
      SWEEP_PRESETS.map((preset) => {
        const result = expandSweep(preset, DEFAULT_VALIDATION_CONTEXT);
        if (!result.ok) throw new Error(`${preset.name}: ${JSON.stringify(result.errors)}`);
        return [preset.name, result.runs.length];
      }),
    );
    expect(counts).toEqual({
      'defenses-vs-poison': 36,
      'hyperparameter-sensitivity': 32,
      'mask-ratio': 7,
      'lora-seeds': 9,
      'lora-mask-ratio': 21,
      'lora-ablations': 18,
      // Every attack × every repair (and none) × seeds 1–3: 6 × 7 × 3.
      'repairs-vs-attacks': 126,
      'repair-strength': 15,
    });
  });
});

describe('seeds (schema version 2)', () => {
  it('refuses axes that are not objects beside seeds, in lines, without throwing (found by the fuzz test)', () => {
    const result = expandSweep(
      { ...spec({ schemaVersion: 2, seeds: [1] }), axes: [NaN, null] },
      ctx,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toContain('axes[0]');
  });

  it('repeats every point on each seed, seeds varying fastest, and marks the seed axis aggregated', () => {
    const result = expandSweep(spec({ schemaVersion: 2, seeds: [1, 2, 3] }), ctx);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.runs).toHaveLength(2 * 3 * 3);
    expect(result.runs.slice(0, 4).map((r) => r.coordinates)).toEqual([
      { p: 0.05, method: 'none', seed: 1 },
      { p: 0.05, method: 'none', seed: 2 },
      { p: 0.05, method: 'none', seed: 3 },
      { p: 0.05, method: 'antidote', seed: 1 },
    ]);
    expect(result.runs[1].config.seed).toBe(2);
    expect(aggregatedAxisNames(result.spec)).toEqual(['seed']);
  });

  it('an axis marked aggregate is aggregated too', () => {
    const result = expandSweep(
      spec({ schemaVersion: 2, axes: [{ field: 'seed', values: [4, 5], aggregate: true }] }),
      ctx,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.runs.map((r) => r.config.seed)).toEqual([4, 5]);
    expect(aggregatedAxisNames(result.spec)).toEqual(['seed']);
  });

  it('names what is wrong with seeds', () => {
    const problems = (over: Partial<SweepSpec> | Record<string, unknown>) => {
      const result = expandSweep({ ...spec(), ...over }, ctx);
      return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
    };
    expect(problems({ seeds: [1, 2] })).toEqual(['seeds: needs schemaVersion 2']);
    expect(problems({ schemaVersion: 2, seeds: [] })).toEqual([
      'seeds: must be a non-empty list of seeds, e.g. [1, 2, 3]',
    ]);
    expect(problems({ schemaVersion: 2, seeds: [1, 1.5, -1, 1] })).toEqual([
      'seeds[1]: must be a whole number from 0 to 2147483647',
      'seeds[2]: must be a whole number from 0 to 2147483647',
      'seeds: has a repeated seed',
    ]);
    expect(
      problems({
        schemaVersion: 2,
        seeds: [1],
        axes: [{ field: 'seed', values: [1, 2] }],
      }),
    ).toEqual(['seeds: the axes already vary seed; use one or the other']);
    expect(problems({ axes: [{ field: 'seed', values: [1, 2], aggregate: true }] })).toEqual([
      'axes[0].aggregate: needs schemaVersion 2',
    ]);
    expect(
      problems({ schemaVersion: 2, axes: [{ field: 'seed', values: [1, 2], aggregate: 'yes' }] }),
    ).toEqual(['axes[0].aggregate: must be true/false']);
  });

  it('counts the seeds in the run limit', () => {
    const result = expandSweep(
      spec({
        schemaVersion: 2,
        axes: [
          { field: 'finetune.lr', values: Array.from({ length: 40 }, (_, i) => (i + 1) * 1e-4) },
        ],
        seeds: [1, 2, 3, 4, 5, 6],
      }),
      ctx,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0].message).toBe('the grid has 240 runs; at most 200');
  });
});
