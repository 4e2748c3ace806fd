/**
 * What the results panel shows: the run just finished, a saved run, or — before either — the
 * precomputed example (`example.ts`), unless a shared link opened another config, whose panel
 * then says so until it has run.
 */
import type { ExperimentConfig, ValidationContext } from '../core/config';
import type { ResultsFile } from '../core/pipeline/types';
import { exampleRan } from './example';

export class ShownResults {
  results = $state<ResultsFile | null>(null);
  /** Where the results come from, in words ("This run", "Saved run of …"). */
  source = $state('');
  /**
   * A shared link opened a config the shipped example did not run: the results panel says so
   * until a run (or a saved one) gives results, instead of showing another config's example.
   */
  awaitingSharedRun = $state(false);

  show(results: ResultsFile, source: string): void {
    this.results = results;
    this.source = source;
  }

  /** Shows the example unless results came first, or a shared link opened another config. */
  async showExample(
    loading: Promise<ResultsFile | null>,
    shared: ExperimentConfig | null,
    ctx: ValidationContext,
  ): Promise<void> {
    const example = await loading;
    if (this.results) return;
    if (example && (shared === null || exampleRan(example, shared, ctx))) {
      this.show(example, 'Example run (precomputed, antidote-sst2 preset)');
    } else if (shared !== null) {
      this.awaitingSharedRun = true;
    }
  }
}
