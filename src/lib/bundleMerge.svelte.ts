/**
 * The presenter's merge: results bundles (and a CLI shard's files: `shard.json`, results files)
 * arrive a drop at a time, and after each the page merges everything received with the core's
 * `mergeDocuments` — the function `lab merge` uses — into the sweep's leaderboard, what is still
 * missing (named with its shard) and what conflicts (both values). A drop that cannot join the
 * others (another sweep, another shard count) is refused whole with one line, and what was
 * merged before stays as it was.
 */
import { RESULTS_LIMITS, oneLine } from '../core/config/bounds';
import type { ValidationContext } from '../core/config';
import { errorText } from '../core/errors';
import type { ResultsFile } from '../core/pipeline/types';
import {
  MERGE_LIMITS,
  mergeDocuments,
  planSweepShards,
  readMergeFile,
  runIdentity,
  type MergeDocument,
  type MergeReport,
} from '../core/shard';
import { expandSweep, sweepTradeoff, type Leaderboard, type Tradeoff } from '../core/sweep';

/**
 * Bounds on what the page merges: files in one drop (every file of a 200-run sweep's CLI shard
 * folders twice over), files in all (as `lab merge`), and characters in all (a tab holds them
 * while it merges; a micro run's results file is about 20 KB, a reference run's about 200 KB).
 * Each file is bounded as a results file (`RESULTS_LIMITS`: size, depth, values).
 */
export const PAGE_MERGE_LIMITS = {
  maxFilesAtOnce: 500,
  maxFiles: MERGE_LIMITS.maxFiles,
  maxTotalChars: 512 << 20,
} as const;

/** Lines of refusals shown at most; one more counts the rest. */
const MAX_REFUSED_LINES = 20;

export interface ReceivedFile {
  name: string;
  /** `bundle of shard 2/3: 4 runs`, `results file`, … */
  what: string;
}

/** A shard of the merged sweep: its runs, how many are merged, whether its manifest came. */
export interface ShardState {
  shard: number;
  runs: number;
  merged: number;
  manifest: boolean;
}

export interface MergedSweep {
  report: MergeReport;
  board: Leaderboard;
  tradeoff: Tradeoff | null;
  /** Every shard, when the shards' count is known (a bundle or a `shard.json` came). */
  shards: ShardState[];
}

export class BundleMerge {
  received = $state.raw<ReceivedFile[]>([]);
  /** One line per file of the last drop that was not merged, and why. */
  refused = $state.raw<string[]>([]);
  merged = $state.raw<MergedSweep | null>(null);
  /** A drop is being read and merged. */
  reading = $state(false);

  readonly #ctx: ValidationContext;
  #documents: MergeDocument[] = [];
  #chars = 0;
  #files = 0;
  /** Drops merge one after another, each on what the ones before left. */
  #queue: Promise<void> = Promise.resolve();

  constructor(ctx: ValidationContext) {
    this.#ctx = ctx;
  }

  /** Reads and merges `files` (one drop or pick) after any drop still being merged. */
  add(files: readonly File[]): Promise<void> {
    this.#queue = this.#queue.then(() => this.#add(files));
    return this.#queue;
  }

  /** Forgets every file merged. */
  clear(): void {
    this.#documents = [];
    this.#chars = 0;
    this.#files = 0;
    this.received = [];
    this.refused = [];
    this.merged = null;
  }

  async #add(files: readonly File[]): Promise<void> {
    if (files.length === 0) return;
    this.reading = true;
    try {
      this.refused = await this.#merge(files);
    } catch (error) {
      this.refused = [`the files could not be merged: ${oneLine(errorText(error), 300)}`];
    } finally {
      this.reading = false;
    }
  }

  /** Merges `files` with those before; returns the refusals (one line each). */
  async #merge(files: readonly File[]): Promise<string[]> {
    const { maxFilesAtOnce, maxFiles, maxTotalChars } = PAGE_MERGE_LIMITS;
    if (files.length > maxFilesAtOnce) {
      return [`${files.length} files at once; at most ${maxFilesAtOnce}: drop them in parts`];
    }
    if (this.#files + files.length > maxFiles) {
      return [
        `${this.#files + files.length} files in all; at most ${maxFiles}: clear the merge or merge with lab merge`,
      ];
    }
    const refused: string[] = [];
    const documents: MergeDocument[] = [];
    const received: ReceivedFile[] = [];
    let chars = this.#chars;
    for (const file of files) {
      const name = oneLine(file.webkitRelativePath || file.name, 200);
      // Refused before a byte is read: a file's text is held whole while it is parsed.
      if (file.size > RESULTS_LIMITS.maxChars) {
        refused.push(
          `${name}: ${file.size} bytes; a bundle or results file is at most ${RESULTS_LIMITS.maxChars}`,
        );
        continue;
      }
      if (chars + file.size > maxTotalChars) {
        refused.push(
          `${name}: the files merged would hold more than ${maxTotalChars} bytes; clear the merge or merge with lab merge`,
        );
        continue;
      }
      const read = await readMergeFile(name, await file.text());
      if (!read.ok) {
        refused.push(`${name}: ${read.message}`);
        continue;
      }
      chars += file.size;
      documents.push(...read.documents);
      received.push({ name, what: describe(read.documents, read.bundle !== undefined) });
    }
    if (documents.length === 0) return capped(refused);

    const outcome = await mergeDocuments([...this.#documents, ...documents], this.#ctx);
    const names = received.map((r) => r.name).join(', ');
    if (!outcome.ok) {
      return capped([...refused, `${oneLine(names, 200)}: not merged: ${outcome.problems[0]}`]);
    }
    if (!outcome.leaderboard) {
      return capped([
        ...refused,
        `${oneLine(names, 200)}: not merged: these are an attacker search's; the page merges sweeps (npm run lab -- merge merges both)`,
      ]);
    }
    this.#documents.push(...documents);
    this.#chars = chars;
    this.#files += received.length;
    this.received = [...this.received, ...received];
    this.merged = await this.#describe(outcome.report, outcome.leaderboard, outcome.runFiles);
    return capped(refused);
  }

  /** The merged board with its trade-off line and each shard's state. */
  async #describe(
    report: MergeReport,
    board: Leaderboard,
    runFiles: readonly { file: ResultsFile }[],
  ): Promise<MergedSweep> {
    const expanded = expandSweep(board.sweep, this.#ctx);
    const runs = expanded.ok ? expanded.runs : [];
    // Plain collections local to this call: the page shows `merged`, replaced whole.
    /* eslint-disable svelte/prefer-svelte-reactivity */
    const byIdentity = new Map(runFiles.map(({ file }) => [runIdentity(file.config), file]));
    const results = new Map<number, ResultsFile>();
    for (const run of runs) {
      const file = byIdentity.get(runIdentity(run.config));
      if (file) results.set(run.index, file);
    }
    const merged = new Set(board.rows.map((row) => row.index));
    /* eslint-enable svelte/prefer-svelte-reactivity */
    let shards: ShardState[] = [];
    if (report.shards !== null) {
      const plan = await planSweepShards(runs, report.shards);
      shards = Array.from({ length: report.shards }, (_, i) => {
        const mine = runs.filter((run) => plan.shardOfRun.get(run.index) === i + 1);
        return {
          shard: i + 1,
          runs: mine.length,
          merged: mine.filter((run) => merged.has(run.index)).length,
          manifest: report.manifests.includes(i + 1),
        };
      });
    }
    return { report, board, tradeoff: sweepTradeoff(board.sweep, runs, results), shards };
  }
}

function describe(documents: readonly MergeDocument[], bundle: boolean): string {
  const [first] = documents;
  if (bundle && first.kind === 'manifest') {
    const { shard, runs } = first.manifest;
    return `bundle of shard ${shard.index}/${shard.count}: ${documents.length - 1} of ${runs?.length ?? 0} runs`;
  }
  if (first.kind === 'manifest') {
    return `shard.json of shard ${first.manifest.shard.index}/${first.manifest.shard.count}`;
  }
  return first.kind === 'results' ? 'results file' : 'leaderboard (its sweep)';
}

function capped(lines: string[]): string[] {
  return lines.length <= MAX_REFUSED_LINES
    ? lines
    : [
        ...lines.slice(0, MAX_REFUSED_LINES),
        `(and ${lines.length - MAX_REFUSED_LINES} more files like these)`,
      ];
}
