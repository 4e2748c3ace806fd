/**
 * Run within reach on a phone, and shared links that tell the truth (issue 12): at 390 px the
 * Run button sits in a bar fixed at the foot of the screen wherever the page is scrolled, while
 * 1280 px keeps it at the top of the right column; a link's config shows as its preset or as
 * "shared config", and the precomputed example of another config is replaced by a note until the
 * link's config has run. A hostile link (issue 24) is one line of error and the rest of the page
 * still loads. Screenshots go to test-results/.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { configHash, encodeConfigForUrl, type ExperimentConfig } from '../../src/core/config';
import { resolvePreset } from '../../src/core/lab';
import type { ResultsFile } from '../../src/core/pipeline/types';
import { DEFAULT_DB_NAME } from '../../src/core/store/schema';

const SHOTS = 'test-results';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const NOTE = 'This link shares a config, not results: run it to see its results here.';

async function openLink(page: Page, config: ExperimentConfig): Promise<void> {
  await page.goto(`/#config=${await encodeConfigForUrl(config)}`);
  await expect(page.getByTestId('config-hash')).not.toHaveText('—');
}

/** Whether the whole of `locator` lies inside the window as it is scrolled now. */
async function inWindow(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const size = page.viewportSize();
  if (!box || !size) return false;
  return (
    box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height
  );
}

/**
 * From the page as loaded, Tab at most 5 times: Run itself, or the skip link to it, takes focus
 * (the link shows itself when focused, and Enter on it puts focus on Run). Issue 26: it took 57.
 */
async function tabToRun(page: Page, width: number): Promise<void> {
  const run = page.getByTestId('run-button');
  const skip = page.getByTestId('skip-to-run');
  const focused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);
  for (let tabs = 1; tabs <= 5; tabs++) {
    await page.keyboard.press('Tab');
    if (await focused(run)) return;
    if (await focused(skip)) {
      await expect(skip).toHaveText('Skip to Run');
      expect(await inWindow(page, skip)).toBe(true);
      await page.screenshot({ path: `${SHOTS}/skip-link-${width}.png` });
      await page.keyboard.press('Enter');
      await expect(run).toBeFocused();
      expect(await inWindow(page, run)).toBe(true);
      return;
    }
  }
  throw new Error('neither Run nor the skip link to it had focus after 5 Tabs');
}

test('at 390 px the Run button stays on screen at the top, mid-builder and the foot of the page', async ({
  page,
}) => {
  await page.setViewportSize(PHONE);
  await page.goto('/');
  const run = page.getByTestId('run-button');
  await expect(run).toBeEnabled({ timeout: 60_000 });
  await expect(run).toHaveCount(1);
  // The bar's button still says why it cannot run, when it cannot.
  await expect(run).toHaveAttribute('aria-describedby', 'run-blocked');
  await expect(page.getByTestId('run-bar').locator('#run-blocked')).toHaveCount(1);
  await tabToRun(page, PHONE.width);
  await run.blur();

  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  expect(await inWindow(page, run)).toBe(true);
  await page.screenshot({ path: `${SHOTS}/phone-run-bar-top-390.png` });

  // Halfway down the builder (several screens of fields on a phone).
  const builder = page.getByRole('region', { name: 'Build an experiment' });
  await builder.evaluate((el) => {
    const box = el.getBoundingClientRect();
    window.scrollTo(0, window.scrollY + box.top + box.height / 2 - window.innerHeight / 2);
  });
  expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(PHONE.height);
  expect(await inWindow(page, run)).toBe(true);
  await page.screenshot({ path: `${SHOTS}/phone-run-bar-builder-390.png` });

  // At the foot of the page the last panel ends above the bar, not under it.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  const bar = await page.getByTestId('run-bar').boundingBox();
  const last = await page.locator('main > .right > :last-child').boundingBox();
  expect(bar && last).toBeTruthy();
  expect(last!.y + last!.height).toBeLessThanOrEqual(bar!.y);
  expect(await inWindow(page, run)).toBe(true);
  await page.screenshot({ path: `${SHOTS}/phone-run-bar-foot-390.png` });
});

test('at 1280 px the Run button keeps its place at the top of the right column', async ({
  page,
}) => {
  await page.setViewportSize(DESKTOP);
  await page.goto('/');
  const run = page.getByTestId('run-button');
  await expect(run).toBeEnabled({ timeout: 60_000 });
  await tabToRun(page, DESKTOP.width);
  const builder = await page.getByRole('region', { name: 'Build an experiment' }).boundingBox();
  const button = await run.boundingBox();
  expect(builder && button).toBeTruthy();
  expect(button!.x).toBeGreaterThan(builder!.x + builder!.width);
  expect(button!.y).toBeLessThan(builder!.y + 100);
  await expect(page.getByTestId('run-bar')).toHaveCSS('position', 'static');
  // Scrolled down, the button goes with the page: there is no bar on a wide screen.
  await page.evaluate(() => window.scrollTo(0, 1500));
  expect(await inWindow(page, run)).toBe(false);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SHOTS}/phone-run-bar-1280.png` });

  // The second skip link, next after the first, takes focus to the Results (the example's here).
  await expect(page.getByTestId('results')).toBeVisible();
  const skipToResults = page.getByTestId('skip-to-results');
  await page.getByTestId('skip-to-run').focus();
  await page.keyboard.press('Tab');
  await expect(skipToResults).toBeFocused();
  expect(await inWindow(page, skipToResults)).toBe(true);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('results')).toBeFocused();
  expect(await inWindow(page, page.locator('#results-title'))).toBe(true);
  expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
  await page.screenshot({ path: `${SHOTS}/skip-to-results-1280.png` });
});

test('a link to a config that is no preset shows "shared config" and no example beside it', async ({
  page,
}) => {
  await page.setViewportSize(PHONE);
  const config = resolvePreset('antidote-sst2');
  config.seed += 1;
  await openLink(page, config);
  const preset = page.getByLabel('Preset');
  await expect(preset.locator('option:checked')).toHaveText('shared config');
  await expect(page.getByTestId('preset-shared')).toBeVisible();
  await expect(page.getByTestId('preset-modified')).toHaveCount(0);
  const note = page.getByTestId('shared-config-note');
  await expect(note).toContainText(NOTE);
  await expect(page.getByTestId('results')).toHaveCount(0);
  await expect(page.locator('#field-seed')).toHaveValue(String(config.seed));
  await note.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/shared-config-note-390.png` });

  // Edited, it is "modified" against the link's config; back to the link's value, it is not.
  await page.locator('#field-seed').fill(String(config.seed + 1));
  await expect(page.getByTestId('preset-modified')).toBeVisible();
  await page.locator('#field-seed').fill(String(config.seed));
  await expect(page.getByTestId('preset-modified')).toHaveCount(0);

  // Choosing a preset leaves the link's config behind.
  await preset.selectOption('micro');
  await expect(preset.locator('option:checked')).toHaveText('micro');
  await expect(preset.locator('option', { hasText: 'shared config' })).toHaveCount(0);
});

test('a link to a preset shows that preset, whatever its backend, and its example only if it is the example', async ({
  page,
}) => {
  await page.setViewportSize(DESKTOP);
  const micro = resolvePreset('micro');
  micro.runtime.backend = 'wasm';
  await openLink(page, micro);
  const preset = page.getByLabel('Preset');
  await expect(preset.locator('option:checked')).toHaveText('micro');
  await expect(preset.locator('option', { hasText: 'shared config' })).toHaveCount(0);
  await expect(page.getByTestId('preset-modified')).toHaveCount(0);
  await expect(page.locator('#field-runtime-backend')).toHaveValue('wasm');
  // The example ran antidote-sst2, not micro.
  await expect(page.getByTestId('shared-config-note')).toContainText(NOTE);
  await expect(page.getByTestId('results')).toHaveCount(0);

  const sst2 = resolvePreset('antidote-sst2');
  sst2.runtime.backend = 'wasm';
  // A new document: a fragment-only navigation would not reopen the page.
  await page.goto('about:blank');
  await openLink(page, sst2);
  await expect(preset.locator('option:checked')).toHaveText('antidote-sst2');
  await expect(page.getByTestId('results')).toContainText('Example run (precomputed');
  await expect(page.getByTestId('shared-config-note')).toHaveCount(0);
});

test('a damaged link keeps the default preset and its example, and says what is wrong', async ({
  page,
}) => {
  await page.setViewportSize(DESKTOP);
  const payload = await encodeConfigForUrl(resolvePreset('micro'));
  await page.goto(`/#config=${payload.slice(0, payload.length - 12)}`);
  await expect(page.getByRole('alert')).toContainText('this link is damaged or incomplete');
  await expect(page.getByLabel('Preset').locator('option:checked')).toHaveText('antidote-sst2');
  await expect(page.getByTestId('results')).toContainText('Example run (precomputed');
  await expect(page.getByTestId('shared-config-note')).toHaveCount(0);
});

test('once a shared config has run, its own results replace the note', async ({ page }) => {
  test.setTimeout(600_000);
  await page.setViewportSize(PHONE);
  const config = resolvePreset('micro');
  config.name = 'tiny-shared';
  config.alignment.samples = 16;
  config.finetune.samples = 16;
  config.post.realignmentSamples = 8;
  Object.assign(config.evaluation, {
    harmfulPrompts: 4,
    benignPrompts: 4,
    helpfulnessPrompts: 4,
    taskPrompts: 4,
    maxNewTokens: 4,
    probePrompts: 2,
    keepSamples: 2,
  });
  config.runtime.backend = 'wasm';
  await openLink(page, config);
  await expect(page.getByTestId('shared-config-note')).toBeVisible();
  await expect(page.getByTestId('backend-in-use')).toContainText('In use: wasm', {
    timeout: 60_000,
  });
  // Clicked in the phone's bar from the top of the page.
  await page.getByTestId('run-button').click();
  await expect(page.getByRole('button', { name: 'Show progress' })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/phone-run-bar-running-390.png` });
  await page.getByRole('button', { name: 'Show progress' }).click();
  await expect(page.getByTestId('run-monitor')).toBeInViewport();
  // Back to the top of the builder, screens above the results: the finished run scrolls there.
  await page.evaluate(() => window.scrollTo(0, 0));
  await expect(page.getByTestId('run-monitor')).toHaveAttribute('data-status', 'done', {
    timeout: 540_000,
  });
  await expect(page.getByRole('heading', { name: 'Results', exact: true })).toBeInViewport();
  await page.screenshot({ path: `${SHOTS}/phone-run-finished-390.png` });
  await expect(page.getByTestId('results')).toContainText('This run');
  await expect(page.getByTestId('shared-config-note')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Show progress' })).toHaveCount(0);
});

/** A link built by hand from arbitrary text, as an attacker would. */
async function linkOf(text: string): Promise<string> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return Buffer.from(await new Response(stream).arrayBuffer()).toString('base64url');
}

/** Saves `results` as a run in the page's database, as the page does when a run finishes. */
async function saveRun(page: Page, results: ResultsFile): Promise<void> {
  const record = {
    id: 'run-saved',
    createdAt: Date.UTC(2025, 0, 1, 12),
    name: results.config.name,
    configHash: results.configHash,
    config: results.config,
    results,
  };
  await page.evaluate(
    async ({ dbName, record }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(dbName);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const tx = db.transaction('runs', 'readwrite');
      tx.objectStore('runs').put(record);
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { dbName: DEFAULT_DB_NAME, record },
  );
}

test('a short link nested 200,000 deep is one line of error; saved runs and the resume offer still load', async ({
  page,
}) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.setViewportSize(DESKTOP);
  await page.goto('/');
  // The empty list means the page has opened (and so created) its database.
  await expect(
    page.getByText('Finished runs are saved in this browser and listed here.', { exact: true }),
  ).toBeVisible({ timeout: 60_000 });
  const example = JSON.parse(
    readFileSync('public/examples/antidote-sst2.json', 'utf8'),
  ) as ResultsFile;
  await saveRun(page, example);
  // A run an earlier page left unfinished, as the page remembers it.
  const micro = resolvePreset('micro');
  const active = { config: micro, configHash: await configHash(micro), startedAt: Date.now() };
  await page.evaluate(
    (run) => localStorage.setItem('safetune-lab.active-run', run),
    JSON.stringify(active),
  );

  const payload = await linkOf(
    `{"schemaVersion":1,"seed":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
  );
  expect(payload.length).toBeLessThan(1_500);
  await page.goto('about:blank');
  await page.goto(`/#config=${payload}`);
  const alert = page
    .getByRole('alert')
    .filter({ hasText: 'The config in this link could not be used' });
  await expect(alert.locator('li')).toHaveCount(1);
  await expect(alert.locator('li')).toHaveText(
    '(root): a config is nested more than 32 levels deep',
  );
  await expect(page.getByLabel('Preset').locator('option:checked')).toHaveText('antidote-sst2');
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await expect(page.getByTestId('run-row')).toContainText(example.config.name);
  await expect(page.getByTestId('resume-notice')).toBeVisible();
  await expect(page.getByTestId('resume-name')).toHaveText(micro.name);
  expect(problems).toEqual([]);
});

test('a link to a run at every training maximum shows its estimate and asks before it runs', async ({
  page,
}) => {
  await page.setViewportSize(PHONE);
  const config = resolvePreset('micro');
  config.runtime.backend = 'wasm';
  for (const stage of [config.alignment, config.finetune]) {
    stage.samples = 100_000;
    stage.epochs = 100;
  }
  await openLink(page, config);
  const run = page.getByTestId('run-button');
  await expect(run).toBeEnabled({ timeout: 60_000 });
  await run.click();
  const check = page.getByRole('alertdialog');
  await expect(check).toBeVisible();
  await expect(check.getByTestId('cost-estimate')).toContainText(
    'training steps (20,000,000 rows) on a 486k-parameter model',
  );
  await expect(check).toBeInViewport();
  await page.screenshot({ path: `${SHOTS}/link-cost-check-390.png` });
  await check.getByRole('button', { name: 'Cancel' }).click();
  await expect(check).toHaveCount(0);
  await expect(page.getByTestId('run-monitor')).toHaveCount(0);
});
