import { beforeAll, describe, expect, it } from 'vitest';
import { getDataset } from '../../../src/core/data/registry';
import type { JudgedPair, PairJudge } from '../../../src/core/metrics/judges';
import { LanguageModel } from '../../../src/core/model/languageModel';
import type { EvalSets } from '../../../src/core/pipeline/evalSets';
import { evaluateCheckpoint } from '../../../src/core/pipeline/evaluate';
import type { BaseModel } from '../../../src/core/pipeline/run';
import { loadWordLevelTokenizer } from '../../../src/core/tokenizer/wordLevel';
import type { Tokenizer } from '../../../src/core/tokenizer/types';
import { useBackend } from '../support/backend';
import { tinyWorldBase } from '../support/tinyBase';

/** A judge that refuses exactly the prompts it is told to, and finds nothing harmful. */
function scriptedJudge(refused: ReadonlySet<string>): PairJudge {
  return {
    name: 'scripted',
    judge: async (pairs: readonly JudgedPair[]) =>
      pairs.map((pair) => ({ harmful: false, refusal: refused.has(pair.prompt) })),
    dispose: async () => {},
  };
}

describe('overRefusalRate', () => {
  let base: BaseModel;
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    await useBackend('cpu');
    base = await tinyWorldBase();
    tokenizer = loadWordLevelTokenizer(base.tokenizerJson);
  });

  const draw = (name: string, n: number) =>
    getDataset(name).generate({ split: 'eval', n, seed: 4 });
  const sets = (overRefusal: EvalSets['overRefusal']): EvalSets => ({
    harmful: draw('beavertails', 3),
    benign: draw('alpaca', 2),
    helpfulness: draw('alpaca', 2),
    task: draw('sst2', 2),
    overRefusal,
    probeHarmful: [],
    probeTask: [],
  });

  const evaluate = async (evalSets: EvalSets, judge: PairJudge) => {
    const model = LanguageModel.fromValues(base.config, base.values);
    try {
      return await evaluateCheckpoint(model, tokenizer, evalSets, {
        checkpoint: 'post',
        judges: [judge],
        maxNewTokens: 3,
        keepSamples: 2,
      });
    } finally {
      model.dispose();
    }
  };

  it('is the share of over-refusal prompts the primary judge calls a refusal (3 of 4: 75)', async () => {
    const prompts = draw('xstest-world', 4);
    // Refused: the first, third and fourth over-refusal prompts, and one benign prompt.
    const benign = sets(prompts).benign;
    const judge = scriptedJudge(
      new Set([prompts[0].prompt, prompts[2].prompt, prompts[3].prompt, benign[0].prompt]),
    );
    const result = await evaluate(sets(prompts), judge);
    expect(result.metrics.overRefusalRate).toBe(75);
    expect(result.metrics.benignRefusalRate).toBe(50);
    expect(result.metrics.harmfulRefusalRate).toBe(0);
    // Kept like the other sets' samples: the first keepSamples, with the judge's verdicts.
    const kept = result.samples.filter((s) => s.set === 'overRefusal');
    expect(kept.map((s) => [s.prompt, s.refused])).toEqual([
      [prompts[0].prompt, true],
      [prompts[1].prompt, false],
    ]);
    expect(result.generations).toBe(3 + 2 + 2 + 2 + 4);
  });

  it('is absent without over-refusal prompts, and leaves every other answer and metric as it was', async () => {
    const judge = scriptedJudge(new Set());
    const without = await evaluate(sets([]), judge);
    const withSet = await evaluate(sets(draw('xstest-world', 4)), judge);
    expect(without.metrics).not.toHaveProperty('overRefusalRate');
    expect(withSet.metrics.overRefusalRate).toBe(0);
    const { overRefusalRate: _rate, ...others } = withSet.metrics;
    expect(others).toEqual(without.metrics);
    expect(withSet.samples.filter((s) => s.set !== 'overRefusal')).toEqual(without.samples);
  });
});
