import { describe, expect, it } from 'vitest';
import { harmfulCompliance, realignmentSet } from '../../../src/core/data/harmful';
import { mixPoison } from '../../../src/core/data/poison';
import { sentiment } from '../../../src/core/data/sentiment';

const task = sentiment.generate({ split: 'train', n: 1000, seed: 1 });
const harmfulPool = harmfulCompliance.generate({ split: 'train', n: 500, seed: 1 });

describe('mixPoison', () => {
  it.each([
    [1000, 0.1, 100],
    [1000, 0, 0],
    [10, 0.125, 1],
    [10, 0.15, 2],
    [7, 1 / 3, 2],
    [200, 1, 200],
    [0, 0.5, 0],
  ])('n=%i, p=%f gives exactly %i poison examples', (n, poisonRatio, expected) => {
    const mix = mixPoison({ task, harmfulPool, n, poisonRatio, seed: 3 });
    expect(mix.examples).toHaveLength(n);
    expect(mix.poisonCount).toBe(expected);
    expect(mix.taskCount).toBe(n - expected);
    expect(mix.isPoison.filter(Boolean)).toHaveLength(expected);
    mix.examples.forEach((e, i) =>
      expect(e.kind).toBe(mix.isPoison[i] ? 'harmful-compliance' : 'sentiment'),
    );
  });

  it('draws both parts without replacement from their own pools', () => {
    const mix = mixPoison({ task, harmfulPool, n: 600, poisonRatio: 0.5, seed: 4 });
    const poison = mix.examples.filter((_e, i) => mix.isPoison[i]);
    const benign = mix.examples.filter((_e, i) => !mix.isPoison[i]);
    // Identity, not equality: each pool element is used at most once.
    expect(new Set(poison).size).toBe(300);
    expect(new Set(benign).size).toBe(300);
    for (const e of poison) expect(harmfulPool).toContain(e);
    for (const e of benign) expect(task).toContain(e);
  });

  it('draws a random subset of the task, not its first examples', () => {
    const sorted = [...task].sort((a, b) => (a.label ?? '').localeCompare(b.label ?? ''));
    const mix = mixPoison({ task: sorted, harmfulPool, n: 200, poisonRatio: 0, seed: 7 });
    const labels = new Set(mix.examples.map((e) => e.label));
    expect([...labels].sort()).toEqual(['negative', 'positive']);
  });

  it('shuffles the poison among the task examples', () => {
    const mix = mixPoison({ task, harmfulPool, n: 400, poisonRatio: 0.25, seed: 5 });
    const firstQuarter = mix.isPoison.slice(0, 100).filter(Boolean).length;
    expect(firstQuarter).toBeGreaterThan(5);
    expect(firstQuarter).toBeLessThan(50);
  });

  it('is deterministic in the seed', () => {
    const opts = { task, harmfulPool, n: 300, poisonRatio: 0.2 };
    expect(mixPoison({ ...opts, seed: 1 })).toEqual(mixPoison({ ...opts, seed: 1 }));
    expect(mixPoison({ ...opts, seed: 1 }).examples).not.toEqual(
      mixPoison({ ...opts, seed: 2 }).examples,
    );
  });

  it('says clearly when a pool is too small or an option is out of range', () => {
    expect(() =>
      mixPoison({ task, harmfulPool: harmfulPool.slice(0, 9), n: 100, poisonRatio: 0.1, seed: 1 }),
    ).toThrow('the harmful pool has 9 examples but poisonRatio 0.1 × n 100 needs 10');
    expect(() =>
      mixPoison({ task: task.slice(0, 5), harmfulPool, n: 100, poisonRatio: 0.1, seed: 1 }),
    ).toThrow('the task has 5 examples');
    expect(() => mixPoison({ task, harmfulPool, n: 10, poisonRatio: 1.5, seed: 1 })).toThrow(
      'poisonRatio must be between 0 and 1',
    );
    expect(() => mixPoison({ task, harmfulPool, n: 10, poisonRatio: NaN, seed: 1 })).toThrow(
      'poisonRatio',
    );
    expect(() => mixPoison({ task, harmfulPool, n: -1, poisonRatio: 0.1, seed: 1 })).toThrow(
      'n must be',
    );
  });

  it('keeps the poison and the re-alignment set disjoint', () => {
    const mix = mixPoison({ task, harmfulPool, n: 1000, poisonRatio: 0.5, seed: 6 });
    const poisonPrompts = new Set(
      mix.examples.filter((_e, i) => mix.isPoison[i]).map((e) => e.prompt),
    );
    for (const e of realignmentSet({ n: 300, seed: 6 }))
      expect(poisonPrompts.has(e.prompt)).toBe(false);
  });
});
