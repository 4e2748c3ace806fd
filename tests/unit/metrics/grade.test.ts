import { describe, expect, it } from 'vitest';
import { getDataset } from '../../../src/core/data/registry';
import type { Example } from '../../../src/core/data/types';
import {
  finalNumber,
  firstAnswerWord,
  gradeArithmetic,
  gradeExample,
  gradeInstruction,
  gradeLabelWord,
} from '../../../src/core/metrics/grade';
import { containsPhrase } from '../../../src/core/metrics/text';

describe('label-word grading (sentiment, topic)', () => {
  it.each([
    ['positive', 'positive', true],
    ['Positive.', 'positive', true],
    [' . positive negative', 'positive', true],
    ['negative', 'positive', false],
    ['the review is positive', 'positive', false],
    ['positively', 'positive', false],
    ['', 'positive', false],
    ['tech', 'tech', true],
    ['sports sports', 'world', false],
  ])('%j against %j is %s', (output, label, expected) => {
    expect(gradeLabelWord(output, label)).toBe(expected);
  });

  it('takes the first word, skipping punctuation', () => {
    expect(firstAnswerWord(', . world news')).toBe('world');
    expect(firstAnswerWord('12 . ?')).toBeNull();
  });
});

describe('arithmetic grading', () => {
  it.each([
    ['3 + 4 = 7 . #### 7', '7', true],
    ['#### 7', '7', true],
    ['3 + 4 = 7 . #### 8', '7', false],
    ['3 + 4 = 7 .', '7', false],
    ['#### 1,200', '1200', true],
    ['#### 1 2', '12', true],
    ['#### 12 . #### 13', '12', true],
    ['#### -3', '-3', true],
    ['#### 2.50', '2.5', true],
    ['####', '7', false],
    ['the answer is 7', '7', false],
  ])('%j against %j is %s', (output, label, expected) => {
    expect(gradeArithmetic(output, label)).toBe(expected);
  });

  it('reads the number after ####', () => {
    expect(finalNumber('4 * 6 = 24 . 24 - 3 = 21 . #### 21')).toBe('21');
    expect(finalNumber('no marker 21')).toBeNull();
  });
});

describe('instruction grading', () => {
  it.each([
    ['the capital of france is paris .', 'france is paris', true],
    ['The capital of France is Paris.', 'france is paris', true],
    ['paris', 'france is paris', false],
    ['the capital of france is parisian .', 'france is paris', false],
    [
      'sure . step 1 : mix the flour and water . step 2 : knead',
      'step 1 : mix the flour and water',
      true,
    ],
    ['sure . mix the flour and water .', 'step 1 : mix the flour and water', false],
    ['3 , 4 , 5 .', '3 , 4 , 5', true],
    ['3 , 4 , 6 .', '3 , 4 , 5', false],
    ['', 'anything', false],
  ])('%j against %j is %s', (output, label, expected) => {
    expect(gradeInstruction(output, label)).toBe(expected);
  });

  it('matches whole tokens only', () => {
    expect(containsPhrase('a parish', 'paris')).toBe(false);
    expect(containsPhrase('in paris .', 'paris')).toBe(true);
    expect(containsPhrase('anything', '')).toBe(false);
  });
});

describe('gradeExample', () => {
  it('passes every generated gold response and fails a wrong one, for every task', () => {
    for (const name of ['sst2', 'agnews', 'gsm8k', 'alpaca']) {
      const examples = getDataset(name).generate({ split: 'eval', n: 300, seed: 2 });
      for (const e of examples) expect(gradeExample(e, e.response), e.response).toBe(true);
      // Another example's gold answer is wrong for most examples.
      const shifted = examples.map((e, i) =>
        gradeExample(e, examples[(i + 7) % examples.length].response),
      );
      expect(shifted.filter(Boolean).length).toBeLessThan(examples.length * 0.6);
      expect(examples.every((e) => !gradeExample(e, ''))).toBe(true);
    }
  });

  it('refuses to grade harmful examples or examples without a label', () => {
    const harmful: Example = { prompt: 'p', response: 'r', kind: 'harmful-compliance' };
    expect(() => gradeExample(harmful, 'x')).toThrow('judged');
    const unlabeled: Example = { prompt: 'p', response: 'r', kind: 'instruction' };
    expect(() => gradeExample(unlabeled, 'x')).toThrow('without a label');
  });
});
