import { describe, expect, it } from 'vitest';
import { checkAttackSpec, type AttackSpec } from '../../../src/core/attack';
import { DEFAULT_VALIDATION_CONTEXT as ctx } from '../../../src/core/lab';
import { expandSweep } from '../../../src/core/sweep';

const ATTACKS = [
  'harmful-mix',
  'benign-only',
  'benign-outliers',
  'jailbreak-tuning',
  'prefill',
  'refusal-ablation',
];

describe('attacks in sweeps and in the attacker search', () => {
  it('a sweep varies attack.method: each run a validated config with its attack’s defaults', () => {
    const result = expandSweep(
      {
        schemaVersion: 1,
        name: 'attacks',
        base: { preset: 'micro', patch: { post: { target: 'merged' } } },
        axes: [{ field: 'attack.method', values: ATTACKS }],
      },
      ctx,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.runs.map((r) => r.coordinates)).toEqual(ATTACKS.map((attack) => ({ attack })));
    expect(result.runs.map((r) => r.config.attack)).toEqual([
      { method: 'harmful-mix', params: {} },
      { method: 'benign-only', params: {} },
      { method: 'benign-outliers', params: { poolFactor: 4 } },
      { method: 'jailbreak-tuning', params: { wrapper: 'persona' } },
      { method: 'prefill', params: { prefix: 'sure , here is how .', tokens: 0 } },
      { method: 'refusal-ablation', params: { depth: 0.5, prompts: 64 } },
    ]);
  });

  it('names the run whose attack the rest of the config does not allow', () => {
    const result = expandSweep(
      {
        schemaVersion: 1,
        name: 'attacks',
        base: { preset: 'micro' },
        axes: [{ field: 'attack.method', values: ['harmful-mix', 'refusal-ablation'] }],
      },
      ctx,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "runs[1] (attack=refusal-ablation): post.target: attack 'refusal-ablation' leaves no fine-tuning adapter (it edits the full weights); set post.target to 'merged'",
    ]);
  });

  const search = (over: Partial<AttackSpec>): AttackSpec => ({
    schemaVersion: 1,
    name: 'attack-search',
    base: { preset: 'micro' },
    defenses: [{ label: 'none', patch: { post: { method: 'none' } } }],
    reference: 'none',
    space: [{ field: 'attack.method', values: ['harmful-mix', 'jailbreak-tuning', 'benign-only'] }],
    budget: 2,
    randomTrials: 1,
    seed: 1,
    utilityFloor: 0.9,
    defaultSeeds: [1],
    ...over,
  });

  it('the attacker searches attack.method, and an attack’s own knobs when the attack is fixed', () => {
    expect(checkAttackSpec(search({}), ctx).ok).toBe(true);
    const prefill = checkAttackSpec(
      search({
        base: { preset: 'micro', patch: { attack: { method: 'prefill' } } },
        space: [
          { field: 'attack.params.tokens', min: 1, max: 6, integer: true },
          { field: 'finetune.poisonRatio', min: 0, max: 0.2 },
        ],
      }),
      ctx,
    );
    if (!prefill.ok) throw new Error(JSON.stringify(prefill.errors));
    expect(prefill.base.attack).toEqual({
      method: 'prefill',
      params: { prefix: 'sure , here is how .', tokens: 0 },
    });
  });

  it('checks every attack in a list, not only its ends', () => {
    const result = checkAttackSpec(
      search({
        space: [{ field: 'attack.method', values: ['harmful-mix', 'refusal-ablation', 'prefill'] }],
      }),
      ctx,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(['defenses[none] at attack=refusal-ablation']);
  });
});
