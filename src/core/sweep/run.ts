import type { ResultsFile } from '../pipeline/types';
import type { SweepRun } from './spec';
import { errorText } from '../errors';

export interface SweepOutcome {
  results: Map<number, ResultsFile>;
  /** Run index → why it failed. */
  failures: Map<number, string>;
}

export interface SweepHooks {
  /** Results already at hand (e.g. from an interrupted sweep's files); the run is skipped. */
  known?: (run: SweepRun) => Promise<ResultsFile | undefined>;
  onRunStart?: (run: SweepRun, position: number, total: number) => void;
  onRunEnd?: (run: SweepRun, outcome: { results: ResultsFile } | { error: string }) => void;
  /** Stop before the next run (cancel): the runs done so far are kept. */
  stopped?: () => boolean;
}

/**
 * Runs a sweep's runs one after another with `runOne` (the browser worker on the page, headless
 * Chromium from the CLI). The stage cache makes later runs re-use what earlier ones trained, so
 * runs go in grid order. A failed run is recorded and the sweep goes on.
 */
export async function runSweep(
  runs: readonly SweepRun[],
  runOne: (run: SweepRun) => Promise<ResultsFile>,
  hooks: SweepHooks = {},
): Promise<SweepOutcome> {
  const results = new Map<number, ResultsFile>();
  const failures = new Map<number, string>();
  for (const [position, run] of runs.entries()) {
    if (hooks.stopped?.()) break;
    const known = await hooks.known?.(run);
    if (known) {
      results.set(run.index, known);
      hooks.onRunEnd?.(run, { results: known });
      continue;
    }
    hooks.onRunStart?.(run, position, runs.length);
    try {
      const file = await runOne(run);
      results.set(run.index, file);
      hooks.onRunEnd?.(run, { results: file });
    } catch (error) {
      const message = errorText(error);
      failures.set(run.index, message);
      hooks.onRunEnd?.(run, { error: message });
    }
  }
  return { results, failures };
}
