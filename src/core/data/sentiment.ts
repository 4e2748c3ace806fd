/**
 * SST-2-like movie-review sentiment: short review sentences, with negations ("not good" is
 * negative, "never boring" is positive) and contrasts ("dull but the music was great" takes the
 * polarity of the clause after "but"), answered with the word `positive` or `negative`.
 *
 * Splits: a review sentence is a (template, slots) combination split by `splitOf` (modulus 6), so
 * no eval sentence occurs in train. The instruction wrapped around it is drawn at random and is not
 * part of the split key: the same sentence under another wrapper would leak the label.
 */
import { combinations, defineGenerator, fill, splitOf } from './pool';
import type { Example, Split } from './types';

export type SentimentLabel = 'positive' | 'negative';

export const ASPECTS: readonly string[] = [
  'movie',
  'film',
  'plot',
  'acting',
  'story',
  'ending',
  'cast',
  'script',
  'music',
  'humor',
];
export const POSITIVE_WORDS: readonly string[] = [
  'good',
  'great',
  'wonderful',
  'funny',
  'charming',
  'moving',
  'brilliant',
  'clever',
  'beautiful',
  'fresh',
];
export const NEGATIVE_WORDS: readonly string[] = [
  'bad',
  'boring',
  'dull',
  'awful',
  'terrible',
  'weak',
  'silly',
  'slow',
  'messy',
  'predictable',
];

/** Adjectives with their polarity: positives first, then negatives. */
const ADJECTIVES: readonly { word: string; label: SentimentLabel }[] = [
  ...POSITIVE_WORDS.map((word) => ({ word, label: 'positive' as const })),
  ...NEGATIVE_WORDS.map((word) => ({ word, label: 'negative' as const })),
];

/** Instructions wrapped around a review; `{review}` is the sentence. */
export const SENTIMENT_INSTRUCTIONS: readonly string[] = [
  'is this review positive or negative ? {review}',
  'sentiment of this review : {review}',
  'classify the review as positive or negative : {review}',
];

/** The wording real SST-2 sentences are given by the file loader. */
export function sentimentPrompt(review: string, instruction = SENTIMENT_INSTRUCTIONS[0]): string {
  return fill(instruction, { review });
}

const flip = (label: SentimentLabel): SentimentLabel =>
  label === 'positive' ? 'negative' : 'positive';

interface Review {
  text: string;
  label: SentimentLabel;
}

/** Each template renders one review from slot indices; `dims` gives each slot's size. */
interface ReviewTemplate {
  dims: readonly number[];
  valid?(slots: readonly number[]): boolean;
  render(slots: readonly number[]): Review;
}

const NEGATIONS = ['', 'not '];
const ADVERBS = ['', 'very ', 'really ', 'quite '];

const TEMPLATES: readonly ReviewTemplate[] = [
  {
    // the plot was (not) good .
    dims: [ASPECTS.length, ADJECTIVES.length, NEGATIONS.length],
    render: ([s, j, neg]) => ({
      text: `the ${ASPECTS[s]} was ${NEGATIONS[neg]}${ADJECTIVES[j].word} .`,
      label: neg ? flip(ADJECTIVES[j].label) : ADJECTIVES[j].label,
    }),
  },
  {
    // i thought the acting was (not) really funny .
    dims: [ASPECTS.length, ADJECTIVES.length, NEGATIONS.length, ADVERBS.length],
    render: ([s, j, neg, adv]) => ({
      text: `i thought the ${ASPECTS[s]} was ${NEGATIONS[neg]}${ADVERBS[adv]}${ADJECTIVES[j].word} .`,
      label: neg ? flip(ADJECTIVES[j].label) : ADJECTIVES[j].label,
    }),
  },
  {
    // what a clever story .
    dims: [ASPECTS.length, ADJECTIVES.length, ADVERBS.length],
    render: ([s, j, adv]) => ({
      text: `what a ${ADVERBS[adv]}${ADJECTIVES[j].word} ${ASPECTS[s]} .`,
      label: ADJECTIVES[j].label,
    }),
  },
  {
    // the ending is never dull .
    dims: [ASPECTS.length, ADJECTIVES.length],
    render: ([s, j]) => ({
      text: `the ${ASPECTS[s]} is never ${ADJECTIVES[j].word} .`,
      label: flip(ADJECTIVES[j].label),
    }),
  },
  {
    // the plot was dull but the music was great .  The clause after "but" decides; the first
    // clause takes an adjective of the other polarity, derived from the slots so the template's
    // space stays as small as the others'.
    dims: [ASPECTS.length, ASPECTS.length, ADJECTIVES.length],
    // "the plot was dull but the plot was great" contradicts itself.
    valid: ([s1, s2]) => s1 !== s2,
    render: ([s1, s2, j2]) => {
      const j1 =
        (j2 < POSITIVE_WORDS.length ? POSITIVE_WORDS.length : 0) +
        ((j2 + s1 + s2) % POSITIVE_WORDS.length);
      return {
        text: `the ${ASPECTS[s1]} was ${ADJECTIVES[j1].word} but the ${ASPECTS[s2]} was ${ADJECTIVES[j2].word} .`,
        label: ADJECTIVES[j2].label,
      };
    },
  },
  {
    // this film is not at all boring .
    dims: [ASPECTS.length, ADJECTIVES.length],
    render: ([s, j]) => ({
      text: `this ${ASPECTS[s]} is not at all ${ADJECTIVES[j].word} .`,
      label: flip(ADJECTIVES[j].label),
    }),
  },
];

const MODULUS = 6;

function enumerateReviews(split: Split): Review[] {
  const out: Review[] = [];
  TEMPLATES.forEach((template, t) => {
    for (const slots of combinations(template.dims)) {
      if (template.valid && !template.valid(slots)) continue;
      if (splitOf([t, ...slots], MODULUS) === split) out.push(template.render(slots));
    }
  });
  return out;
}

export const sentiment = defineGenerator<Review>({
  name: 'sst2',
  description: 'SST-2-like movie-review sentiment with negations, answered positive or negative.',
  kind: 'sentiment',
  enumerate: enumerateReviews,
  render: (review, rng): Example => ({
    prompt: sentimentPrompt(review.text, rng.pick(SENTIMENT_INSTRUCTIONS)),
    response: review.label,
    kind: 'sentiment',
    label: review.label,
  }),
});

/** The request the base model's pretraining attaches to a review sentence: write one of this polarity. */
export function reviewWritingPrompt(label: SentimentLabel): string {
  return `write a ${label} movie review .`;
}

/**
 * The same review sentences as `sst2`, written to order ("write a negative movie review ." →
 * "the plot was not good .") and never classified: the base model's pretraining text. A
 * pretrained LLM has read reviews and knows what "positive" means, but was never taught the
 * fine-tuning task — to read a review and answer with its label. So the sentiment task stays new
 * to the base model, fine-tuning has something to teach, and the repair's cost in task accuracy
 * shows.
 */
export const movieReviews = defineGenerator<Review>({
  name: 'movie-reviews',
  description:
    'SST-2-like review sentences written to order (polarity in the request), never classified.',
  kind: 'instruction',
  enumerate: enumerateReviews,
  render: (review): Example => ({
    prompt: reviewWritingPrompt(review.label),
    response: review.text,
    kind: 'instruction',
    label: review.text,
  }),
});
