/** "Did you mean …?" for typos in field names, method names, task names and presets. */
import { MAX_SUGGEST_LENGTH } from './bounds';

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transposition), case-insensitive:
 * `poisonRate` → `poisonRatio` is 2, `mpl` → `mlp` is 1.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[s.length][t.length];
}

/**
 * The candidate closest to `word`, if close enough to be a plausible typo: at most a third of the
 * word's length in edits (at least 1), so short words only match near-identical candidates. A
 * word over `MAX_SUGGEST_LENGTH` characters is no typo of a name and is not searched (one
 * 300,000-character key took 4 s), nor is a candidate whose length alone puts it out of reach.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  if (word.length > MAX_SUGGEST_LENGTH) return undefined;
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // The distance is at least the difference in length.
    if (Math.abs(candidate.length - word.length) > limit) continue;
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}
