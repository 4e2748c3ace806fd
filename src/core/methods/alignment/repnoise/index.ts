import type { ParamSpec } from '../../../config/schema';
import { defineTrainMethod, type ParamValues } from '../../types';

export const REPNOISE_PARAMS = {
  alpha: {
    type: 'number',
    min: 0,
    default: 0.1,
    description:
      'α: weight of the gradient ascent on harmful answers (0.1 as in the Vaccine/Booster ' +
      "authors' RepNoise baseline; RepNoise's own code defaults to 1).",
  },
  beta: {
    type: 'number',
    min: 0,
    default: 0.001,
    description: 'β: weight of the noise MMD term (0.001, the official default).',
  },
  harmfulSamples: {
    type: 'integer',
    min: 1,
    default: 1000,
    description:
      'Harmful prompt → harmful answer pairs drawn from the harmful train split (capped at ' +
      'its size) and cycled through in batches shaped like the alignment batches; 1000 ' +
      "matches the default alignment set's harmful prompt → refusal pairs.",
  },
} as const satisfies Record<string, ParamSpec>;

export type RepnoiseParams = ParamValues<typeof REPNOISE_PARAMS>;

export const repnoise = defineTrainMethod({
  meta: {
    name: 'repnoise',
    stage: 'alignment',
    description:
      'Representation Noising: besides learning the alignment data (harmful prompt → refusal, ' +
      'benign instructions), the model unlearns harmful answers and has their internal ' +
      'representations pushed toward Gaussian noise, so a later harmful fine-tuning has little ' +
      "to recover. Loss = L_align − α·log(1 + L_harm) + β·MMD², in the official code's form: " +
      "L_harm is the harmful answers' cross-entropy read out from every block output through the " +
      'final LayerNorm and unembedding, averaged over blocks; the log bounds the gradient ascent ' +
      '(its pull shrinks as 1/(1 + L_harm)); MMD² uses the official sum of five Gaussian kernels ' +
      "between each packed row of a block's answer-token outputs, flattened, and as many " +
      'standard-normal samples, averaged over blocks. The harmful answers are not paired with the ' +
      'refusals of the same prompts. The loss reported per step is the whole objective.',
    citation:
      'Rosati et al., "Representation Noising: A Defence Mechanism Against Harmful Finetuning", ' +
      'NeurIPS 2024.',
    params: REPNOISE_PARAMS,
    // One objective over the aligned and the harmful rows: one backward pass keeps both forwards.
    stepMemory: { passes: 2 },
  },
  load: () => import('./repnoise'),
});
