/**
 * `npm run lab -- merge <folders|files>`: reads the results of a sweep's or a search's shards
 * (their folders, or the results bundles the page exports; bounded: how many files, how large
 * each and in all, how deep the folders), merges them with the core's `mergeDocuments` (the page
 * merges dropped files with the same function) and writes the leaderboard the whole sweep or
 * search writes, with every merged run in <out>/runs/.
 */
import { lstat, readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { RESULTS_LIMITS, oneLine } from '../src/core/config/bounds';
import { DEFAULT_VALIDATION_CONTEXT } from '../src/core/lab';
import { MERGE_LIMITS, mergeDocuments, readMergeFile, type MergeDocument } from '../src/core/shard';
import { leaderboardTable } from '../src/core/sweep';
import { robustnessTable } from '../src/core/attack';
import type { ResultsFile } from '../src/core/pipeline/types';
import type { Command } from './args';
import { writeRobustnessFiles } from './attack';
import { readFailure } from './configFile';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK } from './exit';
import type { CliContext } from './lab';
import { displayPath } from './outPath';
import { prepareOut, writeLeaderboardFiles, writeRunFile } from './sweep';

/** Folder levels searched under each folder given (a results folder → shard-i → runs: 2). */
export const MAX_MERGE_DEPTH = 4;
/** Error lines printed at most; one more counts the rest. */
const MAX_ERROR_LINES = 20;

export async function merge(
  command: Extract<Command, { name: 'merge' }>,
  cli: CliContext,
  out: (line?: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const found = await findJsonFiles(command.inputs, cli.cwd);
  if ('problem' in found) {
    err(`error: merge: ${found.problem}`);
    return EXIT_BAD_INPUT;
  }
  const documents: MergeDocument[] = [];
  const errors: string[] = [];
  let chars = 0;
  for (const { path, size } of found.files) {
    const shown = displayPath(path, cli.cwd);
    if (size > RESULTS_LIMITS.maxChars) {
      errors.push(`${shown}: ${size} bytes; a results file is at most ${RESULTS_LIMITS.maxChars}`);
      continue;
    }
    chars += size;
    if (chars > MERGE_LIMITS.maxTotalChars) {
      err(
        `error: merge: the inputs hold more than ${MERGE_LIMITS.maxTotalChars} bytes of JSON; merge fewer at once`,
      );
      return EXIT_BAD_INPUT;
    }
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      errors.push(`${shown}: cannot read it: ${readFailure(error)}`);
      continue;
    }
    // A results bundle (the page's export of a shard) is its shard folder in one file.
    const read = await readMergeFile(shown, text);
    if (!read.ok) errors.push(`${shown}: ${read.message}`);
    else documents.push(...read.documents);
  }
  if (errors.length > 0) {
    for (const line of errors.slice(0, MAX_ERROR_LINES)) err(`error: ${line}`);
    if (errors.length > MAX_ERROR_LINES) {
      err(`error: (and ${errors.length - MAX_ERROR_LINES} more files like these)`);
    }
    return EXIT_BAD_INPUT;
  }

  const merged = await mergeDocuments(documents, DEFAULT_VALIDATION_CONTEXT);
  if (!merged.ok) {
    for (const line of merged.problems.slice(0, MAX_ERROR_LINES)) err(`error: merge: ${line}`);
    return EXIT_BAD_INPUT;
  }
  const { report } = merged;
  const dir = resolve(cli.cwd, command.out ?? join('results', 'merged', report.name));
  if (!prepareOut('merge', dir, command.out, cli.cwd, err)) return EXIT_BAD_INPUT;

  const shards =
    report.shards === null
      ? 'no shard manifests'
      : `${report.shards} shards (manifests of ${report.manifests.length > 0 ? report.manifests.join(', ') : 'none'})`;
  out(
    `merge: ${report.command} ${report.name}, ${shards}; ${report.files} results files read, ` +
      `${report.folded} duplicates with identical metrics folded`,
  );
  for (const line of report.notes) err(`note: ${line}`);
  for (const line of report.ignored) err(`ignored: ${line}`);
  for (const line of report.conflicts) err(`conflict: ${line}`);
  for (const line of report.missing) err(`missing: ${line}`);

  for (const { fileName, file } of merged.runFiles) {
    await writeMergedRun(join(dir, 'runs', fileName), file, command.force, cli.cwd, err);
  }
  out();
  if (merged.leaderboard) {
    await writeLeaderboardFiles(dir, merged.leaderboard);
    out(leaderboardTable(merged.leaderboard));
    out();
    out(`leaderboard: ${join(dir, 'leaderboard.json')} and leaderboard.csv`);
  } else if (merged.robustness) {
    await writeRobustnessFiles(dir, merged.robustness);
    out(robustnessTable(merged.robustness));
    out();
    out(`robustness leaderboard: ${join(dir, 'robustness.json')} and robustness.csv`);
  } else {
    out('no leaderboard: the utility floor is not known (see "missing" above)');
  }
  out(
    `runs: ${merged.runFiles.length} results files in ${displayPath(join(dir, 'runs'), cli.cwd)}`,
  );
  const incomplete = report.conflicts.length + report.missing.length;
  if (incomplete > 0) {
    err(
      `merge: ${report.conflicts.length} in conflict, ${report.missing.length} missing: the leaderboard lists them as failures`,
    );
  }
  return incomplete > 0 ? EXIT_FAILED : EXIT_OK;
}

/** A merged run's file; one already there with the same text is left as it is (a merge again). */
async function writeMergedRun(
  path: string,
  file: ResultsFile,
  force: boolean,
  cwd: string,
  err: (line: string) => void,
): Promise<void> {
  const text = `${JSON.stringify(file, null, 2)}\n`;
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing === text) return;
  await writeRunFile(path, file, force, cwd, err);
}

/**
 * Every `.json` file named by `inputs` (a file given is taken as it is; a folder is searched
 * `MAX_MERGE_DEPTH` levels deep, links not followed), sorted, at most `MERGE_LIMITS.maxFiles`.
 */
async function findJsonFiles(
  inputs: readonly string[],
  cwd: string,
): Promise<{ files: { path: string; size: number }[] } | { problem: string }> {
  const files = new Map<string, number>();
  const tooMany = () => ({
    problem: `more than ${MERGE_LIMITS.maxFiles} JSON files under ${inputs.map((i) => oneLine(i, 80)).join(' ')}; merge fewer at once`,
  });
  for (const input of inputs) {
    const path = resolve(cwd, input);
    let stats;
    try {
      stats = await stat(path);
    } catch (error) {
      return { problem: `cannot read ${oneLine(input, 200)}: ${readFailure(error)}` };
    }
    if (stats.isFile()) {
      files.set(path, stats.size);
      if (files.size > MERGE_LIMITS.maxFiles) return tooMany();
      continue;
    }
    if (!stats.isDirectory())
      return { problem: `${oneLine(input, 200)} is not a file or a folder` };
    const folders: { path: string; depth: number }[] = [{ path, depth: 0 }];
    while (folders.length > 0) {
      const folder = folders.pop() as { path: string; depth: number };
      let names: string[];
      try {
        names = await readdir(folder.path);
      } catch (error) {
        return {
          problem: `cannot read ${oneLine(displayPath(folder.path, cwd), 200)}: ${readFailure(error)}`,
        };
      }
      for (const name of names) {
        const child = join(folder.path, name);
        const entry = await lstat(child);
        if (entry.isDirectory() && folder.depth < MAX_MERGE_DEPTH) {
          folders.push({ path: child, depth: folder.depth + 1 });
        } else if (entry.isFile() && name.endsWith('.json')) {
          files.set(child, entry.size);
          if (files.size > MERGE_LIMITS.maxFiles) return tooMany();
        }
      }
    }
  }
  return {
    files: [...files]
      .sort(([a], [b]) => (relative(cwd, a) < relative(cwd, b) ? -1 : 1))
      .map(([path, size]) => ({ path, size })),
  };
}
