import * as tf from '@tensorflow/tfjs';
import { builtInDataSources } from '../../../../src/core/data/sources';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type ExperimentConfig } from '../../../../src/core/config/schema';
import { getDataset, worldCorpus } from '../../../../src/core/data/registry';
import {
  mixSafetyData,
  safetyCount,
  safetyExamples,
} from '../../../../src/core/methods/finetune/safe-data-mix/safeDataMix';
import { getTrainMethod } from '../../../../src/core/methods/registry';
import { LanguageModel } from '../../../../src/core/model/languageModel';
import { alignmentExamples } from '../../../../src/core/pipeline/stageData';
import { buildWordLevelTokenizer } from '../../../../src/core/tokenizer/wordLevel';
import { countBatches } from '../../../../src/core/train/batching';
import { tokenizeExamples } from '../../../../src/core/train/tokenize';
import { useBackend } from '../../support/backend';
import { TINY } from '../../support/tiny';
import { finetuneContext, maxDifference } from './context';

const safeDataMix = getTrainMethod('finetune', 'safe-data-mix');

function smallConfig(patch: (c: ExperimentConfig) => void = () => {}): ExperimentConfig {
  const config = defaultConfig();
  config.alignment.samples = 40;
  config.alignment.harmfulFraction = 0.5;
  patch(config);
  return config;
}

const prompts = (examples: { prompt: string }[]) => new Set(examples.map((e) => e.prompt));

/** The run's alignment set for `config`, as the pipeline hands it to the method. */
const alignmentSet = (config: ExperimentConfig) =>
  alignmentExamples(config, builtInDataSources(config));

describe('safe-data-mix data', () => {
  it('adds round(f·n / (1 − f)) examples, so they are a fraction f of the mix', () => {
    expect(safetyCount(1000, 0.03)).toBe(31);
    expect(safetyCount(100, 0.5)).toBe(100);
    expect(safetyCount(90, 0.1)).toBe(10);
    expect(safetyCount(100, 0)).toBe(0);
    expect(safetyCount(0, 0.2)).toBe(0);
    expect(() => safetyCount(10, 1)).toThrow(/below 1/);
    const k = safetyCount(1000, 0.03);
    expect(Math.abs(k / (1000 + k) - 0.03)).toBeLessThan(0.001);
  });

  it("draws exactly k refusals from the alignment set's train split, none from evaluation", () => {
    const config = smallConfig();
    const safety = safetyExamples(alignmentSet(config), 15, config.seed);
    expect(safety).toHaveLength(15);
    expect(safety.every((e) => e.kind === 'harmful-refusal')).toBe(true);
    const alignmentRefusals = alignmentExamples(config, builtInDataSources(config)).filter(
      (e) => e.kind === 'harmful-refusal',
    );
    expect(alignmentRefusals).toHaveLength(20);
    for (const example of safety) expect(alignmentRefusals).toContainEqual(example);
    expect(prompts(safety).size).toBe(15);
    for (const name of ['beavertails-refusal', 'beavertails']) {
      const data = getDataset(name);
      for (const split of ['eval', 'realign'] as const) {
        const held = prompts(data.generate({ split, n: data.poolSize(split), seed: config.seed }));
        expect(held.size).toBeGreaterThan(0);
        for (const example of safety) expect(held.has(example.prompt)).toBe(false);
      }
    }
    expect(safetyExamples(alignmentSet(config), 15, config.seed)).toEqual(safety);
    const seed2 = smallConfig((c) => (c.seed = 2));
    expect(safetyExamples(alignmentSet(seed2), 15, seed2.seed)).not.toEqual(safety);
  });

  it('repeats the refusals when asked for more than the alignment set holds', () => {
    const safety = safetyExamples(alignmentSet(smallConfig()), 45, smallConfig().seed);
    expect(safety).toHaveLength(45);
    const counts = new Map<string, number>();
    for (const e of safety) counts.set(e.prompt, (counts.get(e.prompt) ?? 0) + 1);
    expect(counts.size).toBe(20);
    expect([...counts.values()].every((c) => c === 2 || c === 3)).toBe(true);
  });

  it('refuses to mix when the alignment set has no refusals', () => {
    const config = smallConfig((c) => (c.alignment.harmfulFraction = 0));
    expect(() => safetyExamples(alignmentSet(config), 3, config.seed)).toThrow(
      /no refusal|has none/,
    );
    expect(safetyExamples(alignmentSet(config), 0, config.seed)).toEqual([]);
  });

  it('keeps the user examples and appends the safety examples', () => {
    const user = [{ ids: [1, 2, 3], lossFrom: 1 }];
    const safety = [{ ids: [4, 5], lossFrom: 1 }];
    expect(mixSafetyData(user, safety)).toEqual([...user, ...safety]);
  });
});

describe('safe-data-mix training', () => {
  beforeAll(() => useBackend('cpu'));

  it('trains on the user data plus the refusals: more steps than SFT, other weights', async () => {
    const tokenizer = buildWordLevelTokenizer(worldCorpus(0));
    const shape = { ...TINY, vocabSize: tokenizer.vocabSize, contextLength: 32 };
    const [a, b] = [LanguageModel.init(shape, 1), LanguageModel.init(shape, 1)];
    const config = smallConfig();
    const examples = tokenizeExamples(
      getDataset('sst2').generate({ split: 'train', n: 12, seed: 1 }),
      tokenizer,
      'response',
    );
    const common = { examples, tokenizer, config };
    const sftContext = await finetuneContext(a, common);
    await getTrainMethod('finetune', 'sft').train(sftContext);

    const before = tf.memory().numTensors;
    const context = await finetuneContext(b, { ...common, params: { safetyFraction: 0.25 } });
    const report = await safeDataMix.train(context);
    expect(tf.memory().numTensors).toBe(before);

    const k = safetyCount(12, 0.25);
    expect(k).toBe(4);
    const mixed = mixSafetyData(
      examples,
      tokenizeExamples(safetyExamples(alignmentSet(config), k, config.seed), tokenizer, 'response'),
    );
    const batching = { seed: context.seed, epochs: 1, batchSize: 2, seqLen: 32 };
    expect(report.steps).toBe(countBatches(mixed, batching));
    expect(report.steps).toBeGreaterThan(sftContext.steps.length);
    expect(context.steps.every((s) => s.totalSteps === report.steps)).toBe(true);
    expect(maxDifference(await a.readValues(), await b.readValues())).toBeGreaterThan(1e-4);
    a.dispose();
    b.dispose();
  });
});
