import { generateGreedy } from '../model/generate';
import type { LanguageModel } from '../model/languageModel';
import type { CancelToken } from '../runtime/cancel';
import { checkpoint } from '../runtime/cancel';
import { decodeShown } from '../tokenizer/decode';
import type { Tokenizer } from '../tokenizer/types';
import { tokenizePrompt } from '../train/tokenize';

/** Rows per generation batch: large enough to amortise per-op overhead, shapes stay fixed. */
export const GENERATION_BATCH = 64;

/** Greedy answers to instructions (templated), decoded to text, in input order. */
export async function generateAnswers(
  model: LanguageModel,
  tokenizer: Tokenizer,
  instructions: readonly string[],
  maxNewTokens: number,
  options: { cancel?: CancelToken; onBatch?: (done: number) => void } = {},
): Promise<string[]> {
  const answers: string[] = [];
  for (let start = 0; start < instructions.length; start += GENERATION_BATCH) {
    await checkpoint(options.cancel);
    const prompts = instructions
      .slice(start, start + GENERATION_BATCH)
      .map((text) => tokenizePrompt(text, tokenizer));
    const outputs = await generateGreedy(model, prompts, {
      maxNewTokens,
      stopIds: tokenizer.stopIds,
      checkCancelled: () => options.cancel?.throwIfCancelled(),
    });
    answers.push(...outputs.map((ids) => decodeShown(tokenizer, ids)));
    options.onBatch?.(answers.length);
  }
  return answers;
}
