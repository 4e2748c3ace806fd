/**
 * `lab validate` on hostile files (issue 24, point 2): a config nested deep enough to overflow a
 * recursive walk, or too large to parse, is bad input (exit 2, one line), not a crash (exit 1).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LabRunner } from '../../../cli/browserRun';
import { runCli } from './fixtures';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safetune-cli-hostile-'));
});

const notCalled: LabRunner = () => {
  throw new Error('the browser must not be started');
};

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

describe('lab validate on hostile files', () => {
  it('a version-1 config holding an array nested 100,000 deep: exit 2, one line', async () => {
    const deep = `{"schemaVersion":1,"seed":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const result = await runCli(['validate', file('deep.json', deep)], dir, notCalled);
    expect(result.status).toBe(2);
    expect(result.lines).toEqual(['(root): a config is nested more than 32 levels deep']);
  });

  it("an unknown method's params nested 100,000 deep: exit 2, one line", async () => {
    const deep = `{"schemaVersion":3,"post":{"method":"nope","params":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}}`;
    const result = await runCli(['validate', file('deep.json', deep)], dir, notCalled);
    expect(result.status).toBe(2);
    expect(result.lines).toHaveLength(1);
  });

  it('a file over 1 MiB: exit 2, one line, before parsing', async () => {
    const big = `{"schemaVersion":3,"name":"${'x'.repeat(2 << 20)}"}`;
    const result = await runCli(['validate', file('big.json', big)], dir, notCalled);
    expect(result.status).toBe(2);
    expect(result.lines).toEqual([
      expect.stringMatching(/^\(json\): a config is \d+ characters long; at most 1048576$/),
    ]);
  });
});
