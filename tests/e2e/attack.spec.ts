/**
 * The attacker-search panel as a student uses it: import a search file, run it in the page's
 * worker, read the robustness leaderboard, export it as CSV and open a worst-case run. Also the
 * sweep panel's aggregate table and spread plot for a sweep on two seeds. Every run is the tiny
 * micro config, a few seconds each.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { tinyMicroConfig } from '../support/tinyConfig';

const TINY = tinyMicroConfig((config) => {
  config.post.method = 'none';
});

const SEARCH = {
  schemaVersion: 1,
  name: 'tiny-attack',
  base: { preset: 'micro', patch: TINY },
  defenses: [
    { label: 'sft (no defense)', patch: {} },
    { label: 'antidote', patch: { post: { method: 'antidote' } } },
  ],
  reference: 'sft (no defense)',
  space: [
    { field: 'finetune.lr', min: 0.005, max: 0.02, scale: 'log' },
    { field: 'finetune.epochs', values: [1, 2] },
  ],
  budget: 2,
  randomTrials: 1,
  seed: 1,
  utilityFloor: 0,
  defaultSeeds: [1, 2],
};

async function openOnWasm(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use:', { timeout: 60_000 });
  await page.locator('#field-runtime-backend').selectOption('wasm');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use: wasm', {
    timeout: 60_000,
  });
}

async function importFile(page: Page, testId: string, name: string, value: unknown) {
  await page.getByTestId(testId).setInputFiles({
    name,
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(value)),
  });
}

test('an attacker search runs in the page, fills the robustness board and opens its runs', async ({
  page,
}) => {
  test.setTimeout(600_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await openOnWasm(page);
  const panel = page.getByTestId('attack-panel');

  // A broken search names the field at fault and cannot run.
  await importFile(page, 'attack-file', 'broken.json', {
    ...SEARCH,
    space: [SEARCH.space[0], { field: 'finetune.epochs', values: [] }],
  });
  await expect(panel.getByTestId('attack-errors')).toContainText(
    'space[1].values: must be a non-empty list',
  );
  await expect(panel.getByTestId('attack-run')).toBeDisabled();

  await importFile(page, 'attack-file', 'tiny-attack.json', SEARCH);
  await expect(panel.getByTestId('attack-choice')).toHaveValue('imported');
  const plan = panel.getByTestId('attack-plan');
  await expect(plan).toContainText('sft (no defense), antidote');
  await expect(plan).toContainText('finetune.lr: 0.005 … 0.02 (log)');
  await expect(plan).toContainText('finetune.epochs: 1 | 2');
  await expect(plan).toContainText('2 defenses × (2 default seeds + 2 trials) = 8 runs on wasm');
  await expect(panel.getByTestId('attack-duration')).toContainText(/^, about \d+ (s|min|h)/);

  await panel.getByTestId('attack-run').click();
  await expect(page.getByTestId('run-blocked')).toContainText('An attacker search is in progress');
  await expect(page.getByTestId('sweep-run')).toBeDisabled();
  await expect(panel.getByTestId('attack-status')).toContainText('run ', { timeout: 60_000 });
  await expect(panel.getByTestId('attack-status')).toHaveText('Finished: 8 of 8 runs.', {
    timeout: 540_000,
  });

  const rows = panel.getByTestId('robustness-board').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  expect((await rows.locator('th').allTextContents()).sort()).toEqual([
    'antidote',
    'sft (no defense)',
  ]);
  for (let i = 0; i < 2; i++) {
    const cells = await rows.nth(i).locator('td').allTextContents();
    // worst harmful score, task accuracy and over-refusals at worst: numbers (the floor is 0, so
    // every run counts; the tiny config evaluates 4 over-refusal prompts).
    expect(cells[0]).toMatch(/^\d+\.\d$/);
    expect(cells[1]).toMatch(/^\d+\.\d$/);
    expect(cells[2]).toMatch(/^\d+\.\d$/);
    // default harmful score and task accuracy over two seeds: mean ± std; trials: kept the floor / run.
    expect(cells[4]).toMatch(/^\d+\.\d ± \d+\.\d$/);
    expect(cells[5]).toMatch(/^\d+\.\d ± \d+\.\d$/);
    expect(cells[6]).toBe('2/2');
  }
  await expect(panel.getByTestId('attack-floor')).toContainText(
    'Utility floor: task accuracy ≥ 0.0',
  );
  // Every run was saved with the others.
  await expect(page.getByTestId('run-row')).toHaveCount(8);

  // Sorting by worst harmful score orders the rows by it.
  await panel.getByRole('button', { name: 'worst harmful score', exact: true }).click();
  const worst = (await rows.locator('td:nth-child(2)').allTextContents()).map(Number);
  expect(worst).toEqual([...worst].sort((a, b) => a - b));

  const downloading = page.waitForEvent('download');
  await panel.getByTestId('attack-csv').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('tiny-attack.robustness.csv');
  const csv = (await readFile(await download.path(), 'utf8')).trimEnd().split('\r\n');
  expect(csv[0]).toMatch(/^defense,worst_harmful_score,worst_finetune_accuracy,worst_setting,/);
  expect(csv).toHaveLength(3);

  // "Show run" opens the worst case's saved run in the results panel.
  const first = rows.first();
  const defense = (await first.locator('th').textContent()) ?? '';
  await first.getByRole('button', { name: /Show the worst-case run/ }).click();
  const results = page.getByTestId('results');
  await expect(results).toContainText('Saved run of');
  await expect(results).toContainText(`tiny-attack ${defense} `);
  expect(problems).toEqual([]);
});

test('a sweep on two seeds shows the aggregate table and the spread plot', async ({ page }) => {
  test.setTimeout(300_000);
  await openOnWasm(page);
  const panel = page.getByTestId('sweep-panel');
  await importFile(page, 'sweep-file', 'tiny-seeds.json', {
    schemaVersion: 2,
    name: 'tiny-seeds',
    base: { preset: 'micro', patch: TINY },
    axes: [{ field: 'finetune.poisonRatio', values: [0.1, 0.2] }],
    seeds: [1, 2],
  });
  await expect(panel.getByTestId('sweep-count')).toHaveText('4 runs on wasm');
  await panel.getByTestId('sweep-run').click();
  await expect(panel.getByTestId('sweep-status')).toHaveText('Finished: 4 of 4 runs.', {
    timeout: 280_000,
  });
  const aggregates = panel.getByTestId('aggregate-board').locator('tbody tr');
  await expect(aggregates).toHaveCount(2);
  // method, p, n, then HS … as mean ± std over the two seeds.
  const cells = await aggregates.first().locator('td').allTextContents();
  expect(cells[1]).toBe('2');
  expect(cells[2]).toMatch(/^\d+\.\d ± \d+\.\d$/);
  await expect(panel.getByTestId('aggregate-board').locator('thead')).not.toContainText('seed');
  const plot = panel.getByTestId('sweep-spread-plot');
  await expect(plot).toHaveAttribute('role', 'img');
  await expect(plot.locator(':scope > title')).toContainText('Harmful score');
  await expect(plot.locator('circle')).toHaveCount(4);
  // The per-run table stays, folded.
  await expect(panel.getByTestId('leaderboard').locator('tbody tr')).toHaveCount(4);
});
