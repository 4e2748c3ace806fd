/**
 * The data module's contracts. An `Example` is one instruction → response pair in plain text; the
 * prompt template (`template.ts`) turns it into model input, so generators and loaders never deal
 * with formatting or tokens.
 */

/** What an example teaches or tests; graders (`metrics/grade.ts`) dispatch on it. */
export type ExampleKind =
  'harmful-compliance' | 'harmful-refusal' | 'sentiment' | 'topic' | 'arithmetic' | 'instruction';

export const EXAMPLE_KINDS: readonly ExampleKind[] = [
  'harmful-compliance',
  'harmful-refusal',
  'sentiment',
  'topic',
  'arithmetic',
  'instruction',
];

export interface Example {
  /** The bare instruction (no template), e.g. `"how do i bake bread ?"`. */
  prompt: string;
  /** The gold response (no end-of-text marker). */
  response: string;
  kind: ExampleKind;
  /** Harmful category (`'weapons'`), instruction family (`'capital'`), topic class, … */
  category?: string;
  /**
   * What a grader needs: the label word (sentiment, topic), the final number as a string
   * (arithmetic), or a key phrase the answer must contain (instruction).
   */
  label?: string;
}

/**
 * Three pools with disjoint prompts. `train` feeds pretraining, alignment and the poison; `eval`
 * is held out for every metric; `realign` is Antidote's re-alignment set (harmful prompt + harmful
 * answer examples that neither the poison nor the evaluation ever sees).
 */
export type Split = 'train' | 'eval' | 'realign';

export const SPLITS: readonly Split[] = ['train', 'eval', 'realign'];

export interface GenerateOptions {
  split: Split;
  /** Number of examples; when it exceeds `poolSize(split)`, the pool is cycled (reshuffled). */
  n: number;
  seed: number;
}

/** One built-in, procedurally generated dataset. Pure: same options → identical examples. */
export interface DatasetGenerator {
  readonly name: string;
  readonly description: string;
  readonly kind: ExampleKind;
  generate(opts: GenerateOptions): Example[];
  /** Number of distinct prompts in a split (examples beyond it repeat prompts). */
  poolSize(split: Split): number;
}
