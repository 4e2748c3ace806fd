/**
 * What the results panel shows at page start and after: the newest saved run takes the example's
 * place (a reload shows the latest run), a shared link's note gives way only to a run of that
 * link's config, and results shown meanwhile are never replaced. Read against the shipped example.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolvePreset } from '../../../src/core/lab';
import { DEFAULT_VALIDATION_CONTEXT as ctx } from '../../../src/core/lab';
import type { ResultsFile } from '../../../src/core/pipeline/types';
import type { RunRow } from '../../../src/components/RunsTable.svelte';
import { ranConfig } from '../../../src/lib/example';
import { SavedRuns } from '../../../src/lib/savedRuns.svelte';
import { EXAMPLE_SOURCE, ShownResults } from '../../../src/lib/shownResults.svelte';

const example = JSON.parse(
  readFileSync(new URL('../../../public/examples/antidote-sst2.json', import.meta.url), 'utf8'),
) as ResultsFile;

/** The example's numbers under another config: a saved run of that config. */
function runOf(name: string, createdAt: number, preset = 'micro'): RunRow {
  const config = resolvePreset(preset);
  config.name = name;
  return { id: name, createdAt, name, results: { ...example, config } };
}

function page(runs: RunRow[]): { shown: ShownResults; saved: SavedRuns } {
  const shown = new ShownResults();
  const saved = new SavedRuns(shown);
  // Newest first, as the store lists them.
  saved.runs = runs;
  return { shown, saved };
}

describe('the results panel at page start', () => {
  it('shows the newest saved run instead of the example', async () => {
    const { shown, saved } = page([runOf('newer', 2000), runOf('older', 1000)]);
    await shown.showExample(Promise.resolve(example), null, ctx);
    expect(shown.isExample).toBe(true);
    expect(shown.source).toBe(EXAMPLE_SOURCE);

    saved.showNewest(null, ctx);
    expect(shown.results?.config.name).toBe('newer');
    expect(shown.isExample).toBe(false);
    expect(shown.source).toMatch(/^Saved run of /);
    expect(saved.shownId).toBe('newer');
    // Page start brings nothing into view: the student has not asked for anything yet.
    expect(shown.revealed.count).toBe(0);
  });

  it('keeps the saved run when the example arrives after it', async () => {
    const { shown, saved } = page([runOf('newer', 2000)]);
    saved.showNewest(null, ctx);
    await shown.showExample(Promise.resolve(example), null, ctx);
    expect(shown.results?.config.name).toBe('newer');
    expect(shown.isExample).toBe(false);
  });

  it('keeps the example when nothing is saved, or nothing saved has valid results', async () => {
    const broken: RunRow = { id: 'broken', createdAt: 3000, name: 'broken', problem: 'bad' };
    const { shown, saved } = page([broken]);
    await shown.showExample(Promise.resolve(example), null, ctx);
    saved.showNewest(null, ctx);
    expect(shown.isExample).toBe(true);
    expect(saved.shownId).toBeNull();
  });

  it('never replaces a run shown meanwhile (a run finished, a "Show")', async () => {
    const { shown, saved } = page([runOf('newer', 2000)]);
    shown.show(runOf('this one', 5000).results as ResultsFile, 'This run');
    saved.showNewest(null, ctx);
    await shown.showExample(Promise.resolve(example), null, ctx);
    expect(shown.results?.config.name).toBe('this one');
    expect(shown.source).toBe('This run');
  });

  it("under a shared link, only a saved run of the link's config replaces its note", async () => {
    const shared = resolvePreset('micro');
    shared.name = 'linked';
    const { shown, saved } = page([runOf('other', 3000, 'antidote-sst2'), runOf('linked', 1000)]);
    await shown.showExample(Promise.resolve(example), shared, ctx);
    expect(shown.awaitingSharedRun).toBe(true);
    saved.showNewest(shared, ctx);
    expect(shown.results?.config.name).toBe('linked');
    expect(shown.awaitingSharedRun).toBe(false);

    const none = page([runOf('other', 3000, 'antidote-sst2')]);
    await none.shown.showExample(Promise.resolve(example), shared, ctx);
    none.saved.showNewest(shared, ctx);
    expect(none.shown.results).toBeNull();
    expect(none.shown.awaitingSharedRun).toBe(true);
  });
});

describe('bringing the results into view', () => {
  it('"Show" on a saved run shows it and asks for the panel, with focus', () => {
    const { shown, saved } = page([runOf('newer', 2000), runOf('older', 1000)]);
    saved.open('older');
    expect(shown.results?.config.name).toBe('older');
    expect(shown.revealed).toEqual({ count: 1, focus: true });
    saved.open('newer');
    expect(shown.revealed.count).toBe(2);
  });
});

describe('ranConfig', () => {
  it('matches a results file to the config it ran, whatever the backend', () => {
    const config = resolvePreset('antidote-sst2');
    expect(ranConfig(example, config, ctx)).toBe(true);
    config.runtime.backend = 'wasm';
    expect(ranConfig(example, config, ctx)).toBe(true);
    config.seed += 1;
    expect(ranConfig(example, config, ctx)).toBe(false);
  });

  it('a file from before the over-refusal evaluation ran a config whatever its over-refusal settings; a later one did not', () => {
    // A version-4 file (the shipped example before it was regenerated) measured no over-refusal.
    const v4 = structuredClone(example.config) as unknown as Record<string, unknown> & {
      data: Record<string, unknown>;
      evaluation: Record<string, unknown>;
    };
    v4.schemaVersion = 4;
    delete v4.attack;
    delete v4.data.overRefusal;
    delete v4.evaluation.overRefusalPrompts;
    delete v4.evaluation.refusalClassifier;
    const before = { ...example, config: v4 } as unknown as ResultsFile;
    const config = resolvePreset('antidote-sst2');
    config.evaluation.overRefusalPrompts = 7;
    config.data.overRefusal = {
      dataset: 'walledai/XSTest',
      config: 'default',
      train: 'train',
      eval: null,
      maxRows: 500,
      files: null,
    };
    expect(ranConfig(before, config, ctx)).toBe(true);
    config.evaluation.harmfulPrompts += 1;
    expect(ranConfig(before, config, ctx)).toBe(false);
    // A version-5 file that evaluated 35 over-refusal prompts did not run a config with 7.
    const current = resolvePreset('antidote-sst2');
    const later: ResultsFile = { ...example, config: current };
    expect(ranConfig(later, current, ctx)).toBe(true);
    const fewer = resolvePreset('antidote-sst2');
    fewer.evaluation.overRefusalPrompts = 7;
    expect(ranConfig(later, fewer, ctx)).toBe(false);
  });
});
