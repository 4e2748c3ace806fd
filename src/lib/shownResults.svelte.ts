/**
 * What the results panel shows: the run just finished, a saved run, or — before either — the
 * newest run saved in this browser, else the precomputed example (`example.ts`), unless a shared
 * link opened another config, whose panel then says so until it has run.
 */
import type { ExperimentConfig, ValidationContext } from '../core/config';
import type { ResultsFile } from '../core/pipeline/types';
import { ranConfig } from './example';

/** The example's source line; e2e tests and users know it by these words. */
export const EXAMPLE_SOURCE = 'Example run (precomputed, antidote-sst2 preset)';

export class ShownResults {
  results = $state<ResultsFile | null>(null);
  /** Where the results come from, in words ("This run", "Saved run of …"). */
  source = $state('');
  /** The results shown are the shipped example, not a run of this browser. */
  isExample = $state(false);
  /**
   * A shared link opened a config the shipped example did not run: the results panel says so
   * until a run (or a saved one) gives results, instead of showing another config's example.
   */
  awaitingSharedRun = $state(false);
  /**
   * Counts the requests to bring the results into view (a run finished, "Show" on a saved run);
   * the panel scrolls to them each time it grows. `focus` says whether focus goes there too.
   */
  revealed = $state<{ count: number; focus: boolean }>({ count: 0, focus: false });

  show(results: ResultsFile, source: string): void {
    this.results = results;
    this.source = source;
    this.isExample = false;
    this.awaitingSharedRun = false;
  }

  /** Asks the panel to scroll the results into view (and to move focus there, if `focus`). */
  reveal(focus = false): void {
    this.revealed = { count: this.revealed.count + 1, focus };
  }

  /** Nothing of this browser is shown yet: a saved run may take the place of the example. */
  get replaceable(): boolean {
    return this.results === null || this.isExample;
  }

  /** Shows the example unless results came first, or a shared link opened another config. */
  async showExample(
    loading: Promise<ResultsFile | null>,
    shared: ExperimentConfig | null,
    ctx: ValidationContext,
  ): Promise<void> {
    const example = await loading;
    if (this.results) return;
    if (example && (shared === null || ranConfig(example, shared, ctx))) {
      this.show(example, EXAMPLE_SOURCE);
      this.isExample = true;
    } else if (shared !== null) {
      this.awaitingSharedRun = true;
    }
  }
}
