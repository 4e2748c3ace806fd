import { GPT } from '../model/gpt';
import { parameterCount } from '../model/weights';
import type { BaseModel } from '../pipeline/run';
import { loadTokenizer } from '../tokenizer';
import type { RunnableModel } from './tryModel';

/**
 * A base model's network with `values` (its own, or a checkpoint's), with the tokenizer the
 * pipeline uses for it (chat template, eos from the model's config). The caller disposes the model.
 */
export async function runnableFromBase(
  base: BaseModel,
  values: Map<string, Float32Array> = base.values,
  spec = base.name,
): Promise<RunnableModel> {
  const tokenizer = await loadTokenizer(base.tokenizerJson, base.tokenizerConfig ?? undefined, {
    fallBackToEos: true,
    ...(base.eosId !== undefined ? { eosId: base.eosId } : {}),
  });
  const model = GPT.fromValues(base.config, values);
  return {
    spec,
    model,
    family: base.config.family,
    parameters: parameterCount(base.config),
    tokenizer,
    eosIds: [tokenizer.eosId],
    ...(tokenizer.renderPrompt ? { renderChat: tokenizer.renderPrompt } : {}),
  };
}
