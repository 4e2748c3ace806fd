/**
 * The sweep panel as a student uses it: import a sweep file, run it in the page's worker, read
 * the leaderboard, export it as CSV, and run it again (nothing re-runs: every point is saved).
 * The sweep puts every registered defense on the micro experiment, so each method runs in the UI.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { DEFENSE_VARIANTS } from '../../src/core/sweep/presets';

const SHOTS = 'test-results';

const SWEEP = {
  schemaVersion: 1,
  name: 'every-defense-micro',
  base: { preset: 'micro', patch: { post: { method: 'none' } } },
  axes: [{ name: 'method', variants: DEFENSE_VARIANTS }],
};

async function openOnWasm(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use:', { timeout: 60_000 });
  await page.locator('#field-runtime-backend').selectOption('wasm');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use: wasm', {
    timeout: 60_000,
  });
}

async function importSweep(page: Page, name: string, sweep: unknown): Promise<void> {
  await page.getByTestId('sweep-file').setInputFiles({
    name,
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(sweep)),
  });
}

test('a sweep of every defense runs in the page, fills the leaderboard and exports it', async ({
  page,
}) => {
  test.setTimeout(1_200_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.setViewportSize({ width: 1280, height: 800 });
  await openOnWasm(page);
  const panel = page.getByTestId('sweep-panel');

  // A broken sweep says what is wrong, by path, and cannot run.
  await importSweep(page, 'broken.json', {
    ...SWEEP,
    axes: [{ field: 'finetune.poisonRatio', values: [0.1, 2] }],
  });
  await expect(panel.getByTestId('sweep-errors')).toContainText(
    'runs[1] (p=2): finetune.poisonRatio: must be between 0 and 1',
  );
  await expect(panel.getByTestId('sweep-run')).toBeDisabled();

  await importSweep(page, 'every-defense.json', SWEEP);
  await expect(panel.getByTestId('sweep-count')).toHaveText(
    `${DEFENSE_VARIANTS.length} runs on wasm`,
  );
  // Before it runs, the sweep says how long it may take (issue 26, point 4).
  await expect(panel.getByTestId('sweep-duration')).toContainText(/^, at most about \d+ (s|min)/);
  await panel.getByTestId('sweep-run').click();
  await expect(page.getByTestId('run-button')).toBeDisabled();
  await expect(page.getByTestId('run-blocked')).toContainText('A sweep is in progress');
  await expect(panel.getByTestId('sweep-status')).toContainText('run ', { timeout: 60_000 });
  await panel.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${SHOTS}/ui-sweep-running-1280.png` });

  await expect(panel.getByTestId('sweep-status')).toHaveText(
    `Finished: ${DEFENSE_VARIANTS.length} of ${DEFENSE_VARIANTS.length} runs.`,
    { timeout: 1_000_000 },
  );
  const rows = panel.getByTestId('leaderboard').locator('tbody tr');
  await expect(rows).toHaveCount(DEFENSE_VARIANTS.length);
  for (const [i, variant] of DEFENSE_VARIANTS.entries()) {
    await expect(rows.nth(i).locator('th')).toHaveText(variant.label);
    // harmful score, task accuracy, refusals, over-refusals (micro evaluates 20), harmful (fine-tuned): numbers; train seconds too (every stage was trained in this sweep).
    for (const cell of await rows.nth(i).locator('td').allTextContents()) {
      expect(cell).toMatch(/^\d+\.\d$/);
    }
  }
  // One axis (the method), so the trade-off is drawn along it: micro fine-tunes on sst2, so the
  // chance line is at 50%, and the default is the variant that changes nothing.
  const tradeoff = panel.getByTestId('sweep-tradeoff');
  await expect(tradeoff).toHaveAttribute('data-chance', '50');
  await expect(tradeoff.getByTestId('chart-guide')).toHaveText('chance 50% for 2 classes');
  await expect(tradeoff.getByTestId('chart-marker')).toHaveText(
    'default (method = sft (no defense))',
  );
  await expect(tradeoff.locator('canvas')).toBeVisible();
  // Every run was saved with the others.
  await expect(page.getByTestId('run-row')).toHaveCount(DEFENSE_VARIANTS.length);
  await panel.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(
    true,
  );
  await page.screenshot({ path: `${SHOTS}/ui-sweep-1280.png` });
  await tradeoff.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/ui-sweep-tradeoff-1280.png` });

  const downloading = page.waitForEvent('download');
  await panel.getByTestId('sweep-csv').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('every-defense-micro.leaderboard.csv');
  const csv = (await readFile(await download.path(), 'utf8')).trimEnd().split('\r\n');
  expect(csv[0]).toMatch(/^method,harmful_score,finetune_accuracy,/);
  expect(csv.slice(1).map((line) => line.split(',')[0])).toEqual(
    DEFENSE_VARIANTS.map((v) => v.label),
  );

  // Sorting by harmful score orders the rows by it.
  await panel.getByRole('button', { name: 'harmful score', exact: true }).click();
  const scores = (await rows.locator('td:nth-child(2)').allTextContents()).map(Number);
  expect(scores).toEqual([...scores].sort((a, b) => a - b));

  // Run again: every point is already saved, so nothing trains and no run is added.
  await panel.getByTestId('sweep-run').click();
  await expect(panel.getByTestId('sweep-status')).toHaveText(
    `Finished: ${DEFENSE_VARIANTS.length} of ${DEFENSE_VARIANTS.length} runs.`,
    { timeout: 60_000 },
  );
  await expect(page.getByTestId('run-row')).toHaveCount(DEFENSE_VARIANTS.length);

  await page.setViewportSize({ width: 390, height: 844 });
  await panel.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(
    true,
  );
  await page.screenshot({ path: `${SHOTS}/ui-sweep-390.png` });
  await tradeoff.scrollIntoViewIfNeeded();
  await expect(tradeoff.locator('canvas')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/ui-sweep-tradeoff-390.png` });

  // A mask-ratio sweep (issue 26): harm and task accuracy against maskRatio, with the chance line
  // and the default (0.1) marked. Alignment and fine-tuning come from the stage cache.
  await importSweep(page, 'mask-ratio.json', {
    schemaVersion: 1,
    name: 'mask-ratio-micro',
    base: { preset: 'micro' },
    axes: [{ field: 'post.maskRatio', values: [0.05, 0.1, 0.3] }],
  });
  await expect(panel.getByTestId('sweep-count')).toHaveText('3 runs on wasm');
  await panel.getByTestId('sweep-run').click();
  await expect(panel.getByTestId('sweep-status')).toHaveText('Finished: 3 of 3 runs.', {
    timeout: 300_000,
  });
  const ratio = panel.getByTestId('sweep-tradeoff');
  await expect(ratio.getByTestId('chart-guide')).toHaveText('chance 50% for 2 classes');
  await expect(ratio.getByTestId('chart-marker')).toHaveText('default (maskRatio = 0.1)');
  await expect(ratio.locator('canvas')).toBeVisible();
  await ratio.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/ui-sweep-mask-ratio-390.png` });

  // Issue 27: every attack and every repair beside Antidote in one sweep, judged by the keyword
  // judges including the extended refusal list, with over-refusal measured (micro: the numbers
  // mean nothing; that each runs through the page and reports does).
  const pairs = [
    ['harmful-mix', 'antidote-task-aware'],
    ['benign-only', 'safety-arithmetic'],
    ['benign-outliers', 'safemerge'],
    ['jailbreak-tuning', 'safety-patch'],
    ['prefill', 'antidote'],
    ['refusal-ablation', 'safemerge'],
  ] as const;
  await importSweep(page, 'attacks-and-repairs.json', {
    schemaVersion: 1,
    name: 'attacks-and-repairs-micro',
    base: {
      preset: 'micro',
      patch: { evaluation: { judges: ['refusal-keywords-extended', 'keyword-moderation'] } },
    },
    axes: [
      {
        name: 'method',
        variants: pairs.map(([attack, repair]) => ({
          label: `${attack} + ${repair}`,
          patch: {
            attack: { method: attack },
            post: {
              method: repair,
              ...(attack === 'refusal-ablation' ? { target: 'merged' } : {}),
            },
          },
        })),
      },
    ],
  });
  await expect(panel.getByTestId('sweep-count')).toHaveText(`${pairs.length} runs on wasm`);
  await panel.getByTestId('sweep-run').click();
  await expect(panel.getByTestId('sweep-status')).toHaveText(
    `Finished: ${pairs.length} of ${pairs.length} runs.`,
    { timeout: 600_000 },
  );
  const pairRows = panel.getByTestId('leaderboard').locator('tbody tr');
  await expect(pairRows).toHaveCount(pairs.length);
  // The board is still sorted by harmful score (chosen above): every pair is there, in some order.
  expect((await pairRows.locator('th').allTextContents()).sort()).toEqual(
    pairs.map(([attack, repair]) => `${attack} + ${repair}`).sort(),
  );
  for (let i = 0; i < pairs.length; i++) {
    // Every score, over-refusals included, is a number.
    for (const cell of await pairRows.nth(i).locator('td').allTextContents()) {
      expect(cell).toMatch(/^\d+\.\d$/);
    }
  }
  await panel.getByTestId('leaderboard').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/ui-sweep-attacks-390.png` });
  expect(problems).toEqual([]);
});
