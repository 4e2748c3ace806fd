/**
 * The CLI contract end to end: `npm run lab` against the built app (`vite build` runs first in
 * `npm run test:e2e`). The CLI serves dist/ and launches its own Chromium, so these tests only
 * spawn it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { resultsFileProblems } from '../../src/core/pipeline/resultsSchema';
import type { ResultsFile } from '../../src/core/pipeline/types';

const ROOT = resolve(import.meta.dirname, '../..');

function lab(args: string[], timeout: number, profileDir?: string) {
  const child = spawnSync('npm', ['run', '-s', 'lab', '--', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout,
    // Its own port (the origin of the stage cache), so a lab run elsewhere on the machine cannot
    // take it and hide the cache from the warm run.
    env: {
      ...process.env,
      SAFETUNE_LAB_PORT: '41739',
      ...(profileDir ? { SAFETUNE_PROFILE_DIR: profileDir } : {}),
    },
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

/**
 * Waits (at most 30 s, then kills) until no process runs with `profileDir` on its command line:
 * Playwright's Chromium has its own process group and quits when its pipe to the dead CLI closes.
 */
async function profileReleased(profileDir: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const found = spawnSync('pgrep', ['-f', profileDir]);
    if (found.status !== 0) return;
    await new Promise((wait) => setTimeout(wait, 500));
  }
  spawnSync('pkill', ['-9', '-f', profileDir]);
}

/**
 * Starts the CLI in its own process group and kills the whole group (npm, Node, Chromium) with
 * SIGKILL as soon as stdout matches `pattern` — an interrupted run, as a crash leaves it.
 */
function labUntil(
  args: string[],
  profileDir: string,
  pattern: RegExp,
  timeout = 570_000,
): Promise<{ matched: boolean; match: RegExpExecArray | null; stdout: string }> {
  return new Promise((done) => {
    const child = spawn('npm', ['run', '-s', 'lab', '--', ...args], {
      cwd: ROOT,
      detached: true,
      env: { ...process.env, SAFETUNE_LAB_PORT: '41739', SAFETUNE_PROFILE_DIR: profileDir },
    });
    let stdout = '';
    let match: RegExpExecArray | null = null;
    const kill = () => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(kill, timeout);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (match === null) {
        match = pattern.exec(stdout);
        if (match) kill();
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      void profileReleased(profileDir).then(() => done({ matched: match !== null, match, stdout }));
    });
  });
}

test('run on the micro preset writes a results file that keeps the contract', async () => {
  test.setTimeout(900_000);
  const dir = mkdtempSync(join(tmpdir(), 'safetune-cli-e2e-'));
  const out = join(dir, 'results.json');
  const profile = join(dir, 'profile');
  const result = lab(
    ['run', '--preset', 'micro', '--backend', 'wasm', '--out', out],
    570_000,
    profile,
  );
  expect(result.stderr, result.stdout).not.toMatch(/^error:/m);
  expect(result.status, result.stderr).toBe(0);

  const file: unknown = JSON.parse(readFileSync(out, 'utf8'));
  expect(await resultsFileProblems(file)).toEqual([]);
  expect(file).toMatchObject({ environment: { backend: 'wasm' }, config: { name: 'micro' } });

  expect(result.stdout).toMatch(/^\[finetune\] \d+ steps …$/m);
  expect(result.stdout).toMatch(/^metric +aligned +finetuned +post$/m);
  for (const metric of [
    'harmfulScore',
    'harmfulRefusalRate',
    'benignRefusalRate',
    'benignHelpfulness',
    'finetuneAccuracy',
    'overRefusalRate', // micro evaluates 20 over-refusal prompts
  ]) {
    expect(result.stdout).toMatch(
      new RegExp(`^${metric} +\\d+\\.\\d +\\d+\\.\\d +\\d+\\.\\d$`, 'm'),
    );
  }
  expect(result.stdout).toContain(`results: ${out}`);
  const cold = file as ResultsFile;
  expect(cold.stages.filter((s) => s.cached)).toEqual([]);

  // The same config again, same browser profile: every training stage is a cache hit.
  const warmOut = join(dir, 'warm.json');
  const warm = lab(
    ['run', '--preset', 'micro', '--backend', 'wasm', '--out', warmOut],
    570_000,
    profile,
  );
  expect(warm.status, warm.stderr).toBe(0);
  const warmFile = JSON.parse(readFileSync(warmOut, 'utf8')) as ResultsFile;
  const cachedStages = warmFile.stages.filter((s) => s.cached).map((s) => s.name);
  expect(cachedStages).toEqual(['alignment', 'finetune', 'post']);
  expect(warmFile.metrics).toEqual(cold.metrics);

  // A run killed (with its browser) during fine-tuning, once a checkpoint is written: the same
  // command in the same profile resumes from the checkpoint and ends with the same metrics. (It
  // is also this test's second cold run: its alignment was trained anew in another profile.)
  const killedProfile = join(dir, 'killed-profile');
  const runArgs = ['run', '--preset', 'micro', '--backend', 'wasm'];
  const killed = await labUntil(
    [...runArgs, '--out', join(dir, 'killed.json')],
    killedProfile,
    /^\[finetune\] checkpoint saved at step (\d+)\/(\d+)$/m,
  );
  expect(killed.matched, killed.stdout).toBe(true);
  const resumedOut = join(dir, 'resumed.json');
  const resumed = lab([...runArgs, '--out', resumedOut], 570_000, killedProfile);
  expect(resumed.status, resumed.stderr).toBe(0);
  const resumedLine = /^resumed finetune at step (\d+)\/(\d+)$/m.exec(resumed.stdout);
  expect(resumedLine, resumed.stdout).not.toBeNull();
  // At the checkpoint seen before the kill, or a later one written before the process died.
  expect(Number(resumedLine![1])).toBeGreaterThanOrEqual(Number(killed.match![1]));
  expect(resumedLine![2]).toBe(killed.match![2]);
  const resumedFile = JSON.parse(readFileSync(resumedOut, 'utf8')) as ResultsFile;
  expect(resumedFile.stages.map((s) => [s.name, s.cached])).toEqual([
    ['alignment', true],
    ['finetune', false],
    ['post', false],
    ['evaluation', false],
  ]);
  expect(resumedFile.stages[1].resumedAtStep).toBe(Number(resumedLine![1]));
  expect(resumedFile.metrics).toEqual(cold.metrics);

  console.log(
    `[e2e] killed at ${killed.match![0]}, ${resumedLine![0]}, metrics identical; micro via the CLI: cold ${cold.stages.map((s) => `${s.name} ${s.seconds.toFixed(1)} s`).join(', ')}; ` +
      `warm run cached ${cachedStages.join(', ')}`,
  );
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
