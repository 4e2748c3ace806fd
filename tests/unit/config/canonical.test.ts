import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  canonicalJSON,
  clonePlain,
  configHash,
  sha256Hex,
  stageKey,
  type StageKeyContext,
  stageKeyMaterial,
  type ExperimentConfig,
  type Stage,
} from '../../../src/core/config';

/** The same plain data with every object's keys inserted in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, item]) => [key, reversed(item)]),
  );
}

describe('canonicalJSON', () => {
  it('sorts keys at every depth and adds no whitespace', () => {
    const value = { b: [1, 'x', true, null], a: { d: 0.5, c: 'é' } };
    expect(canonicalJSON(value)).toBe('{"a":{"c":"é","d":0.5},"b":[1,"x",true,null]}');
  });

  it('does not depend on key insertion order', () => {
    expect(JSON.stringify(reversed(DEFAULT_CONFIG))).not.toBe(JSON.stringify(DEFAULT_CONFIG));
    expect(canonicalJSON(reversed(DEFAULT_CONFIG))).toBe(canonicalJSON(DEFAULT_CONFIG));
  });

  it('keeps array order', () => {
    expect(canonicalJSON([2, 1])).toBe('[2,1]');
    expect(canonicalJSON([2, 1])).not.toBe(canonicalJSON([1, 2]));
  });

  it('sorts keys by UTF-16 code unit, not locale', () => {
    expect(canonicalJSON({ b: 1, B: 2, a: 3, é: 4 })).toBe('{"B":2,"a":3,"b":1,"é":4}');
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.z = 1;
    bare.y = 2;
    expect(canonicalJSON(bare)).toBe('{"y":2,"z":1}');
  });

  it('rejects NaN and ±Infinity, naming the field', () => {
    expect(() => canonicalJSON({ finetune: { lr: Number.NaN } })).toThrow(
      'canonicalJSON: finetune.lr is NaN, which JSON cannot represent',
    );
    expect(() => canonicalJSON([1, Number.POSITIVE_INFINITY])).toThrow(
      'canonicalJSON: (root)[1] is Infinity',
    );
    expect(() => canonicalJSON(Number.NEGATIVE_INFINITY)).toThrow('-Infinity');
  });

  it('rejects undefined instead of dropping it silently', () => {
    expect(() => canonicalJSON({ a: undefined })).toThrow(
      'canonicalJSON: a is undefined, which JSON cannot represent',
    );
    expect(() => canonicalJSON([undefined])).toThrow('(root)[0] is undefined');
    expect(() => canonicalJSON(undefined)).toThrow('(root) is undefined');
  });

  it('rejects values JSON cannot carry exactly', () => {
    expect(() => canonicalJSON({ when: new Date(0) })).toThrow(
      'when is a Date, not a plain object',
    );
    expect(() => canonicalJSON(new Map())).toThrow('is a Map');
    expect(() => canonicalJSON({ n: 1n })).toThrow('n is bigint');
    expect(() => canonicalJSON({ f: () => 1 })).toThrow('f is function');
  });

  it('rejects cycles', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => canonicalJSON(loop)).toThrow('canonicalJSON: self refers back to itself');
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJSON({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

describe('hashes', () => {
  it('sha256Hex matches known digests', async () => {
    expect(await sha256Hex('')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    // Computed independently: node -e 'crypto.createHash("sha256").update(<that string>).digest("hex")'
    expect(await sha256Hex(canonicalJSON({ b: [1, 'x', true, null], a: { d: 0.5, c: 'é' } }))).toBe(
      '35eb9979321bb40e8a7443b5f56c349241b899b3c17e67b44f4e926a8aa1fc5b',
    );
  });

  it('configHash is the SHA-256 of the canonical JSON', async () => {
    const expected = createHash('sha256').update(canonicalJSON(DEFAULT_CONFIG)).digest('hex');
    expect(await configHash(DEFAULT_CONFIG)).toBe(expected);
  });

  it('configHash ignores key order and sees every value', async () => {
    const hash = await configHash(DEFAULT_CONFIG);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await configHash(reversed(DEFAULT_CONFIG) as ExperimentConfig)).toBe(hash);
    const changed = clonePlain(DEFAULT_CONFIG);
    changed.evaluation.keepSamples += 1;
    expect(await configHash(changed)).not.toBe(hash);
  });
});

describe('stage keys', () => {
  const STAGE_NAMES: Stage[] = ['alignment', 'finetune', 'post'];

  const CONTEXT: StageKeyContext = {
    baseModelSha256: 'b'.repeat(64),
    coreSourceHash: 'c'.repeat(64),
    backend: 'wasm',
  };

  async function keys(config: ExperimentConfig, context = CONTEXT): Promise<string[]> {
    return Promise.all(STAGE_NAMES.map((stage) => stageKey(config, stage, context)));
  }

  it('a change to the core source, the base model or the backend changes every key', async () => {
    const original = await keys(DEFAULT_CONFIG);
    for (const changed of [
      { ...CONTEXT, coreSourceHash: 'd'.repeat(64) },
      { ...CONTEXT, baseModelSha256: 'e'.repeat(64) },
      { ...CONTEXT, backend: 'webgpu' },
    ]) {
      const other = await keys(DEFAULT_CONFIG, changed);
      other.forEach((key, i) => expect(key).not.toBe(original[i]));
    }
    expect(await keys(DEFAULT_CONFIG, { ...CONTEXT })).toEqual(original);
  });

  function edited(edit: (config: ExperimentConfig) => void): ExperimentConfig {
    const config = clonePlain(DEFAULT_CONFIG);
    edit(config);
    return config;
  }

  it('material holds exactly what determines each stage', () => {
    expect(Object.keys(stageKeyMaterial(DEFAULT_CONFIG, 'alignment')).sort()).toEqual([
      'alignment',
      'data',
      'model',
      'schemaVersion',
      'seed',
    ]);
    expect(Object.keys(stageKeyMaterial(DEFAULT_CONFIG, 'finetune')).sort()).toEqual([
      'alignment',
      'attack',
      'data',
      'finetune',
      'model',
      'schemaVersion',
      'seed',
    ]);
    expect(stageKeyMaterial(DEFAULT_CONFIG, 'alignment').data).toEqual({
      harmful: null,
      refusal: null,
      benign: null,
    });
    expect(stageKeyMaterial(DEFAULT_CONFIG, 'post')).toEqual({
      schemaVersion: 5,
      seed: DEFAULT_CONFIG.seed,
      model: DEFAULT_CONFIG.model,
      // Over-refusal prompts are only evaluated: never part of a stage key.
      data: { task: null, harmful: null, refusal: null, benign: null },
      alignment: DEFAULT_CONFIG.alignment,
      finetune: DEFAULT_CONFIG.finetune,
      attack: DEFAULT_CONFIG.attack,
      post: DEFAULT_CONFIG.post,
    });
  });

  it('a change of the task data re-runs fine-tuning but not alignment; new dataset files change every key', async () => {
    const withTask = edited((c) => {
      c.data.task = {
        dataset: 'stanfordnlp/sst2',
        config: 'default',
        train: 'train',
        eval: 'validation',
        maxRows: 100,
        files: null,
      };
    });
    const context = { baseModelSha256: 'b', coreSourceHash: 'c', backend: 'cpu' };
    expect(await stageKey(withTask, 'alignment', context)).toBe(
      await stageKey(DEFAULT_CONFIG, 'alignment', context),
    );
    expect(await stageKey(withTask, 'finetune', context)).not.toBe(
      await stageKey(DEFAULT_CONFIG, 'finetune', context),
    );
    expect(await stageKey(withTask, 'alignment', { ...context, dataSha256: 'x' })).not.toBe(
      await stageKey(withTask, 'alignment', { ...context, dataSha256: 'y' }),
    );
  });

  it("post material holds only the shared post fields the method reads (its registry's reads)", async () => {
    const { getPostMethod } = await import('../../../src/core/methods/registry');
    const none = stageKeyMaterial(
      edited((c) => (c.post.method = 'none')),
      'post',
      getPostMethod('none').reads,
    );
    expect(none.post).toEqual({ method: 'none', target: 'adapter', params: {} });
    const safelora = edited((c) => (c.post.method = 'safelora'));
    const [one, other] = [0.05, 0.2].map((maskRatio) =>
      canonicalJSON(
        stageKeyMaterial(
          { ...safelora, post: { ...safelora.post, maskRatio } },
          'post',
          getPostMethod('safelora').reads,
        ),
      ),
    );
    expect(one).toBe(other);
    const antidote = getPostMethod('antidote').reads;
    expect(
      canonicalJSON(
        stageKeyMaterial(
          edited((c) => (c.post.maskRatio = 0.2)),
          'post',
          antidote,
        ),
      ),
    ).not.toBe(canonicalJSON(stageKeyMaterial(DEFAULT_CONFIG, 'post', antidote)));
  });

  it('material is a copy', () => {
    const config = clonePlain(DEFAULT_CONFIG);
    const material = stageKeyMaterial(config, 'post');
    material.post!.maskRatio = 0.5;
    expect(config.post.maskRatio).toBe(DEFAULT_CONFIG.post.maskRatio);
  });

  it('a post.* change keeps the alignment and fine-tuning keys', async () => {
    const [a, f, p] = await keys(DEFAULT_CONFIG);
    const [a2, f2, p2] = await keys(edited((c) => (c.post.maskRatio = 0.2)));
    expect([a2, f2]).toEqual([a, f]);
    expect(p2).not.toBe(p);
  });

  it('a finetune.* change keeps only the alignment key', async () => {
    const [a, f, p] = await keys(DEFAULT_CONFIG);
    const [a2, f2, p2] = await keys(edited((c) => (c.finetune.poisonRatio = 0.2)));
    expect(a2).toBe(a);
    expect(f2).not.toBe(f);
    expect(p2).not.toBe(p);
  });

  it('an alignment.*, seed or model change changes every key', async () => {
    const before = await keys(DEFAULT_CONFIG);
    for (const edit of [
      (c: ExperimentConfig) => (c.alignment.lr = 2e-3),
      (c: ExperimentConfig) => (c.seed = 2),
      (c: ExperimentConfig) => (c.model.base = 'other'),
    ]) {
      const after = await keys(edited(edit));
      after.forEach((key, i) => expect(key).not.toBe(before[i]));
    }
  });

  it('evaluation, runtime and name never change a stage key', async () => {
    const before = await keys(DEFAULT_CONFIG);
    const after = await keys(
      edited((c) => {
        c.evaluation.harmfulPrompts = 7;
        c.evaluation.maxNewTokens = 3;
        c.runtime.backend = 'wasm';
        c.name = 'renamed';
      }),
    );
    expect(after).toEqual(before);
  });

  it('stage keys do not depend on key order', async () => {
    expect(await keys(reversed(DEFAULT_CONFIG) as ExperimentConfig)).toEqual(
      await keys(DEFAULT_CONFIG),
    );
  });
});
