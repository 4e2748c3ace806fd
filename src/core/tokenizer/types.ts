/**
 * The one tokenizer contract the rest of the lab depends on. Both implementations (the built-in
 * word-level tokenizer and any Hugging Face `tokenizer.json` loaded through transformers.js)
 * satisfy it, so the model, trainer and metrics never know which one they were given.
 */
export interface Tokenizer {
  /** Number of ids; every id returned by `encode` is in `[0, vocabSize)`. */
  readonly vocabSize: number;
  /** Fills fixed-shape batches; the loss mask must exclude it. */
  readonly padId: number;
  /** Ends a response; generation stops on it. Distinct from `padId` so it is learned. */
  readonly eosId: number;
  /** Stands for any word the vocabulary does not hold. */
  readonly unkId: number;
  /** Text to ids. Never adds special tokens (no BOS/EOS): the caller appends `eosId` itself. */
  encode(text: string): number[];
  /** Ids to text. Special tokens are rendered as their text (e.g. `<|eos|>`), not dropped. */
  decode(ids: readonly number[]): string;
  /** The Hugging Face `tokenizer.json` object that reproduces this tokenizer. */
  toJSON(): object;
  /**
   * The ids the tokenizer itself puts before a text (a BOS), as its post-processor and
   * `add_bos_token` say; empty when it adds none. `encode` never adds them: the lab's row
   * builders (`train/tokenize.ts`) prepend them once, unless a chat template already wrote them.
   */
  readonly bosIds: readonly number[];
  /**
   * Generation stops after any of these: the eos id, the chat template's end-of-turn token and
   * the model's own end ids (`generation_config.json`).
   */
  readonly stopIds: readonly number[];
  /** The model's chat template, when it has one. Absent: the lab's template (`data/template.ts`). */
  readonly chat?: ChatTemplate;
}

/**
 * A model's `chat_template`, rendered as `transformers`' `apply_chat_template` renders it (a
 * template that reads `enable_thinking`, such as Qwen3's, in the mode the run asks for).
 */
export interface ChatTemplate {
  /** One user turn with the generation prompt: the text the model answers after. */
  renderPrompt(instruction: string): string;
  /** The conversation `[user, assistant]` as the model was trained on it. */
  renderConversation(instruction: string, response: string): string;
  /** The token that closes an assistant turn (`<|im_end|>`, `<|eot_id|>`). */
  readonly endOfTurnId: number;
  /** Who the template belongs to, for error messages (a repo id, or "the tokenizer"). */
  readonly owner: string;
}

/** The three special-token roles every lab tokenizer must fill. */
export type SpecialTokenRole = 'pad' | 'eos' | 'unk';
