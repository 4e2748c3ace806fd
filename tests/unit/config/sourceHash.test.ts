import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashSourceTree } from '../../../scripts/sourceHash';
import { CORE_SOURCE_HASH } from '../../../src/core/version';

describe('the core source hash in every stage cache key', () => {
  it('changes with any file of the tree, its content or its name, and only then', () => {
    const root = mkdtempSync(join(tmpdir(), 'safetune-source-'));
    mkdirSync(join(root, 'train'));
    writeFileSync(join(root, 'train', 'adamw.ts'), 'export const beta1 = 0.9;\n');
    writeFileSync(join(root, 'random.ts'), 'export {};\n');
    const first = hashSourceTree(root);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSourceTree(root)).toBe(first);
    writeFileSync(join(root, 'train', 'adamw.ts'), 'export const beta1 = 0.95;\n');
    const edited = hashSourceTree(root);
    expect(edited).not.toBe(first);
    renameSync(join(root, 'random.ts'), join(root, 'rng.ts'));
    expect(hashSourceTree(root)).not.toBe(edited);
  });

  it('is baked into the build (here: the Vitest build) from src/core', () => {
    expect(CORE_SOURCE_HASH).toBe(hashSourceTree(resolve('src/core')));
  });
});
