/**
 * Results bundles: a sweep shard's results in one JSON file, so a laptop in a workshop hands the
 * presenter one download instead of a folder. A bundle is the shard's folder as `lab sweep
 * --shard i/n` writes it, folded into one object: its manifest (`shard.json`, the same fields)
 * and every finished run's results file (`runs/<index>.json`, unchanged). Reading one gives the
 * same merge documents the folder gives, so the page's merge and `lab merge` agree.
 *
 * ```json
 * { "kind": "safetune-lab/results-bundle", "schemaVersion": 1,
 *   "manifest": { "kind": "safetune-lab/shard", "command": "sweep", "shard": {"index": 1, "count": 2}, … },
 *   "runs": [ { "index": 0, "results": { "schemaVersion": 1, "configHash": "…", … } } ] }
 * ```
 *
 * Untrusted when read: bounded as one results file is (`RESULTS_LIMITS`: 256 MiB, 32 levels deep;
 * a micro run's results file is about 20 KB with its samples, a reference run's about 200 KB, so
 * a shard of a 200-run sweep fits many times over), then the manifest and every results file are
 * checked by their own contracts; what is wrong is one line. No Node API: the page reads dropped
 * files with it, and `lab merge` reads bundles beside folders with it.
 */
import { RESULTS_LIMITS, oneLine, parseBoundedJSON } from '../config/bounds';
import { isPlainObject } from '../config/merge';
import type { Backend } from '../config/schema';
import { resultsFileProblems } from '../pipeline/resultsSchema';
import type { ResultsFile } from '../pipeline/types';
import { MAX_SWEEP_RUNS, type SweepRun, type SweepSpec } from '../sweep/spec';
import { LAB_VERSION } from '../version';
import {
  SHARD_MANIFEST_FILE,
  SHARD_MANIFEST_KIND,
  SHARD_MANIFEST_SCHEMA_VERSION,
  checkManifest,
  type ShardManifest,
} from './manifest';
import { readMergeDocument, type MergeDocument } from './merge';
import type { Shard } from './plan';
import type { SweepShardPlan } from './sweep';

export const RESULTS_BUNDLE_KIND = 'safetune-lab/results-bundle';
export const RESULTS_BUNDLE_SCHEMA_VERSION = 1;

export interface ResultsBundle {
  kind: typeof RESULTS_BUNDLE_KIND;
  schemaVersion: typeof RESULTS_BUNDLE_SCHEMA_VERSION;
  /** The shard's manifest, as `lab sweep --shard` writes `shard.json`. */
  manifest: ShardManifest;
  /** Every run of the shard that finished, by grid index, with its results file; index order. */
  runs: { index: number; results: ResultsFile }[];
}

/**
 * The manifest of a sweep's shard (what `lab sweep --shard` writes to `shard.json`): `runs` are
 * all the sweep's runs as the spec expands them, `backend` the backend every run was given (the
 * page runs each on the builder's choice, as `--backend` does), null for each run's own.
 */
export function sweepShardManifest(
  spec: SweepSpec,
  runs: readonly SweepRun[],
  plan: Pick<SweepShardPlan, 'shardOfRun' | 'hashOfRun'>,
  shard: Shard,
  backend: Backend | null,
): ShardManifest {
  return {
    schemaVersion: SHARD_MANIFEST_SCHEMA_VERSION,
    kind: SHARD_MANIFEST_KIND,
    command: 'sweep',
    spec: spec as unknown as Record<string, unknown>,
    shard,
    backend,
    runs: runs
      .filter((run) => plan.shardOfRun.get(run.index) === shard.index)
      .map((run) => ({
        index: run.index,
        hash: plan.hashOfRun.get(run.index) as string,
        coordinates: run.coordinates,
      })),
    labVersion: LAB_VERSION,
  };
}

/** A bundle of `manifest` and the finished runs' results (run index → results file). */
export function makeBundle(
  manifest: ShardManifest,
  results: ReadonlyMap<number, ResultsFile>,
): ResultsBundle {
  return {
    kind: RESULTS_BUNDLE_KIND,
    schemaVersion: RESULTS_BUNDLE_SCHEMA_VERSION,
    manifest,
    runs: [...results].sort(([a], [b]) => a - b).map(([index, file]) => ({ index, results: file })),
  };
}

/** `defenses-vs-poison.shard-2-of-3.bundle.json`. */
export function bundleFileName(sweepName: string, shard: Shard): string {
  const base = sweepName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'sweep';
  return `${base}.shard-${shard.index}-of-${shard.count}.bundle.json`;
}

export type BundleRead =
  { ok: true; bundle: ResultsBundle; documents: MergeDocument[] } | { ok: false; message: string };

/**
 * A bundle from outside, already parsed within `RESULTS_LIMITS`: checked, and as the merge
 * documents its folder would give (`<name>/shard.json`, `<name>/runs/003.json`, …).
 */
export async function readBundle(name: string, value: unknown): Promise<BundleRead> {
  const fail = (message: string): BundleRead => ({ ok: false, message: oneLine(message, 300) });
  if (!isPlainObject(value) || value.kind !== RESULTS_BUNDLE_KIND) {
    return fail(`not a results bundle (kind must be "${RESULTS_BUNDLE_KIND}")`);
  }
  if (value.schemaVersion !== RESULTS_BUNDLE_SCHEMA_VERSION) {
    return fail(
      `schemaVersion: must be ${RESULTS_BUNDLE_SCHEMA_VERSION} (this bundle is of a lab this one does not read)`,
    );
  }
  const checked = checkManifest(value.manifest);
  if (!checked.ok) return fail(`manifest: ${checked.message}`);
  const { manifest } = checked;
  if (manifest.command !== 'sweep') {
    return fail(
      'manifest: a bundle holds a sweep shard (an attacker search merges with lab merge)',
    );
  }
  const runs = value.runs;
  if (!Array.isArray(runs)) return fail('runs: must be a list of {"index", "results"}');
  if (runs.length > MAX_SWEEP_RUNS) {
    return fail(`runs: ${runs.length} runs; a sweep has at most ${MAX_SWEEP_RUNS}`);
  }
  const seen = new Set<number>();
  const documents: MergeDocument[] = [
    { kind: 'manifest', name: `${name}/${SHARD_MANIFEST_FILE}`, manifest },
  ];
  const checkedRuns: ResultsBundle['runs'] = [];
  for (const [i, run] of runs.entries()) {
    if (!isPlainObject(run) || !Number.isInteger(run.index) || (run.index as number) < 0) {
      return fail(`runs[${i}]: must be {"index": a run's grid index, "results": its results file}`);
    }
    const index = run.index as number;
    if (seen.has(index)) return fail(`runs[${i}]: run ${index} appears twice`);
    seen.add(index);
    const problems = await resultsFileProblems(run.results);
    if (problems.length > 0) return fail(`runs[${i}] (run ${index}): ${problems[0]}`);
    const file = run.results as ResultsFile;
    checkedRuns.push({ index, results: file });
    documents.push({
      kind: 'results',
      name: `${name}/runs/${String(index).padStart(3, '0')}.json`,
      file,
    });
  }
  return {
    ok: true,
    bundle: {
      kind: RESULTS_BUNDLE_KIND,
      schemaVersion: RESULTS_BUNDLE_SCHEMA_VERSION,
      manifest,
      runs: checkedRuns,
    },
    documents,
  };
}

/**
 * One file of a merge by its text: a results bundle (its manifest and runs), or whatever
 * `readMergeDocument` reads (a results file, a `shard.json`, a sweep's leaderboard), bounded as
 * a results file; anything else is one line saying why.
 */
export async function readMergeFile(
  name: string,
  text: string,
): Promise<
  { ok: true; documents: MergeDocument[]; bundle?: ResultsBundle } | { ok: false; message: string }
> {
  const parsed = parseBoundedJSON(text, RESULTS_LIMITS);
  if (!parsed.ok) return { ok: false, message: oneLine(parsed.message, 300) };
  const value = parsed.value;
  if (isPlainObject(value) && value.kind === RESULTS_BUNDLE_KIND) {
    const read = await readBundle(name, value);
    return read.ok ? { ok: true, documents: read.documents, bundle: read.bundle } : read;
  }
  if (isPlainObject(value) && 'kind' in value && value.kind !== SHARD_MANIFEST_KIND) {
    const kind = typeof value.kind === 'string' ? oneLine(value.kind, 60) : typeof value.kind;
    return {
      ok: false,
      message: `not a results bundle or a shard manifest (its kind is ${JSON.stringify(kind)})`,
    };
  }
  const document = await readMergeDocument(name, text);
  return document.kind === 'error'
    ? { ok: false, message: document.message }
    : { ok: true, documents: [document] };
}
