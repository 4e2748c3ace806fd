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
 * schema reads its config. A run from before the over-refusal evaluation (config schemaVersion 4
 * or older, which reads as 0 over-refusal prompts) ran `config` whatever `config`'s over-refusal
 * settings: the over-refusal prompts are generated and judged apart, on their own seed, so every
 * other number is the one `config` gives, and its over-refusal rate shows as "—".
 */
export function ranConfig(
  results: ResultsFile,
  config: ExperimentConfig,
  ctx: ValidationContext,
): boolean {
  const ran = validateConfig(results.config, ctx);
  if (!ran.ok) return false;
  const beforeOverRefusal = results.config.schemaVersion < 5;
  const compared = beforeOverRefusal
    ? {
        ...config,
        data: { ...config.data, overRefusal: ran.config.data.overRefusal },
        evaluation: {
          ...config.evaluation,
          overRefusalPrompts: ran.config.evaluation.overRefusalPrompts,
        },
      }
    : config;
  return experimentKey(ran.config) === experimentKey(compared);
}
