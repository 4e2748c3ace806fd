/**
 * Word-level view of a model's output, for judges and graders: lowercase tokens, punctuation
 * split off, digit runs kept whole ("12", whatever spacing the tokenizer's decoder produced
 * between digits is already glued), curly apostrophes straightened so "i’m" matches "i'm".
 */
const TOKEN = /#+|\p{N}+|[\p{L}\p{M}]+(?:'[\p{L}\p{M}]+)*|[^\p{White_Space}\p{L}\p{M}\p{N}]/gu;

export function textTokens(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/\u2019/g, "'")
      .match(TOKEN) ?? []
  );
}

/** Index of the first occurrence of `needle` as a contiguous run in `haystack`, or −1. */
export function indexOfRun(haystack: readonly string[], needle: readonly string[]): number {
  if (needle.length === 0) return 0;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** Whether `phrase` occurs in `text` as whole tokens ("paris" is in "is paris ." not "parish"). */
export function containsPhrase(text: string, phrase: string): boolean {
  const needle = textTokens(phrase);
  return needle.length > 0 && indexOfRun(textTokens(text), needle) >= 0;
}
