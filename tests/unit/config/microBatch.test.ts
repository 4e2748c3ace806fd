import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  canonicalJSON,
  configHash,
  formatErrors,
  listPresets,
  stageKeyMaterial,
  validateConfig,
  type ExperimentConfig,
} from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT, resolvePreset } from '../../../src/core/lab';
import { decodeConfigFromUrl, encodeConfigForUrl } from '../../../src/core/config/url';

const CTX = DEFAULT_VALIDATION_CONTEXT;
const errorsOf = (input: unknown, strict = false) => {
  const result = validateConfig(input, CTX, { strict });
  return result.ok ? '' : formatErrors(result.errors);
};

describe('runtime.microBatch', () => {
  it('is absent unless set: no default, no preset and no old file gains it, so no hash moves', async () => {
    expect(Object.hasOwn(DEFAULT_CONFIG.runtime, 'microBatch')).toBe(false);
    for (const preset of listPresets()) {
      expect(canonicalJSON(resolvePreset(preset.name)), preset.name).not.toContain('microBatch');
    }
    for (const input of [
      { schemaVersion: 3 },
      { schemaVersion: 1, finetune: { poisonRatio: 0.2 } },
      { schemaVersion: 2, runtime: { backend: 'wasm' } },
    ]) {
      const result = validateConfig(input, CTX);
      expect(result.ok).toBe(true);
      if (result.ok) expect(Object.keys(result.config.runtime)).toEqual(['backend']);
    }
    // A complete file without it is complete (strict mode asks for no optional field).
    expect(errorsOf(JSON.parse(JSON.stringify(DEFAULT_CONFIG)), true)).toBe('');
    expect(await configHash(validated({ schemaVersion: 3 }))).toBe(
      await configHash(DEFAULT_CONFIG),
    );
  });

  it('when set, is kept in the canonical config, its hash and a share link, never in a stage key', async () => {
    const set = validated({ schemaVersion: 3, runtime: { microBatch: 4 } });
    expect(set.runtime).toEqual({ backend: 'auto', microBatch: 4 });
    expect(canonicalJSON(set)).toContain('"runtime":{"backend":"auto","microBatch":4}');
    expect(await configHash(set)).not.toBe(await configHash(DEFAULT_CONFIG));
    const decoded = await decodeConfigFromUrl(await encodeConfigForUrl(set), CTX);
    expect(decoded.ok && decoded.config.runtime.microBatch).toBe(4);
    for (const stage of ['alignment', 'finetune', 'post'] as const) {
      expect(canonicalJSON(stageKeyMaterial(set, stage))).toBe(
        canonicalJSON(stageKeyMaterial(DEFAULT_CONFIG, stage)),
      );
    }
    // Above a stage's batch size is allowed (the stage clamps it to one pass).
    expect(validated({ schemaVersion: 3, runtime: { microBatch: 64 } }).runtime.microBatch).toBe(
      64,
    );
  });

  it('refuses a bad value with one line naming the field', () => {
    const bad = (microBatch: unknown) => errorsOf({ schemaVersion: 3, runtime: { microBatch } });
    expect(bad(0)).toBe('runtime.microBatch: must be a positive integer (got 0)');
    expect(bad(-2)).toBe('runtime.microBatch: must be a positive integer (got -2)');
    expect(bad(2.5)).toBe('runtime.microBatch: must be a positive integer (got 2.5)');
    expect(bad('4')).toBe('runtime.microBatch: must be a positive integer (got string "4")');
    expect(bad(null)).toBe('runtime.microBatch: must be a positive integer (got null)');
    expect(bad(5000)).toBe(
      'runtime.microBatch: must be at most 1024, the largest batch size (got 5000)',
    );
    expect(errorsOf({ schemaVersion: 3, runtime: { microbatch: 4 } })).toBe(
      'runtime.microbatch: unknown field (did you mean microBatch?)',
    );
    expect(errorsOf({ schemaVersion: 3, finetune: { microBatch: 4 } })).toBe(
      'finetune.microBatch: unknown field (did you mean runtime.microBatch?)',
    );
  });
});

function validated(input: unknown): ExperimentConfig {
  const result = validateConfig(input, CTX);
  if (!result.ok) throw new Error(formatErrors(result.errors));
  return result.config;
}
