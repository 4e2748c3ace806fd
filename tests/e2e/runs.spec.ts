/**
 * The saved-runs table and the comparison, with runs put straight into the lab's IndexedDB (the
 * shipped example results and a re-seeded copy) instead of trained: each row shows its seed and
 * config hash, ✕ can be undone for a while and deletes for good after it (or when the page is
 * left), and the comparison plot's y axis is chosen. Screenshots go to test-results/.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { configHash } from '../../src/core/config/canonical';
import type { ExperimentConfig } from '../../src/core/config/schema';
import type { ResultsFile } from '../../src/core/pipeline/types';
import { DEFAULT_DB_NAME } from '../../src/core/store/schema';

const SHOTS = 'test-results';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const example = JSON.parse(
  readFileSync('public/examples/antidote-sst2.json', 'utf8'),
) as ResultsFile;

/** The example run under another name and seed, re-hashed so the page accepts it. */
async function reseeded(name: string, seed: number): Promise<ResultsFile> {
  const config: ExperimentConfig = { ...example.config, name, seed };
  const results = structuredClone(example);
  results.config = config;
  results.configHash = await configHash(config);
  // A different repair outcome, so the two runs' arrows differ on every axis.
  results.metrics.post = {
    ...results.metrics.post,
    harmfulScore: 30,
    benignHelpfulness: 12,
    finetuneAccuracy: 70,
  };
  return results;
}

/** Saves `results` as runs in the page's database, as the page does when a run finishes. */
async function saveRuns(page: Page, results: ResultsFile[]): Promise<void> {
  const records = results.map((r, i) => ({
    id: `run-${i}`,
    createdAt: Date.UTC(2025, 0, 1 + i, 12),
    name: r.config.name,
    configHash: r.configHash,
    config: r.config,
    results: r,
  }));
  await page.evaluate(
    async ({ dbName, records }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(dbName);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const tx = db.transaction('runs', 'readwrite');
      for (const record of records) tx.objectStore('runs').put(record);
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { dbName: DEFAULT_DB_NAME, records },
  );
}

/** The ids of the runs in the page's database. */
async function storedRunIds(page: Page): Promise<string[]> {
  return page.evaluate(async (dbName) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(dbName);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
      const request = db.transaction('runs').objectStore('runs').getAllKeys();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    return keys.map(String);
  }, DEFAULT_DB_NAME);
}

async function pageScrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    return root.scrollWidth > window.innerWidth;
  });
}

async function shoot(page: Page, name: string): Promise<void> {
  expect(await pageScrollsSideways(page), `${name}: the page scrolls sideways`).toBe(false);
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

const EMPTY = 'Finished runs are saved in this browser and listed here.';

test('saved runs show seed and hash, deletes can be undone, the comparison picks its y axis', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.setViewportSize(DESKTOP);
  await page.goto('/');
  // The empty list means the page has opened (and so created) its database.
  await expect(page.getByText(EMPTY, { exact: true })).toBeVisible({ timeout: 60_000 });
  const seven = await reseeded('seed-seven', 7);
  await saveRuns(page, [example, seven]);
  await page.reload();

  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(2);
  const first = rows.filter({ hasText: 'antidote-sst2' });
  const second = rows.filter({ hasText: 'seed-seven' });
  await expect(first.getByTestId('run-seed')).toHaveText(`seed ${example.config.seed}`);
  await expect(first.getByTestId('run-hash')).toHaveText(example.configHash.slice(0, 8));
  await expect(first.getByTestId('run-hash')).toHaveAttribute('title', example.configHash);
  await expect(second.getByTestId('run-seed')).toHaveText('seed 7');
  await expect(second.getByTestId('run-hash')).toHaveAttribute('title', seven.configHash);

  // --- The comparison's y axis: task accuracy by default, any score on choice. ---
  await first.getByTestId('compare-run').check();
  await second.getByTestId('compare-run').check();
  const comparison = page.getByTestId('run-comparison');
  const scatter = comparison.getByTestId('comparison-scatter');
  await expect(scatter.locator('canvas')).toBeVisible();
  await expect(scatter).toHaveAttribute('data-y-metric', 'finetuneAccuracy');
  await expect(comparison.getByTestId('comparison-y')).toHaveValue('finetuneAccuracy');
  const chart = scatter.locator('.chart');
  await expect(chart).toHaveAttribute('data-y-label', 'task accuracy (%)');
  const pixels = () =>
    scatter.locator('canvas').evaluate((canvas: HTMLCanvasElement) => canvas.toDataURL());
  const accuracyPlot = await pixels();
  const options = comparison.getByTestId('comparison-y').locator('option');
  await expect(options).toHaveCount(5);
  await comparison.getByTestId('comparison-y').selectOption('benignHelpfulness');
  await expect(scatter).toHaveAttribute('data-y-metric', 'benignHelpfulness');
  await expect(chart).toHaveAttribute('data-y-label', 'helpfulness (%)');
  await expect(scatter.locator('figcaption')).toContainText(
    'Harmful score vs helpfulness on benign instructions',
  );
  expect(await pixels(), 'the plot is redrawn for the new y metric').not.toBe(accuracyPlot);
  await comparison.getByTestId('comparison-y').selectOption('benignRefusalRate');
  await expect(chart).toHaveAttribute('data-y-label', 'benign refused (%)');
  await expect(scatter.locator('figcaption')).toContainText('Down and to the left is better');
  await comparison.getByTestId('comparison-y').selectOption('benignHelpfulness');
  await comparison.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'runs-compare-1280');

  const heading = page.getByRole('heading', { name: 'Saved runs' });
  await heading.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'runs-table-1280');
  expect(
    await page
      .getByTestId('runs-table')
      .evaluate((t) => t.scrollWidth <= (t.parentElement?.clientWidth ?? 0)),
    'the runs table fits its panel at 1280',
  ).toBe(true);

  await page.setViewportSize(PHONE);
  await heading.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  // Seed and hash are on screen at phone width, not cut off or scrolled out of the table's box.
  for (const id of ['run-seed', 'run-hash']) {
    const box = await first.getByTestId(id).boundingBox();
    expect(box, `${id} is shown at 390`).not.toBeNull();
    expect((box?.x ?? 0) + (box?.width ?? 0), `${id} fits 390 px`).toBeLessThanOrEqual(390);
  }
  await shoot(page, 'runs-table-390');
  await comparison.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'runs-compare-390');
  await page.setViewportSize(DESKTOP);

  // --- ✕ hides the row and offers Undo; Undo brings it back as it was, ticked #2 again. ---
  const notice = page.getByTestId('undo-delete');
  await second.getByRole('button', { name: 'Delete run seed-seven' }).click();
  await expect(rows).toHaveCount(1);
  await expect(page.getByRole('status').filter({ has: notice })).toHaveText(
    'Deleted run seed-seven · Undo',
  );
  await expect(notice.getByRole('button', { name: 'Undo' })).toBeFocused();
  await expect(comparison.locator('.legend li')).toHaveCount(1);
  await heading.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'runs-undo-1280');
  await page.setViewportSize(PHONE);
  await heading.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'runs-undo-390');
  await page.setViewportSize(DESKTOP);
  await notice.getByRole('button', { name: 'Undo' }).click();
  await expect(notice).toHaveCount(0);
  await expect(rows).toHaveCount(2);
  await expect(second.getByTestId('compare-number')).toHaveText('#2');
  await expect(comparison.locator('.legend li')).toHaveCount(2);
  await page.reload();
  await expect(rows).toHaveCount(2);
  expect(await storedRunIds(page)).toEqual(['run-0', 'run-1']);

  // --- Left alone, the delete happens when the undo window closes, in the store too. ---
  await second.getByRole('button', { name: 'Delete run seed-seven' }).click();
  await expect(rows).toHaveCount(1);
  await expect(notice).toBeVisible();
  await expect(notice).toHaveCount(0, { timeout: 15_000 });
  await expect(rows).toHaveCount(1);
  await expect.poll(() => storedRunIds(page)).toEqual(['run-0']);
  await page.reload();
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText('antidote-sst2');

  // --- A reload inside the undo window commits the pending delete (pagehide), nothing else. ---
  await rows.getByRole('button', { name: 'Delete run antidote-sst2' }).click();
  await expect(notice).toBeVisible();
  await page.reload();
  await expect(page.getByText(EMPTY, { exact: true })).toBeVisible();
  await expect(rows).toHaveCount(0);
  // Gone from the store, not only from the table.
  await expect.poll(() => storedRunIds(page)).toEqual([]);
  await page.reload();
  await expect(page.getByText(EMPTY, { exact: true })).toBeVisible();
  expect(problems).toEqual([]);
});
