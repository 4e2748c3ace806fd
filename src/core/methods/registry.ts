import { POST_TARGETS, type ParamSpec, type PostTarget, type Stage } from '../config/schema';
import { booster } from './alignment/booster';
import { repnoise } from './alignment/repnoise';
import { alignmentSft } from './alignment/sft';
import { vaccine } from './alignment/vaccine';
import { ldifs } from './finetune/ldifs';
import { lisa } from './finetune/lisa';
import { safeDataMix } from './finetune/safeDataMix';
import { finetuneSft } from './finetune/sft';
import { antidote } from './post/antidote';
import { magnitudePrune } from './post/magnitudePrune';
import { none } from './post/none';
import { randomPrune } from './post/randomPrune';
import { safelora } from './post/safelora';
import { wandaBenign } from './post/wandaBenign';
import type { MethodInfo, PostMethod, TrainMethod } from './types';

/** Post-fine-tuning methods, keyed by the config's `post.method`. Adding one: one file, one line. */
export const POST_METHODS: Readonly<Record<string, PostMethod>> = {
  none,
  antidote,
  'random-prune': randomPrune,
  'magnitude-prune': magnitudePrune,
  'wanda-benign': wandaBenign,
  safelora,
};

/** Alignment-stage methods, keyed by `alignment.method`. */
export const ALIGNMENT_METHODS: Readonly<Record<string, TrainMethod>> = {
  sft: alignmentSft,
  vaccine,
  repnoise,
  booster,
};

/** Fine-tuning-stage methods, keyed by `finetune.method`. */
export const FINETUNE_METHODS: Readonly<Record<string, TrainMethod>> = {
  sft: finetuneSft,
  lisa,
  ldifs,
  'safe-data-mix': safeDataMix,
};

const TRAINING_METHODS: Record<'alignment' | 'finetune', Readonly<Record<string, TrainMethod>>> = {
  alignment: ALIGNMENT_METHODS,
  finetune: FINETUNE_METHODS,
};

export function getTrainMethod(stage: 'alignment' | 'finetune', name: string): TrainMethod {
  const methods = TRAINING_METHODS[stage];
  if (!Object.hasOwn(methods, name)) {
    throw new Error(
      `unknown ${stage === 'alignment' ? 'alignment' : 'fine-tuning'} method "${name}" ` +
        `(valid: ${Object.keys(methods).join(', ')})`,
    );
  }
  return methods[name];
}

export function getPostMethod(name: string): PostMethod {
  if (!Object.hasOwn(POST_METHODS, name)) {
    throw new Error(
      `unknown post-fine-tuning method "${name}" (valid: ${Object.keys(POST_METHODS).join(', ')})`,
    );
  }
  return POST_METHODS[name];
}

/** Every registered method, in pipeline order (alignment, fine-tuning, post). */
export function listMethods(): MethodInfo[] {
  return [
    ...Object.values(ALIGNMENT_METHODS),
    ...Object.values(FINETUNE_METHODS),
    ...Object.values(POST_METHODS),
  ];
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

/** Post method → the `post.target`s it can act on: what the config validator accepts. */
export function postTargetsByMethod(): Record<string, readonly PostTarget[]> {
  return Object.fromEntries(Object.values(POST_METHODS).map((m) => [m.name, m.targets]));
}

/**
 * The registry's start-up check, returning one line per problem: a key that differs from its
 * entry's name, an entry in the wrong stage, an empty description, a parameter whose default is
 * outside its own range, or an entry without its run function. A registry that fails it would
 * only fail later, mid-run.
 */
export function registryProblems(
  post: Readonly<Record<string, PostMethod>> = POST_METHODS,
  training: Readonly<
    Record<'alignment' | 'finetune', Readonly<Record<string, TrainMethod>>>
  > = TRAINING_METHODS,
): string[] {
  const problems: string[] = [];
  const tables: [string, Stage, Readonly<Record<string, MethodInfo>>][] = [
    ['ALIGNMENT_METHODS', 'alignment', training.alignment],
    ['FINETUNE_METHODS', 'finetune', training.finetune],
    ['POST_METHODS', 'post', post],
  ];
  for (const [table, stage, methods] of tables) {
    for (const [key, method] of Object.entries(methods)) {
      const where = `${table}["${key}"]`;
      if (method.name !== key) problems.push(`${where} is named "${method.name}"`);
      if (method.stage !== stage) {
        problems.push(`${where} has stage "${method.stage}", expected "${stage}"`);
      }
      if (!method.description.trim()) problems.push(`${where} has no description`);
      const run = stage === 'post' ? (method as PostMethod).apply : (method as TrainMethod).train;
      if (typeof run !== 'function') {
        problems.push(`${where} has no ${stage === 'post' ? 'apply' : 'train'}()`);
      }
      if (stage === 'post' && !Array.isArray((method as PostMethod).reads)) {
        problems.push(`${where} does not say which shared post fields it reads (reads)`);
      }
      if (stage === 'post') {
        const targets = (method as PostMethod).targets;
        if (
          !Array.isArray(targets) ||
          targets.length === 0 ||
          targets.some((t) => !POST_TARGETS.includes(t))
        ) {
          problems.push(`${where} must say what it acts on (targets: ${POST_TARGETS.join(', ')})`);
        }
      }
      for (const [param, spec] of Object.entries(method.params)) {
        const problem = paramSpecProblem(spec);
        if (problem) problems.push(`${where} parameter "${param}": ${problem}`);
      }
    }
  }
  return problems;
}

function paramSpecProblem(spec: ParamSpec): string | null {
  if (!spec.description.trim()) return 'no description';
  if (spec.type === 'enum' && !spec.values.includes(spec.default)) {
    return `default "${spec.default}" is not one of ${spec.values.join(', ')}`;
  }
  if (spec.type === 'number' || spec.type === 'integer') {
    if (
      (spec.min !== undefined && spec.default < spec.min) ||
      (spec.max !== undefined && spec.default > spec.max)
    ) {
      return `default ${spec.default} is outside [${spec.min ?? '-∞'}, ${spec.max ?? '∞'}]`;
    }
    if (spec.type === 'integer' && !Number.isInteger(spec.default)) {
      return `default ${spec.default} is not an integer`;
    }
  }
  return null;
}

const problems = registryProblems();
if (problems.length > 0)
  throw new Error(`method registry is inconsistent:\n${problems.join('\n')}`);
