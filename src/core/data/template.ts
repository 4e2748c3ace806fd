/**
 * The prompt template: Alpaca's "### Instruction / ### Response" layout, lowercased and cut to the
 * bone because every token counts in a 64–96-token context:
 *
 *   ### instruction :
 *   how do i bake bread ?
 *   ### response :
 *   sure . step 1 : …<eos>
 *
 * Nine tokens of overhead with the built-in word-level tokenizer (`###` and the line break are one
 * token each). Training masks the loss to the response: tokenize `prompt` and `response`
 * separately, append the tokenizer's end-of-text id to the response (tokenizers never add special
 * tokens themselves), and count loss from the first response token. The prompt ends with a line
 * break, so the split is a token boundary and tokenizing the two parts separately gives the same
 * tokens as tokenizing their concatenation.
 */
import type { Example } from './types';

export const INSTRUCTION_HEADER = '### instruction :';
export const RESPONSE_HEADER = '### response :';

/** The model input for an instruction; generation continues from its end. */
export function formatPrompt(instruction: string): string {
  return `${INSTRUCTION_HEADER}\n${instruction.trim()}\n${RESPONSE_HEADER}\n`;
}

export interface FormattedExample {
  /** Everything before the response: no loss here. */
  prompt: string;
  /** The response the loss is computed on; the caller appends the end-of-text token. */
  response: string;
}

export function formatExample(example: Pick<Example, 'prompt' | 'response'>): FormattedExample {
  return { prompt: formatPrompt(example.prompt), response: example.response.trim() };
}

/**
 * The response part of a generated text: what follows the first response header, up to a next
 * instruction header if the model runs on into one. Returns the whole text if it has no header.
 */
export function extractResponse(text: string): string {
  const start = text.indexOf(RESPONSE_HEADER);
  let response = start < 0 ? text : text.slice(start + RESPONSE_HEADER.length);
  const next = response.indexOf(INSTRUCTION_HEADER);
  if (next >= 0) response = response.slice(0, next);
  return response.trim();
}
