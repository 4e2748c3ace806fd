/**
 * Merging shards: the results files of a sweep's or a search's shards (or of any runs of it,
 * however they were split) make the leaderboard the whole sweep run in one place makes. The unit
 * of merging is the per-run results file: self-contained (its config and its numbers), so a run is
 * identified by its config, not by where it was found. The spec comes from the shards' manifests
 * (`shard.json`) or a sweep's or search's own leaderboard file; a merge needs one.
 *
 * A run found twice with the same metrics is folded into one; with different metrics it is a
 * conflict, reported with both values and left out of the leaderboard (listed with its failures).
 * A run found nowhere is missing, named with its shard when the shards' count is known. A search
 * is replayed from the files (`runAttack` proposing each trial from the outcomes before it, as on
 * the machine that ran it), so a missing trial leaves the defense's later trials unknown.
 *
 * No Node API: the page merges dropped files with the same functions.
 */
import { RESULTS_LIMITS, oneLine, parseBoundedJSON } from '../config/bounds';
import { canonicalJSON } from '../config/canonical';
import type { ValidationContext } from '../config/context';
import { isPlainObject } from '../config/merge';
import type { ExperimentConfig } from '../config/schema';
import { errorText } from '../errors';
import { resultsFileProblems } from '../pipeline/resultsSchema';
import type { ResultsFile } from '../pipeline/types';
import { buildLeaderboard, type Leaderboard } from '../sweep/leaderboard';
import { describeCoordinates, expandSweep } from '../sweep/spec';
import { buildRobustnessBoard, type RobustnessBoard } from '../attack/board';
import { attackRunFileName, runAttack, type AttackOutcome } from '../attack/run';
import { checkAttackSpec } from '../attack/spec';
import { planAttackShards } from './attack';
import { checkManifest, type ShardManifest } from './manifest';
import { planSweepShards } from './sweep';

/**
 * Bounds on a merge's input: files read at most (a sweep has at most 200 runs and a search 400,
 * so 2,000 allows every run five times over), and characters in all. Each file is also bounded
 * as a results file (`RESULTS_LIMITS`: size, depth, values).
 */
export const MERGE_LIMITS = { maxFiles: 2000, maxTotalChars: 1 << 30 } as const;

export type MergeDocument =
  | { kind: 'results'; name: string; file: ResultsFile }
  | { kind: 'manifest'; name: string; manifest: ShardManifest }
  | { kind: 'spec'; name: string; command: 'sweep' | 'attack'; spec: unknown };

/**
 * One file of a merge's input, by its text: a results file, a shard manifest, or a sweep's
 * leaderboard / a search's robustness board (read for the spec they carry). Anything else, or a
 * file past the bounds, is one line saying why.
 */
export async function readMergeDocument(
  name: string,
  text: string,
): Promise<MergeDocument | { kind: 'error'; name: string; message: string }> {
  const error = (message: string) => ({
    kind: 'error' as const,
    name,
    message: oneLine(message, 300),
  });
  const parsed = parseBoundedJSON(text, RESULTS_LIMITS);
  if (!parsed.ok) return error(parsed.message);
  const value = parsed.value;
  if (!isPlainObject(value)) return error('not a JSON object');
  if ('kind' in value) {
    const checked = checkManifest(value);
    return checked.ok
      ? { kind: 'manifest', name, manifest: checked.manifest }
      : error(`shard manifest: ${checked.message}`);
  }
  if ('configHash' in value && 'metrics' in value) {
    const problems = await resultsFileProblems(value);
    return problems.length === 0
      ? { kind: 'results', name, file: value as unknown as ResultsFile }
      : error(`results file: ${problems[0]}`);
  }
  if (Array.isArray(value.rows) && isPlainObject(value.sweep)) {
    return { kind: 'spec', name, command: 'sweep', spec: value.sweep };
  }
  if (Array.isArray(value.rows) && isPlainObject(value.search)) {
    return { kind: 'spec', name, command: 'attack', spec: value.search };
  }
  return error(
    'not a results file, a shard manifest (shard.json) or a leaderboard (leaderboard.json, robustness.json)',
  );
}

/**
 * A run's identity in a merge: its config without `runtime` (the backend, micro-batches,
 * recomputation say how it ran, not what), so runs of shards given different `--backend`s are the
 * same runs — and if their numbers differ, a conflict.
 */
export function runIdentity(config: ExperimentConfig): string {
  const { runtime: _runtime, ...what } = config;
  return canonicalJSON(what);
}

export interface MergeReport {
  command: 'sweep' | 'attack';
  /** The sweep's or the search's name. */
  name: string;
  /** Results files read, and how many of them repeated another's run with the same metrics. */
  files: number;
  folded: number;
  /** The shards' count (from the manifests), or null when no manifest was given. */
  shards: number | null;
  /** The shards whose manifest was among the inputs, in order. */
  manifests: number[];
  /** One line each: runs found twice with different metrics (both values), runs found nowhere. */
  conflicts: string[];
  missing: string[];
  /** Results files that are no run of this spec. */
  ignored: string[];
  /** Other things worth saying (backends that differ, a manifest that disagrees with the plan). */
  notes: string[];
}

export type MergeOutcome =
  | { ok: false; problems: string[] }
  | {
      ok: true;
      report: MergeReport;
      /** The merged runs, each under the file name its sweep or search gives it in `runs/`. */
      runFiles: { fileName: string; file: ResultsFile }[];
      /** A sweep's leaderboard. */
      leaderboard?: Leaderboard;
      /** A search's robustness board; null when the utility floor is unknown (see `missing`). */
      robustness?: RobustnessBoard | null;
    };

/** Merges the documents (results files, manifests, boards) into one sweep's or search's results. */
export async function mergeDocuments(
  documents: readonly MergeDocument[],
  ctx: ValidationContext,
): Promise<MergeOutcome> {
  // Sorted by name, so which of two identical copies is kept does not depend on reading order.
  const docs = [...documents].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sources = docs.flatMap((doc) =>
    doc.kind === 'manifest'
      ? [{ name: doc.name, command: doc.manifest.command, spec: doc.manifest.spec as unknown }]
      : doc.kind === 'spec'
        ? [{ name: doc.name, command: doc.command, spec: doc.spec }]
        : [],
  );
  if (sources.length === 0) {
    return {
      ok: false,
      problems: [
        "no spec among the inputs: give the shards' folders (their shard.json) or a sweep's or search's folder (its leaderboard.json or robustness.json)",
      ],
    };
  }
  const [first] = sources;
  const firstSpec = canonicalJSON(first.spec);
  for (const other of sources) {
    if (other.command !== first.command || canonicalJSON(other.spec) !== firstSpec) {
      const named = (s: (typeof sources)[number]) =>
        `${s.command} "${isPlainObject(s.spec) ? oneLine(String(s.spec.name), 80) : '?'}"`;
      return {
        ok: false,
        problems: [
          `${first.name} and ${other.name} are of different specs (${named(first)}, ${named(other)}): merge one sweep or search at a time`,
        ],
      };
    }
  }
  const manifests = docs.flatMap((doc) => (doc.kind === 'manifest' ? [doc] : []));
  const counts = [...new Set(manifests.map((m) => m.manifest.shard.count))];
  if (counts.length > 1) {
    return {
      ok: false,
      problems: [
        `the manifests split the work in different counts of shards (${counts.join(', ')}): merge the shards of one split`,
      ],
    };
  }
  const results = docs.flatMap((doc) => (doc.kind === 'results' ? [doc] : []));
  const report: MergeReport = {
    command: first.command,
    name: isPlainObject(first.spec) ? String(first.spec.name) : '',
    files: results.length,
    folded: 0,
    shards: counts[0] ?? null,
    manifests: [...new Set(manifests.map((m) => m.manifest.shard.index))].sort((a, b) => a - b),
    conflicts: [],
    missing: [],
    ignored: [],
    notes: backendNotes(manifests),
  };
  const pools = new Map<string, (typeof results)[number][]>();
  for (const doc of results) {
    const id = runIdentity(doc.file.config);
    const pool = pools.get(id);
    if (pool) pool.push(doc);
    else pools.set(id, [doc]);
  }
  return first.command === 'sweep'
    ? mergeSweep(first.spec, pools, manifests, report, ctx)
    : mergeSearch(first.spec, pools, report, ctx);
}

type Pool = Map<string, { name: string; file: ResultsFile }[]>;

/** The file kept for a run, or a conflict (both values) when its copies' metrics differ. */
function pick(
  copies: readonly { name: string; file: ResultsFile }[],
  report: MergeReport,
): { file: ResultsFile } | { conflict: string } {
  const [kept, ...others] = copies;
  const metrics = canonicalJSON(kept.file.metrics);
  const other = others.find((copy) => canonicalJSON(copy.file.metrics) !== metrics);
  if (!other) {
    report.folded += others.length;
    return { file: kept.file };
  }
  const [a, b] = metricDifferences(kept.file.metrics, other.file.metrics);
  return { conflict: `${kept.name} has ${a}; ${other.name} has ${b}` };
}

async function mergeSweep(
  specValue: unknown,
  pools: Pool,
  manifests: readonly { name: string; manifest: ShardManifest }[],
  report: MergeReport,
  ctx: ValidationContext,
): Promise<MergeOutcome> {
  const expanded = expandSweep(specValue, ctx);
  if (!expanded.ok) {
    return { ok: false, problems: expanded.errors.map((e) => `spec: ${e.path}: ${e.message}`) };
  }
  const { spec, runs } = expanded;
  const plan = report.shards === null ? undefined : await planSweepShards(runs, report.shards);
  for (const { name, manifest } of manifests) {
    const stray = (manifest.runs ?? []).find(
      (run) =>
        plan?.shardOfRun.get(run.index) !== manifest.shard.index ||
        plan.hashOfRun.get(run.index) !== run.hash,
    );
    if (stray) {
      report.notes.push(
        `${name} lists run ${stray.index}, which this lab (its plan) does not give shard ${manifest.shard.index}/${manifest.shard.count} (the shard ran lab ${oneLine(manifest.labVersion, 40)})`,
      );
    }
  }
  const byIdentity = new Map(runs.map((run) => [runIdentity(run.config), run]));
  for (const [id, copies] of pools) {
    if (!byIdentity.has(id)) {
      for (const copy of copies)
        report.ignored.push(`${copy.name}: not a run of sweep ${spec.name}`);
    }
  }
  const chosen = new Map<number, ResultsFile>();
  const failures = new Map<number, string>();
  const runFiles: { fileName: string; file: ResultsFile }[] = [];
  for (const run of runs) {
    const what = `run ${run.index} (${describeCoordinates(run.coordinates)})`;
    const copies = pools.get(runIdentity(run.config)) ?? [];
    if (copies.length === 0) {
      const where = shardOf(plan?.shardOfRun.get(run.index), report);
      report.missing.push(`${what}${where}`);
      failures.set(run.index, `no results file${where}`);
      continue;
    }
    const picked = pick(copies, report);
    if ('conflict' in picked) {
      report.conflicts.push(`${what}: ${picked.conflict}`);
      failures.set(run.index, `conflicting results: ${picked.conflict}`);
      continue;
    }
    chosen.set(run.index, picked.file);
    runFiles.push({ fileName: `${String(run.index).padStart(3, '0')}.json`, file: picked.file });
  }
  return {
    ok: true,
    report,
    runFiles,
    leaderboard: buildLeaderboard(spec, runs, chosen, failures),
  };
}

async function mergeSearch(
  specValue: unknown,
  pools: Pool,
  report: MergeReport,
  ctx: ValidationContext,
): Promise<MergeOutcome> {
  const checked = checkAttackSpec(specValue, ctx);
  if (!checked.ok) {
    return { ok: false, problems: checked.errors.map((e) => `spec: ${e.path}: ${e.message}`) };
  }
  const { spec, base } = checked;
  const plan =
    report.shards === null ? undefined : planAttackShards(spec, base, ctx, report.shards);
  const used = new Set<string>();
  const runFiles: { fileName: string; file: ResultsFile }[] = [];
  /** Defense → why its later trials cannot be known. */
  const stuck = new Map<string, string>();
  let floorUnknown: string | undefined;
  const unknown = new Map<string, string>();
  let outcome: AttackOutcome | undefined;
  try {
    outcome = await runAttack(
      spec,
      base,
      async (run) => {
        throw new Error(unknown.get(attackRunFileName(run)) ?? 'not known');
      },
      {
        ctx,
        known: async (run) => {
          const fileName = attackRunFileName(run);
          const what = `${run.defense} ${run.kind === 'default' ? `default run, seed ${run.seed}` : `trial ${run.index + 1}`}`;
          // A default run depends on nothing before it; a trial on the floor and its defense's history.
          const blocked =
            run.kind === 'default' ? undefined : (floorUnknown ?? stuck.get(run.defense));
          if (blocked !== undefined) {
            unknown.set(fileName, `not known: ${blocked}`);
            return undefined;
          }
          const id = runIdentity(run.config);
          used.add(id);
          const copies = pools.get(id) ?? [];
          const picked = copies.length > 0 ? pick(copies, report) : undefined;
          if (picked && 'file' in picked) {
            runFiles.push({ fileName, file: picked.file });
            return picked.file;
          }
          const floorRun = run.defense === spec.reference && run.kind === 'default';
          const where =
            floorRun && report.shards !== null
              ? ' (every shard runs it)'
              : shardOf(plan?.shardOfDefense.get(run.defense), report);
          if (picked) report.conflicts.push(`${what}: ${picked.conflict}`);
          else report.missing.push(`${what}${where}`);
          const why = picked
            ? `conflicting results: ${picked.conflict}`
            : `no results file${where}`;
          unknown.set(fileName, why);
          // The floor is the reference's default runs' (all of them); a defense's trials follow
          // from its own runs before them.
          if (floorRun) {
            floorUnknown = `the utility floor needs ${what}`;
          } else if (run.kind !== 'default' || run.seed === base.seed) {
            // The default run at the trials' seed starts the defense's history.
            stuck.set(
              run.defense,
              `they follow ${what}, which is ${picked ? 'in conflict' : 'missing'}`,
            );
          }
          return undefined;
        },
      },
    );
  } catch (error) {
    floorUnknown ??= errorText(error);
  }
  for (const [id, copies] of pools) {
    if (!used.has(id)) {
      for (const copy of copies) {
        report.ignored.push(`${copy.name}: not a run this search proposes from these files`);
      }
    }
  }
  for (const [defense, why] of stuck) {
    report.missing.push(`${defense}: its later trials cannot be known (${why})`);
  }
  if (floorUnknown !== undefined) {
    report.missing.push(`no board: ${floorUnknown}`);
    return { ok: true, report, runFiles, robustness: null };
  }
  return { ok: true, report, runFiles, robustness: buildRobustnessBoard(outcome as AttackOutcome) };
}

/** ` (shard 2/3)`, saying so when that shard's manifest was not among the inputs. */
function shardOf(shard: number | undefined, report: MergeReport): string {
  if (shard === undefined || report.shards === null) return '';
  const absent = report.manifests.includes(shard) ? '' : '; its shard.json is not among the inputs';
  return ` (shard ${shard}/${report.shards}${absent})`;
}

/** `post.harmfulScore 12.5, post.finetuneAccuracy 80` against the other file's values. */
function metricDifferences(a: unknown, b: unknown): [string, string] {
  const left: string[] = [];
  const right: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    if (isPlainObject(x) && isPlainObject(y)) {
      for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
        walk(x[key], y[key], path ? `${path}.${key}` : key);
      }
    } else if (canonicalJSON(x ?? null) !== canonicalJSON(y ?? null)) {
      left.push(`${path} ${oneLine(JSON.stringify(x ?? null), 40)}`);
      right.push(`${path} ${oneLine(JSON.stringify(y ?? null), 40)}`);
    }
  };
  walk(a, b, '');
  const shown = (list: string[]) =>
    list.length <= 4
      ? list.join(', ')
      : `${list.slice(0, 4).join(', ')} (and ${list.length - 4} more)`;
  return [shown(left), shown(right)];
}

/** A note when the shards ran on different backends: their numbers agree only within tolerance. */
function backendNotes(manifests: readonly { manifest: ShardManifest }[]): string[] {
  const byBackend = new Map<string, number[]>();
  for (const { manifest } of manifests) {
    const backend = manifest.backend ?? 'each run’s own';
    byBackend.set(backend, [...(byBackend.get(backend) ?? []), manifest.shard.index]);
  }
  if (byBackend.size <= 1) return [];
  const parts = [...byBackend].map(([backend, shards]) => `${backend}: ${shards.join(', ')}`);
  return [
    `the shards ran on different backends (${parts.join('; ')}); their numbers agree only within float tolerance, and a run found on two may conflict`,
  ];
}
