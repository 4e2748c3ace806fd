import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from '../../../src/core/config';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('poisonRate', 'poisonRatio')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('counts an adjacent transposition as one edit, and ignores case', () => {
    expect(editDistance('mpl', 'mlp')).toBe(1);
    expect(editDistance('MaskRatio', 'maskratio')).toBe(0);
  });
});

describe('closestMatch', () => {
  it('returns the nearest candidate within a third of the word', () => {
    expect(closestMatch('antidot', ['none', 'antidote', 'random-prune'])).toBe('antidote');
  });

  it('returns nothing when no candidate is plausibly meant', () => {
    expect(closestMatch('threads', ['backend'])).toBeUndefined();
    expect(closestMatch('ab', ['xy'])).toBeUndefined();
    expect(closestMatch('x', [])).toBeUndefined();
  });
});
