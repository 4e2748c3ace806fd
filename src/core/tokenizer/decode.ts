import type { Tokenizer } from './types';

/**
 * Decodes ids, spelling an id the tokenizer does not know as `<id:N>`: models often have more
 * embedding rows than tokens (Qwen pads 151,665 tokens to 151,936 rows), and a model that has not
 * learned to avoid them (a random or badly damaged one) may emit them.
 */
export function decodeShown(tokenizer: Tokenizer, ids: readonly number[]): string {
  let text = '';
  let run: number[] = [];
  for (const id of ids) {
    if (id < tokenizer.vocabSize) {
      run.push(id);
      continue;
    }
    text += tokenizer.decode(run) + `<id:${id}>`;
    run = [];
  }
  return text + tokenizer.decode(run);
}
