import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LabRunner } from '../../../cli/browserRun';
import { RESULTS_LIMITS } from '../../../src/core/config/bounds';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import type { ResultsFile } from '../../../src/core/pipeline/types';
import {
  bundleFileName,
  makeBundle,
  mergeDocuments,
  planSweepShards,
  readMergeFile,
  runsOfShard,
  sweepShardManifest,
  type MergeDocument,
  type ResultsBundle,
} from '../../../src/core/shard';
import { buildLeaderboard, expandSweep, type SweepRun } from '../../../src/core/sweep';
import { runCli } from '../cli/fixtures';
import { fakeResults } from '../sweep/fakeResults';

const CTX = DEFAULT_VALIDATION_CONTEXT;

const SWEEP = {
  schemaVersion: 1,
  name: 'bundle-sweep',
  base: { preset: 'micro', patch: { post: { method: 'none' } } },
  axes: [
    { field: 'finetune.poisonRatio', values: [0.1, 0.2, 0.3] },
    {
      name: 'method',
      variants: [
        { label: 'none', patch: {} },
        { label: 'antidote', patch: { post: { method: 'antidote' } } },
      ],
    },
  ],
};

function expanded() {
  const result = expandSweep(SWEEP, CTX);
  if (!result.ok) throw new Error(result.errors[0].message);
  return result;
}

/** Shard k of n of the sweep as the page makes it: its manifest, fake results for its runs. */
async function shardBundle(
  k: number,
  n: number,
  bump?: (run: SweepRun) => boolean,
): Promise<ResultsBundle> {
  const { spec, runs } = expanded();
  const plan = await planSweepShards(runs, n);
  const shard = { index: k, count: n };
  const results = new Map<number, ResultsFile>();
  for (const run of runsOfShard(runs, plan, shard)) {
    const file = await fakeResults(run.config);
    if (bump?.(run)) file.metrics.post.harmfulScore += 0.5;
    results.set(run.index, file);
  }
  return makeBundle(sweepShardManifest(spec, runs, plan, shard, 'wasm'), results);
}

async function documentsOf(name: string, bundle: unknown): Promise<MergeDocument[]> {
  const read = await readMergeFile(name, JSON.stringify(bundle));
  if (!read.ok) throw new Error(read.message);
  return read.documents;
}

/** The one-line message a hostile text gets. */
async function refusal(text: string): Promise<string> {
  const read = await readMergeFile('x.bundle.json', text);
  if (read.ok) throw new Error('expected the bundle to be refused');
  expect(read.message).not.toMatch(/\n/);
  expect(read.message.length).toBeLessThanOrEqual(300);
  return read.message;
}

describe('results bundles', () => {
  it('round-trip through JSON: the same manifest and results files, as the merge documents of a shard folder', async () => {
    const bundle = await shardBundle(1, 2);
    expect(bundle.runs.length).toBeGreaterThan(0);
    const read = await readMergeFile('s1.bundle.json', JSON.stringify(bundle));
    if (!read.ok) throw new Error(read.message);
    expect(read.bundle).toEqual(bundle);
    expect(read.documents.map((d) => `${d.kind} ${d.name}`)).toEqual([
      'manifest s1.bundle.json/shard.json',
      ...bundle.runs.map(
        (r) => `results s1.bundle.json/runs/${String(r.index).padStart(3, '0')}.json`,
      ),
    ]);
    // The manifest lists every run of the shard, finished or not, in grid order.
    expect(bundle.manifest.runs?.map((r) => r.index)).toEqual(bundle.runs.map((r) => r.index));
    expect(bundleFileName('bundle-sweep', { index: 1, count: 2 })).toBe(
      'bundle-sweep.shard-1-of-2.bundle.json',
    );
    expect(bundleFileName('a b/../c', { index: 3, count: 10 })).toBe(
      'a-b-..-c.shard-3-of-10.bundle.json',
    );
  });

  it('holds the manifest lab sweep --shard writes to shard.json, field for field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'safetune-bundle-'));
    writeFileSync(join(dir, 's.json'), JSON.stringify(SWEEP));
    const runner: LabRunner = async ({ config }) => fakeResults(config);
    const cli = await runCli(
      ['sweep', 's.json', '--shard', '2/3', '--backend', 'wasm', '--out', 'out'],
      dir,
      runner,
    );
    expect(cli.status).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'out/shard.json'), 'utf8'));
    expect((await shardBundle(2, 3)).manifest).toEqual(written);
  });

  it('lab merge reads bundles as it reads shard folders: two give the whole sweep’s leaderboard byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'safetune-bundle-'));
    writeFileSync(join(dir, 's.json'), JSON.stringify(SWEEP));
    const runner: LabRunner = async ({ config }) => fakeResults(config);
    expect((await runCli(['sweep', 's.json', '--out', 'whole'], dir, runner)).status).toBe(0);
    for (const k of [1, 2]) {
      writeFileSync(join(dir, `b${k}.bundle.json`), JSON.stringify(await shardBundle(k, 2)));
    }
    const merged = await runCli(
      ['merge', 'b1.bundle.json', 'b2.bundle.json', '--out', 'merged'],
      dir,
      runner,
    );
    expect(merged.stderr).toBe('');
    expect(merged.status).toBe(0);
    expect(merged.lines[0]).toBe(
      'merge: sweep bundle-sweep, 2 shards (manifests of 1, 2); 6 results files read, 0 duplicates with identical metrics folded',
    );
    for (const file of ['leaderboard.json', 'leaderboard.csv']) {
      expect(readFileSync(join(dir, 'merged', file), 'utf8'), file).toBe(
        readFileSync(join(dir, 'whole', file), 'utf8'),
      );
    }
  });

  it('two shards merge into the unsharded leaderboard; a missing shard is named run by run; a conflict shows both values', async () => {
    const { spec, runs } = expanded();
    const whole = new Map<number, ResultsFile>();
    for (const run of runs) whole.set(run.index, await fakeResults(run.config));
    const one = await documentsOf('one.json', await shardBundle(1, 2));
    const two = await documentsOf('two.json', await shardBundle(2, 2));

    const merged = await mergeDocuments([...two, ...one], CTX);
    if (!merged.ok) throw new Error(merged.problems[0]);
    expect(merged.report).toMatchObject({
      shards: 2,
      manifests: [1, 2],
      missing: [],
      conflicts: [],
    });
    expect(merged.report.files).toBe(runs.length);
    expect(merged.leaderboard).toEqual(buildLeaderboard(spec, runs, whole));

    // Shard 2's bundle not yet in: its runs are missing, each named with its shard.
    const half = await mergeDocuments(one, CTX);
    if (!half.ok) throw new Error(half.problems[0]);
    const plan = await planSweepShards(runs, 2);
    const second = runsOfShard(runs, plan, { index: 2, count: 2 });
    expect(half.report.missing).toEqual(
      second.map(
        (run) =>
          `run ${run.index} (p=${run.coordinates.p}, method=${run.coordinates.method}) (shard 2/2; its shard.json is not among the inputs)`,
      ),
    );
    expect(half.leaderboard?.rows.map((r) => r.index)).toEqual(
      runsOfShard(runs, plan, { index: 1, count: 2 }).map((r) => r.index),
    );

    // Shard 1 run on two laptops whose numbers differ for p = 0.1: a conflict, with both values.
    const bumped = await documentsOf(
      'again.json',
      await shardBundle(1, 2, (run) => run.coordinates.p === 0.1),
    );
    const conflict = await mergeDocuments([...one, ...two, ...bumped], CTX);
    if (!conflict.ok) throw new Error(conflict.problems[0]);
    const p01 = runs.filter(
      (run) => run.coordinates.p === 0.1 && plan.shardOfRun.get(run.index) === 1,
    );
    expect(p01.length).toBeGreaterThan(0);
    expect(conflict.report.conflicts).toHaveLength(p01.length);
    expect(conflict.report.conflicts[0]).toMatch(
      /^run \d+ \(p=0\.1, method=\w+\): again\.json\/runs\/\d{3}\.json has post\.harmfulScore 10\.5; one\.json\/runs\/\d{3}\.json has post\.harmfulScore 10$/,
    );
    // The unchanged runs of the second copy are folded.
    expect(conflict.report.folded).toBe(one.length - 1 - p01.length);
  });

  it('refuses hostile or garbled input with one line each', async () => {
    const good = await shardBundle(1, 2);
    const text = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });

    expect(await refusal('{"kind": "safetune-lab/results-bundle",')).toMatch(/^not valid JSON \(/);
    expect(await refusal(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toBe(
      'a results file is nested more than 32 levels deep',
    );
    expect(await refusal(`[${'0,'.repeat(RESULTS_LIMITS.maxItems)}0]`)).toBe(
      `a results file holds an array of ${RESULTS_LIMITS.maxItems + 1} items; at most ${RESULTS_LIMITS.maxItems}`,
    );
    expect(await refusal(JSON.stringify({ kind: 'x'.repeat(5000) }))).toMatch(
      /^not a results bundle or a shard manifest \(its kind is "x{59}…"\)$/,
    );
    expect(await refusal('{"hello": "world"}')).toMatch(/^not a results file, a shard manifest/);
    expect(await refusal(text({ schemaVersion: 2 }))).toBe(
      'schemaVersion: must be 1 (this bundle is of a lab this one does not read)',
    );
    expect(
      await refusal(text({ manifest: { ...good.manifest, shard: { index: 3, count: 2 } } })),
    ).toBe('manifest: shard: must be {"index": i, "count": n} with 1 ≤ i ≤ n ≤ 1000');
    expect(
      await refusal(text({ manifest: { ...good.manifest, command: 'attack', defenses: [] } })),
    ).toBe('manifest: a bundle holds a sweep shard (an attacker search merges with lab merge)');
    expect(await refusal(text({ runs: {} }))).toBe('runs: must be a list of {"index", "results"}');
    expect(await refusal(text({ runs: Array.from({ length: 201 }, () => good.runs[0]) }))).toBe(
      'runs: 201 runs; a sweep has at most 200',
    );
    expect(await refusal(text({ runs: [good.runs[0], good.runs[0]] }))).toBe(
      `runs[1]: run ${good.runs[0].index} appears twice`,
    );
    expect(await refusal(text({ runs: [{ index: -1, results: good.runs[0].results }] }))).toBe(
      'runs[0]: must be {"index": a run\'s grid index, "results": its results file}',
    );
    const { metrics: _metrics, ...noMetrics } = good.runs[0].results;
    expect(await refusal(text({ runs: [{ index: 7, results: noMetrics }] }))).toMatch(
      /^runs\[0\] \(run 7\): metrics: /,
    );
    const forged = { ...good.runs[0].results, configHash: 'f'.repeat(64) };
    expect(await refusal(text({ runs: [{ index: 7, results: forged }] }))).toMatch(
      /^runs\[0\] \(run 7\): configHash: /,
    );
  });
});
