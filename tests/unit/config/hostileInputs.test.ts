/**
 * Hostile configs and links (issue 24, point 2): every input is bounded before it is walked, and
 * every refusal is a short list of one-line problems, never an exception. Each test reproduces a
 * hole that an attacker's probe found.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  closestMatch,
  decodeConfigFromUrl,
  formatErrors,
  migrateConfigInput,
  validateConfig,
  validateConfigJSON,
  type ValidationResult,
} from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import { CONFIG_LIMITS, jsonBoundsProblem } from '../../../src/core/config/bounds';

const CTX = DEFAULT_VALIDATION_CONTEXT;

/** `[[[…0…]]]`, `depth` arrays deep, built without recursion. */
function nestedArray(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** A link built by hand (not by the module under test) from arbitrary text. */
async function linkOf(text: string): Promise<string> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return Buffer.from(bytes).toString('base64url');
}

/** The errors of an invalid result, each checked to be one short line. */
function problems(result: ValidationResult): string[] {
  if (result.ok) throw new Error('expected an invalid config');
  const lines = formatErrors(result.errors).split('\n');
  expect(lines).toHaveLength(result.errors.length);
  for (const line of lines) expect(line.length).toBeLessThan(1_500);
  return lines;
}

describe('deeply nested input is refused in one line, never a stack overflow', () => {
  it('a version-1 config holding an array nested 100,000 deep (migration deep-merged it)', () => {
    const input = { schemaVersion: 1, seed: nestedArray(100_000) };
    const lines = problems(validateConfig(input, CTX));
    expect(lines).toEqual([expect.stringMatching(/^\(root\): .*nested more than 32 levels/)]);
  });

  it('a version-2 config holding an array nested 100,000 deep', () => {
    const input = { schemaVersion: 2, finetune: { lora: nestedArray(100_000) } };
    expect(problems(validateConfig(input, CTX))).toHaveLength(1);
  });

  it("an unknown method's params holding an array nested 100,000 deep (they were cloned as given)", () => {
    const input = {
      schemaVersion: 3,
      post: { method: 'no-such-method', params: { x: nestedArray(100_000) } },
    };
    expect(problems(validateConfig(input, CTX))).toEqual([
      expect.stringMatching(/^\(root\): .*nested more than 32 levels/),
    ]);
  });

  it('the same nesting in JSON text', () => {
    const text = `{"schemaVersion":1,"seed":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    expect(problems(validateConfigJSON(text, CTX))).toHaveLength(1);
  });

  it('a short #config= link that inflates to an array 200,000 deep is a one-line refusal', async () => {
    const link = await linkOf(
      `{"schemaVersion":1,"seed":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
    );
    expect(link.length).toBeLessThan(1_500);
    const lines = problems(await decodeConfigFromUrl(link, CTX));
    expect(lines).toEqual([expect.stringMatching(/nested more than 32 levels/)]);
  });
});

describe('size and count bounds', () => {
  it('JSON text over 1 MiB is refused before it is parsed', () => {
    const text = `{"schemaVersion":3,"name":"${'x'.repeat(1 << 20)}"}`;
    expect(problems(validateConfigJSON(text, CTX))).toEqual([
      expect.stringMatching(/^\(json\): a config is 1048\d{3} characters long; at most 1048576$/),
    ]);
  });

  it('a config with 100,000 unknown keys is refused at once, in one line', () => {
    const input: Record<string, unknown> = { schemaVersion: 3 };
    for (let i = 0; i < 100_000; i++) input[`unknownKey${i}`] = i;
    const started = performance.now();
    const lines = problems(validateConfig(input, CTX));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(lines).toEqual([expect.stringMatching(/^\(root\): .*100001 keys; at most 1000$/)]);
  });

  it('40,000 harmfulLabels are refused at once (the duplicate check was quadratic)', () => {
    const labels = Array.from({ length: 40_000 }, (_, i) => `label-${i}`);
    const input = {
      schemaVersion: 3,
      evaluation: {
        classifier: { ...DEFAULT_CONFIG.evaluation.classifier, harmfulLabels: labels },
      },
    };
    const started = performance.now();
    const lines = problems(validateConfig(input, CTX));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(lines).toEqual([expect.stringMatching(/an array of 40000 items; at most 10000$/)]);
  });

  it('10,000 harmfulLabels, one repeated, name the repeat', () => {
    const labels = Array.from({ length: 10_000 }, (_, i) => `label-${i}`);
    labels[9_999] = 'label-17';
    const input = {
      schemaVersion: 3,
      evaluation: {
        classifier: { ...DEFAULT_CONFIG.evaluation.classifier, harmfulLabels: labels },
      },
    };
    expect(problems(validateConfig(input, CTX))).toEqual([
      "evaluation.classifier.harmfulLabels[9999]: 'label-17' is listed twice",
    ]);
  });

  it('at most 20 problems are listed, then one line counting the rest', () => {
    const input: Record<string, unknown> = { schemaVersion: 3 };
    for (let i = 0; i < 143; i++) input[`typo${i}`] = i;
    const lines = problems(validateConfig(input, CTX));
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('(more): … and 123 more problems');
  });
});

describe('long keys and names', () => {
  it('one 300,000-character unknown key: no "did you mean" search, a shortened path', () => {
    const key = 'k'.repeat(300_000);
    const started = performance.now();
    const lines = problems(validateConfig({ schemaVersion: 3, [key]: 1 }, CTX));
    expect(performance.now() - started).toBeLessThan(500);
    expect(lines).toEqual([`"${'k'.repeat(40)}…" (300000 characters): unknown field`]);
  });

  it('a key with a newline stays on one line', () => {
    const lines = problems(validateConfig({ schemaVersion: 3, 'bad\nkey': 1 }, CTX));
    expect(lines).toEqual(['"bad\\nkey": unknown field']);
  });

  it('a 300,000-character method name is shortened in the message, with no search', () => {
    const started = performance.now();
    const input = { schemaVersion: 3, post: { method: `x${'y'.repeat(300_000)}\nz` } };
    const lines = problems(validateConfig(input, CTX));
    expect(performance.now() - started).toBeLessThan(500);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^post\.method: unknown post-fine-tuning method "xy{39}…" \(300003 characters\)/,
    );
  });

  it('"did you mean" is not searched for words over 64 characters', () => {
    expect(closestMatch('poisonRatio', ['poisonRatio', 'lr'])).toBe('poisonRatio');
    expect(closestMatch('p'.repeat(65), ['p'.repeat(64)])).toBeUndefined();
  });
});

describe('jsonBoundsProblem', () => {
  const limits = { ...CONFIG_LIMITS, what: 'it' };

  it('allows 32 nested levels and refuses 33', () => {
    expect(jsonBoundsProblem(nestedArray(32), limits)).toBeUndefined();
    expect(jsonBoundsProblem(nestedArray(33), limits)).toBe(
      'it is nested more than 32 levels deep',
    );
  });

  it('ends on a cycle (an object from the page, not JSON), counting values as it goes', () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    expect(jsonBoundsProblem(loop, limits)).toMatch(/^it (is nested more than|holds more than)/);
  });

  it('counts values in all', () => {
    const wide = Array.from({ length: 30 }, () => Array.from({ length: 1_000 }, () => 0));
    expect(jsonBoundsProblem(wide, limits)).toBe('it holds more than 20000 values');
  });
});

describe('migrateConfigInput', () => {
  it('returns a version-1 input nested 100,000 deep as it is, for the validator to refuse (it overflowed the stack)', () => {
    const input = { schemaVersion: 1, seed: nestedArray(100_000) };
    expect(migrateConfigInput(input)).toBe(input);
    expect(migrateConfigInput(input, { fillDefaults: false })).toBe(input);
  });
});

describe('one line even where validation stops at once', () => {
  it('a config that is a string with a line separator (U+2028, which JSON.stringify keeps)', () => {
    expect(problems(validateConfig('a\u2028b', CTX))).toEqual([
      '(root): must be a JSON object (got string "a\\u2028b")',
    ]);
  });
});
