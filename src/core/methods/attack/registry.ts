/**
 * The attacks, keyed by `attack.method`: one folder per attack, `<name>/index.ts` its entry (meta +
 * `load`) and the other files its computation, imported on first use. Adding one: the folder, an
 * import and a line below.
 */
import { POST_TARGETS, type ParamSpec, type PostTarget } from '../../config/schema';
import { defineRegistry, lookup, registryProblems, type Registry } from '../../registry';
import { benignOnly } from './benign-only';
import { benignOutliers } from './benign-outliers';
import { harmfulMix } from './harmful-mix';
import { jailbreakTuning } from './jailbreak-tuning';
import { prefill } from './prefill';
import { refusalAblation } from './refusal-ablation';
import { ATTACK_PHASES, type AttackEntry, type AttackImpl, type AttackMeta } from './types';

/** The attack a config without `attack` (schemaVersion ≤ 4) means. */
export const DEFAULT_ATTACK = 'harmful-mix';

export const ATTACKS = defineRegistry<AttackEntry>('attack', {
  'harmful-mix': harmfulMix,
  'benign-only': benignOnly,
  'benign-outliers': benignOutliers,
  'jailbreak-tuning': jailbreakTuning,
  prefill,
  'refusal-ablation': refusalAblation,
});

/**
 * The start-up check of the attack registry: the shared rules (`registryProblems`), and what an
 * attack's own fields must agree on — known, non-repeated phases; a `data` phase exactly when it
 * builds its own set; an attack that does not train acts on the weights and leaves no adapter
 * (its edit is to full weights, which a fine-tuning adapter would not carry).
 */
export function attackRegistryProblems(registry: Registry<AttackEntry> = ATTACKS): string[] {
  const problems = registryProblems(registry);
  for (const [key, { meta }] of Object.entries(registry.entries)) {
    const where = `attack "${key}"`;
    if (
      meta.phases.length === 0 ||
      meta.phases.some((phase) => !ATTACK_PHASES.includes(phase)) ||
      new Set(meta.phases).size !== meta.phases.length
    ) {
      problems.push(`${where} must list its phases once each (${ATTACK_PHASES.join(', ')})`);
    }
    if (meta.postTargets.length === 0 || meta.postTargets.some((t) => !POST_TARGETS.includes(t))) {
      problems.push(`${where} must list the post.targets it allows (${POST_TARGETS.join(', ')})`);
    }
    if (meta.phases.includes('weights') && (meta.trains || meta.postTargets.includes('adapter'))) {
      problems.push(
        `${where} edits weights, so it must not train an adapter (trains: false, postTargets: merged)`,
      );
    }
    if (!meta.trains && meta.phases.includes('data')) {
      problems.push(`${where} builds a fine-tuning set but does not train`);
    }
  }
  if (!Object.hasOwn(registry.entries, DEFAULT_ATTACK)) {
    problems.push(`attack "${DEFAULT_ATTACK}" (the default) is not registered`);
  }
  return problems;
}

const problems = attackRegistryProblems();
if (problems.length > 0)
  throw new Error(`attack registry is inconsistent:\n${problems.join('\n')}`);

export function getAttackMeta(name: string): AttackMeta {
  return lookup(ATTACKS, name).meta;
}

/** An attack ready to run: its meta and computation, checked to have a function for each phase. */
export interface LoadedAttack {
  meta: AttackMeta;
  impl: AttackImpl;
}

const PHASE_FUNCTIONS = {
  data: ['finetuneExamples'],
  weights: ['editWeights'],
  evaluation: ['harmfulPrompt', 'answerPrefix'],
} as const;

export async function loadAttack(name: string): Promise<LoadedAttack> {
  const entry = lookup(ATTACKS, name);
  const impl = await entry.load();
  for (const phase of entry.meta.phases) {
    if (!PHASE_FUNCTIONS[phase].some((fn) => typeof impl[fn] === 'function')) {
      throw new Error(
        `attack "${name}" declares the ${phase} phase but its module has no ${PHASE_FUNCTIONS[phase].join(' or ')}`,
      );
    }
  }
  return { meta: entry.meta, impl };
}

/** Every attack's meta, in registration order (the CLI's `methods`, the page's select). */
export function listAttacks(): AttackMeta[] {
  return Object.values(ATTACKS.entries).map((entry) => entry.meta);
}

/** Attack → parameter specs: what the config validator accepts at `attack.params`. */
export function attackParams(): Record<string, Record<string, ParamSpec>> {
  return Object.fromEntries(listAttacks().map((meta) => [meta.name, meta.params]));
}

/** Attack → the `post.target`s it leaves to repair: what the validator accepts at `post.target`. */
export function attackPostTargets(): Record<string, readonly PostTarget[]> {
  return Object.fromEntries(listAttacks().map((meta) => [meta.name, meta.postTargets]));
}
