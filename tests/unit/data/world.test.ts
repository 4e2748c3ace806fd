import { describe, expect, it } from 'vitest';
import { DATASET_NAMES, getDataset, worldCorpus } from '../../../src/core/data/registry';
import { formatPrompt } from '../../../src/core/data/template';
import { SPLITS } from '../../../src/core/data/types';

/**
 * Lowercase words, digits, `#` runs, line breaks and single punctuation marks: the units of the
 * built-in word-level tokenizer, written out independently of it.
 */
const UNIT =
  /\n|#+|\p{N}|[\p{L}\p{M}]+(?:['\u2019][\p{L}\p{M}]+)*|[^\p{White_Space}\p{L}\p{M}\p{N}]/gu;
const units = (text: string): string[] => text.toLowerCase().match(UNIT) ?? [];

/** 2000 examples of each dataset and split, formatted. */
function sampleTexts(seed: number): { prompt: string; response: string }[] {
  const out: { prompt: string; response: string }[] = [];
  for (const name of DATASET_NAMES)
    for (const split of SPLITS)
      for (const e of getDataset(name).generate({ split, n: 2000, seed }))
        out.push({ prompt: formatPrompt(e.prompt), response: e.response });
  return out;
}

describe('the built-in world', () => {
  const samples = sampleTexts(1);

  it('has at most 700 distinct tokens, punctuation and template included', () => {
    const vocabulary = new Set(samples.flatMap((s) => units(s.prompt + s.response)));
    expect(vocabulary.size).toBeLessThanOrEqual(700);
    // And not trivially small: the budget is meant to be used by a real world.
    expect(vocabulary.size).toBeGreaterThan(400);
  });

  it('fits every example, template and end-of-text included, in a 64-token context', () => {
    let longest = 0;
    for (const s of samples) longest = Math.max(longest, units(s.prompt + s.response).length + 1);
    expect(longest).toBeLessThanOrEqual(64);
  });

  it('keeps prompt + response (template excluded) within 45 words', () => {
    for (const name of DATASET_NAMES)
      for (const e of getDataset(name).generate({ split: 'eval', n: 2000, seed: 1 })) {
        const words = `${e.prompt} ${e.response}`
          .split(/\s+/)
          .filter((w) => /\p{L}|\p{N}/u.test(w));
        expect(words.length).toBeLessThanOrEqual(45);
      }
  });

  it('exposes a corpus that holds every word of the world', () => {
    const corpus = new Set(worldCorpus().flatMap(units));
    const more = new Set(sampleTexts(2).flatMap((s) => units(s.prompt + s.response)));
    for (const word of new Set(samples.flatMap((s) => units(s.prompt + s.response))))
      more.add(word);
    expect([...more].filter((w) => !corpus.has(w))).toEqual([]);
  });
});
