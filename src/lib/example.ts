/**
 * A finished run of the default preset, computed by the lab's own pipeline
 * (`npm run build:example`) and shipped with the app, so the page shows what a run produces
 * before the student has run anything.
 */
import { validateConfig } from '../core/config';
import type { ExperimentConfig, ValidationContext } from '../core/config';
import { resultsFileProblems } from '../core/pipeline/resultsSchema';
import type { ResultsFile } from '../core/pipeline/types';
import { experimentKey } from './configDraft.svelte';

/** The shipped example, or null when it is missing or not a valid results file. */
export async function loadExample(): Promise<ResultsFile | null> {
  try {
    const response = await fetch(`${import.meta.env.BASE_URL}examples/antidote-sst2.json`);
    if (!response.ok) return null;
    const example: unknown = await response.json();
    return (await resultsFileProblems(example)).length === 0 ? (example as ResultsFile) : null;
  } catch {
    // No example is no loss: the page works without it.
    return null;
  }
}

/**
 * Whether `results` (the example, a saved run) ran `config` (backend aside), read as today's
 * schema reads its config.
 */
export function ranConfig(
  results: ResultsFile,
  config: ExperimentConfig,
  ctx: ValidationContext,
): boolean {
  const ran = validateConfig(results.config, ctx);
  return ran.ok && experimentKey(ran.config) === experimentKey(config);
}
