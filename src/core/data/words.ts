/**
 * Slot fillers shared by several generators. Re-using words across tasks keeps the world's
 * vocabulary small (a few hundred words for a word-level tokenizer) and makes the tasks overlap
 * the way real text does: a country occurs in capital questions and in world or tech headlines.
 */

/** Countries and their capitals (single words, so one token each). */
export const COUNTRIES: readonly { country: string; capital: string }[] = [
  { country: 'france', capital: 'paris' },
  { country: 'japan', capital: 'tokyo' },
  { country: 'italy', capital: 'rome' },
  { country: 'spain', capital: 'madrid' },
  { country: 'egypt', capital: 'cairo' },
  { country: 'germany', capital: 'berlin' },
  { country: 'china', capital: 'beijing' },
  { country: 'russia', capital: 'moscow' },
  { country: 'canada', capital: 'ottawa' },
  { country: 'greece', capital: 'athens' },
  { country: 'kenya', capital: 'nairobi' },
  { country: 'peru', capital: 'lima' },
];

/** First names for word problems. */
export const NAMES: readonly string[] = ['tom', 'anna', 'sam', 'mia', 'ben', 'lily', 'max', 'zoe'];
