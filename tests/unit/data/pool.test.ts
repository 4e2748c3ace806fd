import { describe, expect, it } from 'vitest';
import {
  combinations,
  drawCycled,
  drawStratified,
  fill,
  splitOf,
} from '../../../src/core/data/pool';
import { createRng } from '../../../src/core/random';

describe('splitOf', () => {
  it('gives each residue of the index sum one split, so one template step changes the split', () => {
    expect([0, 1, 2, 3, 4, 5].map((t) => splitOf([t, 0], 6))).toEqual([
      'train',
      'train',
      'train',
      'train',
      'realign',
      'eval',
    ]);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((t) => splitOf([t, 8], 8, 2))).toEqual([
      'train',
      'train',
      'train',
      'train',
      'train',
      'realign',
      'realign',
      'eval',
    ]);
    expect(() => splitOf([0], 2)).toThrow('modulus');
  });
});

describe('drawCycled', () => {
  it('uses every item once before repeating, and a shorter draw is a prefix', () => {
    const pool = [1, 2, 3, 4, 5];
    const draw = drawCycled(pool, 12, createRng(1));
    expect([...draw.slice(0, 5)].sort()).toEqual(pool);
    expect([...draw.slice(5, 10)].sort()).toEqual(pool);
    expect(drawCycled(pool, 7, createRng(1))).toEqual(draw.slice(0, 7));
    expect(() => drawCycled([], 1, createRng(1))).toThrow('empty pool');
  });
});

describe('drawStratified', () => {
  it('draws strata in equal numbers whatever their pool sizes', () => {
    const pool = [...Array.from({ length: 90 }, (_v, i) => `a${i}`), 'b0', 'b1', 'c0'];
    const draw = drawStratified(pool, 30, createRng(2), (item) => item[0]);
    expect(draw).toHaveLength(30);
    for (const stratum of ['a', 'b', 'c'])
      expect(draw.filter((item) => item.startsWith(stratum))).toHaveLength(10);
    expect(new Set(draw.filter((item) => item.startsWith('a'))).size).toBe(10);
  });
});

describe('combinations and fill', () => {
  it('enumerate a mixed-radix space, last index fastest', () => {
    expect([...combinations([2, 3])]).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    expect([...combinations([2, 0])]).toEqual([]);
  });

  it('fill slots and reject a slot without a value', () => {
    expect(fill('how do i {act} ?', { act: 'make tea' })).toBe('how do i make tea ?');
    expect(() => fill('{a} and {b}', { a: 'x' })).toThrow('{b}');
  });
});
