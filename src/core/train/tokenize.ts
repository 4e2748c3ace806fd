import { formatExample } from '../data/template';
import type { Example } from '../data/types';
import type { Tokenizer } from '../tokenizer/types';
import type { TokenizedExample } from './batching';

/**
 * Template + tokenize: ids = prompt ‖ response ‖ eos (the model's chat template when it has one). With `lossOn: 'response'` only the response
 * tokens (and the eos that ends them) count toward the loss, as in SFT; `'all'` is language
 * modelling on the whole text (the base model's pretraining).
 */
export function tokenizeExamples(
  examples: readonly Pick<Example, 'prompt' | 'response'>[],
  tokenizer: Tokenizer,
  lossOn: 'response' | 'all',
): TokenizedExample[] {
  return examples.map((example) => {
    const { prompt, response } = templated(example, tokenizer);
    const promptIds = tokenizer.encode(prompt);
    const ids = [...promptIds, ...tokenizer.encode(response), tokenizer.eosId];
    return { ids, lossFrom: lossOn === 'response' ? promptIds.length : 1 };
  });
}

/** Prompt ids for generation (the template up to and including the response header). */
export function tokenizePrompt(instruction: string, tokenizer: Tokenizer): number[] {
  return tokenizer.encode(templated({ prompt: instruction, response: '' }, tokenizer).prompt);
}

/**
 * The model's chat template when its tokenizer has one (the user turn, then the assistant's
 * answer closed by the model's eos, as `apply_chat_template` renders a conversation), else the
 * lab's template.
 */
function templated(
  example: Pick<Example, 'prompt' | 'response'>,
  tokenizer: Tokenizer,
): { prompt: string; response: string } {
  if (!tokenizer.renderPrompt) return formatExample(example);
  return {
    prompt: tokenizer.renderPrompt(example.prompt.trim()),
    response: example.response.trim(),
  };
}
