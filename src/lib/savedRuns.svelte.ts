/**
 * The runs saved in this browser (IndexedDB): the list the runs table shows, the one open in the
 * results panel, the ones ticked for comparison, and the store connection behind them.
 */
import { canonicalJSON, type ExperimentConfig, type ValidationContext } from '../core/config';
import { resultsFileProblems } from '../core/pipeline/resultsSchema';
import type { ResultsFile } from '../core/pipeline/types';
import { openLabStore, type LabStore } from '../core/store';
import type { RunRow } from '../components/RunsTable.svelte';

import { ranConfig } from './example';
import type { ShownResults } from './shownResults.svelte';
import { errorText } from '../core/errors';
import { runSpeeds } from './runSpeeds.svelte';

export class SavedRuns {
  runs = $state<RunRow[]>([]);
  error = $state<string | null>(null);
  loaded = $state(false);
  /** The saved run the results panel shows, if it shows one. */
  shownId = $state<string | null>(null);
  /** Saved runs ticked for comparison, in the order they were ticked. */
  compareIds = $state<string[]>([]);
  readonly compared = $derived(
    this.compareIds.flatMap((id) =>
      this.runs.filter((r) => r.id === id && r.results !== undefined),
    ),
  );
  /** Counts finished runs, so panels that list stored data read it again. */
  finishedRuns = $state(0);

  #opening: Promise<LabStore> | null = null;
  readonly #shown: ShownResults;

  constructor(shown: ShownResults) {
    this.#shown = shown;
  }

  /** One connection for the page, opened on first use (again after a failed open). */
  store = (): Promise<LabStore> => {
    this.#opening ??= openLabStore().catch((error: unknown) => {
      this.#opening = null;
      throw error;
    });
    return this.#opening;
  };

  /** Saves a finished run and shows it as the open one. */
  async save(finished: ResultsFile): Promise<void> {
    runSpeeds.remember(finished);
    const id = crypto.randomUUID();
    try {
      await (
        await this.store()
      ).putRun({
        id,
        createdAt: Date.now(),
        name: finished.config.name,
        configHash: finished.configHash,
        config: finished.config,
        results: finished,
      });
      this.shownId = id;
      await this.load();
    } catch (error) {
      this.error = `The run finished but could not be saved in this browser (${errorText(error)}); its results stay on this page — use "Export config + results" to keep them as a file.`;
    }
  }

  /** Reads the list again; a stored run whose results no longer check shows its problem. */
  async load(): Promise<void> {
    try {
      const records = await (await this.store()).listRuns();
      this.runs = await Promise.all(
        records.map(async (record): Promise<RunRow> => {
          const problems = await resultsFileProblems(record.results);
          return problems.length === 0
            ? {
                id: record.id,
                createdAt: record.createdAt,
                name: record.name,
                results: record.results as ResultsFile,
              }
            : {
                id: record.id,
                createdAt: record.createdAt,
                name: record.name,
                problem: problems.join('\n'),
              };
        }),
      );
      this.error = null;
    } catch (error) {
      this.error = errorText(error);
    } finally {
      this.loaded = true;
    }
  }

  /** A finished run of the same config saved in this browser: sweeps and searches re-use it. */
  savedRunOf = async (wanted: ExperimentConfig): Promise<ResultsFile | undefined> => {
    const key = canonicalJSON(wanted);
    return this.runs.find((row) => row.results && canonicalJSON(row.results.config) === key)
      ?.results;
  };

  /** Shows the saved run `id` in the results panel, and brings the panel (and focus) there. */
  open = (id: string): void => {
    const row = this.runs.find((r) => r.id === id);
    if (!row?.results) return;
    this.#display(row, row.results);
    this.#shown.reveal(true);
  };

  /**
   * At page start, once the list is loaded: the newest saved run (of the shared link's config,
   * when a link opened one) takes the place of the example or of the link's note, so a reload
   * shows the latest run. Results shown meanwhile (a run, a "Show") stay.
   */
  showNewest(shared: ExperimentConfig | null, ctx: ValidationContext): void {
    if (!this.#shown.replaceable) return;
    // `runs` is newest first (the store's order).
    const newest = this.runs.find(
      (row) => row.results && (shared === null || ranConfig(row.results, shared, ctx)),
    );
    if (newest?.results) this.#display(newest, newest.results);
  }

  #display(row: RunRow, results: ResultsFile): void {
    // A date only formatted here, never kept: nothing to make reactive.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const created = new Date(row.createdAt).toLocaleString();
    this.#shown.show(results, `Saved run of ${created}`);
    this.shownId = row.id;
  }

  /** Shows the saved run of `configHash` (an attacker search's worst case), if there is one. */
  openByHash = (configHash: string): void => {
    const row = this.runs.find((r) => r.results?.configHash === configHash);
    if (row) this.open(row.id);
  };

  /**
   * Deletes a saved run for good; RunsTable calls it once the run's undo window has passed, and
   * learns from the rejection that the run is still there.
   */
  delete = async (id: string): Promise<void> => {
    try {
      await (await this.store()).deleteRun(id);
    } catch (error) {
      this.error = errorText(error);
      throw error;
    }
    if (this.shownId === id) this.shownId = null;
    this.compareIds = this.compareIds.filter((c) => c !== id);
    await this.load();
  };

  toggleCompare = (id: string): void => {
    this.compareIds = this.compareIds.includes(id)
      ? this.compareIds.filter((c) => c !== id)
      : [...this.compareIds, id];
  };

  /** Closes the store connection, if one was opened. */
  close(): void {
    void this.#opening?.then((store) => store.close());
  }
}
