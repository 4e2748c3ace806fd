import { STAGES, type ParamSpec, type Stage } from '../config/schema';
import { antidote } from './post/antidote';
import { magnitudePrune } from './post/magnitudePrune';
import { none } from './post/none';
import { randomPrune } from './post/randomPrune';
import { wandaBenign } from './post/wandaBenign';
import type { MethodInfo, PostMethod } from './types';

/** Post-fine-tuning methods, keyed by the config's `post.method`. Adding one: one file, one line. */
export const POST_METHODS: Readonly<Record<string, PostMethod>> = {
  none,
  antidote,
  'random-prune': randomPrune,
  'magnitude-prune': magnitudePrune,
  'wanda-benign': wandaBenign,
};

// ─── TRAINING-STAGE METHODS (alignment / finetune) ─────────────────────────────────────────────
// LEAD: replace these descriptions with the real training-method entries (e.g. a `TrainMethod`
// type with `stage: 'alignment' | 'finetune'` and its run function, later vaccine, repnoise,
// booster, lisa, ldifs). They are listed here only so `methodsByStage()` — which the config
// validator reads — accepts `sft`, which the pipeline currently runs directly (train/sft.ts).
export const TRAINING_METHODS: readonly MethodInfo[] = [
  {
    name: 'sft',
    stage: 'alignment',
    description:
      'Supervised fine-tuning on harmful prompts answered with refusals mixed with benign ' +
      'instructions: the safety alignment that the harmful fine-tuning attack later undoes.',
    params: {},
  },
  {
    name: 'sft',
    stage: 'finetune',
    description:
      "Supervised fine-tuning on the user's task data, of which a fraction p is harmful prompts " +
      'with harmful answers (the harmful fine-tuning attack).',
    params: {},
  },
];
// ─── END TRAINING-STAGE METHODS ────────────────────────────────────────────────────────────────

export function getPostMethod(name: string): PostMethod {
  if (!Object.hasOwn(POST_METHODS, name)) {
    throw new Error(
      `unknown post-fine-tuning method "${name}" (valid: ${Object.keys(POST_METHODS).join(', ')})`,
    );
  }
  return POST_METHODS[name];
}

/** Every registered method, training stages first, in pipeline order. */
export function listMethods(): MethodInfo[] {
  return [...TRAINING_METHODS, ...Object.values(POST_METHODS)];
}

/** Stage → method name → parameter specs: what the config validator accepts. */
export function methodsByStage(): Record<Stage, Record<string, Record<string, ParamSpec>>> {
  const out = { alignment: {}, finetune: {}, post: {} } as Record<
    Stage,
    Record<string, Record<string, ParamSpec>>
  >;
  for (const method of listMethods()) out[method.stage][method.name] = method.params;
  return out;
}

/**
 * The registry's start-up check, returning one line per problem: a key that differs from its
 * entry's name, an entry in the wrong stage, a duplicate (stage, name), an empty description, or
 * a post entry without `apply`. A registry that fails it would only fail later, mid-run.
 */
export function registryProblems(
  post: Readonly<Record<string, PostMethod>> = POST_METHODS,
  training: readonly MethodInfo[] = TRAINING_METHODS,
): string[] {
  const problems: string[] = [];
  for (const [key, method] of Object.entries(post)) {
    if (method.name !== key) problems.push(`POST_METHODS["${key}"] is named "${method.name}"`);
    if (method.stage !== 'post') {
      problems.push(`POST_METHODS["${key}"] has stage "${method.stage}", expected "post"`);
    }
    if (typeof method.apply !== 'function') problems.push(`POST_METHODS["${key}"] has no apply()`);
  }
  const seen = new Set<string>();
  for (const method of [...training, ...Object.values(post)]) {
    if (!(STAGES as readonly string[]).includes(method.stage)) {
      problems.push(`method "${method.name}" has unknown stage "${method.stage}"`);
    }
    const id = `${method.stage}/${method.name}`;
    if (seen.has(id)) problems.push(`method "${id}" is registered twice`);
    seen.add(id);
    if (!method.description.trim()) problems.push(`method "${id}" has no description`);
  }
  for (const method of training) {
    if (method.stage === 'post') {
      problems.push(`training method "${method.name}" is in stage "post"; add it to POST_METHODS`);
    }
  }
  return problems;
}

const problems = registryProblems();
if (problems.length > 0)
  throw new Error(`method registry is inconsistent:\n${problems.join('\n')}`);
