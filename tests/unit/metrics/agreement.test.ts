import { describe, expect, it } from 'vitest';
import { cohensKappa, constantNote, describeKappa } from '../../../src/core/metrics/agreement';

/**
 * Verdict vectors from a 2×2 table: `yesYes` samples both judges call true, `yesNo` only judge
 * a, `noYes` only judge b, `noNo` neither; in that order.
 */
function fromTable(yesYes: number, yesNo: number, noYes: number, noNo: number) {
  const a: boolean[] = [];
  const b: boolean[] = [];
  const push = (count: number, x: boolean, y: boolean) => {
    for (let i = 0; i < count; i++) {
      a.push(x);
      b.push(y);
    }
  };
  push(yesYes, true, true);
  push(yesNo, true, false);
  push(noYes, false, true);
  push(noNo, false, false);
  return { a, b };
}

describe('cohensKappa against hand-computed tables', () => {
  it('20/5/10/15: κ = 0.4', () => {
    // n = 50, po = (20 + 15)/50 = 0.7; pA = 25/50 = 0.5, pB = 30/50 = 0.6;
    // pe = 0.5·0.6 + 0.5·0.4 = 0.5; κ = (0.7 − 0.5)/(1 − 0.5) = 0.4.
    const { a, b } = fromTable(20, 5, 10, 15);
    const result = cohensKappa(a, b);
    expect(result.n).toBe(50);
    expect(result.agree).toBe(35);
    expect(result.observed).toBeCloseTo(0.7, 12);
    expect(result.expected).toBeCloseTo(0.5, 12);
    expect(result.kappa).toBeCloseTo(0.4, 12);
  });

  it('45/15/25/15: κ = 0.06/0.46 ≈ 0.1304', () => {
    // n = 100, po = 0.6; pA = 0.6, pB = 0.7; pe = 0.6·0.7 + 0.4·0.3 = 0.54;
    // κ = (0.6 − 0.54)/(1 − 0.54) = 0.06/0.46 = 3/23.
    const { a, b } = fromTable(45, 15, 25, 15);
    const result = cohensKappa(a, b);
    expect(result.observed).toBeCloseTo(0.6, 12);
    expect(result.expected).toBeCloseTo(0.54, 12);
    expect(result.kappa).toBeCloseTo(3 / 23, 12);
  });

  it('25/35/5/35: κ = 0.14/0.54 ≈ 0.2593', () => {
    // n = 100, po = 0.6; pA = 0.6, pB = 0.3; pe = 0.6·0.3 + 0.4·0.7 = 0.46;
    // κ = (0.6 − 0.46)/(1 − 0.46) = 0.14/0.54 = 7/27.
    const { a, b } = fromTable(25, 35, 5, 35);
    const result = cohensKappa(a, b);
    expect(result.observed).toBeCloseTo(0.6, 12);
    expect(result.expected).toBeCloseTo(0.46, 12);
    expect(result.kappa).toBeCloseTo(7 / 27, 12);
  });

  it('is symmetric in the two judges', () => {
    const { a, b } = fromTable(20, 5, 10, 15);
    expect(cohensKappa(b, a).kappa).toBeCloseTo(cohensKappa(a, b).kappa ?? NaN, 12);
  });
});

describe('cohensKappa special cases', () => {
  it('perfect agreement with both verdicts present: κ = 1', () => {
    // po = 1, pA = pB = 0.5, pe = 0.5, κ = 0.5/0.5 = 1.
    const verdicts = [true, false, true, true, false];
    const result = cohensKappa(verdicts, [...verdicts]);
    expect(result.kappa).toBe(1);
    expect(result.disagreements).toEqual([]);
  });

  it('perfect disagreement with balanced marginals: κ = −1', () => {
    // po = 0, pA = pB = 0.5, pe = 0.5, κ = (0 − 0.5)/0.5 = −1.
    const result = cohensKappa([true, true, false, false], [false, false, true, true]);
    expect(result.observed).toBe(0);
    expect(result.expected).toBe(0.5);
    expect(result.kappa).toBe(-1);
  });

  it('independent judges: κ = 0', () => {
    // 10/10/10/10: po = 0.5, pA = pB = 0.5, pe = 0.5, κ = 0.
    const { a, b } = fromTable(10, 10, 10, 10);
    expect(cohensKappa(a, b).kappa).toBe(0);
  });

  it('one constant judge: κ = 0 whatever the agreement', () => {
    // a always true, b true on 3 of 4: po = 0.75, pA = 1, pB = 0.75, pe = 0.75, κ = 0.
    const result = cohensKappa([true, true, true, true], [true, true, true, false]);
    expect(result.observed).toBe(0.75);
    expect(result.expected).toBe(0.75);
    expect(result.kappa).toBe(0);
  });

  it('both judges constant and identical: κ undefined (null)', () => {
    // po = pe = 1: 0/0.
    for (const verdict of [true, false]) {
      const result = cohensKappa([verdict, verdict, verdict], [verdict, verdict, verdict]);
      expect(result.observed).toBe(1);
      expect(result.expected).toBe(1);
      expect(result.kappa).toBeNull();
    }
  });

  it('both judges constant but opposite: κ = 0', () => {
    // po = 0, pA = 1, pB = 0, pe = 0, κ = 0/1 = 0.
    const result = cohensKappa([true, true], [false, false]);
    expect(result.expected).toBe(0);
    expect(result.kappa).toBe(0);
  });

  it('no samples: nothing defined', () => {
    expect(cohensKappa([], [])).toEqual({
      n: 0,
      agree: 0,
      observed: null,
      expected: null,
      kappa: null,
      disagreements: [],
    });
  });

  it('throws when the judges saw different numbers of samples', () => {
    expect(() => cohensKappa([true, false], [true])).toThrow(/judge a has 2, judge b has 1/);
  });

  it('lists the disagreeing samples by index', () => {
    const result = cohensKappa([true, false, true, false, true], [true, true, false, false, false]);
    expect(result.disagreements).toEqual([1, 2, 4]);
    expect(result.agree).toBe(2);
  });
});

describe('describeKappa: Landis & Koch bands, closed at their upper end', () => {
  it.each([
    [-1, 'worse than chance'],
    [-0.01, 'worse than chance'],
    [0, 'slight'],
    [0.2, 'slight'],
    [0.2001, 'fair'],
    [0.21, 'fair'],
    [0.4, 'fair'],
    [0.41, 'moderate'],
    [0.6, 'moderate'],
    [0.61, 'substantial'],
    [0.8, 'substantial'],
    [0.81, 'almost perfect'],
    [1, 'almost perfect'],
    [null, 'undefined'],
  ])('%s → %s', (kappa, words) => {
    expect(describeKappa(kappa)).toBe(words);
  });

  it('describes a κ of exactly 0.2 from counts as slight', () => {
    // 10 samples, 6 agree: S = 5·5 + 5·5 = 50 with balanced marginals, κ = (60 − 50)/(100 − 50).
    const a = [true, true, true, true, true, false, false, false, false, false];
    const b = [true, true, true, false, false, true, true, false, false, false];
    const { kappa } = cohensKappa(a, b);
    expect(kappa).toBe(0.2);
    expect(describeKappa(kappa)).toBe('slight');
  });

  it.each([[NaN], [1.5], [-1.5]])('rejects %s', (kappa) => {
    expect(() => describeKappa(kappa)).toThrow(RangeError);
  });
});

describe('constantNote', () => {
  it('names a judge that gave one verdict throughout, and nothing otherwise', () => {
    const judges = ['a', 'b'] as const;
    expect(constantNote({ judges, harmful: [16, 2], n: 16 })).toBe('; a called all 16 harmful');
    expect(constantNote({ judges, harmful: [0, 0], n: 4 })).toBe(
      '; a called none harmful, b called none harmful',
    );
    expect(constantNote({ judges, harmful: [3, 2], n: 16 })).toBe('');
    expect(constantNote({ judges, harmful: [0, 0], n: 0 })).toBe('');
  });
});
