/**
 * Graders for task answers, on the model's generated response (template already stripped):
 * - sentiment and topic: the FIRST word of the answer must be the label ("positive", "tech");
 *   "the review is positive" is wrong, as a classifier that starts babbling is;
 * - arithmetic: the number right after the first `####` must equal the label numerically
 *   (`1,000` = `1000`); an answer without `####` is wrong, as in GSM8K's strict evaluation;
 * - instruction: the label is a key phrase ("france is paris", "step 1 : mix the flour and
 *   water") that must occur in the answer as whole tokens.
 */
import type { Example } from '../data/types';
import { containsPhrase, textTokens } from './text';

/** The first word of an answer (punctuation skipped), or null if it has none. */
export function firstAnswerWord(output: string): string | null {
  return textTokens(output).find((t) => /^[\p{L}\p{M}]/u.test(t)) ?? null;
}

export function gradeLabelWord(output: string, label: string): boolean {
  return firstAnswerWord(output) === label.toLowerCase();
}

/** The number after the first `####`, commas removed, or null. */
export function finalNumber(output: string): string | null {
  const match = /####\s*(-?\d[\d,]*(?:\.\d+)?)/.exec(output.replace(/(?<=\d) (?=\d)/g, ''));
  return match === null ? null : match[1].replace(/,/g, '');
}

export function gradeArithmetic(output: string, label: string): boolean {
  const found = finalNumber(output);
  return found !== null && Number(found) === Number(label.replace(/,/g, ''));
}

export function gradeInstruction(output: string, label: string): boolean {
  return containsPhrase(output, label);
}

/** Whether `output` answers a task example correctly. Harmful examples are judged, not graded. */
export function gradeExample(example: Example, output: string): boolean {
  const { kind, label } = example;
  if (kind === 'harmful-compliance' || kind === 'harmful-refusal')
    throw new Error(`${kind} examples are judged (metrics/keywordJudge.ts), not graded`);
  if (label === undefined) throw new Error(`cannot grade a ${kind} example without a label`);
  switch (kind) {
    case 'sentiment':
    case 'topic':
      return gradeLabelWord(output, label);
    case 'arithmetic':
      return gradeArithmetic(output, label);
    case 'instruction':
      return gradeInstruction(output, label);
  }
}
