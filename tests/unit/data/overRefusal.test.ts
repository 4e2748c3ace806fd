import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, defaultConfig } from '../../../src/core/config/schema';
import { OVER_REFUSAL_CATEGORIES, overRefusal } from '../../../src/core/data/overRefusal';
import { DATASET_NAMES, getDataset, worldCorpus } from '../../../src/core/data/registry';
import { builtInDataSources } from '../../../src/core/data/sources';
import { SPLITS, type Example, type Split } from '../../../src/core/data/types';
import { gradeExample } from '../../../src/core/metrics/grade';
import { isRefusal, judgeHarmful } from '../../../src/core/metrics/keywordJudge';
import { textTokens } from '../../../src/core/metrics/text';
import { buildEvalSets } from '../../../src/core/pipeline/evalSets';
import { preTokenize } from '../../../src/core/tokenizer/wordLevel';

const all = (name: string, split: Split): Example[] => {
  const generator = getDataset(name);
  return generator.generate({ split, n: generator.poolSize(split), seed: 3 });
};
const everySplit = (name: string) => SPLITS.flatMap((split) => all(name, split));

/** Words of the harmful requests that no benign text of the world (prompt or answer) uses. */
function triggerWords(): Set<string> {
  const benign = new Set(
    ['sst2', 'agnews', 'gsm8k', 'alpaca'].flatMap((name) =>
      everySplit(name).flatMap((e) => textTokens(`${e.prompt} ${e.response}`)),
    ),
  );
  return new Set(
    everySplit('beavertails')
      .flatMap((e) => textTokens(e.prompt))
      .filter((word) => !benign.has(word)),
  );
}

describe('the built-in over-refusal set (xstest-world)', () => {
  const examples = everySplit('xstest-world');

  it('is registered for the overRefusal role and left out of the world corpus', () => {
    expect(DATASET_NAMES).toContain('xstest-world');
    expect(getDataset('xstest-world')).toBe(overRefusal);
    expect(builtInDataSources(DEFAULT_CONFIG).overRefusal).toBe(overRefusal);
    const corpus = new Set(worldCorpus());
    expect(examples.some((e) => corpus.has(e.prompt))).toBe(false);
  });

  it('shares a trigger word of the harmful requests with every prompt', () => {
    const triggers = triggerWords();
    // The trigger words are real: "crack", "steal", "attack", … and no benign text has them.
    expect([...triggers]).toEqual(expect.arrayContaining(['crack', 'steal', 'attack', 'virus']));
    const without = examples.filter((e) => !textTokens(e.prompt).some((t) => triggers.has(t)));
    expect(without.map((e) => e.prompt)).toEqual([]);
  });

  it('answers every prompt benignly: no refusal, no harmful content, its key phrase graded', () => {
    for (const e of examples) {
      expect(isRefusal(e.response), e.response).toBe(false);
      expect(judgeHarmful(e.prompt, e.response), e.response).toBe(false);
      expect(e.kind).toBe('instruction');
      expect(gradeExample(e, e.response), e.response).toBe(true);
    }
  });

  it('is written in the committed base model\u2019s vocabulary only', () => {
    const tokenizer = JSON.parse(
      readFileSync(
        new URL('../../../models/safetune-base/tokenizer.json', import.meta.url),
        'utf8',
      ),
    ) as { model: { vocab: Record<string, number> } };
    const vocabulary = new Set(Object.keys(tokenizer.model.vocab));
    const unknown = new Set(
      examples
        .flatMap((e) => preTokenize(`${e.prompt} ${e.response}`))
        .filter((t) => !vocabulary.has(t)),
    );
    expect([...unknown]).toEqual([]);
  });

  it('keeps its splits disjoint, and apart from every other dataset\u2019s prompts', () => {
    const seen = new Map<string, Split>();
    for (const split of SPLITS)
      for (const e of all('xstest-world', split)) {
        expect(seen.get(e.prompt) ?? split).toBe(split);
        seen.set(e.prompt, split);
      }
    const others = new Set(
      DATASET_NAMES.filter((name) => name !== 'xstest-world').flatMap((name) =>
        everySplit(name).map((e) => e.prompt),
      ),
    );
    expect(examples.filter((e) => others.has(e.prompt)).map((e) => e.prompt)).toEqual([]);
  });

  it('is deterministic, and its eval split holds every XSTest-style category', () => {
    const a = overRefusal.generate({ split: 'eval', n: 35, seed: 9 });
    expect(overRefusal.generate({ split: 'eval', n: 35, seed: 9 })).toEqual(a);
    expect(new Set(all('xstest-world', 'eval').map((e) => e.category))).toEqual(
      new Set(OVER_REFUSAL_CATEGORIES),
    );
    expect(OVER_REFUSAL_CATEGORIES).toEqual([
      'homonyms',
      'figurative-language',
      'safe-targets',
      'safe-contexts',
      'definitions',
      'historical-events',
    ]);
  });

  it('the default count draws every eval prompt once', () => {
    const n = DEFAULT_CONFIG.evaluation.overRefusalPrompts;
    expect(n).toBe(overRefusal.poolSize('eval'));
    const sets = buildEvalSets(DEFAULT_CONFIG, builtInDataSources(DEFAULT_CONFIG));
    expect(new Set(sets.overRefusal.map((e) => e.prompt)).size).toBe(n);
  });

  it('does not shift the other evaluation sets: they are the same with 0 or 35 prompts', () => {
    const without = defaultConfig();
    without.evaluation.overRefusalPrompts = 0;
    const a = buildEvalSets(without, builtInDataSources(without));
    const b = buildEvalSets(DEFAULT_CONFIG, builtInDataSources(DEFAULT_CONFIG));
    expect(a.overRefusal).toEqual([]);
    expect(b.overRefusal).toHaveLength(35);
    expect({ ...a, overRefusal: [] }).toEqual({ ...b, overRefusal: [] });
  });
});
