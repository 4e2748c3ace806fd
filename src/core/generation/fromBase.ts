import { LanguageModel } from '../model/languageModel';
import { parameterCount } from '../model/specs';
import { baseTokenizer, type BaseModel } from '../model/base';
import type { RunnableModel } from './tryModel';

/**
 * A base model's network with `values` (its own, or a checkpoint's), with the tokenizer the
 * pipeline uses for it. Built-in and Hub models alike come through here. The caller disposes the model.
 */
export async function runnableFromBase(
  base: BaseModel,
  values: Map<string, Float32Array> = base.values,
  spec = base.name,
  options: { thinking?: boolean } = {},
): Promise<RunnableModel> {
  const tokenizer = await baseTokenizer(base, options);
  const model = LanguageModel.fromValues(base.config, values);
  return {
    spec,
    model,
    parameters: parameterCount(base.config),
    tokenizer,
    eosIds: [...tokenizer.stopIds],
  };
}
