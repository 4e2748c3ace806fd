import { loadTokenizer } from '../tokenizer';
import type { Tokenizer } from '../tokenizer/types';
import type { ModelConfig } from './config';

/** A base model: one shipped in models/<name>/, or one downloaded from the Hub. */
export interface BaseModel {
  /** `model.base` as given: a built-in name or `owner/name[@revision]`. */
  name: string;
  config: ModelConfig;
  values: Map<string, Float32Array>;
  tokenizerJson: object;
  /** `tokenizer_config.json` (special tokens, `chat_template`), when the model has one. */
  tokenizerConfig?: object | null;
  /** The model's end-of-sequence ids from its config (`generation_config.json`, else `config.json`); generation stops on any. */
  eosIds?: number[];
  /**
   * Identity of the weights, part of every stage key: the SHA-256 of model.safetensors, or for a
   * Hub model the SHA-256 of its repo, revision and every file's SHA-256.
   */
  sha256: string;
}

/**
 * A base model's tokenizer as every stage and "try the model" use it: its `tokenizer_config.json`
 * (special tokens, chat template), the eos and stop ids from the model's config, pad/unk falling
 * back to eos, a template that reads `enable_thinking` in non-thinking mode unless `thinking`;
 * refused when it has more tokens than the model has embedding rows.
 */
export async function baseTokenizer(
  base: BaseModel,
  options: { thinking?: boolean } = {},
): Promise<Tokenizer> {
  const eosId = base.eosIds?.[0];
  const tokenizer = await loadTokenizer(base.tokenizerJson, base.tokenizerConfig ?? undefined, {
    fallBackToEos: true,
    ...(eosId !== undefined ? { eosId } : {}),
    stopIds: base.eosIds ?? [],
    thinking: options.thinking === true,
    owner: base.name,
  });
  if (tokenizer.vocabSize > base.config.vocabSize) {
    throw new Error(
      `${base.name}: the tokenizer has ${tokenizer.vocabSize} tokens but the model only ${base.config.vocabSize} embedding rows`,
    );
  }
  return tokenizer;
}
