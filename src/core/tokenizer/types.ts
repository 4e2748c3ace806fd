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
   * The model's own prompt for one instruction — its `chat_template` rendered for a user turn with
   * the generation prompt — when it has one. Absent: the lab's template (`data/template.ts`).
   */
  readonly renderPrompt?: (instruction: string) => string;
}

/** The three special-token roles every lab tokenizer must fill. */
export type SpecialTokenRole = 'pad' | 'eos' | 'unk';
