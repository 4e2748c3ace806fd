import { formatExample } from '../data/template';
import type { Example } from '../data/types';
import type { Tokenizer } from '../tokenizer/types';
import type { TokenizedExample } from './batching';

/**
 * Template + tokenize: ids = prompt ‖ response ‖ eos. With `lossOn: 'response'` only the response
 * tokens (and the eos that ends them) count toward the loss, as in SFT; `'all'` is language
 * modelling on the whole text (the base model's pretraining).
 */
export function tokenizeExamples(
  examples: readonly Pick<Example, 'prompt' | 'response'>[],
  tokenizer: Tokenizer,
  lossOn: 'response' | 'all',
): TokenizedExample[] {
  return examples.map((example) => {
    const { prompt, response } = formatExample(example);
    const promptIds = tokenizer.encode(prompt);
    const ids = [...promptIds, ...tokenizer.encode(response), tokenizer.eosId];
    return { ids, lossFrom: lossOn === 'response' ? promptIds.length : 1 };
  });
}

/** Prompt ids for generation (the template up to and including the response header). */
export function tokenizePrompt(instruction: string, tokenizer: Tokenizer): number[] {
  return tokenizer.encode(formatExample({ prompt: instruction, response: '' }).prompt);
}
