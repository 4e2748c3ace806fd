import { describe, expect, it } from 'vitest';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import {
  ALIGNMENT_METHODS,
  POST_METHODS,
  getPostMethod,
  listMethods,
  methodsByStage,
  registryProblems,
} from '../../../src/core/methods/registry';
import { defineTrainMethod } from '../../../src/core/methods/types';
import type { PostMethod, TrainContext } from '../../../src/core/methods/types';

const POST_NAMES = [
  'none',
  'antidote',
  'random-prune',
  'magnitude-prune',
  'wanda-benign',
  'safelora',
];

describe('method registry', () => {
  it('holds every post method the architecture names, each under its own name', () => {
    expect(Object.keys(POST_METHODS).sort()).toEqual([...POST_NAMES].sort());
    for (const name of POST_NAMES) {
      const method = getPostMethod(name);
      expect(method.name).toBe(name);
      expect(method.stage).toBe('post');
      expect(method.description.length).toBeGreaterThan(40);
    }
  });

  it('names the valid methods when asked for an unknown one', () => {
    expect(() => getPostMethod('antidot')).toThrow(
      /unknown post-fine-tuning method "antidot" \(valid: none, antidote, random-prune, magnitude-prune, wanda-benign, safelora\)/,
    );
    expect(() => getPostMethod('toString')).toThrow(/unknown/);
  });

  it('lists every method, with the methods the config validator expects per stage', () => {
    expect(
      listMethods()
        .filter((m) => m.stage === 'post')
        .map((m) => m.name),
    ).toEqual(Object.keys(POST_METHODS));
    expect(methodsByStage()).toEqual(DEFAULT_VALIDATION_CONTEXT.methods);
  });

  it('passes its own start-up check, and the check catches broken entries', () => {
    expect(registryProblems()).toEqual([]);
    const none = POST_METHODS.none;
    const broken: Record<string, PostMethod> = {
      none,
      renamed: { ...none, name: 'other' },
      staged: { ...none, name: 'staged', stage: 'finetune' as 'post' },
      unread: { ...none, name: 'unread', reads: undefined as unknown as [] },
      untargeted: { ...none, name: 'untargeted', targets: [] },
    };
    const sft = ALIGNMENT_METHODS.sft;
    const problems = registryProblems(broken, {
      alignment: {
        sft,
        silent: { ...sft, name: 'silent', description: ' ' },
        lazy: { ...sft, name: 'lazy', train: undefined as unknown as typeof sft.train },
        knob: {
          ...sft,
          name: 'knob',
          params: {
            rho: { type: 'number', min: 0, max: 1, default: 2, description: 'too big' },
            mode: { type: 'enum', values: ['a'], default: 'b', description: 'not listed' },
            steps: { type: 'integer', default: 1.5, description: 'not whole' },
          },
        },
      },
      finetune: { sft: { ...sft } },
    });
    expect(problems).toEqual([
      'ALIGNMENT_METHODS["silent"] has no description',
      'ALIGNMENT_METHODS["lazy"] has no train()',
      'ALIGNMENT_METHODS["knob"] parameter "rho": default 2 is outside [0, 1]',
      'ALIGNMENT_METHODS["knob"] parameter "mode": default "b" is not one of a',
      'ALIGNMENT_METHODS["knob"] parameter "steps": default 1.5 is not an integer',
      'FINETUNE_METHODS["sft"] has stage "alignment", expected "finetune"',
      'POST_METHODS["renamed"] is named "other"',
      'POST_METHODS["staged"] has stage "finetune", expected "post"',
      'POST_METHODS["unread"] does not say which shared post fields it reads (reads)',
      'POST_METHODS["untargeted"] must say what it acts on (targets: adapter, merged)',
    ]);
  });
});

describe('defineTrainMethod', () => {
  it("types ctx.params from the method's specs and passes the context through", async () => {
    const seen: unknown[] = [];
    const method = defineTrainMethod({
      name: 'typed',
      stage: 'finetune',
      description: 'a method whose params the compiler checks',
      params: {
        rho: { type: 'number', min: 0, default: 1, description: 'a number' },
        mode: { type: 'enum', values: ['a', 'b'], default: 'a', description: 'an enum' },
      },
      train: async (ctx) => {
        const rho: number = ctx.params.rho;
        const mode: 'a' | 'b' = ctx.params.mode;
        // @ts-expect-error -- a parameter the specs do not declare is a compile error
        seen.push(rho, mode, ctx.params.rhoo);
        return { steps: 0, tokens: 0 };
      },
    });
    const ctx = { params: { rho: 2, mode: 'b' } } as unknown as TrainContext;
    expect(await method.train(ctx)).toEqual({ steps: 0, tokens: 0 });
    expect(seen).toEqual([2, 'b', undefined]);
  });
});
