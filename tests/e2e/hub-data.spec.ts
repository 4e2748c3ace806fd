/**
 * Issue 11's "done when": a run of the built-in model on Hub-layout BeaverTails and SST-2 parquet
 * files (project-made fixtures, `npm run fixtures:datasets`) from a local Hub server, judged by
 * refusal-keywords and the tiny ONNX moderation classifier, with their agreement shown — in the
 * CLI and in the page. Screenshots go to test-results/.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { runLab } from '../support/labCli';
import { encodeConfigForUrl, type ExperimentConfig } from '../../src/core/config';
import { resolvePreset } from '../../src/core/lab';
import { resultsFileProblems } from '../../src/core/pipeline/resultsSchema';
import type { ResultsFile } from '../../src/core/pipeline/types';
import { startHubServer, type HubServer } from '../support/hubServer';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = 'test-results';

let server: HubServer;
test.beforeAll(async () => {
  server = await startHubServer(resolve(ROOT, 'tests/fixtures/hub'));
});
test.afterAll(() => server.close());

/** The micro preset on Hub data with two judges, small enough for a few minutes on wasm. */
function hubDataConfig(): ExperimentConfig {
  const config = resolvePreset('micro');
  config.name = 'hub-data-two-judges';
  config.runtime.backend = 'wasm';
  config.data = {
    task: {
      dataset: 'stanfordnlp/sst2',
      config: 'default',
      train: 'train',
      eval: 'validation',
      maxRows: 10_000,
      files: null,
    },
    harmful: {
      dataset: 'PKU-Alignment/BeaverTails',
      config: 'default',
      train: '30k_train',
      eval: '30k_test',
      maxRows: 10_000,
      files: null,
    },
    refusal: {
      dataset: 'PKU-Alignment/BeaverTails',
      config: 'default',
      train: '30k_train',
      eval: '30k_test',
      maxRows: 10_000,
      files: null,
    },
    benign: null,
    overRefusal: null,
  };
  config.alignment.samples = 40;
  config.finetune.samples = 40;
  config.post.realignmentSamples = 16;
  config.evaluation = {
    ...config.evaluation,
    judges: ['refusal-keywords', 'moderation-classifier'],
    classifier: {
      model: 'tiny/moderation',
      harmfulLabels: ['unsafe'],
      dtype: 'fp32',
      input: 'pair',
      threshold: 0.5,
      maxLength: 128,
    },
    harmfulPrompts: 16,
    benignPrompts: 4,
    helpfulnessPrompts: 4,
    taskPrompts: 8,
    maxNewTokens: 8,
    probeEvery: 0,
    keepSamples: 16,
  };
  return config;
}

const lab = runLab;

test('CLI: run on Hub BeaverTails + SST-2 with two judges prints both scores and their agreement', async () => {
  test.setTimeout(480_000);
  const dir = mkdtempSync(join(tmpdir(), 'safetune-hub-data-'));
  const configPath = join(dir, 'config.json');
  const out = join(dir, 'results.json');
  writeFileSync(configPath, JSON.stringify(hubDataConfig()));
  const result = await lab(
    ['run', configPath, '--backend', 'wasm', '--out', out, '--fresh-profile'],
    {
      HF_ENDPOINT: server.endpoint,
    },
  );
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  expect(result.stdout).toMatch(/^\[download\] datasets\/PKU-Alignment\/BeaverTails /m);
  expect(result.stdout).toMatch(/^\[download\] datasets\/stanfordnlp\/sst2 /m);
  expect(result.stdout).toMatch(/^\[download\] tiny\/moderation@main onnx\/model\.onnx/m);
  expect(result.stdout).toMatch(/^judge: harmful score/m);
  expect(result.stdout).toMatch(/^refusal-keywords \(primary\)/m);
  expect(result.stdout).toMatch(/^moderation-classifier/m);
  expect(result.stdout).toMatch(
    /^agreement post: refusal-keywords vs moderation-classifier κ = \S+/m,
  );
  const file = JSON.parse(readFileSync(out, 'utf8')) as ResultsFile;
  expect(await resultsFileProblems(file)).toEqual([]);
  expect(file.data?.harmful?.license).toMatch(/CC-BY-NC-4\.0/);
  expect(file.judges?.agreement.map((a) => a.checkpoint)).toEqual(['aligned', 'finetuned', 'post']);
  for (const entry of file.judges?.agreement ?? []) expect(entry.n).toBe(16);
});

test('page: the same run shows each judge, their agreement, the data licence, and hides real answers', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  const payload = await encodeConfigForUrl(hubDataConfig());
  await page.goto(`/#config=${payload}`);
  await page.locator('#hub-endpoint').fill(server.endpoint);
  await expect(page.getByTestId('data-harmful-license')).toContainText('CC-BY-NC-4.0');
  await expect(page.getByTestId('classifier-settings')).toBeVisible();
  await expect(page.getByTestId('backend-in-use')).toContainText('In use: wasm', {
    timeout: 60_000,
  });
  await page.getByTestId('group-data').screenshot({ path: `${SHOTS}/hub-data-builder-1280.png` });
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-monitor')).toHaveAttribute('data-status', 'done', {
    timeout: 540_000,
  });

  const report = page.getByTestId('judges-report');
  await expect(report).toBeVisible();
  await expect(report.getByTestId('judge-row-refusal-keywords')).toBeVisible();
  await expect(report.getByTestId('judge-row-moderation-classifier')).toBeVisible();
  await expect(report.getByTestId('classifier-details')).toContainText('tiny/moderation@main');
  await expect(report.getByTestId('agreement-post')).toContainText('κ =');
  await expect(page.getByTestId('data-provenance')).toContainText('PKU-Alignment/BeaverTails');
  await expect(page.getByTestId('data-provenance')).toContainText('CC-BY-NC-4.0');

  // Answers to real harmful prompts are hidden, one by one, behind a warning.
  const harmful = page.getByTestId('generations-harmful');
  const hidden = harmful.getByTestId('output-hidden');
  expect(await hidden.count()).toBeGreaterThan(0);
  await expect(harmful.getByTestId('output')).toHaveCount(0);
  await hidden.first().getByTestId('output-show').click();
  await expect(harmful.getByTestId('output')).toHaveCount(1);
  await report.scrollIntoViewIfNeeded();
  await report.screenshot({ path: `${SHOTS}/hub-data-judges-1280.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await report.screenshot({ path: `${SHOTS}/hub-data-judges-390.png` });
});
