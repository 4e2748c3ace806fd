import {
  appendFileSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  STAGE_CODE_ROOTS,
  hashFiles,
  stageCodeFiles,
  stageCodeHash,
} from '../../../scripts/sourceHash';
import { CORE_SOURCE_HASH } from '../../../src/core/version';

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'safetune-source-'));
  temporary.push(dir);
  return dir;
}

/** A tree of `files` (path → text) under a fresh temporary folder. */
function tree(files: Record<string, string>): string {
  const root = tempDir();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the walk of the import graph', () => {
  const files = {
    'main.ts': [
      "import type { Shape } from './types';",
      "import { step } from './step';",
      "import { type Row, rows } from './rows.js';",
      "import * as tf from '@tensorflow/tfjs';",
      "export { adamw } from './adamw';",
      "export type { Plan } from './plan';",
      "type Lazy = typeof import('./typeOnly');",
      "export const load = () => import('./lazy');",
      'export const use = [step, rows, tf] as unknown as Shape & Row & Lazy;',
    ].join('\n'),
    'types.ts': 'export type Shape = number;\n',
    'step.ts': "import { seed } from './random';\nexport const step = seed;\n",
    'random.ts': 'export const seed = 1;\n',
    'rows.ts': 'export type Row = string;\nexport const rows: Row[] = [];\n',
    'adamw.ts': "import './kernels';\nexport const adamw = 0.9;\n",
    'kernels/index.ts': 'export {};\n',
    'plan.ts': 'export type Plan = string;\n',
    'typeOnly.ts': 'export const unused = 0;\n',
    'lazy.ts': "export const computed = await import('./deep');\n",
    'deep.ts': 'export const deep = 2;\n',
    'README.md': '# not code\n',
  };

  it('follows value imports, re-exports and dynamic imports, never type-only ones', () => {
    expect(stageCodeFiles(tree(files), ['main.ts'])).toEqual([
      'adamw.ts',
      'deep.ts',
      'kernels/index.ts',
      'lazy.ts',
      'main.ts',
      'random.ts',
      'rows.ts',
      'step.ts',
    ]);
  });

  it('hashes the reached files only, their paths and their text with LF line ends', () => {
    const root = tree(files);
    const first = stageCodeHash(root, ['main.ts']);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(root, 'README.md'), '# edited\n');
    writeFileSync(join(root, 'typeOnly.ts'), 'export const unused = 1;\n');
    writeFileSync(join(root, 'plan.ts'), 'export type Plan = number;\n');
    expect(stageCodeHash(root, ['main.ts'])).toBe(first);
    writeFileSync(join(root, 'step.ts'), files['step.ts'].replace(/\n/g, '\r\n'));
    expect(stageCodeHash(root, ['main.ts'])).toBe(first);
    writeFileSync(join(root, 'deep.ts'), 'export const deep = 3;\n');
    expect(stageCodeHash(root, ['main.ts'])).not.toBe(first);
  });

  it('hashes a file under its path: the same text elsewhere is another hash', () => {
    const root = tree({ 'a.ts': 'export {};\n', 'b.ts': 'export {};\n' });
    expect(hashFiles(root, ['a.ts'])).not.toBe(hashFiles(root, ['b.ts']));
  });

  it('refuses a missing root, naming it', () => {
    const root = tree(files);
    expect(() => stageCodeFiles(root, ['main.ts', 'src/core/moved.ts'])).toThrow(
      'the root src/core/moved.ts does not exist',
    );
  });

  it('refuses an import of no file and a computed dynamic import, naming the importer', () => {
    const broken = tree({ 'main.ts': "import { gone } from './gone';\nexport { gone };\n" });
    expect(() => stageCodeFiles(broken, ['main.ts'])).toThrow(
      'main.ts imports "./gone", which is no file',
    );
    const computed = tree({
      'main.ts': 'export const load = (name: string) => import(`./methods/${name}`);\n',
    });
    expect(() => stageCodeFiles(computed, ['main.ts'])).toThrow(
      'main.ts:1 imports a computed specifier',
    );
  });
});

describe('the source hash in every stage cache key', () => {
  const repo = resolve('.');

  it('covers the kernels, model, training and methods, not the bench or the wording', () => {
    const hashed = stageCodeFiles(repo);
    for (const root of STAGE_CODE_ROOTS) expect(hashed).toContain(root);
    expect(hashed).toEqual(
      expect.arrayContaining([
        'src/core/runtime/webgpuKernels.ts',
        'src/core/runtime/webgpuFused.ts',
        'src/core/model/forward.ts',
        'src/core/train/adamw.ts',
        'src/core/prune/wanda.ts',
        'src/core/tokenizer/huggingface.ts',
      ]),
    );
    const outside = hashed.filter(
      (path) =>
        /^src\/core\/(bench|sweep|attack|store)\//.test(path) ||
        /\.md$/.test(path) ||
        ['src/core/metrics/summary.ts', 'src/core/pipeline/run.ts'].includes(path),
    );
    expect(outside).toEqual([]);
  });

  it('on a copy of the tree: a README, the summary or the bench keep it; a kernel moves it', () => {
    const copy = tempDir();
    cpSync(resolve('src/core'), join(copy, 'src/core'), { recursive: true });
    copyFileSync(resolve('README.md'), join(copy, 'README.md'));
    const before = stageCodeHash(copy);
    expect(before).toBe(stageCodeHash(repo));
    const edited = (path: string): string => {
      const original = readFileSync(join(copy, path), 'utf8');
      appendFileSync(join(copy, path), '\n// an edit\n');
      try {
        return stageCodeHash(copy);
      } finally {
        writeFileSync(join(copy, path), original);
      }
    };
    for (const path of [
      'README.md',
      'src/core/config/README.md',
      'src/core/metrics/summary.ts',
      'src/core/bench/modelBench.ts',
      'src/core/bench/syntheticTraining.ts',
      'src/core/sweep/leaderboard.ts',
      'src/core/attack/run.ts',
    ]) {
      expect(edited(path), path).toBe(before);
    }
    for (const path of ['src/core/runtime/webgpuKernels.ts', 'src/core/model/forward.ts']) {
      expect(edited(path), path).not.toBe(before);
    }
    expect(stageCodeHash(copy)).toBe(before);
  });

  it('is baked into the build (here: the Vitest build) from the same walk', () => {
    expect(CORE_SOURCE_HASH).toBe(stageCodeHash(repo));
  });
});
