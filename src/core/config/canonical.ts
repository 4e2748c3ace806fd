/**
 * Canonical JSON and hashes. A config's identity is the SHA-256 of its canonical JSON, so the same
 * experiment gets the same hash whatever the key order of the file it came from; each stage's
 * cached weights are keyed by the part of the config that determines them.
 */
import { MAX_NESTING, clonePlain, isPlainObject } from './merge';
import type {
  AttackConfig,
  DataConfig,
  ExperimentConfig,
  FinetuneConfig,
  PostConfig,
  Stage,
} from './schema';

/** The post fields besides `method`, `target` and `params` that a post method may read. */
export type SharedPostField = 'maskRatio' | 'layers' | 'realignmentSamples';

/**
 * JSON with object keys sorted (by UTF-16 code unit, as RFC 8785) at every depth and no
 * whitespace. Throws on anything JSON cannot carry exactly: NaN, ±Infinity, undefined, functions,
 * bigints, symbols, cycles and non-plain objects (Date, Map, typed arrays, class instances), and
 * on nesting deeper than `MAX_NESTING` (a one-line Error, not a stack overflow).
 */
export function canonicalJSON(value: unknown): string {
  return serialize(value, '(root)', []);
}

/** Lower-case hex SHA-256 of the UTF-8 bytes of `text`. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The results file's `configHash`: SHA-256 of the canonical JSON of the config. */
export function configHash(config: ExperimentConfig): Promise<string> {
  return sha256Hex(canonicalJSON(config));
}

/** What determines a stage's output weights; `evaluation`, `runtime` and `name` never do. */
export type StageKeyMaterial = Pick<
  ExperimentConfig,
  'schemaVersion' | 'seed' | 'model' | 'alignment'
> & { data: Partial<DataConfig> } & {
  finetune?: Partial<FinetuneConfig>;
  attack?: AttackConfig;
  post?: Partial<PostConfig>;
};

/**
 * What the attack puts in the fine-tuning stage's key (and so the post stage's): the attack the
 * stage runs — the config's when it has a `data` or `weights` phase, else `harmful-mix`, whose set
 * an evaluation-only attack fine-tunes on (so they share the stage) — whether that set reads
 * `finetune.poisonRatio`, and whether the stage trains at all (else no `finetune` field matters).
 */
export interface AttackKey {
  attack: AttackConfig;
  readsPoisonRatio: boolean;
  trains: boolean;
}

/**
 * The sub-config that determines `stage`'s output: alignment ← seed, model, the data of
 * alignment's roles, alignment; fine-tuning ← those + the data of every trained role + finetune; post ← those + post. So a sweep over `finetune.poisonRatio`
 * re-uses the aligned weights and a sweep over `post.maskRatio` re-uses the fine-tuned ones.
 * `schemaVersion` is included so a future schema with other meanings never hits an old cache.
 * `postReads` lists the shared post fields the post method reads (its registry entry's `reads`):
 * only those enter the post key, so a `maskRatio` sweep does not re-run `safelora` or `none`.
 * Without it, the whole `post` section does. `attack` (`AttackKey`) says what of the attack and of
 * `finetune` enters the fine-tuning and post keys; without it, the config's attack and the whole
 * `finetune` section do.
 */
export function stageKeyMaterial(
  config: ExperimentConfig,
  stage: Stage,
  postReads?: readonly SharedPostField[],
  attack?: AttackKey,
): StageKeyMaterial {
  const material: StageKeyMaterial = {
    schemaVersion: config.schemaVersion,
    seed: config.seed,
    model: config.model,
    // Alignment reads refusals, benign instructions and (RepNoise, Booster) harmful data; the
    // task's data enters at fine-tuning. Over-refusal prompts are only evaluated: never a key.
    data:
      stage === 'alignment'
        ? { harmful: config.data.harmful, refusal: config.data.refusal, benign: config.data.benign }
        : {
            task: config.data.task,
            harmful: config.data.harmful,
            refusal: config.data.refusal,
            benign: config.data.benign,
          },
    alignment: config.alignment,
  };
  if (stage === 'finetune' || stage === 'post') {
    const key = attack ?? { attack: config.attack, readsPoisonRatio: true, trains: true };
    // A results file's config of schemaVersion 4 or older has no attack (and never had it in a key).
    if ((key.attack as AttackConfig | undefined) !== undefined) material.attack = key.attack;
    if (key.trains) {
      const { poisonRatio, ...unmixed } = config.finetune;
      material.finetune = key.readsPoisonRatio ? { ...unmixed, poisonRatio } : unmixed;
    }
  }
  if (stage === 'post') {
    const { method, target, params } = config.post;
    material.post = postReads
      ? {
          method,
          target,
          params,
          ...Object.fromEntries(postReads.map((field) => [field, config.post[field]])),
        }
      : config.post;
  }
  return clonePlain(material);
}

/** Everything a stage's cached output depends on besides the config. */
export interface StageKeyContext {
  /** SHA-256 of the base model's weights. */
  baseModelSha256: string;
  /** SHA-256 of the stage code as built (`CORE_SOURCE_HASH`): new code, new keys. */
  coreSourceHash: string;
  /** tfjs backend: backends agree only within float tolerance, so their weights are kept apart. */
  backend: string;
  /** The post method's `reads` (see `stageKeyMaterial`). */
  postReads?: readonly SharedPostField[];
  /** What the attack puts in the fine-tuning and post keys (see `stageKeyMaterial`). */
  attack?: AttackKey;
  /**
   * SHA-256 over the Hub dataset files the stage trains on (`data/sources.ts` `stageDataKey`),
   * when it reads any: a branch such as the parquet conversion can move on, and new rows mean
   * new weights.
   */
  dataSha256?: string;
}

/**
 * The stage cache's key — the only one: SHA-256 of the canonical JSON of the config's stage
 * material, the base model's hash, the source hash of the stage code, the backend and the Hub data
 * files' hash when the stage reads any.
 */
export function stageKey(
  config: ExperimentConfig,
  stage: Stage,
  context: StageKeyContext,
): Promise<string> {
  return sha256Hex(
    canonicalJSON({
      material: stageKeyMaterial(config, stage, context.postReads, context.attack),
      base: context.baseModelSha256,
      core: context.coreSourceHash,
      backend: context.backend,
      ...(context.dataSha256 !== undefined ? { data: context.dataSha256 } : {}),
    }),
  );
}

function serialize(value: unknown, path: string, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) {
        throw new Error(`canonicalJSON: ${path} is ${value}, which JSON cannot represent`);
      }
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new Error(`canonicalJSON: ${path} is ${typeof value}, which JSON cannot represent`);
  }
  if (value === null) return 'null';
  if (ancestors.includes(value)) throw new Error(`canonicalJSON: ${path} refers back to itself`);
  if (ancestors.length > MAX_NESTING) {
    throw new Error(`canonicalJSON: the value is nested more than ${MAX_NESTING} levels deep`);
  }
  const inside = [...ancestors, value];
  if (Array.isArray(value)) {
    const items = value.map((item: unknown, i) => serialize(item, `${path}[${i}]`, inside));
    return `[${items.join(',')}]`;
  }
  if (!isPlainObject(value)) {
    const kind = value.constructor?.name ?? 'object';
    throw new Error(`canonicalJSON: ${path} is a ${kind}, not a plain object`);
  }
  const fields = Object.keys(value)
    .sort()
    .map((key) => {
      const child = path === '(root)' ? key : `${path}.${key}`;
      return `${JSON.stringify(key)}:${serialize(value[key], child, inside)}`;
    });
  return `{${fields.join(',')}}`;
}
