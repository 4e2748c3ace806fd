/**
 * The methods, by stage and name: the config's `<stage>.method` values. Each is a folder
 * `<stage>/<name>/` whose `index.ts` is the entry (meta + `load`) and whose other files are the
 * computation, imported on first use. Adding one: the folder, an import and a line below.
 */
import { POST_TARGETS, type ParamSpec, type PostTarget, type Stage } from '../config/schema';
import {
  defineRegistry,
  lookup,
  registryProblems,
  type Registry,
  type RegistryRules,
} from '../registry';
import { booster } from './alignment/booster';
import { repnoise } from './alignment/repnoise';
import { alignmentSft } from './alignment/sft';
import { vaccine } from './alignment/vaccine';
import { ldifs } from './finetune/ldifs';
import { lisa } from './finetune/lisa';
import { safeDataMix } from './finetune/safe-data-mix';
import { finetuneSft } from './finetune/sft';
import { antidote } from './post/antidote';
import { antidoteTaskAware } from './post/antidote-task-aware';
import { magnitudePrune } from './post/magnitude-prune';
import { none } from './post/none';
import { randomPrune } from './post/random-prune';
import { safelora } from './post/safelora';
import { safemerge } from './post/safemerge';
import { safetyArithmetic } from './post/safety-arithmetic';
import { safetyPatch } from './post/safety-patch';
import { wandaBenign } from './post/wanda-benign';
import type {
  MethodInfo,
  PostMethod,
  PostMethodEntry,
  TrainMethod,
  TrainMethodEntry,
} from './types';

/** Alignment-stage methods, keyed by `alignment.method`. */
export const ALIGNMENT_METHODS = defineRegistry<TrainMethodEntry>('alignment method', {
  sft: alignmentSft,
  vaccine,
  repnoise,
  booster,
});

/** Fine-tuning-stage methods, keyed by `finetune.method`. */
export const FINETUNE_METHODS = defineRegistry<TrainMethodEntry>('fine-tuning method', {
  sft: finetuneSft,
  lisa,
  ldifs,
  'safe-data-mix': safeDataMix,
});

/** Post-fine-tuning methods, keyed by `post.method`. */
export const POST_METHODS = defineRegistry<PostMethodEntry>('post-fine-tuning method', {
  none,
  antidote,
  'random-prune': randomPrune,
  'magnitude-prune': magnitudePrune,
  'wanda-benign': wandaBenign,
  safelora,
  'safety-arithmetic': safetyArithmetic,
  safemerge,
  'safety-patch': safetyPatch,
  'antidote-task-aware': antidoteTaskAware,
});

/** What every entry of a stage's registry must also say: its stage; a post method its reads and targets. */
const RULES = {
  alignment: { stage: 'alignment' },
  finetune: { stage: 'finetune' },
  post: { stage: 'post', reads: true, targets: POST_TARGETS },
} as const satisfies Record<Stage, RegistryRules>;

/**
 * The start-up check of the method registries (`registryProblems` with each stage's rules), one
 * line per problem. A registry that fails it would only fail later, mid-run.
 */
export function methodRegistryProblems(
  registries: {
    alignment: Registry<TrainMethodEntry>;
    finetune: Registry<TrainMethodEntry>;
    post: Registry<PostMethodEntry>;
  } = { alignment: ALIGNMENT_METHODS, finetune: FINETUNE_METHODS, post: POST_METHODS },
): string[] {
  return (['alignment', 'finetune', 'post'] as const).flatMap((stage) =>
    registryProblems(registries[stage], RULES[stage]),
  );
}

const problems = methodRegistryProblems();
if (problems.length > 0) {
  throw new Error(`method registry is inconsistent:\n${problems.join('\n')}`);
}

/** A training entry as the pipeline runs it: its meta, and `train` loading the computation. */
function trainMethod(entry: TrainMethodEntry): TrainMethod {
  return { ...entry.meta, train: async (ctx) => (await entry.load()).train(ctx) };
}

function postMethod(entry: PostMethodEntry): PostMethod {
  return { ...entry.meta, apply: async (ctx) => (await entry.load()).apply(ctx) };
}

const TRAINING_METHODS = { alignment: ALIGNMENT_METHODS, finetune: FINETUNE_METHODS } as const;

export function getTrainMethod(stage: 'alignment' | 'finetune', name: string): TrainMethod {
  return trainMethod(lookup(TRAINING_METHODS[stage], name));
}

export function getPostMethod(name: string): PostMethod {
  return postMethod(lookup(POST_METHODS, name));
}

/** Every registered method's meta, in pipeline order (alignment, fine-tuning, post). */
export function listMethods(): MethodInfo[] {
  return [ALIGNMENT_METHODS, FINETUNE_METHODS, POST_METHODS].flatMap((registry) =>
    Object.values(registry.entries).map((entry) => entry.meta),
  );
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
  return Object.fromEntries(
    Object.values(POST_METHODS.entries).map(({ meta }) => [meta.name, meta.targets]),
  );
}
