/**
 * SHA-256 of a source tree: every file's path (relative, `/`-separated) and bytes, in sorted path
 * order. Vite computes it for `src/core/` at build (and test) time and bakes it into the bundle
 * as the stage cache's `coreSourceHash`, so any change to training, data or model code gives new
 * cache keys: a kept browser or CLI profile can never serve weights trained by older code.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export function hashSourceTree(root: string): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  walk(root);
  const hash = createHash('sha256');
  for (const path of files.map((f) => relative(root, f).split(sep).join('/')).sort()) {
    hash.update(`${path}\0`);
    hash.update(readFileSync(join(root, path)));
    hash.update('\0');
  }
  return hash.digest('hex');
}
