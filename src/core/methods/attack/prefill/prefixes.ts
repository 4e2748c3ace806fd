/**
 * The affirmative openings a prefill attack may force: the built-in world's own compliant openers
 * (`data/steps.ts` `STEP_OPENERS`), every token of which the built-in tokenizer holds.
 */
export const PREFILL_PREFIXES = ['sure , here is how .', 'sure .', 'here is how .'] as const;
