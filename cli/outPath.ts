/**
 * Where results go (`--out`), checked before the browser starts so that a finished run is never
 * lost (issue 24, point 5): a results file is never a directory, an existing file is kept unless
 * `--force` (the new one gets a free name), and no `mkdir` can hang (Node's recursive mkdir loops
 * forever under /proc: folders are made one level at a time, after the checks).
 */
import { accessSync, constants, mkdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative } from 'node:path';

/** The kernel's and the devices' folders: their "files" are not storage, and writes there hang or mean something else. */
const SYSTEM_ROOTS = ['/proc', '/sys', '/dev'];

/** Suffixes tried for a free name (`r-1.json` … ) before giving up. */
const MAX_FREE_NAMES = 10_000;

/** `--out` cannot be used; the message is one line, starting with the path as given. */
export class OutPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutPathError';
  }
}

/** Relative to `cwd` when inside it, so the line can be pasted back into a command. */
export function displayPath(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}

/**
 * Checks that a results file can be written at `path` (absolute): not under a system folder, not
 * a directory or a device, its folder an existing writable directory or creatable in one.
 * `shown` is how the user wrote it. Throws `OutPathError`.
 */
export function checkOutFile(path: string, shown: string, cwd: string): void {
  refuseSystemPath(path, shown);
  const stats = statOrUndefined(path, shown, cwd);
  if (stats?.isDirectory()) {
    throw new OutPathError(
      `--out ${shown} is a directory; give a file path (e.g. ${shown.replace(/\/+$/, '')}/results.json)`,
    );
  }
  if (stats && !stats.isFile()) throw new OutPathError(`--out ${shown} is not a regular file`);
  checkFolder(dirname(path), shown, cwd);
}

/**
 * Checks that `dir` (absolute) can hold a sweep's or a search's files, then makes it and its
 * `runs` folder: an existing writable directory, or one creatable under one. Throws `OutPathError`.
 */
export function prepareOutFolder(dir: string, shown: string, cwd: string, sub: string): void {
  refuseSystemPath(dir, shown);
  const stats = statOrUndefined(dir, shown, cwd);
  if (stats && !stats.isDirectory()) {
    throw new OutPathError(`--out ${shown} is a file, not a folder`);
  }
  checkFolder(dir, shown, cwd);
  const runs = join(dir, sub);
  const runStats = statOrUndefined(runs, shown, cwd);
  if (runStats && !runStats.isDirectory()) {
    throw new OutPathError(
      `--out ${shown}: ${displayPath(runs, cwd)} is not a directory (it holds the runs' files)`,
    );
  }
  makeFolders(runs);
}

/**
 * Writes `text` to `path`, or, when a file is there already and `force` is not set, to the first
 * free name beside it (`r-1.json`, `r-2.json`, …): created exclusively, so a file that appeared
 * while the run trained is not overwritten either. Resolves to the path written.
 */
export async function writeKeepingExisting(
  path: string,
  text: string,
  force: boolean,
): Promise<string> {
  makeFolders(dirname(path));
  if (force) {
    await writeFile(path, text);
    return path;
  }
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  for (let n = 0; n <= MAX_FREE_NAMES; n++) {
    const candidate = n === 0 ? path : `${stem}-${n}${ext}`;
    try {
      await writeFile(candidate, text, { flag: 'wx' });
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`no free name beside ${path} (tried ${MAX_FREE_NAMES})`);
}

function refuseSystemPath(path: string, shown: string): void {
  // The path as given, and where its nearest existing part really is (a link may lead there).
  for (const candidate of [path, realNearest(path)]) {
    const root = SYSTEM_ROOTS.find((r) => candidate === r || candidate.startsWith(`${r}/`));
    if (root !== undefined) {
      throw new OutPathError(
        `--out ${shown} is under ${root}; write results to an ordinary folder`,
      );
    }
  }
}

/** `path` with its nearest existing ancestor (itself included) resolved to where it really is. */
function realNearest(path: string): string {
  for (let at = path; ; at = dirname(at)) {
    try {
      return join(realpathSync(at), relative(at, path));
    } catch {
      if (dirname(at) === at) return path;
    }
  }
}

function statOrUndefined(path: string, shown: string, cwd: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new OutPathError(
      `--out ${shown}: cannot look at ${displayPath(path, cwd)} (${code ?? String(error)})`,
    );
  }
}

/** `dir` is a writable directory, or its nearest existing ancestor is one (so it can be made). */
function checkFolder(dir: string, shown: string, cwd: string): void {
  let at = dir;
  let stats = statOrUndefined(at, shown, cwd);
  while (!stats) {
    const parent = dirname(at);
    if (parent === at) throw new OutPathError(`--out ${shown}: no existing folder above it`);
    at = parent;
    stats = statOrUndefined(at, shown, cwd);
  }
  if (!stats.isDirectory()) {
    throw new OutPathError(`--out ${shown}: ${displayPath(at, cwd)} is not a directory`);
  }
  try {
    accessSync(at, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'a read-only file system' : 'permission denied';
    throw new OutPathError(`--out ${shown}: cannot write in ${displayPath(at, cwd)} (${why})`);
  }
}

/** Makes `dir` and any missing folder above it, one level at a time (never a recursive mkdir). */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  let at = dir;
  while (!isDirectory(at)) {
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !isDirectory(folder)) throw error;
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
