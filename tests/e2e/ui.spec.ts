/**
 * The lab page as a student uses it: build a micro experiment, run it on wasm, read the results,
 * export / import / share the config, and find the run again after a reload. Screenshots of the
 * main states go to test-results/ (look at them when the page changes).
 */
import { expect, test, type Page } from '@playwright/test';
import { listAttacks } from '../../src/core/methods/attack/registry';
import { listMethods } from '../../src/core/methods/registry';

const SHOTS = 'test-results';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** True when the page itself is wider than the window (a table may scroll inside its box). */
async function pageScrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    return root.scrollWidth > window.innerWidth;
  });
}

/** Screenshot of the current state, after checking that the page does not scroll sideways. */
async function shoot(page: Page, name: string): Promise<void> {
  expect(await pageScrollsSideways(page), `${name}: the page scrolls sideways`).toBe(false);
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
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
  await shoot(page, 'ui-builder-1280');

  // An invalid value shows the validator's field-path message and blocks the run, saying why.
  const poison = page.locator('#field-finetune-poisonRatio');
  await poison.fill('1.5');
  const message = 'finetune.poisonRatio: must be between 0 and 1';
  await expect(page.locator('#field-finetune-poisonRatio-error')).toHaveText(message);
  await expect(page.getByTestId('run-button')).toBeDisabled();
  await expect(page.getByTestId('run-blocked')).toContainText(message);
  await poison.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await shoot(page, 'ui-builder-invalid-1280');
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
  await monitor.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'ui-running-1280');
  await page.setViewportSize(PHONE);
  await monitor.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'ui-running-390');
  await page.setViewportSize(DESKTOP);
  // The student reads further down meanwhile: the finished run brings its results into view.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));

  await expect(monitor).toHaveAttribute('data-status', 'done', { timeout: 600_000 });
  await expect(page.getByRole('heading', { name: 'Results', exact: true })).toBeInViewport();
  await expect(page.getByTestId('example-badge')).toHaveCount(0);
  for (const stage of ['alignment', 'finetune', 'post', 'evaluation']) {
    await expect(page.getByTestId(`stage-${stage}`)).toHaveAttribute('data-status', 'done');
  }

  const table = page.getByTestId('metrics-table');
  await expect(table).toBeVisible();
  await expect(table.locator('tbody tr')).toHaveCount(6);
  await expect(table.getByRole('row', { name: /Harmful score/ })).toContainText(/\d+\.\d/);
  // micro evaluates 20 over-refusal prompts: its row holds numbers.
  await expect(table.getByRole('row', { name: /Over-refusals/ })).toContainText(/\d+\.\d/);
  // Harmful prompts answered at each checkpoint, with the judge's verdict, rendered as text.
  const harmful = page.getByTestId('generations-harmful');
  await expect(harmful.locator('article').first()).toBeVisible();
  await expect(harmful.locator('article').first().getByTestId('verdict')).toHaveCount(3);
  await expect(harmful.getByTestId('verdict').first()).toHaveText(/harmful|refused/);
  await page.getByTestId('results').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'ui-results-1280');

  // The Antidote view: the fraction pruned per matrix as a block × matrix summary, a score
  // histogram with the cut, and a heatmap of the chosen matrix's mask, zoomable.
  const antidote = page.getByTestId('antidote-view');
  const tiles = antidote.getByTestId('prune-summary').getByRole('button');
  expect(await tiles.count()).toBeGreaterThan(1);
  await expect(tiles.first()).toHaveText(/^\d+(\.\d)?$/);
  await expect(antidote.getByTestId('prune-table').locator('tbody tr').first()).toContainText(
    /\d+\.\d%/,
  );
  await expect(antidote.getByTestId('score-histogram').locator('canvas')).toBeVisible();
  const matrices = antidote.getByTestId('prune-matrix').locator('option');
  expect(await matrices.count()).toBeGreaterThan(1);
  const second = (await matrices.nth(1).getAttribute('value')) ?? '';
  // A tile chooses its matrix (and the arrow keys move along the row).
  await tiles.first().click();
  await tiles.first().press('ArrowRight');
  await expect(antidote.getByTestId('prune-matrix')).toHaveValue(second);
  await expect(tiles.nth(1)).toBeFocused();
  await expect(
    antidote.getByRole('heading', { name: `${second}: where the mask fell` }),
  ).toBeVisible();
  const heatmap = antidote.getByTestId('mask-heatmap');
  await expect(heatmap.locator('canvas')).toBeVisible();
  await expect(heatmap.getByTestId('mask-legend')).toContainText('% pruned');
  // The mask is drawn: some cells are coloured (not every pixel is white).
  const coloured = await heatmap.locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 0; data && i < data.length; i += 4) if (data[i + 1] < 250) count += 1;
    return count;
  });
  expect(coloured).toBeGreaterThan(0);
  // At fit the map stays within its box (no 3,000 px column); 4× magnifies it and the box scrolls.
  const box = heatmap.getByTestId('mask-box');
  expect((await box.boundingBox())?.height ?? 0).toBeLessThan(260);
  const fitWidth = (await heatmap.locator('canvas').boundingBox())?.width ?? 0;
  await heatmap.getByTestId('mask-zoom-4').click();
  await expect
    .poll(async () => (await heatmap.locator('canvas').boundingBox())?.width ?? 0)
    .toBeCloseTo(fitWidth * 4, 0);
  expect((await box.boundingBox())?.height ?? 0).toBeLessThan(260);
  const canvasBox = await heatmap.locator('canvas').boundingBox();
  if (canvasBox) await page.mouse.move(canvasBox.x + 5, canvasBox.y + 5);
  await expect(heatmap.getByTestId('mask-readout')).toHaveText(
    /^inputs 0(–\d+)? × outputs 0(–\d+)?: \d+% pruned$/,
  );
  await heatmap.getByTestId('mask-zoom-1').click();
  // The matrix picker, its histogram and its heatmap in one view.
  await antidote
    .getByTestId('prune-matrix')
    .evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'ui-antidote-1280');

  await page.setViewportSize(PHONE);
  await page.getByTestId('results').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'ui-results-390');
  await heatmap.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await shoot(page, 'ui-antidote-390');
  await page.setViewportSize(DESKTOP);

  // The three stages are in the cache panel, with their sizes: LoRA stages store only their
  // adapters (kB; the full weights would be about 2 MB each).
  await expect(page.getByTestId('cache-row')).toHaveCount(3);
  await expect(page.getByTestId('storage-estimate')).toContainText(/3 cached stages, [\d.]+ kB/);
  await expect(page.getByTestId('cache-row').first()).toContainText('LoRA r=8');

  // The run was saved as it finished: a reload lists it, and shows it, not the example.
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await page.reload();
  const row = page.getByTestId('run-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('micro');
  await expect(row).toContainText('wasm');
  const results = page.getByTestId('results');
  await expect(results).toContainText('Saved run of');
  await expect(results).toContainText('micro');
  await expect(page.getByTestId('example-badge')).toHaveCount(0);
  // "Show", screens below the results, brings them (and focus) back into view.
  await row.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await row.getByRole('button', { name: 'Show' }).click();
  const heading = page.getByRole('heading', { name: 'Results', exact: true });
  await expect(heading).toBeFocused();
  await expect(heading).toBeInViewport();
  await expect(page.getByTestId('metrics-table')).toBeVisible();
  await page
    .getByRole('heading', { name: 'Saved runs' })
    .evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'ui-runs-1280');
  // At 1280 the runs table fits its panel (no scrolling inside the box either).
  expect(
    await page
      .getByTestId('runs-table')
      .evaluate((table) => table.scrollWidth <= (table.parentElement?.clientWidth ?? 0)),
  ).toBe(true);

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

test('two saved runs selected for comparison show a scatter plot and a comparison table', async ({
  page,
}) => {
  test.setTimeout(900_000);
  await page.setViewportSize(DESKTOP);
  await buildMicro(page);
  // Two micro runs that differ only in the repair's mask ratio (the second reuses the cache).
  const rows = page.getByTestId('run-row');
  for (const [i, mask] of ['0.1', '0.3'].entries()) {
    await page.locator('#field-post-maskRatio').fill(mask);
    await expect(page.getByTestId('run-button')).toBeEnabled();
    await page.getByTestId('run-button').click();
    // Saved as it finishes: the table gains a row.
    await expect(rows).toHaveCount(i + 1, { timeout: 600_000 });
    await expect(page.getByTestId('run-monitor')).toHaveAttribute('data-status', 'done');
  }
  await expect(page.getByTestId('run-comparison')).toHaveCount(0);
  await rows.nth(0).getByTestId('compare-run').check();
  await rows.nth(1).getByTestId('compare-run').check();

  const comparison = page.getByTestId('run-comparison');
  await expect(comparison.getByTestId('comparison-scatter').locator('canvas')).toBeVisible();
  const table = comparison.getByTestId('comparison-table');
  await expect(table.locator('tbody tr')).toHaveCount(2);
  await expect(table.locator('tbody')).toContainText('0.1');
  await expect(table.locator('tbody')).toContainText('0.3');
  // One legend entry per run, and the task's chance level (issue 26) on the task-accuracy axis.
  await expect(comparison.locator('.legend li:not([data-testid="comparison-chance"])')).toHaveCount(
    2,
  );
  await expect(comparison.getByTestId('comparison-chance')).toContainText('chance 50%');
  // Only the mask ratio differs, so it is the one settings column; the rest is said once.
  await expect(table.locator('thead th.differs')).toHaveText(['post.maskRatio']);
  await expect(comparison.getByTestId('comparison-shared')).toContainText('finetune.task sst2');
  await comparison.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'ui-compare-1280');
  expect(
    await table.evaluate((t) => t.scrollWidth <= (t.parentElement?.clientWidth ?? 0)),
    'the comparison table fits its panel at 1280',
  ).toBe(true);
  // The ticked runs carry the numbers the plot and the comparison table use.
  await expect(rows.nth(0).getByTestId('compare-number')).toHaveText('#1');
  await expect(rows.nth(1).getByTestId('compare-number')).toHaveText('#2');
  const runsHeading = page.getByRole('heading', { name: 'Saved runs' });
  await runsHeading.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'ui-runs-compare-1280');
  expect(
    await page
      .getByTestId('runs-table')
      .evaluate((t) => t.scrollWidth <= (t.parentElement?.clientWidth ?? 0)),
    'the runs table fits its panel at 1280',
  ).toBe(true);

  await page.setViewportSize(PHONE);
  await comparison.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'ui-compare-390');
  await runsHeading.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shoot(page, 'ui-runs-390');

  // Unticking one run leaves a one-row comparison; unticking both hides it.
  await rows.nth(0).getByTestId('compare-run').uncheck();
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await rows.nth(1).getByTestId('compare-run').uncheck();
  await expect(page.getByTestId('run-comparison')).toHaveCount(0);
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

  // This config has not run: the results button exports the example beside it, and says so.
  await expect(page.getByTestId('export-results-note')).toContainText(
    "The results shown are the precomputed example (antidote-sst2), not a run of the builder's config",
  );
  const exportingResults = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export the results shown' }).click();
  expect((await exportingResults).suggestedFilename()).toBe('antidote-sst2.example.results.json');

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
    await shoot(other, 'ui-builder-390');
    await other.locator('#import-file').setInputFiles(file);
    const report = other.getByTestId('import-report');
    await expect(report).toContainText('valid');
    // The differences from the default config are listed before anything changes.
    await expect(report.getByTestId('import-diff')).toContainText('finetune.samples');
    await expect(report.getByTestId('import-diff')).toContainText('seed');
    await report.scrollIntoViewIfNeeded();
    await shoot(other, 'ui-import-390');
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
  // Feedback at once: "cancelling…" (a disabled button) until the worker stops between steps.
  await expect(page.getByTestId('run-status')).toHaveText(/^(cancelling…|cancelled)$/, {
    timeout: 1000,
  });
  await expect(page.getByTestId('run-monitor')).toHaveAttribute('data-status', 'cancelled');
  await expect(page.getByTestId('run-status')).toHaveText('cancelled');
  // A cancelled run promises no ETA.
  await expect(page.getByTestId('run-monitor')).not.toContainText('ETA');
  await expect(page.getByTestId('run-button')).toBeEnabled();
  await expect(page.getByLabel('Preset')).toBeEnabled();
  await expect(page.getByTestId('run-row')).toHaveCount(0);
});

test('the builder picks the attack, with its description, citation and parameters', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use:', { timeout: 60_000 });
  for (const attack of listAttacks()) {
    await page.locator('#field-attack-method').selectOption(attack.name);
    const info = page.getByTestId('method-info-attack');
    await expect(info).toContainText(attack.description.slice(0, 60));
    await expect(info).toContainText(attack.citation);
    for (const name of Object.keys(attack.params)) {
      await expect(page.locator(`#param-attack-${name}`)).toBeVisible();
    }
  }
  // refusal-ablation leaves no adapter: with post.target 'adapter' the validator's message is at
  // post.target and the run is blocked until it acts on the merged weights.
  await page.locator('#field-attack-method').selectOption('refusal-ablation');
  await expect(page.locator('#field-post-target-error')).toContainText(
    "attack 'refusal-ablation' leaves no fine-tuning adapter",
  );
  await expect(page.getByTestId('run-button')).toBeDisabled();
  await page.locator('#field-post-target').selectOption('merged');
  await expect(page.getByTestId('run-button')).toBeEnabled();
});

test('the builder describes the selected method of each stage, with a control per parameter', async ({
  page,
}) => {
  await page.setViewportSize(PHONE);
  await page.goto('/');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use:', { timeout: 60_000 });
  // Every registered method, chosen in its stage's select, shows the registry's description,
  // citation and parameters: new methods appear without touching the page.
  for (const method of listMethods()) {
    await page.locator(`#field-${method.stage}-method`).selectOption(method.name);
    const info = page.getByTestId(`method-info-${method.stage}`);
    await expect(info).toContainText(method.description.slice(0, 60));
    if (method.citation) await expect(info).toContainText(method.citation);
    for (const [name, spec] of Object.entries(method.params)) {
      const control = page.locator(`#param-${method.stage}-${name}`);
      await expect(control).toBeVisible();
      if (spec.type === 'number' || spec.type === 'integer') {
        // An out-of-range value gets the validator's field-path message and blocks the run.
        if (spec.max === undefined) continue;
        await control.fill(String(spec.max + 1));
        await expect(page.locator(`#param-${method.stage}-${name}-error`)).toContainText(
          `${method.stage}.params.${name}:`,
        );
        await expect(page.getByTestId('run-button')).toBeDisabled();
        await control.fill(String(spec.default));
        await expect(page.getByTestId('run-button')).toBeEnabled();
      }
    }
  }
  const withParams = listMethods().find((m) => Object.keys(m.params).length > 0);
  if (withParams) {
    await page.locator(`#field-${withParams.stage}-method`).selectOption(withParams.name);
    await page.getByTestId(`method-info-${withParams.stage}`).scrollIntoViewIfNeeded();
    await shoot(page, 'ui-builder-params-390');
  }
  await page.locator('#field-post-method').selectOption('antidote');
  await page.getByTestId('method-info-post').scrollIntoViewIfNeeded();
  await shoot(page, 'ui-builder-methods-390');

  // Judges (issue 26): Hub harmful prompts refuse the built-in world's keyword judge, at its own
  // box and naming the box to untick; ticking another judge and making it primary keeps the
  // message (the keyword judge is still ticked), unticking the keyword judge clears it.
  const run = page.getByTestId('run-button');
  await page.locator('#data-harmful').selectOption('PKU-Alignment/BeaverTails');
  const judges = page.getByTestId('judges');
  const refused = judges.getByTestId('judge-refused-keyword-moderation');
  await expect(refused).toContainText(
    'Untick “keyword-moderation” and tick “refusal-keywords” or “refusal-keywords-extended” or “moderation-classifier” or “refusal-classifier”:',
  );
  await expect(run).toBeDisabled();
  await judges.getByTestId('judge-refusal-keywords').check();
  const primary = judges.getByRole('group', { name: 'Primary judge' });
  await primary.getByRole('radio', { name: 'refusal-keywords' }).check();
  await expect(refused).toHaveText(/^Untick “keyword-moderation”: it recognises harm only/);
  // Said once, at the box: not again as a field-path line below the judges.
  await expect(judges.getByRole('alert')).toHaveCount(1);
  await refused.scrollIntoViewIfNeeded();
  await shoot(page, 'ui-judges-refused-390');
  await judges.getByTestId('judge-keyword-moderation').uncheck();
  await expect(refused).toHaveCount(0);
  await expect(judges.getByRole('alert')).toHaveCount(0);
  await expect(primary.getByRole('radio')).toHaveCount(1);
  await expect(primary.getByRole('radio', { name: 'refusal-keywords' })).toBeChecked();
  await expect(run).toBeEnabled();
});

test('the example run on the first screen shows what Antidote cut, down to a mask heatmap', async ({
  page,
}) => {
  await page.setViewportSize(DESKTOP);
  await page.goto('/');
  const antidote = page.getByTestId('antidote-view');
  await expect(page.getByTestId('results')).toContainText('Example run (precomputed');
  await expect(antidote.getByTestId('mask-heatmap').locator('canvas')).toBeVisible();
  // The example runs Antidote on the fine-tuning adapter: its first matrix is A of block 0's q.
  await expect(antidote.getByTestId('prune-matrix')).toHaveValue('transformer.h.0.attn.q.lora_A');
  await expect(antidote.getByTestId('mask-heatmap')).toContainText('2 inputs × 1 output;');
  await antidote.getByTestId('mask-heatmap').evaluate((el) => el.scrollIntoView({ block: 'end' }));
  await shoot(page, 'ui-example-heatmap-1280');
});
