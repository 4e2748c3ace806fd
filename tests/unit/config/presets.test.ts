import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_CONFIG,
  checkPresets,
  listPresets,
  presetStack,
  validateConfig,
  type Preset,
} from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT, resolvePreset } from '../../../src/core/lab';

describe('presets', () => {
  it('include the reference, micro and per-task presets', () => {
    const names = listPresets().map((preset) => preset.name);
    for (const name of ['antidote-sst2', 'micro', 'antidote-agnews', 'antidote-gsm8k']) {
      expect(names).toContain(name);
    }
    for (const preset of listPresets()) expect(preset.description.length).toBeGreaterThan(0);
  });

  it('every preset resolves to a complete, valid config', () => {
    for (const { name } of listPresets()) {
      const config = resolvePreset(name);
      const strict = validateConfig(config, DEFAULT_VALIDATION_CONTEXT, { strict: true });
      expect(strict, name).toEqual({ ok: true, config });
    }
  });

  it('antidote-sst2 is the defaults', () => {
    expect(resolvePreset('antidote-sst2')).toEqual(DEFAULT_CONFIG);
  });

  it('the per-task presets change the task and nothing that determines training', () => {
    expect(resolvePreset('antidote-agnews').finetune).toEqual({
      ...DEFAULT_CONFIG.finetune,
      task: 'agnews',
    });
    expect(resolvePreset('antidote-gsm8k').finetune.task).toBe('gsm8k');
  });

  it('micro is smaller than the default in every size, and tiny', () => {
    const micro = resolvePreset('micro');
    const sizes = (c: typeof DEFAULT_CONFIG) => [
      c.alignment.samples,
      c.alignment.epochs,
      c.finetune.samples,
      c.finetune.epochs,
      c.post.realignmentSamples,
      c.evaluation.harmfulPrompts,
      c.evaluation.benignPrompts,
      c.evaluation.helpfulnessPrompts,
      c.evaluation.taskPrompts,
      c.evaluation.maxNewTokens,
    ];
    const small = sizes(micro);
    const reference = sizes(DEFAULT_CONFIG);
    small.forEach((size, i) => expect(size).toBeLessThan(reference[i]));
    expect(micro.alignment.samples).toBeLessThanOrEqual(200);
    expect(micro.finetune.samples).toBeLessThanOrEqual(100);
    expect([micro.alignment.epochs, micro.finetune.epochs]).toEqual([1, 1]);
    expect(micro.evaluation.maxNewTokens).toBe(24);
    for (const prompts of small.slice(5, 9)) expect(prompts).toBeLessThanOrEqual(40);
  });

  it('the smoke tests say so first, and a preset built on one is a smoke test too', () => {
    const smoke = listPresets().filter((preset) => preset.smokeTest);
    expect(smoke.map((preset) => preset.name)).toEqual(['micro', 'micro-agnews']);
    for (const preset of smoke) expect(preset.description).toMatch(/^Smoke test: .*mean nothing/);
    const smokeNames = new Set(smoke.map((preset) => preset.name));
    for (const preset of listPresets()) {
      if (preset.extends?.some((parent) => smokeNames.has(parent)))
        expect(preset.smokeTest, preset.name).toBe(true);
    }
  });

  it('micro keeps the experiment itself (task, poison ratio, defense) of the reference', () => {
    const micro = resolvePreset('micro');
    expect(micro.finetune.task).toBe(DEFAULT_CONFIG.finetune.task);
    expect(micro.finetune.poisonRatio).toBe(DEFAULT_CONFIG.finetune.poisonRatio);
    expect(micro.post.method).toBe(DEFAULT_CONFIG.post.method);
  });

  it('stack: extends are applied in order, then the own patch', () => {
    const config = resolvePreset('micro-agnews');
    expect(config.finetune.task).toBe('agnews');
    expect(config.finetune.samples).toBe(resolvePreset('micro').finetune.samples);
    expect(config.name).toBe('micro-agnews');
  });

  it('names the valid presets for an unknown name', () => {
    expect(() => resolvePreset('mirco')).toThrow(
      /^unknown preset 'mirco' \(known: antidote-sst2, antidote-agnews, .*micro.*; did you mean 'micro'\?\)$/,
    );
  });

  it('returns a fresh config each time', () => {
    const first = resolvePreset('micro');
    first.finetune.poisonRatio = 0.9;
    expect(resolvePreset('micro').finetune.poisonRatio).toBe(0.1);
  });
});

describe('preset stacks (custom lists)', () => {
  const base: Preset = {
    name: 'base',
    description: '',
    patch: { seed: 7, finetune: { epochs: 3 } },
  };

  it('a preset reached twice is applied once, at its first place', () => {
    const presets: Preset[] = [
      base,
      { name: 'a', description: '', extends: ['base'], patch: { seed: 8 } },
      { name: 'b', description: '', extends: ['base'], patch: { finetune: { epochs: 4 } } },
      { name: 'ab', description: '', extends: ['a', 'b'], patch: {} },
    ];
    expect(presetStack('ab', presets)).toEqual([
      base.patch,
      { seed: 8 },
      { finetune: { epochs: 4 } },
      {},
    ]);
    const config = resolvePreset('ab', { presets });
    expect([config.seed, config.finetune.epochs]).toEqual([8, 4]);
  });

  it('reports a cycle', () => {
    const presets: Preset[] = [
      { name: 'x', description: '', extends: ['y'], patch: {} },
      { name: 'y', description: '', extends: ['x'], patch: {} },
    ];
    expect(() => resolvePreset('x', { presets })).toThrow(
      /^presets extend each other in a cycle: x → y → x$/,
    );
  });

  it('reports an unknown parent', () => {
    const presets: Preset[] = [{ name: 'x', description: '', extends: ['bsae'], patch: {} }, base];
    expect(() => resolvePreset('x', { presets })).toThrow(
      "preset 'x' extends unknown preset 'bsae' (known: x, base; did you mean 'base'?)",
    );
  });

  it('an invalid preset is a ConfigError listing every problem', () => {
    const presets: Preset[] = [
      { name: 'bad', description: '', patch: { seed: -1, finetune: { poisonRatio: 2 } } },
    ];
    let error: unknown;
    try {
      resolvePreset('bad', { presets });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).errors.map((e) => e.path)).toEqual([
      'seed',
      'finetune.poisonRatio',
    ]);
    expect((error as Error).message).toBe(
      "preset 'bad' is not a valid config:\nseed: must be between 0 and 2147483647\nfinetune.poisonRatio: must be between 0 and 1",
    );
  });

  it('checkPresets (run on the built-in list when lab.ts loads) rejects duplicates and invalid presets', () => {
    expect(() =>
      checkPresets([base, { ...base, description: 'again' }], DEFAULT_VALIDATION_CONTEXT),
    ).toThrow("preset 'base' is defined twice");
    expect(() =>
      checkPresets(
        [base, { name: 'typo', description: '', patch: { post: { method: 'antidot' } } }],
        DEFAULT_VALIDATION_CONTEXT,
      ),
    ).toThrow(ConfigError);
    expect(() => checkPresets([base], DEFAULT_VALIDATION_CONTEXT)).not.toThrow();
  });
});
