import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  formatErrors,
  stageKey,
  stageKeyMaterial,
  validateConfig,
  type ExperimentConfig,
} from '../../../src/core/config';
import { clonePlain } from '../../../src/core/config/merge';
import { DEFAULT_VALIDATION_CONTEXT as CTX } from '../../../src/core/lab';
import { attackKey } from '../../../src/core/pipeline/stageCache';

type Loose = Record<string, unknown> & { schemaVersion: unknown };

const lines = (result: ReturnType<typeof validateConfig>) =>
  result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);

const edited = (edit: (c: ExperimentConfig) => void): ExperimentConfig => {
  const config = clonePlain(DEFAULT_CONFIG) as ExperimentConfig;
  edit(config);
  return config;
};

describe('validateConfig: schemaVersion 4 (before attacks)', () => {
  it('means p-mixing, the only attack it had: a complete v4 file is the v5 config with harmful-mix', () => {
    const v4 = clonePlain(DEFAULT_CONFIG) as unknown as Loose;
    v4.schemaVersion = 4;
    delete v4.attack;
    const result = validateConfig(v4, CTX, { strict: true });
    if (!result.ok) throw new Error(formatErrors(result.errors));
    expect(result.config).toEqual(DEFAULT_CONFIG);
    expect(result.config.attack).toEqual({ method: 'harmful-mix', params: {} });
  });

  it('an older file reaches version 5 with harmful-mix too', () => {
    const result = validateConfig({ schemaVersion: 2 }, CTX);
    if (!result.ok) throw new Error(formatErrors(result.errors));
    expect(result.config.schemaVersion).toBe(5);
    expect(result.config.attack).toEqual({ method: 'harmful-mix', params: {} });
  });
});

describe('validateConfig: attack', () => {
  it('fills an attack’s parameters with their defaults', () => {
    const result = validateConfig({ schemaVersion: 5, attack: { method: 'prefill' } }, CTX);
    if (!result.ok) throw new Error(formatErrors(result.errors));
    expect(result.config.attack).toEqual({
      method: 'prefill',
      params: { prefix: 'sure , here is how .', tokens: 0 },
    });
  });

  it('names an unknown attack, an unknown parameter and a bad value at their paths', () => {
    expect(lines(validateConfig({ schemaVersion: 5, attack: { method: 'prefil' } }, CTX))).toEqual([
      "attack.method: unknown attack 'prefil' (known: harmful-mix, benign-only, benign-outliers, jailbreak-tuning, prefill, refusal-ablation; did you mean 'prefill'?)",
    ]);
    expect(
      lines(
        validateConfig(
          { schemaVersion: 5, attack: { method: 'harmful-mix', params: { p: 1 } } },
          CTX,
        ),
      ),
    ).toEqual(["attack.params.p: unknown parameter (attack 'harmful-mix' takes no parameters)"]);
    expect(
      lines(
        validateConfig(
          { schemaVersion: 5, attack: { method: 'jailbreak-tuning', params: { wrapper: 'dan' } } },
          CTX,
        ),
      ),
    ).toEqual(["attack.params.wrapper: must be one of 'persona', 'trigger' (got \"dan\")"]);
    expect(
      lines(
        validateConfig(
          {
            schemaVersion: 5,
            attack: { method: 'refusal-ablation', params: { depth: 2 } },
            post: { target: 'merged' },
          },
          CTX,
        ),
      ),
    ).toEqual(['attack.params.depth: must be between 0 and 1']);
  });

  it("refusal-ablation leaves no adapter: post.target must be 'merged'", () => {
    expect(
      lines(validateConfig({ schemaVersion: 5, attack: { method: 'refusal-ablation' } }, CTX)),
    ).toEqual([
      "post.target: attack 'refusal-ablation' leaves no fine-tuning adapter (it edits the full weights); set post.target to 'merged'",
    ]);
    const merged = validateConfig(
      { schemaVersion: 5, attack: { method: 'refusal-ablation' }, post: { target: 'merged' } },
      CTX,
    );
    expect(lines(merged)).toEqual([]);
  });
});

describe('stage keys under an attack', () => {
  const context = (config: ExperimentConfig) => ({
    baseModelSha256: 'base',
    coreSourceHash: 'core',
    backend: 'cpu',
    attack: attackKey(config),
  });
  const keys = async (config: ExperimentConfig) =>
    Promise.all(
      (['alignment', 'finetune', 'post'] as const).map((stage) =>
        stageKey(config, stage, context(config)),
      ),
    );

  it('a data attack enters the fine-tuning key, never the alignment key', async () => {
    const [a0, f0, p0] = await keys(DEFAULT_CONFIG);
    const [a1, f1, p1] = await keys(
      edited((c) => (c.attack = { method: 'benign-only', params: {} })),
    );
    expect(a1).toBe(a0);
    expect(f1).not.toBe(f0);
    expect(p1).not.toBe(p0);
    const [, f2] = await keys(
      edited((c) => (c.attack = { method: 'jailbreak-tuning', params: { wrapper: 'trigger' } })),
    );
    const [, f3] = await keys(
      edited((c) => (c.attack = { method: 'jailbreak-tuning', params: { wrapper: 'persona' } })),
    );
    expect(new Set([f0, f1, f2, f3]).size).toBe(4);
  });

  it('an evaluation attack shares every stage with harmful-mix (only the evaluation changes)', async () => {
    const prefill = edited(
      (c) => (c.attack = { method: 'prefill', params: { prefix: 'sure .', tokens: 0 } }),
    );
    expect(await keys(prefill)).toEqual(await keys(DEFAULT_CONFIG));
    // …at its poisonRatio: the set it fine-tunes on is p-mixing's.
    expect(
      (
        await keys(
          edited((c) => {
            c.attack = { method: 'prefill', params: { prefix: 'sure .', tokens: 0 } };
            c.finetune.poisonRatio = 0;
          }),
        )
      )[1],
    ).not.toBe((await keys(DEFAULT_CONFIG))[1]);
  });

  it('an attack that does not read poisonRatio does not re-train when it changes', async () => {
    const at = (p: number, method: string) =>
      keys(
        edited((c) => {
          c.attack = { method, params: {} };
          c.finetune.poisonRatio = p;
        }),
      );
    expect((await at(0.1, 'benign-only'))[1]).toBe((await at(0.3, 'benign-only'))[1]);
    expect((await at(0.1, 'harmful-mix'))[1]).not.toBe((await at(0.3, 'harmful-mix'))[1]);
  });

  it('a version-4 config as a results file carries it (no attack) still has stage material', () => {
    const v4 = clonePlain(DEFAULT_CONFIG) as unknown as Loose;
    v4.schemaVersion = 4;
    delete v4.attack;
    const material = stageKeyMaterial(v4 as unknown as ExperimentConfig, 'post');
    expect(material.attack).toBeUndefined();
    expect(material.finetune).toEqual(DEFAULT_CONFIG.finetune);
  });

  it('refusal-ablation: no fine-tuning field enters its key, its parameters do', async () => {
    const ablation = (edit: (c: ExperimentConfig) => void) =>
      edited((c) => {
        c.attack = { method: 'refusal-ablation', params: { depth: 0.5, prompts: 64 } };
        c.post.target = 'merged';
        edit(c);
      });
    const material = stageKeyMaterial(
      ablation(() => {}),
      'finetune',
      undefined,
      attackKey(ablation(() => {})),
    );
    expect(material.finetune).toBeUndefined();
    expect(material.attack).toEqual({
      method: 'refusal-ablation',
      params: { depth: 0.5, prompts: 64 },
    });
    const [, f0] = await keys(ablation(() => {}));
    const [, f1] = await keys(ablation((c) => (c.finetune.lr = 0.5)));
    const [, f2] = await keys(ablation((c) => ((c.attack.params as { depth: number }).depth = 1)));
    expect(f1).toBe(f0);
    expect(f2).not.toBe(f0);
  });
});
