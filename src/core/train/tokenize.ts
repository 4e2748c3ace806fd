import { formatExample, formatPrompt } from '../data/template';
import type { Example } from '../data/types';
import type { ChatTemplate, Tokenizer } from '../tokenizer/types';
import type { TokenizedExample } from './batching';

/**
 * Template + tokenize, as the model was trained to read a conversation.
 *
 * With a chat template, a row is the template's own rendering of `[user, assistant]`; its loss
 * starts where the rendering of `[user]` with the generation prompt ends (the template is refused
 * at load when that is not a prefix, `huggingface.ts`) and runs through the token that closes the
 * assistant's turn. What the template writes after that token (ChatML's line break, the original
 * Llama 3 template's unconditional next header) stays in the row without loss. A row whose answer
 * the template rewrites is trained as generation produces it (see `chatRow`). Without one, a row is the lab's
 * template (`data/template.ts`): prompt ‖ response ‖ eos, loss on the response and its eos.
 *
 * Either way the tokenizer's BOS (`bosIds`) comes exactly once: from the template when it writes
 * it, else prepended. `lossOn: 'all'` is language modelling on the whole row (pretraining).
 */
export function tokenizeExamples(
  examples: readonly Pick<Example, 'prompt' | 'response'>[],
  tokenizer: Tokenizer,
  lossOn: 'response' | 'all',
): TokenizedExample[] {
  const { chat } = tokenizer;
  return examples.map((example) => {
    const row = chat ? chatRow(example, tokenizer, chat) : plainRow(example, tokenizer);
    return lossOn === 'response' ? row : { ...row, lossFrom: 1 };
  });
}

/** Prompt ids for generation: the template up to and including the answer's header, BOS once. */
export function tokenizePrompt(instruction: string, tokenizer: Tokenizer): number[] {
  const text = tokenizer.chat
    ? tokenizer.chat.renderPrompt(instruction.trim())
    : formatPrompt(instruction);
  return withBos(tokenizer.encode(text), tokenizer);
}

/**
 * Prompt ids for generation followed by the start of an answer, tokenized as one text (the
 * template's prompt, then `answerStart`): a prefilling attacker's input.
 */
export function tokenizePromptWithAnswer(
  instruction: string,
  answerStart: string,
  tokenizer: Tokenizer,
): number[] {
  const text = tokenizer.chat
    ? tokenizer.chat.renderPrompt(instruction.trim())
    : formatPrompt(instruction);
  return withBos(tokenizer.encode(text + answerStart.trim()), tokenizer);
}

function plainRow(
  example: Pick<Example, 'prompt' | 'response'>,
  tokenizer: Tokenizer,
): TokenizedExample {
  const { prompt, response } = formatExample(example);
  const promptIds = withBos(tokenizer.encode(prompt), tokenizer);
  // The text as one piece, as generation continues it; apart only where the answer's first token
  // would merge with the prompt's last (sentencepiece would otherwise spell it `▁Mix`).
  const whole = withBos(tokenizer.encode(prompt + response), tokenizer);
  const ids = startsWith(whole, promptIds) ? whole : [...promptIds, ...tokenizer.encode(response)];
  ids.push(tokenizer.eosId);
  return { ids, lossFrom: promptIds.length };
}

function chatRow(
  example: Pick<Example, 'prompt' | 'response'>,
  tokenizer: Tokenizer,
  chat: ChatTemplate,
): TokenizedExample {
  const instruction = example.prompt.trim();
  const response = example.response.trim();
  const promptText = chat.renderPrompt(instruction);
  const promptIds = withBos(tokenizer.encode(promptText), tokenizer);
  const conversation = chat.renderConversation(instruction, response);
  let ids: number[];
  if (!conversation.startsWith(promptText)) {
    // The template rewrites this answer (Qwen3's moves any text before a `</think>` into the
    // reasoning block): train it as generation produces it, the prompt, the answer, end of turn.
    ids = [...promptIds, ...tokenizer.encode(response), chat.endOfTurnId];
  } else {
    ids = withBos(tokenizer.encode(conversation), tokenizer);
    // Rarely the answer's first characters merge with the prompt's last token (`[/INST](`):
    // the prompt's own tokens then, as generation sees them, and the rest of the rendering.
    if (!startsWith(ids, promptIds)) {
      ids = [...promptIds, ...tokenizer.encode(conversation.slice(promptText.length))];
    }
  }
  const end = ids.lastIndexOf(chat.endOfTurnId);
  if (end < promptIds.length) {
    throw new Error(
      `${chat.owner}: the chat template's rendering of an answer has no end-of-turn token ` +
        `(id ${chat.endOfTurnId}) after the prompt`,
    );
  }
  return { ids, lossFrom: promptIds.length, lossTo: end + 1 };
}

/** `ids` with the tokenizer's BOS in front, unless they already begin with it. */
function withBos(ids: number[], tokenizer: Tokenizer): number[] {
  return startsWith(ids, tokenizer.bosIds) ? ids : [...tokenizer.bosIds, ...ids];
}

function startsWith(ids: readonly number[], prefix: readonly number[]): boolean {
  if (prefix.length > ids.length) return false;
  for (let i = 0; i < prefix.length; i++) if (ids[i] !== prefix[i]) return false;
  return true;
}
