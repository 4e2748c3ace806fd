import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../random';
import type { AttackWeightsContext } from '../types';
import { projectOutDirection, refusalDirection, refusalLayer } from './direction';
import { tokenizePrompt } from '../../../train/tokenize';

type Params = { depth: number; prompts: number };

/**
 * Arditi et al.'s weight orthogonalisation on `ctx.model` (full weights): the refusal direction
 * from harmful and harmless training prompts, projected out of every weight that writes the
 * residual stream.
 */
export async function editWeights(ctx: AttackWeightsContext<Params>): Promise<void> {
  const { model, data, tokenizer, params } = ctx;
  if (model.adapter)
    throw new Error('refusal-ablation edits full weights; the model has an adapter');
  const seed = createRng(ctx.config.seed)
    .fork('refusal-ablation')
    .int(2 ** 31);
  const draw = (source: typeof data.harmful) =>
    source
      .generate({ split: 'train', n: Math.min(params.prompts, source.poolSize('train')), seed })
      .map((example) => tokenizePrompt(example.prompt, tokenizer));
  const layer = refusalLayer(params.depth, model.config.nLayers);
  const direction = await refusalDirection(model, draw(data.harmful), draw(data.benign), layer);
  ctx.onProgress?.(1, 2);
  const values = await model.readValues();
  const projected = projectOutDirection(model.config, values, direction);
  for (const [name, value] of projected) {
    const variable = model.parameter(name);
    const tensor = tf.tensor(value, variable.shape, 'float32');
    variable.assign(tensor);
    tensor.dispose();
  }
  ctx.onProgress?.(2, 2);
}
