import { describe, expect, it } from 'vitest';
import { clonePlain } from '../../../src/core/config/merge';
import { migrateConfigInput } from '../../../src/core/config/migrate';
import { DEFAULT_CONFIG } from '../../../src/core/config/schema';
import { formatErrors, validateConfig } from '../../../src/core/config/validate';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';

type Loose = Record<string, Record<string, unknown>> & { schemaVersion: number };

/** The default config as a version-4 file wrote it: no over-refusal fields. */
function version4(): Loose {
  const config = clonePlain(DEFAULT_CONFIG) as unknown as Loose;
  config.schemaVersion = 4;
  delete config.data.overRefusal;
  delete config.evaluation.overRefusalPrompts;
  return config;
}

describe('schemaVersion 4 → 5 (the over-refusal evaluation)', () => {
  it('a version-4 config means what it meant: no over-refusal prompts, everything else as written', () => {
    for (const strict of [false, true]) {
      const result = validateConfig(version4(), DEFAULT_VALIDATION_CONTEXT, { strict });
      if (!result.ok) throw new Error(formatErrors(result.errors));
      const expected = clonePlain(DEFAULT_CONFIG);
      expected.evaluation.overRefusalPrompts = 0;
      expect(result.config).toEqual(expected);
    }
  });

  it('keeps a version-4 value it is given, and leaves a version-5 input alone', () => {
    const input = version4();
    input.evaluation.overRefusalPrompts = 12;
    expect(
      (migrateConfigInput(input).evaluation as Record<string, unknown>).overRefusalPrompts,
    ).toBe(12);
    const current = clonePlain(DEFAULT_CONFIG) as unknown as Record<string, unknown>;
    expect(migrateConfigInput(current)).toBe(current);
  });

  it('older versions reach version 5 the same way', () => {
    const v3 = version4();
    v3.schemaVersion = 3;
    v3.post.layers = 'all';
    const result = validateConfig(v3, DEFAULT_VALIDATION_CONTEXT);
    if (!result.ok) throw new Error(formatErrors(result.errors));
    expect(result.config.schemaVersion).toBe(5);
    expect(result.config.evaluation.overRefusalPrompts).toBe(0);
    expect(result.config.data.overRefusal).toBeNull();
  });

  it('a version-5 config takes the over-refusal defaults, and checks them', () => {
    const result = validateConfig({ schemaVersion: 5 }, DEFAULT_VALIDATION_CONTEXT);
    if (!result.ok) throw new Error(formatErrors(result.errors));
    expect(result.config.evaluation.overRefusalPrompts).toBe(35);
    expect(result.config.data.overRefusal).toBeNull();
    const bad = validateConfig(
      {
        schemaVersion: 5,
        evaluation: { overRefusalPrompts: -1 },
        data: { overRefusal: { dataset: 'stanfordnlp/sst2' } },
      },
      DEFAULT_VALIDATION_CONTEXT,
    );
    expect(bad.ok ? [] : formatErrors(bad.errors).split('\n')).toEqual([
      'data.overRefusal.dataset: stanfordnlp/sst2 cannot play the overRefusal role (it plays: task)',
      'evaluation.overRefusalPrompts: must be between 0 and 10000',
    ]);
  });

  it('fills XSTest from the Hub with the splits the lab knows', () => {
    const result = validateConfig(
      { schemaVersion: 5, data: { overRefusal: { dataset: 'walledai/XSTest', maxRows: 500 } } },
      DEFAULT_VALIDATION_CONTEXT,
    );
    if (!result.ok) throw new Error(formatErrors(result.errors));
    expect(result.config.data.overRefusal).toEqual({
      dataset: 'walledai/XSTest',
      config: 'default',
      train: 'train',
      eval: null,
      maxRows: 500,
      files: null,
    });
  });
});
