import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  DEFAULT_REFUSAL_CLASSIFIER,
  SCHEMA_V1_DEFAULTS,
  clonePlain,
  formatErrors,
  validateConfig,
  validateConfigJSON,
  validationContextProblems,
  type ValidationContext,
  type ValidationResult,
} from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import { CTX_WITH_PARAMS } from './helpers';

const CTX = DEFAULT_VALIDATION_CONTEXT;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests write wrong types anywhere
type Loose = Record<string, any>;

/** A complete config (the defaults) with `edit` applied to a copy. */
function full(edit: (config: Loose) => void = () => {}): unknown {
  const config = clonePlain(DEFAULT_CONFIG) as unknown as Loose;
  edit(config);
  return config;
}

/** The `path: message` lines of an invalid result (fails the test if it was valid). */
function lines(result: ValidationResult): string[] {
  if (result.ok) throw new Error('expected the config to be invalid');
  return formatErrors(result.errors).split('\n');
}

describe('validateConfig: the input as a whole', () => {
  it('rejects a non-object at (root)', () => {
    expect(lines(validateConfig('hello', CTX))).toEqual([
      '(root): must be a JSON object (got string "hello")',
    ]);
    expect(lines(validateConfig(null, CTX))).toEqual(['(root): must be a JSON object (got null)']);
  });

  it('rejects an array at (root)', () => {
    expect(lines(validateConfig([DEFAULT_CONFIG], CTX))).toEqual([
      '(root): must be a JSON object (got an array)',
    ]);
  });

  it('accepts the complete default config and returns it unchanged', () => {
    expect(validateConfig(full(), CTX)).toEqual({ ok: true, config: DEFAULT_CONFIG });
  });

  it('reports one error per problem, all of them at once', () => {
    const result = validateConfig(
      full((c) => {
        c.seed = -1;
        c.finetune.poisonRatio = 2;
        c.post.layers = ['mlp.out', 'mlps'] as never;
        c.evaluation.maxNewTokens = 0;
      }),
      CTX,
    );
    expect(lines(result)).toEqual([
      'seed: must be between 0 and 2147483647',
      'finetune.poisonRatio: must be between 0 and 1',
      "post.layers[1]: must be one of 'attn.q', 'attn.k', 'attn.v', 'attn.o', 'mlp.gate', 'mlp.in', 'mlp.out' (got \"mlps\")",
      'evaluation.maxNewTokens: must be between 1 and 1024',
    ]);
  });
});

describe('validateConfig: schemaVersion', () => {
  it('is required even when other missing fields are filled in', () => {
    expect(lines(validateConfig({}, CTX))).toEqual([
      'schemaVersion: missing field (this lab reads schemaVersion 5)',
    ]);
  });

  it('an unsupported version is the only error reported', () => {
    const input = full((c) => {
      c.schemaVersion = 6;
      c.finetune.poisonRatio = 7;
      c.bogus = true;
    });
    expect(lines(validateConfig(input, CTX))).toEqual([
      'schemaVersion: unsupported schemaVersion 6 (this lab reads schemaVersions 1 to 5)',
    ]);
  });

  it('must be a number, not the string "1"', () => {
    expect(
      lines(
        validateConfig(
          full((c) => (c.schemaVersion = '1')),
          CTX,
        ),
      ),
    ).toEqual(['schemaVersion: must be the number 5 (got string "1")']);
  });
});

describe('validateConfig: missing fields', () => {
  it('by default fills missing fields from DEFAULT_CONFIG, at any depth', () => {
    const result = validateConfig(
      { schemaVersion: 2, finetune: { poisonRatio: 0.2 }, post: { method: 'none' } },
      CTX,
    );
    expect(result.ok && result.config).toEqual(
      full((c) => {
        c.finetune.poisonRatio = 0.2;
        c.post.method = 'none';
      }),
    );
  });

  it('with strict, reports every missing field by path instead', () => {
    const input = full((c) => {
      delete c.seed;
      delete c.finetune.poisonRatio;
      delete c.post.params;
      delete c.evaluation;
    });
    expect(lines(validateConfig(input, CTX, { strict: true }))).toEqual([
      'seed: missing field',
      'finetune.poisonRatio: missing field',
      'post.params: missing field',
      'evaluation: missing field',
    ]);
    expect(validateConfig(input, CTX).ok).toBe(true);
  });

  it('null is a wrong value, not a missing one', () => {
    expect(
      lines(
        validateConfig(
          full((c) => (c.seed = null)),
          CTX,
        ),
      ),
    ).toEqual(['seed: must be an integer (got null)']);
  });
});

describe('validateConfig: unknown fields', () => {
  it('suggests the sibling a typo was meant to be', () => {
    const input = full((c) => (c.finetune.poisonRate = 0.2));
    expect(lines(validateConfig(input, CTX))).toEqual([
      'finetune.poisonRate: unknown field (did you mean poisonRatio?)',
    ]);
  });

  it('suggests a sibling that differs only in case', () => {
    expect(
      lines(
        validateConfig(
          full((c) => (c.evaluation.maxnewtokens = 3)),
          CTX,
        ),
      ),
    ).toEqual(['evaluation.maxnewtokens: unknown field (did you mean maxNewTokens?)']);
  });

  it('suggests the full path of a field put in the wrong section', () => {
    const input = full((c) => {
      c.poisonRatio = 0.3;
      c.finetune.maskRatio = 0.2;
      c.lr = 0.1;
    });
    expect(lines(validateConfig(input, CTX))).toEqual([
      'poisonRatio: unknown field (did you mean finetune.poisonRatio?)',
      'lr: unknown field (did you mean alignment.lr or finetune.lr?)',
      'finetune.maskRatio: unknown field (did you mean post.maskRatio?)',
    ]);
  });

  it('says only "unknown field" when nothing is close', () => {
    expect(
      lines(
        validateConfig(
          full((c) => (c.runtime.threads = 4)),
          CTX,
        ),
      ),
    ).toEqual(['runtime.threads: unknown field']);
  });

  it('treats a JSON "__proto__" key as an unknown field and does not pollute prototypes', () => {
    const result = validateConfigJSON(
      '{"schemaVersion":1,"post":{"__proto__":{"maskRatio":0.9}}}',
      CTX,
    );
    expect(lines(result)).toEqual(['post.__proto__: unknown field']);
    expect(({} as Record<string, unknown>).maskRatio).toBeUndefined();
  });
});

describe('validateConfig: types', () => {
  it('does not coerce a numeric string to a number', () => {
    expect(
      lines(
        validateConfig(
          full((c) => (c.finetune.poisonRatio = '0.1')),
          CTX,
        ),
      ),
    ).toEqual(['finetune.poisonRatio: must be a number (got string "0.1")']);
  });

  it('requires a section to be an object', () => {
    const input = full((c) => {
      c.model = 'safetune-base';
      c.evaluation = [200];
    });
    expect(lines(validateConfig(input, CTX))).toEqual([
      'model: must be an object (got string "safetune-base")',
      'evaluation: must be an object (got an array)',
    ]);
  });

  it('requires strings where strings are expected', () => {
    const input = full((c) => {
      c.name = 7;
      c.post.method = true;
    });
    expect(lines(validateConfig(input, CTX))).toEqual([
      'name: must be a string (got number 7)',
      'post.method: must be a string (got boolean true)',
    ]);
  });

  it('rejects NaN and Infinity (possible from JavaScript callers, never from JSON)', () => {
    const input = full((c) => {
      c.finetune.lr = Number.NaN;
      c.post.maskRatio = Number.POSITIVE_INFINITY;
    });
    expect(lines(validateConfig(input, CTX))).toEqual([
      'finetune.lr: must be a finite number (got NaN)',
      'post.maskRatio: must be a finite number (got Infinity)',
    ]);
  });
});

describe('validateConfig: numbers', () => {
  it('reports a value out of range in the CLI contract format', () => {
    expect(
      lines(
        validateConfig(
          full((c) => (c.finetune.poisonRatio = 1.5)),
          CTX,
        ),
      ),
    ).toEqual(['finetune.poisonRatio: must be between 0 and 1']);
    expect(
      lines(
        validateConfig(
          full((c) => (c.alignment.lr = 0)),
          CTX,
        ),
      ),
    ).toEqual(['alignment.lr: must be between 0.000001 and 1']);
  });

  it('includes both ends of a range', () => {
    for (const poisonRatio of [0, 1]) {
      expect(
        validateConfig(
          full((c) => (c.finetune.poisonRatio = poisonRatio)),
          CTX,
        ).ok,
      ).toBe(true);
    }
    expect(
      validateConfig(
        full((c) => (c.seed = 2 ** 31 - 1)),
        CTX,
      ).ok,
    ).toBe(true);
    expect(
      validateConfig(
        full((c) => (c.seed = 2 ** 31)),
        CTX,
      ).ok,
    ).toBe(false);
  });

  it('requires integers for counts and the seed', () => {
    const input = full((c) => {
      c.seed = 1.5;
      c.finetune.epochs = 2.5;
      c.evaluation.harmfulPrompts = 10.1;
    });
    expect(lines(validateConfig(input, CTX))).toEqual([
      'seed: must be an integer (got 1.5)',
      'finetune.epochs: must be an integer (got 2.5)',
      'evaluation.harmfulPrompts: must be an integer (got 10.1)',
    ]);
  });

  it('accepts non-integers for fractions and rates', () => {
    const input = full((c) => {
      c.finetune.lr = 2.5e-4;
      c.alignment.warmupFraction = 0.125;
      c.alignment.maxGradNorm = 0.5;
    });
    expect(validateConfig(input, CTX).ok).toBe(true);
  });
});

describe('validateConfig: closed vocabularies', () => {
  it('checks schedule, layers and backend against their values, suggesting the closest', () => {
    const input = full((c) => {
      c.alignment.schedule = 'cosin';
      c.post.layers = 'attention' as never;
      c.runtime.backend = 'webgpuu';
    });
    expect(lines(validateConfig(input, CTX))).toEqual([
      "alignment.schedule: must be one of 'cosine', 'constant' (got \"cosin\"; did you mean 'cosine'?)",
      'post.layers: must be a non-empty array of layer roles (attn.q, attn.k, attn.v, attn.o, mlp.gate, mlp.in, mlp.out) (got string "attention")',
      "runtime.backend: must be one of 'auto', 'webgpu', 'webgl', 'wasm', 'cpu' (got \"webgpuu\"; did you mean 'webgpu'?)",
    ]);
  });
});

describe('validateConfig: name', () => {
  it('allows at most 80 characters, counting code points', () => {
    expect(
      validateConfig(
        full((c) => (c.name = 'x'.repeat(80))),
        CTX,
      ).ok,
    ).toBe(true);
    expect(
      validateConfig(
        full((c) => (c.name = '🧪'.repeat(80))),
        CTX,
      ).ok,
    ).toBe(true);
    expect(
      lines(
        validateConfig(
          full((c) => (c.name = 'x'.repeat(81))),
          CTX,
        ),
      ),
    ).toEqual(['name: must be at most 80 characters (got 81)']);
  });

  it('rejects control characters, which would break one-line output', () => {
    expect(
      lines(
        validateConfig(
          full((c) => (c.name = 'two\nlines')),
          CTX,
        ),
      ),
    ).toEqual(['name: must not contain control characters such as newlines']);
  });
});

describe('validateConfig: names from the context', () => {
  it('checks the base model', () => {
    expect(
      lines(
        validateConfig(
          full((c) => (c.model.base = 'safetune-bas')),
          CTX,
        ),
      ),
    ).toEqual([
      "model.base: unknown base model 'safetune-bas' (known: safetune-base; did you mean 'safetune-base'?); a Hub model is a repo id owner/name[@revision]",
    ]);
  });

  it('accepts a Hub repo id with or without a revision, and names what is wrong with a bad one', () => {
    for (const base of ['HuggingFaceTB/SmolLM2-135M-Instruct', 'Qwen/Qwen2.5-0.5B-Instruct@main']) {
      expect(
        validateConfig(
          full((c) => (c.model.base = base)),
          CTX,
        ).ok,
      ).toBe(true);
    }
    const [problem] = lines(
      validateConfig(
        full((c) => (c.model.base = 'a/b/c')),
        CTX,
      ),
    );
    expect(problem).toMatch(/^model\.base: .*a\/b\/c/);
  });

  it('checks each method against its own stage', () => {
    const input = full((c) => {
      c.alignment.method = 'antidote';
      c.finetune.method = 'antidote';
      c.post.method = 'antidot';
    });
    const known = (stage: 'alignment' | 'finetune' | 'post') =>
      Object.keys(CTX.methods[stage]).join(', ');
    expect(lines(validateConfig(input, CTX))).toEqual([
      `alignment.method: unknown alignment method 'antidote' (known: ${known('alignment')})`,
      `finetune.method: unknown fine-tuning method 'antidote' (known: ${known('finetune')})`,
      `post.method: unknown post-fine-tuning method 'antidot' (known: ${known('post')}; did you mean 'antidote'?)`,
    ]);
  });

  it('checks the fine-tuning task', () => {
    expect(
      lines(
        validateConfig(
          full((c) => (c.finetune.task = 'sst-2')),
          CTX,
        ),
      ),
    ).toEqual([
      "finetune.task: unknown task 'sst-2' (known: sst2, agnews, gsm8k, alpaca; did you mean 'sst2'?)",
    ]);
  });

  it('uses the given context, not a built-in list', () => {
    const ctx: ValidationContext = { ...CTX, tasks: ['mytask'], models: [] };
    expect(lines(validateConfig(full(), ctx))).toEqual([
      "model.base: unknown base model 'safetune-base' (none is registered); a Hub model is a repo id owner/name[@revision]",
      "finetune.task: unknown task 'sst2' (known: mytask)",
    ]);
  });
});

describe('validateConfig: method parameters', () => {
  it('fills missing parameters with their declared defaults', () => {
    const result = validateConfig(
      full((c) => (c.post.params = { temperature: 2 })),
      CTX_WITH_PARAMS,
    );
    expect(result.ok && result.config.post.params).toEqual({
      calibrationBatches: 4,
      temperature: 2,
      scoreNorm: 'l2',
      perRow: true,
    });
  });

  it('with strict, reports missing parameters with their defaults', () => {
    const input = full((c) => (c.post.params = { temperature: 2, scoreNorm: 'l1' }));
    expect(lines(validateConfig(input, CTX_WITH_PARAMS, { strict: true }))).toEqual([
      'post.params.calibrationBatches: missing parameter (default: 4)',
      'post.params.perRow: missing parameter (default: true)',
    ]);
  });

  it('checks each kind of parameter spec', () => {
    const input = full(
      (c) =>
        (c.post.params = { calibrationBatches: 2.5, temperature: -1, scoreNorm: 'l3', perRow: 1 }),
    );
    expect(lines(validateConfig(input, CTX_WITH_PARAMS))).toEqual([
      'post.params.calibrationBatches: must be an integer (got 2.5)',
      'post.params.temperature: must be at least 0',
      "post.params.scoreNorm: must be one of 'l2', 'l1' (got \"l3\"; did you mean 'l2'?)",
      'post.params.perRow: must be true or false (got number 1)',
    ]);
    const tooMany = full((c) => (c.post.params = { calibrationBatches: 65 }));
    expect(lines(validateConfig(tooMany, CTX_WITH_PARAMS))).toEqual([
      'post.params.calibrationBatches: must be between 1 and 64',
    ]);
  });

  it('rejects parameters the method does not declare, suggesting a close one', () => {
    const input = full((c) => {
      c.post.params = { temprature: 2 };
      c.finetune.params = { rho: 1 };
    });
    expect(lines(validateConfig(input, CTX_WITH_PARAMS))).toEqual([
      "finetune.params.rho: unknown parameter (method 'sft' takes no parameters)",
      'post.params.temprature: unknown parameter (antidote takes calibrationBatches, temperature, scoreNorm, perRow; did you mean temperature?)',
    ]);
  });

  it('requires params to be an object', () => {
    expect(
      lines(
        validateConfig(
          full((c) => (c.alignment.params = [])),
          CTX,
        ),
      ),
    ).toEqual(['alignment.params: must be an object (got an array)']);
  });

  it('does not judge the parameters of an unknown method (one error, not two)', () => {
    const input = full((c) => {
      c.post.method = 'made-up';
      c.post.params = { rank: 8 };
    });
    expect(lines(validateConfig(input, CTX_WITH_PARAMS))).toEqual([
      `post.method: unknown post-fine-tuning method 'made-up' (known: ${Object.keys(CTX_WITH_PARAMS.methods.post).join(', ')})`,
    ]);
  });

  it("defaults follow the chosen method, not the default method's parameters", () => {
    const result = validateConfig({ schemaVersion: 1, post: { method: 'none' } }, CTX_WITH_PARAMS);
    expect(result.ok && result.config.post.params).toEqual({});
  });
});

describe('validateConfig: the returned config', () => {
  it('shares no objects with the input or the defaults', () => {
    const input = full() as { post: { params: Record<string, unknown> } };
    const result = validateConfig(input, CTX);
    if (!result.ok) throw new Error('expected valid');
    expect(result.config.post).not.toBe(input.post);
    result.config.post.params.x = 1;
    expect(input.post.params).toEqual({});
    const filled = validateConfig({ schemaVersion: 1 }, CTX);
    if (!filled.ok) throw new Error('expected valid');
    expect(filled.config.evaluation).not.toBe(DEFAULT_CONFIG.evaluation);
  });
});

describe('validateConfigJSON', () => {
  it('reports a syntax error at (json) instead of throwing', () => {
    const errors = lines(validateConfigJSON('{"schemaVersion": 1,', CTX));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^\(json\): not valid JSON \(.+\)$/);
  });

  it('validates the parsed value', () => {
    expect(lines(validateConfigJSON('{"schemaVersion":1,"seed":"1"}', CTX))).toEqual([
      'seed: must be an integer (got string "1")',
    ]);
  });
});

describe('formatErrors', () => {
  it('prints one "path: message" line per problem', () => {
    expect(
      formatErrors([
        { path: 'finetune.poisonRatio', message: 'must be between 0 and 1' },
        { path: 'seed', message: 'missing field' },
      ]),
    ).toBe('finetune.poisonRatio: must be between 0 and 1\nseed: missing field');
    expect(formatErrors([])).toBe('');
  });
});

describe('validationContextProblems', () => {
  it('accepts the default context and one with sound parameter specs', () => {
    expect(validationContextProblems(CTX)).toEqual([]);
    expect(validationContextProblems(CTX_WITH_PARAMS)).toEqual([]);
  });

  it('reports parameter specs whose default breaks their own rules', () => {
    const ctx: ValidationContext = {
      ...CTX,
      methods: {
        ...CTX.methods,
        finetune: {
          lisa: {
            steps: { type: 'integer', min: 1, default: 0, description: '' },
            mode: { type: 'enum', values: [], default: 'a', description: '' },
          },
        },
      },
    };
    expect(validationContextProblems(ctx)).toEqual([
      "finetune method 'lisa', parameter 'steps': default must be at least 1",
      "finetune method 'lisa', parameter 'mode': enum has no values",
    ]);
  });
});

describe('validateConfig: schemaVersion 1 (before LoRA)', () => {
  it("means what it meant: version 1's defaults, full-weight stages, the post method on merged weights", () => {
    const result = validateConfig({ schemaVersion: 1, finetune: { poisonRatio: 0.2 } }, CTX);
    if (!result.ok) throw new Error(formatErrors(result.errors));
    const expected = clonePlain(SCHEMA_V1_DEFAULTS) as unknown as Loose;
    expected.schemaVersion = 5;
    expected.attack = { method: 'harmful-mix', params: {} };
    expected.finetune.poisonRatio = 0.2;
    expected.alignment.lora = null;
    expected.finetune.lora = null;
    expected.post.target = 'merged';
    expected.data = { task: null, harmful: null, refusal: null, benign: null, overRefusal: null };
    expected.evaluation.overRefusalPrompts = 0;
    expected.evaluation.judges = ['keyword-moderation'];
    expected.evaluation.classifier = clonePlain(DEFAULT_CONFIG.evaluation.classifier);
    expected.evaluation.refusalClassifier = clonePlain(DEFAULT_REFUSAL_CLASSIFIER);
    expected.post.layers = ['mlp.gate', 'mlp.in', 'mlp.out'];
    expect(result.config).toEqual(expected);
    // Version 1's default 'mlp' group, as version 4's roles.
    expect(result.config.post.layers).toEqual(['mlp.gate', 'mlp.in', 'mlp.out']);
    expect(result.config.finetune.lr).toBe(3e-4);
  });

  it('keeps the fields a version-1 file did set, and reports its mistakes at their paths', () => {
    expect(
      lines(
        validateConfig(
          { schemaVersion: 1, finetune: { poisonRatio: 2, lora: 'yes' }, post: { lyers: 'all' } },
          CTX,
        ),
      ),
    ).toEqual([
      'finetune.lora: must be null (full-weight training) or an object { rank, alpha, targets } (got string "yes")',
      'finetune.poisonRatio: must be between 0 and 1',
      'post.lyers: unknown field (did you mean layers?)',
    ]);
  });

  it('in strict mode fills only the fields version 2 added', () => {
    const complete = clonePlain(SCHEMA_V1_DEFAULTS) as unknown as Loose;
    expect(validateConfig(complete, CTX, { strict: true }).ok).toBe(true);
    delete complete.finetune.epochs;
    expect(lines(validateConfig(complete, CTX, { strict: true }))).toEqual([
      'finetune.epochs: missing field',
    ]);
  });
});

describe('validateConfig: LoRA and post.target', () => {
  it('accepts null or a complete adapter and names every problem of a bad one', () => {
    expect(
      validateConfig(
        full((c) => (c.alignment.lora = null)),
        CTX,
      ).ok,
    ).toBe(true);
    expect(
      lines(
        validateConfig(
          full((c) => {
            c.alignment.lora = {
              rank: 0,
              alpha: 4,
              targets: ['attn.q', 'attn.x', 'attn.q'],
              dropout: 0,
            };
            c.finetune.lora = { rank: 8, targets: [] };
          }),
          CTX,
        ),
      ),
    ).toEqual([
      'alignment.lora.dropout: unknown field',
      'alignment.lora.rank: must be between 1 and 1024',
      "alignment.lora.targets[1]: must be one of 'attn.q', 'attn.k', 'attn.v', 'attn.o', 'mlp.gate', 'mlp.in', 'mlp.out' (got \"attn.x\"; did you mean 'attn.q'?)",
      "alignment.lora.targets[2]: 'attn.q' is listed twice",
      'finetune.lora.alpha: missing field',
      'finetune.lora.targets: must be a non-empty array of layer roles (attn.q, attn.k, attn.v, attn.o, mlp.gate, mlp.in, mlp.out) (got an empty array)',
    ]);
  });

  it('refuses a target the post method cannot act on, naming what it can', () => {
    const ctx: ValidationContext = {
      ...CTX,
      postTargets: { ...CTX.postTargets, none: ['merged'] },
    };
    expect(
      lines(
        validateConfig(
          full((c) => (c.post.method = 'none')),
          ctx,
        ),
      ),
    ).toEqual([
      "post.target: post method 'none' cannot act on the fine-tuning adapter; it acts on: merged",
    ]);
    expect(
      validateConfig(
        full((c) => {
          c.post.method = 'none';
          c.post.target = 'merged';
        }),
        ctx,
      ).ok,
    ).toBe(true);
    // Every registered post method acts on both.
    expect(Object.values(CTX.postTargets ?? {})).toEqual(
      Object.keys(CTX.methods.post).map(() => ['adapter', 'merged']),
    );
  });

  it("post.target 'adapter' needs a fine-tuning adapter and an adapted layer in post.layers", () => {
    expect(
      lines(
        validateConfig(
          full((c) => (c.finetune.lora = null)),
          CTX,
        ),
      ),
    ).toEqual([
      "post.target: 'adapter' needs a fine-tuning adapter, but finetune.lora is null (full-weight fine-tuning); use 'merged' or set finetune.lora",
    ]);
    expect(
      lines(
        validateConfig(
          full((c) => (c.post.layers = ['mlp.gate', 'mlp.in', 'mlp.out'])),
          CTX,
        ),
      ),
    ).toEqual([
      "post.layers: mlp.gate, mlp.in, mlp.out: no adapted layer (finetune.lora.targets: attn.q, attn.k, attn.v) for post.target 'adapter'",
    ]);
    expect(
      validateConfig(
        full((c) => {
          c.finetune.lora = null;
          c.post.target = 'merged';
        }),
        CTX,
      ).ok,
    ).toBe(true);
  });
});

describe('validateConfig: schemaVersion 3 (post.layers named groups)', () => {
  it.each([
    ['mlp', ['mlp.gate', 'mlp.in', 'mlp.out']],
    ['mlp-fc', ['mlp.gate', 'mlp.in']],
    ['mlp-proj', ['mlp.out']],
    ['attn', ['attn.q', 'attn.k', 'attn.v', 'attn.o']],
    ['all', ['attn.q', 'attn.k', 'attn.v', 'attn.o', 'mlp.gate', 'mlp.in', 'mlp.out']],
  ])("reads the group '%s' as the roles it selected", (group, roles) => {
    const result = validateConfig(
      { schemaVersion: 3, post: { target: 'merged', layers: group } },
      CTX,
    );
    if (!result.ok) throw new Error(formatErrors(result.errors));
    expect(result.config.schemaVersion).toBe(5);
    expect(result.config.post.layers).toEqual(roles);
  });

  it("reads SafeLoRA's params.layers as params.count, and reports a group it never had", () => {
    const result = validateConfig(
      {
        schemaVersion: 3,
        post: { method: 'safelora', target: 'merged', params: { select: 'count', layers: 3 } },
      },
      DEFAULT_VALIDATION_CONTEXT,
    );
    if (!result.ok) throw new Error(formatErrors(result.errors));
    expect(result.config.post.params).toMatchObject({ select: 'count', count: 3 });
    expect(result.config.post.params).not.toHaveProperty('layers');
    expect(lines(validateConfig({ schemaVersion: 3, post: { layers: 'mlps' } }, CTX))).toEqual([
      'post.layers: must be a non-empty array of layer roles (attn.q, attn.k, attn.v, attn.o, mlp.gate, mlp.in, mlp.out) (got string "mlps")',
    ]);
  });
});

describe('validateConfig: schemaVersion 4 (before the refusal classifier)', () => {
  it("reads a complete version-4 file strictly, adding only the refusal classifier's defaults", () => {
    const input = clonePlain(DEFAULT_CONFIG) as unknown as Loose;
    input.schemaVersion = 4;
    delete input.evaluation.refusalClassifier;
    const result = validateConfig(input, CTX, { strict: true });
    if (!result.ok) throw new Error(formatErrors(result.errors));
    expect(result.config).toEqual(DEFAULT_CONFIG);
    expect(result.config.evaluation.refusalClassifier).toEqual({
      model: 'protectai/distilroberta-base-rejection-v1',
      refusalLabels: ['REJECTION'],
      dtype: 'fp32',
      input: 'output',
      threshold: 0.5,
      maxLength: 512,
    });
  });

  it('a version-5 file must carry it (strict), and its fields are checked like the classifier', () => {
    const input = clonePlain(DEFAULT_CONFIG) as unknown as Loose;
    delete input.evaluation.refusalClassifier;
    expect(lines(validateConfig(input, CTX, { strict: true }))).toEqual([
      'evaluation.refusalClassifier: missing field',
    ]);
    const wrong = full((c) => {
      c.evaluation.refusalClassifier.refusalLabels = [];
      c.evaluation.refusalClassifier.threshold = 2;
      c.evaluation.refusalClassifier.dtype = 'int4';
      c.evaluation.refusalClassifier.model = 'not a repo';
    });
    expect(lines(validateConfig(wrong, CTX))).toEqual([
      "evaluation.refusalClassifier.model: a refusal classifier model is a Hub repo id owner/name[@revision] (got 'not a repo')",
      'evaluation.refusalClassifier.refusalLabels: must be a non-empty array of label names (got an empty array)',
      "evaluation.refusalClassifier.dtype: must be one of 'fp32', 'fp16', 'q8' (got \"int4\")",
      'evaluation.refusalClassifier.threshold: must be between 0 and 1',
    ]);
  });
});

describe('validateConfig: schemaVersion 2 (before Hub data and judges)', () => {
  it("means what it meant: the built-in world's data and the keyword moderation judge", () => {
    const input = clonePlain(DEFAULT_CONFIG) as unknown as Loose;
    input.schemaVersion = 2;
    delete input.data;
    delete input.evaluation.overRefusalPrompts;
    delete input.evaluation.judges;
    delete input.evaluation.classifier;
    const result = validateConfig(input, CTX, { strict: true });
    if (!result.ok) throw new Error(formatErrors(result.errors));
    expect(result.config.schemaVersion).toBe(5);
    expect(result.config.data).toEqual({
      task: null,
      harmful: null,
      refusal: null,
      benign: null,
      overRefusal: null,
    });
    expect(result.config.evaluation.overRefusalPrompts).toBe(0);
    expect(result.config.evaluation.judges).toEqual(['keyword-moderation']);
    expect(result.config.evaluation.classifier).toEqual(DEFAULT_CONFIG.evaluation.classifier);
  });

  it('in strict mode still reports a version-2 field that is missing', () => {
    const input = clonePlain(DEFAULT_CONFIG) as unknown as Loose;
    input.schemaVersion = 2;
    delete input.data;
    delete input.evaluation.maxNewTokens;
    expect(lines(validateConfig(input, CTX, { strict: true }))).toEqual([
      'evaluation.maxNewTokens: missing field',
    ]);
  });
});

describe('validateConfig: data sources', () => {
  it("fills a Hub dataset's config and splits from what the lab knows of it", () => {
    const result = validateConfig(
      {
        schemaVersion: 3,
        data: { harmful: { dataset: 'PKU-Alignment/BeaverTails' } },
        evaluation: { judges: ['refusal-keywords'] },
      },
      CTX,
    );
    if (!result.ok) throw new Error(formatErrors(result.errors));
    expect(result.config.data.harmful).toEqual({
      dataset: 'PKU-Alignment/BeaverTails',
      config: 'default',
      train: '30k_train',
      eval: '30k_test',
      maxRows: 10_000,
      files: null,
    });
    expect(result.config.data.task).toBeNull();
  });

  it('keeps a revision and explicit splits, and a null eval split', () => {
    const result = validateConfig(
      {
        schemaVersion: 3,
        data: {
          benign: { dataset: 'tatsu-lab/alpaca@abc123', train: 'train', eval: null, maxRows: 500 },
        },
      },
      CTX,
    );
    if (!result.ok) throw new Error(formatErrors(result.errors));
    expect(result.config.data.benign).toEqual({
      dataset: 'tatsu-lab/alpaca@abc123',
      config: 'default',
      train: 'train',
      eval: null,
      maxRows: 500,
      files: null,
    });
  });

  it('names each mistake at its path', () => {
    expect(
      lines(
        validateConfig(
          {
            schemaVersion: 3,
            data: {
              task: { dataset: 'someone/unknown' },
              harmful: { dataset: 'stanfordnlp/sst2' },
              refusal: 'beavertails',
              benign: { dataset: 'tatsu-lab/alpaca', split: 'x', maxRows: 0, train: 'a b' },
              extra: null,
            },
            evaluation: { judges: ['refusal-keywords'] },
          },
          CTX,
        ),
      ),
    ).toEqual([
      'data.extra: unknown field',
      "data.task.dataset: unknown Hub dataset 'someone/unknown' (known: PKU-Alignment/BeaverTails, stanfordnlp/sst2, fancyzhx/ag_news, openai/gsm8k, tatsu-lab/alpaca, walledai/XSTest): the lab reads a dataset whose columns it knows",
      'data.harmful.dataset: stanfordnlp/sst2 cannot play the harmful role (it plays: task)',
      'data.refusal: must be null (the built-in data) or an object { dataset, config, train, eval, maxRows } (got string "beavertails")',
      'data.benign.split: unknown field',
      "data.benign.train: must be a split name of letters, digits, '.', '_', '+' or '-' (got string \"a b\")",
      'data.benign.maxRows: must be between 1 and 1000000',
    ]);
  });

  it('a task dataset must be the task finetune.task names', () => {
    expect(
      lines(
        validateConfig(
          {
            schemaVersion: 3,
            finetune: { task: 'agnews' },
            data: { task: { dataset: 'stanfordnlp/sst2' } },
          },
          CTX,
        ),
      ),
    ).toEqual([
      "data.task.dataset: stanfordnlp/sst2 is a sst2 dataset but finetune.task is 'agnews'; set finetune.task to 'sst2'",
    ]);
  });
});

describe('validateConfig: judges', () => {
  it('takes a list of known, distinct judges', () => {
    expect(
      lines(
        validateConfig(
          {
            schemaVersion: 3,
            evaluation: { judges: ['refusal-keywords', 'beaver-dam', 'refusal-keywords', 3] },
          },
          CTX,
        ),
      ),
    ).toEqual([
      "evaluation.judges[1]: unknown judge 'beaver-dam' (known: keyword-moderation, refusal-keywords, refusal-keywords-extended, moderation-classifier, refusal-classifier)",
      "evaluation.judges[2]: 'refusal-keywords' is listed twice",
      'evaluation.judges[3]: must be a non-empty string (got number 3)',
    ]);
    expect(lines(validateConfig({ schemaVersion: 3, evaluation: { judges: [] } }, CTX))).toEqual([
      'evaluation.judges: must be a non-empty array of judge names (got an empty array)',
    ]);
  });

  it("refuses the built-in world's keyword judge for Hub harmful prompts", () => {
    expect(
      lines(
        validateConfig(
          { schemaVersion: 3, data: { harmful: { dataset: 'PKU-Alignment/BeaverTails' } } },
          CTX,
        ),
      ),
    ).toEqual([
      "evaluation.judges[0]: remove 'keyword-moderation' (and keep or add 'refusal-keywords' or 'moderation-classifier'): it recognises harm only by the built-in world's placeholder steps (\"gather the forbidden supplies\"), which real answers to data.harmful's Hub prompts do not contain",
    ]);
  });

  it('keeps refusing the keyword judge while it stays ticked beside others, and not once it is removed', () => {
    // Issue 26: ticking another judge and making it primary left keyword-moderation at [1].
    const harmful = { dataset: 'PKU-Alignment/BeaverTails' };
    expect(
      lines(
        validateConfig(
          {
            schemaVersion: 3,
            data: { harmful },
            evaluation: { judges: ['refusal-keywords', 'keyword-moderation'] },
          },
          CTX,
        ),
      ),
    ).toEqual([expect.stringMatching(/^evaluation\.judges\[1\]: remove 'keyword-moderation' /)]);
    expect(
      validateConfig(
        { schemaVersion: 3, data: { harmful }, evaluation: { judges: ['refusal-keywords'] } },
        CTX,
      ).ok,
    ).toBe(true);
  });

  it("checks the classifier's settings", () => {
    expect(
      lines(
        validateConfig(
          {
            schemaVersion: 3,
            evaluation: {
              classifier: {
                model: 'toxic-bert',
                harmfulLabels: ['toxic', ''],
                dtype: 'int4',
                threshold: 2,
              },
            },
          },
          CTX,
        ),
      ),
    ).toEqual([
      "evaluation.classifier.model: a classifier model is a Hub repo id owner/name[@revision] (got 'toxic-bert')",
      'evaluation.classifier.harmfulLabels[1]: must be a non-empty string (got string "")',
      "evaluation.classifier.dtype: must be one of 'fp32', 'fp16', 'q8' (got \"int4\")",
      'evaluation.classifier.threshold: must be between 0 and 1',
    ]);
  });
});
