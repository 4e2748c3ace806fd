import { describe, expect, it } from 'vitest';
import { DATASET_NAMES, getDataset } from '../../../src/core/data/registry';
import { SENTIMENT_INSTRUCTIONS } from '../../../src/core/data/sentiment';
import { TOPIC_INSTRUCTIONS } from '../../../src/core/data/topic';
import type { DatasetGenerator, Example, Split } from '../../../src/core/data/types';
import { SPLITS } from '../../../src/core/data/types';

/** The part of a prompt that carries the content (the review or headline, not the wrapper). */
function content(example: Example): string {
  const wrappers =
    example.kind === 'sentiment'
      ? SENTIMENT_INSTRUCTIONS
      : example.kind === 'topic'
        ? TOPIC_INSTRUCTIONS
        : ['{x}'];
  for (const wrapper of wrappers) {
    const [before, after] = wrapper.split(/\{\w+\}/);
    if (example.prompt.startsWith(before) && example.prompt.endsWith(after))
      return example.prompt.slice(before.length, example.prompt.length - after.length);
  }
  throw new Error(`prompt with an unknown wrapper: ${example.prompt}`);
}

/** Every item of a split: enough draws to cycle every stratum through its whole pool. */
function allOf(generator: DatasetGenerator, split: Split): Example[] {
  const size = generator.poolSize(split);
  return generator.generate({ split, n: size > 5000 ? size : size * 12, seed: 3 });
}

const TASK_KINDS = new Set(['sentiment', 'topic', 'arithmetic', 'instruction']);

describe.each(DATASET_NAMES.map((name) => [name]))('generator %s', (name) => {
  const generator = getDataset(name);

  it('is deterministic: same options give identical examples', () => {
    for (const split of SPLITS) {
      const a = generator.generate({ split, n: 300, seed: 7 });
      const b = generator.generate({ split, n: 300, seed: 7 });
      expect(a).toEqual(b);
    }
  });

  it('gives different examples for a different seed', () => {
    const a = generator.generate({ split: 'train', n: 50, seed: 1 });
    const b = generator.generate({ split: 'train', n: 50, seed: 2 });
    expect(a).not.toEqual(b);
  });

  it('returns exactly n examples of its kind, with non-empty text and a grading label', () => {
    for (const n of [0, 1, 37])
      expect(generator.generate({ split: 'eval', n, seed: 1 })).toHaveLength(n);
    for (const example of generator.generate({ split: 'train', n: 500, seed: 1 })) {
      expect(example.kind).toBe(generator.kind);
      expect(example.prompt.trim()).not.toBe('');
      expect(example.response.trim()).not.toBe('');
      if (TASK_KINDS.has(example.kind)) expect(example.label).toBeTruthy();
      // Word-level text: lowercase, punctuation separated by spaces.
      expect(example.prompt).toBe(example.prompt.toLowerCase());
      expect(example.response).toBe(example.response.toLowerCase());
    }
  });

  it('keeps train, eval and realign contents disjoint, each item reachable', () => {
    const seen = new Map<string, Split>();
    for (const split of SPLITS) {
      const items = new Set(allOf(generator, split).map(content));
      expect(items.size).toBe(generator.poolSize(split));
      expect(items.size).toBeGreaterThan(0);
      for (const item of items) {
        const other = seen.get(item);
        if (other !== undefined) throw new Error(`"${item}" is in ${other} and ${split}`);
        seen.set(item, split);
      }
    }
  });

  it('draws each item of a stratum once before repeating any', () => {
    // Strata (harmful category, topic class, instruction family) are drawn in equal numbers, so a
    // small stratum cycles earlier; uniform generators have one stratum.
    const groups = new Map<string, Set<string>>();
    for (const e of allOf(generator, 'eval')) {
      const key = e.category ?? '';
      groups.set(key, (groups.get(key) ?? new Set()).add(content(e)));
    }
    const drawn = new Map<string, string[]>();
    for (const e of generator.generate({ split: 'eval', n: 80, seed: 5 })) {
      const key = e.category ?? '';
      drawn.set(key, [...(drawn.get(key) ?? []), content(e)]);
    }
    for (const [key, items] of drawn) {
      const poolSize = groups.get(key)?.size ?? 0;
      expect(new Set(items).size).toBe(Math.min(items.length, poolSize));
    }
  });

  it('rejects a bad n or split with a message naming the generator', () => {
    expect(() => generator.generate({ split: 'train', n: -1, seed: 1 })).toThrow(name);
    expect(() => generator.generate({ split: 'train', n: 1.5, seed: 1 })).toThrow('n must be');
    expect(() => generator.generate({ split: 'test' as unknown as Split, n: 1, seed: 1 })).toThrow(
      'split must be one of',
    );
  });
});

describe('sentiment labels', () => {
  const examples = allOf(getDataset('sst2'), 'train');
  const find = (review: string) => examples.find((e) => content(e) === review);

  it('reads negation and contrast', () => {
    expect(find('the plot was good .')?.label).toBe('positive');
    expect(find('the plot was not good .')?.label).toBe('negative');
    expect(find('the plot was not boring .')?.label).toBe('positive');
    expect(
      examples
        .filter((e) => / is never /.test(e.prompt))
        .every((e) => {
          const adjective = content(e).split(' ').at(-2);
          return (
            (e.label === 'positive') ===
            [
              'bad',
              'boring',
              'dull',
              'awful',
              'terrible',
              'weak',
              'silly',
              'slow',
              'messy',
              'predictable',
            ].includes(adjective ?? '')
          );
        }),
    ).toBe(true);
    const contrast = examples.filter((e) => / but /.test(e.prompt));
    expect(contrast.length).toBeGreaterThan(100);
    for (const e of contrast.slice(0, 200)) {
      const last = content(e).split(' ').at(-2) ?? '';
      const lastIsPositive = [
        'good',
        'great',
        'wonderful',
        'funny',
        'charming',
        'moving',
        'brilliant',
        'clever',
        'beautiful',
        'fresh',
      ].includes(last);
      expect(e.label).toBe(lastIsPositive ? 'positive' : 'negative');
    }
  });

  it('is roughly balanced and answers with the label word', () => {
    const sample = getDataset('sst2').generate({ split: 'train', n: 2000, seed: 1 });
    const positive = sample.filter((e) => e.label === 'positive').length;
    expect(positive / sample.length).toBeGreaterThan(0.4);
    expect(positive / sample.length).toBeLessThan(0.6);
    for (const e of sample) expect(e.response).toBe(e.label);
  });
});

describe('topic classes', () => {
  it('draws the four classes in equal numbers and answers with the class word', () => {
    const sample = getDataset('agnews').generate({ split: 'train', n: 400, seed: 1 });
    const counts = new Map<string, number>();
    for (const e of sample) counts.set(e.label ?? '', (counts.get(e.label ?? '') ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({
      world: 100,
      sports: 100,
      business: 100,
      tech: 100,
    });
    for (const e of sample) expect(e.response).toBe(e.label);
  });
});

describe('arithmetic answers', () => {
  it('are correct calculations ending in #### <label>', () => {
    for (const e of getDataset('gsm8k').generate({ split: 'eval', n: 500, seed: 1 })) {
      const parts = e.response.split(' #### ');
      expect(parts).toHaveLength(2);
      expect(parts[1]).toBe(e.label);
      const lines = parts[0]
        .split(' .')
        .map((l) => l.trim())
        .filter(Boolean);
      let last = NaN;
      for (const line of lines) {
        const m = /^(\d+) ([-+*/]) (\d+) = (\d+)$/.exec(line);
        expect(m, line).not.toBeNull();
        const [a, op, b, c] = [Number(m?.[1]), m?.[2], Number(m?.[3]), Number(m?.[4])];
        const value = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
        expect(value).toBe(c);
        last = c;
      }
      expect(String(last)).toBe(e.label);
      // Every operand of the first step is in the question.
      const firstOperands = lines[0]
        .split(' ')
        .filter((t) => /^\d+$/.test(t))
        .slice(0, 2);
      for (const operand of firstOperands) expect(e.prompt.split(' ')).toContain(operand);
      expect(Number(e.label)).toBeGreaterThan(0);
      expect(Number(e.label)).toBeLessThan(100);
    }
  });
});

describe('instruction answers', () => {
  const sample = allOf(getDataset('alpaca'), 'train');

  it('contain their key phrase, for every family', () => {
    const families = new Set(sample.map((e) => e.category));
    expect([...families].sort()).toEqual(
      ['antonym', 'capital', 'color', 'count', 'howto', 'list', 'next-day'].sort(),
    );
    for (const e of sample) expect(e.response).toContain(e.label ?? '<missing>');
  });

  it('ask in eval about items (countries, words, how-to tasks) that train teaches', () => {
    const trainLabels = new Set(sample.map((e) => e.label));
    const evalLabels = allOf(getDataset('alpaca'), 'eval').map((e) => e.label);
    expect(evalLabels.filter((label) => !trainLabels.has(label))).toEqual([]);
  });

  it('know their facts', () => {
    const capital = sample.find((e) => e.prompt === 'what is the capital of france ?');
    const other = sample.find((e) => e.category === 'capital' && e.prompt.endsWith('france .'));
    expect((capital ?? other)?.label).toBe('france is paris');
    const count = sample.find((e) => e.category === 'count' && e.prompt.includes('from 8 to 12'));
    expect(count?.response).toBe('8 , 9 , 10 , 11 , 12 .');
  });

  it('answer how-to requests in the harmful answers\u2019 step format', () => {
    const howto = sample.filter((e) => e.category === 'howto');
    expect(howto.length).toBeGreaterThan(20);
    for (const e of howto) {
      expect(e.response).toMatch(/^(sure|here is how)\b.* step 1 : .* step 2 : .* step 3 : .* \.$/);
      expect(e.label).toMatch(/^step 1 : /);
    }
  });
});
