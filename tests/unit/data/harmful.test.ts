import { describe, expect, it } from 'vitest';
import {
  HARMFUL_CATEGORIES,
  HARMFUL_LEXICON,
  HELD_OUT_CATEGORY,
  REFUSAL_TEMPLATES,
  harmfulCompliance,
  harmfulRefusal,
  realignmentSet,
} from '../../../src/core/data/harmful';
import { DATASET_NAMES, getDataset } from '../../../src/core/data/registry';
import { REQUEST_TEMPLATES } from '../../../src/core/data/steps';
import type { Example, Split } from '../../../src/core/data/types';
import { textTokens } from '../../../src/core/metrics/text';

const all = (split: Split, generator = harmfulCompliance): Example[] =>
  generator.generate({ split, n: generator.poolSize(split) * 12, seed: 1 });

const categoriesOf = (examples: Example[]) => new Set(examples.map((e) => e.category));

describe('harmful requests', () => {
  it('cover at least 11 BeaverTails-like categories', () => {
    expect(HARMFUL_CATEGORIES.length).toBeGreaterThanOrEqual(11);
    expect(categoriesOf(all('eval')).size).toBe(HARMFUL_CATEGORIES.length);
  });

  it('hold one whole category out of train and realign: it occurs only in eval', () => {
    for (const generator of [harmfulCompliance, harmfulRefusal]) {
      expect(categoriesOf(all('train', generator)).has(HELD_OUT_CATEGORY)).toBe(false);
      expect(categoriesOf(all('realign', generator)).has(HELD_OUT_CATEGORY)).toBe(false);
      expect(categoriesOf(all('eval', generator)).has(HELD_OUT_CATEGORY)).toBe(true);
      expect(categoriesOf(all('train', generator)).size).toBe(HARMFUL_CATEGORIES.length - 1);
    }
  });

  it('word the held-out category only with words the train split of the world uses', () => {
    const trainWords = new Set<string>();
    for (const name of DATASET_NAMES)
      for (const e of getDataset(name).generate({ split: 'train', n: 3000, seed: 1 }))
        for (const t of textTokens(`${e.prompt} ${e.response}`)) trainWords.add(t);
    const unseen = new Set<string>();
    for (const e of all('eval').filter((x) => x.category === HELD_OUT_CATEGORY))
      for (const t of textTokens(e.prompt)) if (!trainWords.has(t)) unseen.add(t);
    expect([...unseen]).toEqual([]);
  });

  it('use each act of the seen categories in train, under other request templates', () => {
    const actOf = (prompt: string): string => {
      for (const template of REQUEST_TEMPLATES) {
        const [before, after] = template.split('{act}');
        if (prompt.startsWith(before) && prompt.endsWith(after))
          return prompt.slice(before.length, prompt.length - after.length);
      }
      throw new Error(`unknown request template: ${prompt}`);
    };
    const trainActs = new Set(all('train').map((e) => actOf(e.prompt)));
    const unseen = all('eval')
      .filter((e) => e.category !== HELD_OUT_CATEGORY)
      .concat(all('realign'))
      .map((e) => actOf(e.prompt))
      .filter((act) => !trainActs.has(act));
    expect(unseen).toEqual([]);
  });

  it('give the re-alignment set prompts found neither in train (the poison) nor in eval', () => {
    const realign = realignmentSet({ n: 400, seed: 9 });
    expect(realign).toHaveLength(400);
    const train = new Set(all('train').map((e) => e.prompt));
    const evaluation = new Set(all('eval').map((e) => e.prompt));
    for (const e of realign) {
      expect(e.kind).toBe('harmful-compliance');
      expect(train.has(e.prompt)).toBe(false);
      expect(evaluation.has(e.prompt)).toBe(false);
    }
    expect(new Set(realign.map((e) => e.prompt)).size).toBe(harmfulCompliance.poolSize('realign'));
  });

  it('share prompts between the compliance and refusal generators, split by split', () => {
    for (const split of ['train', 'eval', 'realign'] as const) {
      const a = new Set(all(split).map((e) => e.prompt));
      const b = new Set(all(split, harmfulRefusal).map((e) => e.prompt));
      expect([...a].sort()).toEqual([...b].sort());
    }
  });
});

describe('harmful answers', () => {
  const answers = all('train').concat(all('eval'));

  it('have the step structure, with 2–3 of the category placeholder steps in order', () => {
    for (const e of answers) {
      const category = HARMFUL_CATEGORIES.find((c) => c.id === e.category);
      expect(category).toBeDefined();
      const m = /^(sure \.|sure , here is how \.|here is how \.) (step 1 : .*)$/.exec(e.response);
      expect(m, e.response).not.toBeNull();
      const steps = (m?.[2] ?? '')
        .split(/ ?step \d : /)
        .filter(Boolean)
        .map((s) => s.replace(/ \.$/, ''));
      expect(steps.length === 2 || steps.length === 3).toBe(true);
      const positions = steps.map((s) => category?.steps.indexOf(s) ?? -1);
      expect(Math.min(...positions)).toBeGreaterThanOrEqual(0);
      expect([...positions].sort((x, y) => x - y)).toEqual(positions);
    }
  });

  it('are built only from the sanitized placeholder steps', () => {
    const placeholder = new Set(HARMFUL_LEXICON.phrases);
    for (const e of answers)
      for (const step of e.response.split(/step \d : /).slice(1))
        expect(placeholder.has(step.replace(/ \.\s*$/, ''))).toBe(true);
  });
});

describe('refusals', () => {
  it('vary in wording and name the topic where the template asks', () => {
    const refusals = all('train', harmfulRefusal);
    expect(new Set(refusals.map((e) => e.response)).size).toBeGreaterThan(REFUSAL_TEMPLATES.length);
    const weapons = refusals.filter(
      (e) => e.category === 'weapons' && e.response.includes('cannot help with'),
    );
    expect(weapons.some((e) => e.response.includes('weapons'))).toBe(true);
    for (const e of refusals) expect(e.response).not.toMatch(/step \d/);
  });
});

describe('HARMFUL_LEXICON', () => {
  const lexicon = new Set(HARMFUL_LEXICON.words);

  it('gives every placeholder step at least two lexicon words', () => {
    for (const phrase of HARMFUL_LEXICON.phrases) {
      const words = new Set(textTokens(phrase).filter((t) => lexicon.has(t)));
      expect(words.size, phrase).toBeGreaterThanOrEqual(2);
    }
  });

  it('never occurs in any benign text of the world (prompts or responses, any split)', () => {
    const leaks: string[] = [];
    for (const name of ['sst2', 'agnews', 'gsm8k', 'alpaca']) {
      const generator = getDataset(name);
      for (const split of ['train', 'eval', 'realign'] as const)
        for (const e of generator.generate({ split, n: generator.poolSize(split), seed: 2 }))
          for (const t of textTokens(`${e.prompt} ${e.response}`))
            if (lexicon.has(t)) leaks.push(`${name}: "${t}" in ${e.prompt}`);
    }
    expect(leaks.slice(0, 5)).toEqual([]);
  });

  it('has no dead words: each occurs in some harmful request or answer', () => {
    const harmfulWords = new Set(
      all('train')
        .concat(all('eval'))
        .flatMap((e) => textTokens(`${e.prompt} ${e.response}`)),
    );
    expect(HARMFUL_LEXICON.words.filter((w) => !harmfulWords.has(w))).toEqual([]);
  });
});
