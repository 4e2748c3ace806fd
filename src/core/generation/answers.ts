import { generateGreedy } from '../model/generate';
import type { LanguageModel } from '../model/languageModel';
import type { CancelToken } from '../runtime/cancel';
import { checkpoint } from '../runtime/cancel';
import { decodeShown } from '../tokenizer/decode';
import type { Tokenizer } from '../tokenizer/types';
import { tokenizePrompt, tokenizePromptWithAnswer } from '../train/tokenize';

/** Rows per generation batch: large enough to amortise per-op overhead, shapes stay fixed. */
export const GENERATION_BATCH = 64;

/** An answer's forced opening: its text, and how many of its tokens are forced (0: all). */
export interface AnswerPrefix {
  text: string;
  tokens: number;
}

/**
 * Greedy answers to instructions (templated), decoded to text, in input order. With
 * `answerPrefix`, each answer starts with the prefix's tokens (appended to the prompt, as a
 * prefilling attacker writes them) and the returned text is the prefix and its continuation.
 */
export async function generateAnswers(
  model: LanguageModel,
  tokenizer: Tokenizer,
  instructions: readonly string[],
  maxNewTokens: number,
  options: {
    cancel?: CancelToken;
    onBatch?: (done: number) => void;
    answerPrefix?: AnswerPrefix;
  } = {},
): Promise<string[]> {
  const answers: string[] = [];
  const prefix = options.answerPrefix;
  for (let start = 0; start < instructions.length; start += GENERATION_BATCH) {
    await checkpoint(options.cancel);
    const prompts = instructions
      .slice(start, start + GENERATION_BATCH)
      .map((text) =>
        prefix
          ? prefilledPrompt(text, prefix, tokenizer)
          : { ids: tokenizePrompt(text, tokenizer), forced: [] },
      );
    const outputs = await generateGreedy(
      model,
      prompts.map((p) => [...p.ids, ...p.forced]),
      {
        maxNewTokens,
        stopIds: tokenizer.stopIds,
        checkCancelled: () => options.cancel?.throwIfCancelled(),
      },
    );
    answers.push(
      ...outputs.map((ids, i) => decodeShown(tokenizer, [...prompts[i].forced, ...ids])),
    );
    options.onBatch?.(answers.length);
  }
  return answers;
}

/**
 * A prompt's ids and the answer tokens forced after them: the prompt and prefix tokenized as one
 * text (as a training row is, so a sub-word tokenizer splits the boundary as it learnt to), the
 * prefix's part cut to `prefix.tokens` when that is above 0.
 */
export function prefilledPrompt(
  instruction: string,
  prefix: AnswerPrefix,
  tokenizer: Tokenizer,
): { ids: number[]; forced: number[] } {
  const ids = tokenizePrompt(instruction, tokenizer);
  const whole = tokenizePromptWithAnswer(instruction, prefix.text, tokenizer);
  const joined = ids.every((id, i) => whole[i] === id) && whole.length > ids.length;
  const forced = joined ? whole.slice(ids.length) : tokenizer.encode(prefix.text);
  return { ids, forced: prefix.tokens > 0 ? forced.slice(0, prefix.tokens) : forced };
}
