/**
 * The tokenizer module's front door: `loadTokenizer` reads any `tokenizer.json` object and returns
 * the lab's `Tokenizer`. Files written by the built-in word-level tokenizer load through its own
 * implementation (fast, no dependency); every other file goes through transformers.js.
 */
import type { Tokenizer } from './types';
import { loadWordLevelTokenizer, wordLevelPipelineMismatch } from './wordLevel';
import type { HuggingFaceTokenizerOptions } from './huggingface';

export type { ChatTemplate, SpecialTokenRole, Tokenizer } from './types';
export { TokenizerFormatError } from './json';
export {
  BASE_TOKENS,
  EOS_TOKEN,
  PAD_TOKEN,
  UNK_TOKEN,
  WordLevelTokenizer,
  buildWordLevelTokenizer,
  canonicalText,
  loadWordLevelTokenizer,
  type BuildWordLevelOptions,
} from './wordLevel';
// The Hugging Face path (./huggingface) is imported on demand: it brings transformers.js and, with
// it, onnxruntime-web's 27 MB of wasm into the bundle, which the built-in format never needs.
export type { HuggingFaceTokenizerOptions } from './huggingface';

/**
 * `tokenizerConfig` (`tokenizer_config.json`) and `options` only matter for the Hugging Face path;
 * the built-in word-level format fixes its special tokens.
 */
export async function loadTokenizer(
  json: object,
  tokenizerConfig?: object,
  options?: HuggingFaceTokenizerOptions,
): Promise<Tokenizer> {
  if (wordLevelPipelineMismatch(json) === null) return loadWordLevelTokenizer(json);
  const { loadHuggingFaceTokenizer } = await import('./huggingface');
  return loadHuggingFaceTokenizer(json, tokenizerConfig, options);
}
