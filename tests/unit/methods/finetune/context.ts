import { defaultConfig } from '../../../../src/core/config/schema';
import { builtInDataSources } from '../../../../src/core/data/sources';
import type { TrainContext } from '../../../../src/core/methods/types';
import type { LanguageModel } from '../../../../src/core/model/languageModel';
import { alignmentExamples } from '../../../../src/core/pipeline/stageData';
import { createRng } from '../../../../src/core/random';
import type { Tokenizer } from '../../../../src/core/tokenizer/types';
import type { TokenizedExample } from '../../../../src/core/train/batching';
import type { StepResult } from '../../../../src/core/train/trainer';
import { TINY } from '../../support/tiny';

export const PAD_ID = 0;

/** `count` random examples of 3–6 ids in [1, vocab) with the loss from the third token on. */
export function randomExamples(count: number, seed: number, vocab = TINY.vocabSize) {
  const rng = createRng(seed);
  return Array.from({ length: count }, (): TokenizedExample => ({
    ids: Array.from({ length: 3 + rng.int(4) }, () => 1 + rng.int(vocab - 1)),
    lossFrom: 2,
  }));
}

/** Enough of a tokenizer for training on pre-tokenized examples (pad 0, eos 1). */
export const STUB_TOKENIZER: Tokenizer = {
  vocabSize: TINY.vocabSize,
  padId: PAD_ID,
  eosId: 1,
  unkId: 2,
  bosIds: [],
  stopIds: [1],
  encode: () => {
    throw new Error('the stub tokenizer does not encode');
  },
  decode: (ids) => ids.join(' '),
  toJSON: () => ({}),
};

export interface RecordedContext extends TrainContext {
  steps: { result: StepResult; totalSteps: number }[];
}

/**
 * A fine-tuning context on `model`: small constant-lr AdamW batches of 2, one epoch, the model's
 * current weights as the parent, and `onStep` recording every step.
 */
export async function finetuneContext(
  model: LanguageModel,
  patch: Partial<TrainContext> = {},
): Promise<RecordedContext> {
  const config = defaultConfig();
  const steps: RecordedContext['steps'] = [];
  const settings = {
    ...config.finetune,
    lr: 1e-2,
    epochs: 1,
    batchSize: 2,
    schedule: 'constant' as const,
    warmupFraction: 0,
    maxGradNorm: 1,
  };
  return {
    model,
    stage: 'finetune',
    config: { ...config, finetune: settings },
    sources: builtInDataSources(config),
    settings,
    params: {},
    examples: randomExamples(24, 11),
    data: {
      alignment: () => randomExamples(10, 12),
      // The alignment set of the context's config, as the pipeline builds it.
      alignmentExamples: () => {
        const run = patch.config ?? config;
        return alignmentExamples(run, builtInDataSources(run));
      },
      harmful: () => [],
    },
    parentValues: await model.readValues(),
    tokenizer: STUB_TOKENIZER,
    seed: 3,
    onStep: async (result, totalSteps) => void steps.push({ result, totalSteps }),
    ...patch,
    steps,
  };
}

/** Largest absolute difference between two models' weights. */
export function maxDifference(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let max = 0;
  for (const [name, values] of a) {
    const other = b.get(name)!;
    for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i] - other[i]));
  }
  return max;
}
