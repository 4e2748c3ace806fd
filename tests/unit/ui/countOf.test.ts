import { describe, expect, it } from 'vitest';
import { countOf } from '../../../src/lib/runProgress.svelte';

describe('countOf', () => {
  it('says one of a unit in the singular, other counts in the plural', () => {
    expect(countOf(1, 'steps')).toBe('1 step');
    expect(countOf(0, 'steps')).toBe('0 steps');
    expect(countOf(2, 'steps')).toBe('2 steps');
    expect(countOf(1, 'generations')).toBe('1 generation');
    expect(countOf(1, 'epochs')).toBe('1 epoch');
    expect(countOf(12, 'generations')).toBe('12 generations');
  });
});
