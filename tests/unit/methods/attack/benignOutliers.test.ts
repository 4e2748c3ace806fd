import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../../../src/core/config';
import { clonePlain } from '../../../../src/core/config/merge';
import { worldCorpus } from '../../../../src/core/data';
import { builtInDataSources } from '../../../../src/core/data/sources';
import {
  answerTokens,
  finetuneExamples,
  selfInfluence,
  selfInfN,
  topIndices,
} from '../../../../src/core/methods/attack/benign-outliers/selfInfluence';
import { disposeBatchTensors, toBatchTensors } from '../../../../src/core/model/batch';
import { LanguageModel } from '../../../../src/core/model/languageModel';
import { buildWordLevelTokenizer } from '../../../../src/core/tokenizer/wordLevel';
import { packExamples, rowsToBatch } from '../../../../src/core/train/batching';
import { tokenizeExamples } from '../../../../src/core/train/tokenize';
import { useBackend } from '../../support/backend';

const tokenizer = buildWordLevelTokenizer(worldCorpus(0));
const SHAPE = {
  vocabSize: tokenizer.vocabSize,
  dModel: 8,
  nLayers: 1,
  nHeads: 2,
  contextLength: 48,
  mlpRatio: 2,
};
const SEQ = 48;

describe('benign-outliers (Self-Inf-N)', () => {
  let model: LanguageModel;
  beforeAll(async () => {
    await useBackend('cpu');
    model = LanguageModel.init(SHAPE, 3);
  });

  it('Self-Inf-N and the top-N choice, by hand', () => {
    expect(selfInfN(0, 0)).toBe(0);
    expect(selfInfN(Math.E - 1, Math.E ** 2 - 1)).toBeCloseTo(3, 12);
    expect(answerTokens({ ids: [1, 2, 3, 4, 5], lossFrom: 2 })).toBe(3);
    expect(answerTokens({ ids: [1, 2, 3, 4, 5], lossFrom: 1, lossTo: 3 })).toBe(2);
    // Highest first, ties to the earlier index, returned in index order.
    expect(topIndices([0.5, 2, 2, -1, 3], 3)).toEqual([1, 2, 4]);
    expect(topIndices([1, 1, 1], 2)).toEqual([0, 1]);
  });

  it('self-influence is ‖∇ℓ‖²: the loss’s slope along its own gradient (finite differences)', async () => {
    const data = builtInDataSources(DEFAULT_CONFIG);
    const examples = tokenizeExamples(
      data.task.generate({ split: 'train', n: 3, seed: 5 }),
      tokenizer,
      'response',
    );
    const scores = await selfInfluence(model, examples, SEQ, tokenizer.padId);
    expect(scores).toHaveLength(3);
    for (const [i, example] of examples.entries()) {
      const tensors = toBatchTensors(
        rowsToBatch(packExamples([example], SEQ).rows, 1, SEQ, tokenizer.padId),
      );
      const variables = [...model.trainable.entries()];
      const { grads } = tf.variableGrads(
        () => model.loss(tensors),
        variables.map(([, v]) => v),
      );
      const originals = variables.map(([, v]) => v.clone());
      const lossAt = async (eps: number) => {
        variables.forEach(([, v], k) => v.assign(tf.add(originals[k], tf.mul(grads[v.name], eps))));
        const loss = model.loss(tensors);
        const value = (await loss.data())[0];
        loss.dispose();
        return value;
      };
      // A step of length 1e-3 along ĝ: the loss is strongly curved, float32 noise is ~1e-4 here.
      const eps = 1e-3 / Math.sqrt(scores[i]);
      const slope = ((await lossAt(eps)) - (await lossAt(-eps))) / (2 * eps);
      variables.forEach(([, v], k) => v.assign(originals[k]));
      tf.dispose([...originals, ...Object.values(grads)]);
      disposeBatchTensors(tensors);
      expect(scores[i]).toBeGreaterThan(0);
      expect(Math.abs(slope - scores[i]) / scores[i]).toBeLessThan(1e-2);
    }
  });

  it('the fine-tuning set is the finetune.samples highest-scoring of the pool, deterministic', async () => {
    const config = clonePlain(DEFAULT_CONFIG) as ExperimentConfig;
    config.finetune.samples = 4;
    const data = builtInDataSources(config);
    const aligned = await model.readValues();
    const ctx = {
      config,
      params: { poolFactor: 3 },
      data,
      mix: () => {
        throw new Error('benign-outliers does not mix harmful pairs');
      },
      tokenizer,
      modelConfig: model.config,
      aligned,
    };
    const chosen = await finetuneExamples(ctx);
    // Brute force: score the 12 pool examples one by one, keep the 4 best in pool order.
    const pool = data.task.generate({ split: 'train', n: 12, seed: config.seed });
    const scored: number[] = [];
    for (const example of pool) {
      const [tokenized] = tokenizeExamples([example], tokenizer, 'response');
      const [influence] = await selfInfluence(
        model,
        [tokenized],
        Math.min(64, model.config.contextLength),
        tokenizer.padId,
      );
      scored.push(selfInfN(influence, answerTokens(tokenized)));
    }
    const best = [...scored.keys()]
      .sort((a, b) => scored[b] - scored[a] || a - b)
      .slice(0, 4)
      .sort((a, b) => a - b);
    expect(chosen).toEqual(best.map((i) => pool[i]));
    expect(await finetuneExamples(ctx)).toEqual(chosen);
    // poolFactor 1: no selection, the first finetune.samples of the draw.
    expect(await finetuneExamples({ ...ctx, params: { poolFactor: 1 } })).toEqual(pool.slice(0, 4));
  });
});
