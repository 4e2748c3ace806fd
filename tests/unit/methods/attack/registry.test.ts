import { describe, expect, it } from 'vitest';
import {
  ATTACKS,
  attackRegistryProblems,
  listAttacks,
  loadAttack,
} from '../../../../src/core/methods/attack/registry';
import { defineAttack, type AttackEntry } from '../../../../src/core/methods/attack/types';
import { defineRegistry } from '../../../../src/core/registry';

const entry = (over: Partial<Parameters<typeof defineAttack>[0]['meta']>): AttackEntry =>
  defineAttack({
    meta: {
      name: 'harmful-mix',
      description: 'x',
      citation: 'y',
      params: {},
      phases: ['data'],
      readsPoisonRatio: true,
      trains: true,
      postTargets: ['adapter', 'merged'],
      ...over,
    },
    load: async () => ({ finetuneExamples: async () => [] }),
  });

describe('attack registry', () => {
  it('is consistent, and every attack loads a function for each phase it declares', async () => {
    expect(attackRegistryProblems()).toEqual([]);
    expect(listAttacks().map((a) => [a.name, a.phases.join('+')])).toEqual([
      ['harmful-mix', 'data'],
      ['benign-only', 'data'],
      ['benign-outliers', 'data'],
      ['jailbreak-tuning', 'data+evaluation'],
      ['prefill', 'evaluation'],
      ['refusal-ablation', 'weights'],
    ]);
    for (const name of ATTACKS.names) {
      const { meta, impl } = await loadAttack(name);
      expect(meta.citation.length).toBeGreaterThan(10);
      expect(typeof impl.finetuneExamples === 'function').toBe(meta.phases.includes('data'));
      expect(typeof impl.editWeights === 'function').toBe(meta.phases.includes('weights'));
      expect(
        typeof impl.harmfulPrompt === 'function' || typeof impl.answerPrefix === 'function',
      ).toBe(meta.phases.includes('evaluation'));
    }
    await expect(loadAttack('p-mix')).rejects.toThrow(
      /unknown attack "p-mix" \(valid: harmful-mix,/,
    );
  });

  it('refuses entries that contradict themselves', () => {
    const problems = attackRegistryProblems(
      defineRegistry<AttackEntry>('attack', {
        'harmful-mix': entry({ phases: [] }),
        edit: entry({ name: 'edit', phases: ['weights'] }),
        idle: entry({ name: 'idle', trains: false, postTargets: ['merged'] }),
        twice: entry({ name: 'twice', phases: ['data', 'data'], postTargets: [] }),
      }),
    );
    expect(problems).toEqual([
      'attack "harmful-mix" must list its phases once each (data, weights, evaluation)',
      'attack "edit" edits weights, so it must not train an adapter (trains: false, postTargets: merged)',
      'attack "idle" builds a fine-tuning set but does not train',
      'attack "twice" must list its phases once each (data, weights, evaluation)',
      'attack "twice" must list the post.targets it allows (adapter, merged)',
    ]);
    expect(
      attackRegistryProblems(
        defineRegistry<AttackEntry>('attack', { other: entry({ name: 'other' }) }),
      ),
    ).toEqual(['attack "harmful-mix" (the default) is not registered']);
  });
});
