/**
 * The CLI contract end to end: `npm run lab` against the built app (`vite build` runs first in
 * `npm run test:e2e`). The CLI serves dist/ and launches its own Chromium, so these tests only
 * spawn it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { resultsFileProblems } from '../../src/core/pipeline/resultsSchema';

const ROOT = resolve(import.meta.dirname, '../..');

function lab(args: string[], timeout: number) {
  const child = spawnSync('npm', ['run', '-s', 'lab', '--', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout,
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

test('run on the micro preset writes a results file that keeps the contract', async () => {
  test.setTimeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), 'safetune-cli-e2e-'));
  const out = join(dir, 'results.json');
  const result = lab(['run', '--preset', 'micro', '--backend', 'wasm', '--out', out], 570_000);
  expect(result.stderr, result.stdout).not.toMatch(/^error:/m);
  expect(result.status, result.stderr).toBe(0);

  const file: unknown = JSON.parse(readFileSync(out, 'utf8'));
  expect(resultsFileProblems(file)).toEqual([]);
  expect(file).toMatchObject({ environment: { backend: 'wasm' }, config: { name: 'micro' } });

  expect(result.stdout).toMatch(/^\[finetune\] \d+ steps …$/m);
  expect(result.stdout).toMatch(/^metric +aligned +finetuned +post$/m);
  for (const metric of [
    'harmfulScore',
    'harmfulRefusalRate',
    'benignRefusalRate',
    'benignHelpfulness',
    'finetuneAccuracy',
  ]) {
    expect(result.stdout).toMatch(
      new RegExp(`^${metric} +\\d+\\.\\d +\\d+\\.\\d +\\d+\\.\\d$`, 'm'),
    );
  }
  expect(result.stdout).toContain(`results: ${out}`);
});

test('validate on a bad config exits 2 with one field-path line per problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'safetune-cli-e2e-'));
  const path = join(dir, 'bad.json');
  writeFileSync(
    path,
    JSON.stringify({ schemaVersion: 1, seed: 1.5, finetune: { poisonRatio: -0.1, task: 'sst3' } }),
  );
  const result = lab(['validate', path], 60_000);
  expect(result.status).toBe(2);
  const lines = result.stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(3);
  expect(lines).toContain('finetune.poisonRatio: must be between 0 and 1');
  expect(lines.find((line) => line.startsWith('seed: '))).toBeDefined();
  expect(lines.find((line) => line.startsWith('finetune.task: '))).toBeDefined();
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
});
