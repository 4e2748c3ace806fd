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
import { recomputeBlocks } from '../../../src/core/config/schema';
import { decodeConfigFromUrl, encodeConfigForUrl } from '../../../src/core/config/url';

const CTX = DEFAULT_VALIDATION_CONTEXT;

function validated(input: unknown): ExperimentConfig {
  const result = validateConfig(input, CTX);
  if (!result.ok) throw new Error(formatErrors(result.errors));
  return result.config;
}

describe('model.thinking', () => {
  it('is absent unless set, so no existing config or preset changes its hash', async () => {
    expect(Object.hasOwn(DEFAULT_CONFIG.model, 'thinking')).toBe(false);
    for (const preset of listPresets()) {
      expect(canonicalJSON(resolvePreset(preset.name)), preset.name).not.toContain('thinking');
    }
    expect(Object.keys(validated({ schemaVersion: 3 }).model)).toEqual(['base']);
    expect(await configHash(validated({ schemaVersion: 3 }))).toBe(
      await configHash(DEFAULT_CONFIG),
    );
  });

  it('when set, travels in a share link and enters every stage key (the training rows change)', async () => {
    const set = validated({ schemaVersion: 3, model: { base: 'safetune-base', thinking: true } });
    expect(set.model).toEqual({ base: 'safetune-base', thinking: true });
    const decoded = await decodeConfigFromUrl(await encodeConfigForUrl(set), CTX);
    expect(decoded.ok && decoded.config.model.thinking).toBe(true);
    for (const stage of ['alignment', 'finetune', 'post'] as const) {
      expect(canonicalJSON(stageKeyMaterial(set, stage))).not.toBe(
        canonicalJSON(stageKeyMaterial(DEFAULT_CONFIG, stage)),
      );
    }
  });

  it('refuses a value that is not a boolean, naming the field', () => {
    const result = validateConfig({ schemaVersion: 3, model: { thinking: 'yes' } }, CTX);
    expect(result.ok ? '' : formatErrors(result.errors)).toBe(
      'model.thinking: must be true or false (got string "yes")',
    );
  });
});

describe('runtime.recompute', () => {
  it('is absent unless set; absent, Hub models recompute their blocks and the built-in one does not', () => {
    expect(Object.hasOwn(DEFAULT_CONFIG.runtime, 'recompute')).toBe(false);
    const builtIn = validated({ schemaVersion: 3 });
    expect(recomputeBlocks(builtIn)).toBe(false);
    const hub = validated({ schemaVersion: 3, model: { base: 'HuggingFaceTB/SmolLM2-135M' } });
    expect(recomputeBlocks(hub)).toBe(true);
    expect(recomputeBlocks({ ...hub, runtime: { ...hub.runtime, recompute: false } })).toBe(false);
    expect(recomputeBlocks(validated({ schemaVersion: 3, runtime: { recompute: true } }))).toBe(
      true,
    );
  });

  it('never enters a stage key (the numbers are the same) and is refused when not a boolean', () => {
    const set = validated({ schemaVersion: 3, runtime: { recompute: true } });
    for (const stage of ['alignment', 'finetune', 'post'] as const) {
      expect(canonicalJSON(stageKeyMaterial(set, stage))).toBe(
        canonicalJSON(stageKeyMaterial(DEFAULT_CONFIG, stage)),
      );
    }
    const result = validateConfig({ schemaVersion: 3, runtime: { recompute: 1 } }, CTX);
    expect(result.ok ? '' : formatErrors(result.errors)).toBe(
      'runtime.recompute: must be true or false (got number 1)',
    );
  });
});
