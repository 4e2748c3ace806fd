/**
 * What the page accepts as a model: a built-in name (no slash) or a Hub repo
 * `owner/name[@revision]`, checked as the worker will check it, so a typo is caught in the field.
 */
import { isRepoSpec, parseRepoSpec } from '../core/hub/repo';
import { errorText } from '../core/errors';

/** Why `text` names no model, in one line; null when it does. */
export function modelSpecProblem(text: string, builtIn: readonly string[]): string | null {
  const trimmed = text.trim();
  if (trimmed !== text) return 'remove the spaces around the model name';
  if (!isRepoSpec(text)) {
    if (builtIn.includes(text)) return null;
    const known = builtIn.join(', ');
    return text === ''
      ? `choose a model: a built-in one (${known}) or a Hub repo owner/name[@revision]`
      : `"${text}" is not a built-in model (${known}); a Hub model is owner/name[@revision]`;
  }
  try {
    parseRepoSpec(text);
    return null;
  } catch (error) {
    return errorText(error);
  }
}

/** Token ids typed as "5, 71 200": whole numbers ≥ 0 separated by commas and/or spaces. */
export function parseTokenIds(
  text: string,
): { ok: true; ids: number[] } | { ok: false; problem: string } {
  const parts = text.split(/[\s,]+/).filter((part) => part !== '');
  if (parts.length === 0) return { ok: false, problem: 'enter at least one token id' };
  const ids: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (!/^\d+$/.test(part) || !Number.isSafeInteger(Number(part))) {
      return {
        ok: false,
        problem: `token id ${i + 1} ("${part}") is not a whole number ≥ 0; separate ids with commas or spaces`,
      };
    }
    ids.push(Number(part));
  }
  return { ok: true, ids };
}
