/**
 * The lab page as a student uses it: build a micro experiment, run it on wasm, read the results,
 * export / import / share the config, and find the run again after a reload. Screenshots of the
 * main states go to test-results/ (look at them when the page changes).
 */
import { expect, test, type Page } from '@playwright/test';

const SHOTS = 'test-results';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

async function pageScrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(
    () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
  );
}

/** The micro preset on the wasm backend, once the page has its registries and a worker. */
async function buildMicro(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use:', { timeout: 60_000 });
  await page.getByLabel('Preset').selectOption('micro');
  await page.locator('#field-runtime-backend').selectOption('wasm');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use: wasm', {
    timeout: 60_000,
  });
}

async function configText(page: Page): Promise<string> {
  const text = await page.getByTestId('config-json').textContent();
  expect(text).not.toBe('invalid');
  return text ?? '';
}

test('build a micro run on wasm, watch it, read the results, find it again after a reload', async ({
  page,
}) => {
  test.setTimeout(900_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.setViewportSize(DESKTOP);
  await buildMicro(page);
  expect(await configText(page)).toContain('"name": "micro"');
  await page.screenshot({ path: `${SHOTS}/ui-builder-1280.png`, fullPage: false });

  // An invalid value shows the validator's field-path message and blocks the run, saying why.
  const poison = page.locator('#field-finetune-poisonRatio');
  await poison.fill('1.5');
  const message = 'finetune.poisonRatio: must be between 0 and 1';
  await expect(page.locator('#field-finetune-poisonRatio-error')).toHaveText(message);
  await expect(page.getByTestId('run-button')).toBeDisabled();
  await expect(page.getByTestId('run-blocked')).toContainText(message);
  await poison.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: `${SHOTS}/ui-builder-invalid-1280.png` });
  await poison.fill('0.1');
  await expect(page.getByTestId('run-button')).toBeEnabled();
  await expect(page.getByTestId('preset-modified')).toHaveCount(0);

  await page.getByTestId('run-button').click();
  const monitor = page.getByTestId('run-monitor');
  await expect(monitor).toHaveAttribute('data-status', 'running');
  // Progress advances: step counts of the alignment stage, then of fine-tuning.
  await expect(page.getByTestId('stage-alignment-detail')).toHaveText(/^[1-9]\d* \/ \d+ steps$/, {
    timeout: 120_000,
  });
  await expect(page.getByTestId('stage-finetune-detail')).toHaveText(
    /^([1-9]\d* \/ \d+|✓ \d+) steps$/,
    { timeout: 300_000 },
  );
  await expect(page.getByTestId('loss-chart')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/ui-running-1280.png` });

  await expect(monitor).toHaveAttribute('data-status', 'done', { timeout: 600_000 });
  for (const stage of ['alignment', 'finetune', 'post', 'evaluation']) {
    await expect(page.getByTestId(`stage-${stage}`)).toHaveAttribute('data-status', 'done');
  }

  const table = page.getByTestId('metrics-table');
  await expect(table).toBeVisible();
  await expect(table.locator('tbody tr')).toHaveCount(5);
  await expect(table.getByRole('row', { name: /Harmful score/ })).toContainText(/\d+\.\d/);
  // Harmful prompts answered at each checkpoint, with the judge's verdict, rendered as text.
  const harmful = page.getByTestId('generations-harmful');
  await expect(harmful.locator('article').first()).toBeVisible();
  await expect(harmful.locator('article').first().getByTestId('verdict')).toHaveCount(3);
  await expect(harmful.getByTestId('verdict').first()).toHaveText(/harmful|refused/);
  await page.getByTestId('results').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${SHOTS}/ui-results-1280.png` });
  expect(await pageScrollsSideways(page)).toBe(false);

  // The Antidote view: the fraction pruned per matrix, and a score histogram with the cut.
  const antidote = page.getByTestId('antidote-view');
  await expect(antidote.getByTestId('prune-table').locator('tbody tr').first()).toContainText(
    /\d+\.\d%/,
  );
  await expect(antidote.getByTestId('score-histogram').locator('canvas')).toBeVisible();
  await antidote.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${SHOTS}/ui-antidote-1280.png` });

  await page.setViewportSize(PHONE);
  await page.getByTestId('results').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${SHOTS}/ui-results-390.png` });
  expect(await pageScrollsSideways(page)).toBe(false);
  await page.setViewportSize(DESKTOP);

  // The three stages' weights are in the cache panel, with their sizes.
  await expect(page.getByTestId('cache-row')).toHaveCount(3);
  await expect(page.getByTestId('storage-estimate')).toContainText(/3 cached stages, [\d.]+ MB/);

  // The run was saved as it finished: a reload lists it.
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await page.reload();
  const row = page.getByTestId('run-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('micro');
  await expect(row).toContainText('wasm');
  await row.getByRole('button', { name: 'Show' }).click();
  await expect(page.getByTestId('metrics-table')).toBeVisible();
  await page.getByTestId('runs-table').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/ui-runs-1280.png` });

  // Deleting removes it from IndexedDB, not just from the table.
  await row.getByRole('button', { name: 'Delete run micro' }).click();
  await expect(page.getByTestId('run-row')).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Saved runs' })).toBeVisible();
  await expect(
    page.getByText('Finished runs are saved in this browser and listed here.', { exact: true }),
  ).toBeVisible();
  await expect(page.getByTestId('run-row')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('an exported config imported in a fresh browser context is the same config', async ({
  page,
  browser,
}) => {
  await page.setViewportSize(DESKTOP);
  await buildMicro(page);
  await page.locator('#field-seed').fill('7');
  const original = await configText(page);
  expect(original).toContain('"seed": 7');
  const hash = await page.getByTestId('config-hash').textContent();

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export config', exact: true }).click();
  const file = await (await downloading).path();

  const fresh = await browser.newContext({ viewport: PHONE });
  try {
    const other = await fresh.newPage();
    await other.goto(new URL('/', page.url()).href);
    await expect(other.getByTestId('backend-in-use')).toContainText('In use:', {
      timeout: 60_000,
    });
    expect(await configText(other)).not.toBe(original);
    await other.screenshot({ path: `${SHOTS}/ui-builder-390.png` });
    expect(await pageScrollsSideways(other)).toBe(false);
    await other.locator('#import-file').setInputFiles(file);
    const report = other.getByTestId('import-report');
    await expect(report).toContainText('valid');
    // The differences from the default config are listed before anything changes.
    await expect(report.getByTestId('import-diff')).toContainText('finetune.samples');
    await expect(report.getByTestId('import-diff')).toContainText('seed');
    await report.scrollIntoViewIfNeeded();
    await other.screenshot({ path: `${SHOTS}/ui-import-390.png` });
    expect(await pageScrollsSideways(other)).toBe(false);
    await report.getByRole('button', { name: 'Use this config' }).click();
    expect(await configText(other)).toBe(original);
    await expect(other.getByTestId('config-hash')).toHaveText(hash ?? '');
  } finally {
    await fresh.close();
  }
});

test('a share link opened in a fresh browser context restores the same config', async ({
  page,
  browser,
}) => {
  await buildMicro(page);
  await page.locator('#field-post-maskRatio').fill('0.25');
  await page.locator('#field-finetune-task').selectOption('agnews');
  const original = await configText(page);
  await page.getByRole('button', { name: 'Copy link' }).click();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).toMatch(/#config=[A-Za-z0-9_-]+$/);

  const fresh = await browser.newContext();
  try {
    const other = await fresh.newPage();
    await other.goto(link);
    await expect(other.getByTestId('config-json')).toHaveText(original);
    await expect(other.locator('#field-post-maskRatio')).toHaveValue('0.25');
    await expect(other.getByTestId('backend-in-use')).toContainText('In use: wasm', {
      timeout: 60_000,
    });
  } finally {
    await fresh.close();
  }
});

test('a run can be cancelled, and the builder is usable again', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use:', { timeout: 60_000 });
  // The reference preset is long enough (hundreds of steps) to be caught in the middle.
  await page.locator('#field-runtime-backend').selectOption('wasm');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use: wasm', {
    timeout: 60_000,
  });
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('stage-alignment-detail')).toHaveText(/^[1-9]\d* \/ \d+ steps$/, {
    timeout: 120_000,
  });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('run-monitor')).toHaveAttribute('data-status', 'cancelled');
  await expect(page.getByTestId('run-status')).toHaveText('cancelled');
  await expect(page.getByTestId('run-button')).toBeEnabled();
  await expect(page.getByLabel('Preset')).toBeEnabled();
  await expect(page.getByTestId('run-row')).toHaveCount(0);
});
