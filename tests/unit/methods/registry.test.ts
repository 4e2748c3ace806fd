import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import type { ParamSpec } from '../../../src/core/config/schema';
import {
  ALIGNMENT_METHODS,
  POST_METHODS,
  getPostMethod,
  getTrainMethod,
  listMethods,
  methodRegistryProblems,
  methodsByStage,
  postTargetsByMethod,
} from '../../../src/core/methods/registry';
import { defineTrainMethod } from '../../../src/core/methods/types';
import type {
  PostMethodEntry,
  TrainContext,
  TrainMethodEntry,
} from '../../../src/core/methods/types';
import { defineRegistry } from '../../../src/core/registry';

const POST_NAMES = [
  'none',
  'antidote',
  'random-prune',
  'magnitude-prune',
  'wanda-benign',
  'safelora',
  'safety-arithmetic',
  'safemerge',
  'safety-patch',
  'antidote-task-aware',
];

/** Every method the lab ships, per stage in registry order, with its parameters' defaults. */
const EXPECTED_DEFAULTS = {
  alignment: {
    sft: {},
    vaccine: { rho: 2 },
    repnoise: { alpha: 0.1, beta: 0.001, harmfulSamples: 1000 },
    booster: { lambda: 5, alpha: 0.1, harmfulSamples: 1000 },
  },
  finetune: {
    sft: {},
    lisa: { alignmentFraction: 0.1, rounds: 20, rho: 1, proximalStartFraction: 0.1 },
    ldifs: { rho: 10 },
    'safe-data-mix': { safetyFraction: 0.03 },
  },
  post: {
    none: {},
    antidote: {},
    'random-prune': {},
    'magnitude-prune': {},
    'wanda-benign': {},
    safelora: { select: 'threshold', threshold: 0.5, count: 2 },
    'safety-arithmetic': { lambda: 1, keep: 0.2, samples: 16, steps: 5, lr: 1e-3 },
    safemerge: { threshold: 0.5, alpha: 0.5 },
    'safety-patch': { samples: 8, steps: 5, lr: 1e-3 },
    'antidote-task-aware': { lambda: 1 },
  },
};

/** Stage → method → parameter → default, keys in their registration order. */
function defaults(
  table: Record<string, Record<string, Record<string, ParamSpec>>>,
): Record<string, Record<string, Record<string, unknown>>> {
  const map = <T, U>(record: Record<string, T>, f: (value: T) => U) =>
    Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));
  return map(table, (methods) => map(methods, (params) => map(params, (spec) => spec.default)));
}

describe('method registry', () => {
  it('holds every post method the architecture names, each under its own name', () => {
    expect([...POST_METHODS.names].sort()).toEqual([...POST_NAMES].sort());
    for (const name of POST_NAMES) {
      const method = getPostMethod(name);
      expect(method.name).toBe(name);
      expect(method.stage).toBe('post');
      expect(method.description.length).toBeGreaterThan(40);
    }
  });

  it('names the valid methods when asked for an unknown one', () => {
    expect(() => getPostMethod('antidot')).toThrow(
      /unknown post-fine-tuning method "antidot" \(valid: none, antidote, random-prune, magnitude-prune, wanda-benign, safelora, safety-arithmetic, safemerge, safety-patch, antidote-task-aware\)/,
    );
    expect(() => getPostMethod('toString')).toThrow(/unknown/);
  });

  it('lists every method with its parameter defaults, as the config validator reads them', () => {
    for (const table of [methodsByStage(), DEFAULT_VALIDATION_CONTEXT.methods]) {
      // JSON keeps key order: the registries' order is the UI's and the CLI's.
      expect(JSON.stringify(defaults(table))).toBe(JSON.stringify(EXPECTED_DEFAULTS));
    }
    expect(listMethods().map((m) => `${m.stage}/${m.name}`)).toEqual(
      Object.entries(EXPECTED_DEFAULTS).flatMap(([stage, methods]) =>
        Object.keys(methods).map((name) => `${stage}/${name}`),
      ),
    );
    expect(postTargetsByMethod()).toEqual(
      Object.fromEntries(POST_NAMES.map((name) => [name, ['adapter', 'merged']])),
    );
    expect(getTrainMethod('finetune', 'ldifs').stepMemory).toEqual({ weightCopies: 1 });
    expect(getPostMethod('safelora').reads).toEqual(['layers']);
    expect(getPostMethod('safemerge').reads).toEqual(['layers']);
    expect(getPostMethod('safety-patch').reads).toEqual(['layers']);
    expect(getPostMethod('safety-arithmetic').reads).toEqual(['layers', 'realignmentSamples']);
    expect(getPostMethod('antidote-task-aware').reads).toEqual(getPostMethod('antidote').reads);
  });

  it('passes its own start-up check, and the check catches broken entries', () => {
    expect(methodRegistryProblems()).toEqual([]);
    const none = POST_METHODS.entries.none;
    const post = (meta: Partial<PostMethodEntry['meta']>): PostMethodEntry => ({
      ...none,
      meta: { ...none.meta, ...meta },
    });
    const sft = ALIGNMENT_METHODS.entries.sft;
    const train = (meta: Partial<TrainMethodEntry['meta']>): TrainMethodEntry => ({
      ...sft,
      meta: { ...sft.meta, ...meta },
    });
    const problems = methodRegistryProblems({
      alignment: defineRegistry('alignment method', {
        sft,
        silent: train({ name: 'silent', description: ' ' }),
        lazy: { meta: { ...sft.meta, name: 'lazy' } } as TrainMethodEntry,
        knob: train({
          name: 'knob',
          params: {
            rho: { type: 'number', min: 0, max: 1, default: 2, description: 'too big' },
            mode: { type: 'enum', values: ['a'], default: 'b', description: 'not listed' },
            steps: { type: 'integer', default: 1.5, description: 'not whole' },
          },
        }),
      }),
      finetune: defineRegistry('fine-tuning method', { sft }),
      post: defineRegistry('post-fine-tuning method', {
        none,
        renamed: post({ name: 'other' }),
        staged: post({ name: 'staged', stage: 'finetune' as 'post' }),
        unread: post({ name: 'unread', reads: undefined as unknown as [] }),
        untargeted: post({ name: 'untargeted', targets: [] }),
      }),
    });
    expect(problems).toEqual([
      'alignment method "silent" has no description',
      'alignment method "lazy" has no load()',
      'alignment method "knob" parameter "rho": default 2 is outside [0, 1]',
      'alignment method "knob" parameter "mode": default "b" is not one of a',
      'alignment method "knob" parameter "steps": default 1.5 is not an integer',
      'fine-tuning method "sft" has stage "alignment", expected "finetune"',
      'post-fine-tuning method "renamed" is named "other"',
      'post-fine-tuning method "staged" has stage "finetune", expected "post"',
      'post-fine-tuning method "unread" does not say which shared fields it reads (reads)',
      'post-fine-tuning method "untargeted" must say what it acts on (targets: adapter, merged)',
    ]);
  });
});

describe('defineTrainMethod', () => {
  it("types ctx.params from the method's specs and passes the context through", async () => {
    const seen: unknown[] = [];
    const method = defineTrainMethod({
      meta: {
        name: 'typed',
        stage: 'finetune',
        description: 'a method whose params the compiler checks',
        params: {
          rho: { type: 'number', min: 0, default: 1, description: 'a number' },
          mode: { type: 'enum', values: ['a', 'b'], default: 'a', description: 'an enum' },
        },
      },
      load: async () => ({
        train: async (ctx) => {
          const rho: number = ctx.params.rho;
          const mode: 'a' | 'b' = ctx.params.mode;
          // @ts-expect-error -- a parameter the specs do not declare is a compile error
          seen.push(rho, mode, ctx.params.rhoo);
          return { steps: 0, tokens: 0 };
        },
      }),
    });
    const ctx = { params: { rho: 2, mode: 'b' } } as unknown as TrainContext;
    expect(await (await method.load()).train(ctx)).toEqual({ steps: 0, tokens: 0 });
    expect(seen).toEqual([2, 'b', undefined]);
  });
});

const CORE = resolve(__dirname, '../../../src/core');

/** The specifiers a source file imports at load time (`import type` and `import()` excluded). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const match of text.matchAll(
    /^(?:(?:import|export)\s+(?!type\s)[\w\s{},*$]*?from\s+|import\s+)'([^']+)'/gms,
  )) {
    specifiers.push(match[1]);
  }
  return specifiers;
}

function resolveSource(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error(`cannot resolve ${specifier} from ${from}`);
}

describe('method meta', () => {
  it('loads without tfjs: the registry reaches computations only through load()', () => {
    const seen = new Set<string>();
    const reachesTfjs: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of staticImports(file)) {
        if (specifier.startsWith('@tensorflow/')) reachesTfjs.push(file);
        else if (specifier.startsWith('.')) visit(resolveSource(file, specifier));
      }
    };
    visit(join(CORE, 'methods/registry.ts'));
    // The walk did reach every method's index.ts (and nothing beside them in their folders).
    const indexes = [...seen].filter((f) => /methods\/(alignment|finetune|post)\//.test(f));
    expect(indexes.length).toBe(18);
    expect(indexes.every((f) => f.endsWith('/index.ts'))).toBe(true);
    expect(reachesTfjs).toEqual([]);
  });

  it('methods/ and prune/ import nothing from pipeline/ (a layer that runs them)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts')) {
          const text = readFileSync(path, 'utf8');
          for (const match of text.matchAll(
            /(?:from|import)\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g,
          )) {
            const specifier = match[1] ?? match[2];
            if (resolve(dirname(path), specifier).startsWith(join(CORE, 'pipeline'))) {
              offenders.push(`${path.slice(CORE.length + 1)} → ${specifier}`);
            }
          }
        }
      }
    };
    walk(join(CORE, 'methods'));
    walk(join(CORE, 'prune'));
    expect(offenders).toEqual([]);
  });
});
