/**
 * A workshop (issue 29, item 2): the presenter makes a workshop link of a small sweep; two
 * laptops (browser contexts) open it, each takes a shard — one by number, one the shard its link
 * names — runs it in the page and exports one results bundle; the presenter's page, which ran the
 * whole sweep itself, merges the bundles by file upload (one file, then a folder; then both
 * dropped at once) and shows the same leaderboard. A garbled bundle is one line and the merge
 * before it stays; so is a link cut short. Screenshots go to test-results/.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import { DEFAULT_VALIDATION_CONTEXT } from '../../src/core/lab';
import { planSweepShards, runsOfShard, type ResultsBundle } from '../../src/core/shard';
import { expandSweep } from '../../src/core/sweep';
import { tinyMicroConfig } from '../support/tinyConfig';

const SHOTS = 'test-results';
const tiny = tinyMicroConfig();

/**
 * Four tiny runs: two fine-tunings (p) on one alignment, each repaired by Antidote at two mask
 * ratios of the merged weights. Measured on wasm (`lab run`): p = 0.5 at maskRatio 0.02 keeps a
 * harmful score of 87.5, at 0.06 none, so the rows differ and a run's numbers filed under another
 * run would show. The evaluation is small (24 prompts of at most 24 tokens) but long enough for
 * an answer to be judged.
 */
const SWEEP = {
  schemaVersion: 1,
  name: 'workshop-micro',
  base: {
    preset: 'micro',
    patch: {
      alignment: { samples: tiny.alignment.samples },
      finetune: { samples: tiny.finetune.samples },
      post: { realignmentSamples: tiny.post.realignmentSamples, target: 'merged' },
      evaluation: {
        ...tiny.evaluation,
        harmfulPrompts: 8,
        taskPrompts: 8,
        maxNewTokens: 24,
      },
    },
  },
  axes: [
    { field: 'finetune.poisonRatio', values: [0, 0.5] },
    { field: 'post.maskRatio', values: [0.02, 0.06] },
  ],
};

/** Opens `url` with the builder on wasm from the start (no time spent starting auto first). */
async function onWasm(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('#field-runtime-backend').selectOption('wasm');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use: wasm', {
    timeout: 120_000,
  });
}

/** A leaderboard's rows as data: the method, the setting and every score, training time aside. */
async function boardRows(board: Locator): Promise<string[]> {
  const rows: string[] = [];
  for (const row of await board.locator('tbody tr').all()) {
    const cells = [
      await row.locator('th').innerText(),
      ...(await row.locator('td').allInnerTexts()),
    ];
    // The last column is the training time: how the runs happened, not what they measured.
    rows.push(cells.slice(0, -1).join(' | '));
  }
  return rows.sort();
}

/** A laptop: opens `link`, takes `shard` (chosen by number when `pick`), runs it, exports it. */
async function laptop(
  browser: Browser,
  link: string,
  shard: number,
  pick: boolean,
  width: number,
): Promise<{ name: string; text: string }> {
  const context = await browser.newContext({ viewport: { width, height: 844 } });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await onWasm(page, link);
    const panel = page.getByTestId('workshop-panel');
    await expect(panel.getByTestId('workshop-shard').getByRole('heading', { level: 3 })).toHaveText(
      'Sweep workshop-micro: 4 runs in 2 shards',
    );
    // Opened from a link, the workshop is the first card of the page.
    expect(
      await page.evaluate(
        () => document.querySelector('main .card')?.getAttribute('data-testid') ?? null,
      ),
    ).toBe('workshop-panel');
    const choice = panel.getByLabel('Your shard');
    await expect(choice.locator('option')).toHaveText([
      /^Shard 1 of 2: \d runs, \d+% of the work/,
      /^Shard 2 of 2: \d runs, \d+% of the work/,
    ]);
    if (pick) await choice.selectOption(String(shard));
    else {
      await expect(choice).toHaveValue(String(shard));
      await expect(panel.getByTestId('workshop-suggestion')).toHaveText(
        `Suggested: shard ${shard}, the one this link names.`,
      );
    }
    await panel.getByRole('button', { name: `Run shard ${shard}` }).click();
    await expect(panel.getByTestId('workshop-status')).toHaveText(
      new RegExp(`^Finished: (\\d) of \\1 runs of shard ${shard}/2\\. Export the results bundle`),
      { timeout: 240_000 },
    );
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true);
    await page.screenshot({ path: `${SHOTS}/workshop-shard-${shard}-${width}.png` });
    const downloading = page.waitForEvent('download');
    await panel.getByRole('button', { name: `Export results bundle (shard ${shard})` }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe(`workshop-micro.shard-${shard}-of-2.bundle.json`);
    const text = await readFile(await download.path(), 'utf8');
    expect(problems).toEqual([]);
    return { name: download.suggestedFilename(), text };
  } finally {
    await context.close();
  }
}

test('two laptops run the shards of one workshop link; their merged bundles give the whole sweep’s leaderboard', async ({
  browser,
  page,
}) => {
  // 1.0 to 2.5 min measured on a shared 2-core machine (load average 8 to 15).
  test.setTimeout(480_000);
  const started = Date.now();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.setViewportSize({ width: 1280, height: 800 });
  await onWasm(page, '/');

  // The presenter: the sweep into the sweep panel, a link for two laptops.
  const sweep = page.getByTestId('sweep-panel');
  await sweep.getByTestId('sweep-file').setInputFiles({
    name: 'workshop-micro.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(SWEEP)),
  });
  await expect(sweep.getByTestId('sweep-count')).toHaveText('4 runs on wasm');
  await sweep.getByText('Workshop link: split this sweep across laptops').click();
  await sweep.getByLabel(/^Shards \(one per laptop/).fill('2');
  await sweep.getByRole('button', { name: 'Create workshop link' }).click();
  const link = await sweep.getByTestId('workshop-link').inputValue();
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#workshop=[A-Za-z0-9_-]+$/);

  // The presenter's page runs the whole sweep while the laptops run their shards.
  await sweep.getByTestId('sweep-run').click();
  const [one, two] = await Promise.all([
    laptop(browser, link, 1, true, 390),
    laptop(browser, `${link}&shard=2`, 2, false, 1280),
  ]);
  await expect(sweep.getByTestId('sweep-status')).toHaveText('Finished: 4 of 4 runs.', {
    timeout: 240_000,
  });
  const ran = Date.now();

  // Each bundle holds exactly the runs `lab sweep --shard i/2` runs, together the sweep once.
  const expanded = expandSweep(SWEEP, DEFAULT_VALIDATION_CONTEXT);
  if (!expanded.ok) throw new Error(expanded.errors[0].message);
  const plan = await planSweepShards(expanded.runs, 2);
  for (const [i, file] of [one, two].entries()) {
    const bundle = JSON.parse(file.text) as ResultsBundle;
    const expected = runsOfShard(expanded.runs, plan, { index: i + 1, count: 2 }).map(
      (r) => r.index,
    );
    expect(bundle.kind).toBe('safetune-lab/results-bundle');
    expect(bundle.manifest.shard).toEqual({ index: i + 1, count: 2 });
    expect(bundle.manifest.backend).toBe('wasm');
    expect(bundle.runs.map((r) => r.index)).toEqual(expected);
    expect(bundle.runs.every((r) => r.results.environment.backend === 'wasm')).toBe(true);
  }

  // The merge, one bundle at a time: the board grows, and what is missing is named with its shard.
  const merge = page.getByTestId('workshop-merge');
  const upload = (files: { name: string; text: string }[]) =>
    merge.getByLabel('Bundles or results files (or drop them here)').setInputFiles(
      files.map((f) => ({
        name: f.name,
        mimeType: 'application/json',
        buffer: Buffer.from(f.text),
      })),
    );
  const shardTwo = runsOfShard(expanded.runs, plan, { index: 2, count: 2 });
  await upload([one]);
  await expect(merge.getByTestId('workshop-merge-state')).toHaveText(
    `Sweep workshop-micro: ${4 - shardTwo.length} of 4 runs merged from 1 file; ${shardTwo.length} missing.`,
  );
  await expect(merge.getByTestId('workshop-merge-shards').locator('li')).toHaveText([
    `Shard 1/2: all ${4 - shardTwo.length} runs`,
    `Shard 2/2: 0 of ${shardTwo.length} runs, no bundle yet`,
  ]);
  await expect(merge.getByTestId('workshop-merge-missing').locator('li')).toHaveText(
    shardTwo.map(
      (r) =>
        `run ${r.index} (p=${r.coordinates.p}, maskRatio=${r.coordinates.maskRatio}) (shard 2/2; its shard.json is not among the inputs)`,
    ),
  );
  // The second as a folder (a laptop's shared folder): its .json files are merged, the rest left.
  const folder = await mkdtemp(join(tmpdir(), 'workshop-bundles-'));
  await writeFile(join(folder, two.name), two.text);
  await writeFile(join(folder, 'notes.txt'), 'not a bundle');
  await merge.getByLabel('Or a folder of them').setInputFiles(folder);
  await expect(merge.getByTestId('workshop-merge-state')).toHaveText(
    'Sweep workshop-micro: 4 of 4 runs merged from 2 files.',
  );
  const merged = await boardRows(merge.getByTestId('leaderboard'));
  const whole = await boardRows(sweep.getByTestId('leaderboard'));
  expect(merged).toHaveLength(4);
  expect(merged).toEqual(whole);
  // Method, p, maskRatio and five scores (harm, task, refusals, over-refusals, harm fine-tuned);
  // the harmful scores differ between runs, so the rows are told apart by their numbers too.
  const cells = merged.map((row) => row.split(' | '));
  for (const row of cells) {
    expect(row).toHaveLength(8);
    for (const score of row.slice(3)) expect(score).toMatch(/^\d+\.\d$/);
  }
  expect(new Set(cells.map((row) => row[3])).size).toBeGreaterThan(1);

  // A garbled bundle: one line, and the merge before it stays.
  await upload([{ name: 'garbled.bundle.json', text: one.text.slice(0, one.text.length / 2) }]);
  await expect(merge.getByTestId('workshop-merge-refused').locator('li')).toHaveText([
    /^garbled\.bundle\.json: not valid JSON \(/,
  ]);
  await expect(merge.getByTestId('workshop-merge-state')).toHaveText(
    'Sweep workshop-micro: 4 of 4 runs merged from 2 files.',
  );
  expect(await boardRows(merge.getByTestId('leaderboard'))).toEqual(whole);
  await merge.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/workshop-merge-1280.png` });
  // The merge at phone width: nothing wider than the screen (the board scrolls in its box).
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(
    true,
  );
  await merge.getByTestId('workshop-merge-shards').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/workshop-merge-390.png` });

  // Cleared, then both bundles dropped at once on the drop zone: the same board again.
  await merge.getByRole('button', { name: 'Clear the merge' }).click();
  await expect(merge.getByTestId('leaderboard')).toHaveCount(0);
  const dataTransfer = await page.evaluateHandle(
    (files) => {
      const data = new DataTransfer();
      for (const f of files)
        data.items.add(new File([f.text], f.name, { type: 'application/json' }));
      return data;
    },
    [one, two],
  );
  await merge.getByTestId('workshop-drop').dispatchEvent('drop', { dataTransfer });
  await expect(merge.getByTestId('workshop-merge-state')).toHaveText(
    'Sweep workshop-micro: 4 of 4 runs merged from 2 files.',
  );
  expect(await boardRows(merge.getByTestId('leaderboard'))).toEqual(whole);
  const took = Date.now();

  // A link cut short: one line at the top of the page, and the rest of the lab works.
  const cut = link.slice(0, -12);
  // Whole bytes left (base64 of a length 1 mod 4 is read as foreign characters instead); from a
  // blank page, as only the fragment differs from the page's own address (the link made here).
  await page.goto('about:blank');
  await page.goto(cut.split('#workshop=')[1].length % 4 === 1 ? cut.slice(0, -1) : cut);
  const error = page.getByTestId('workshop-link-error');
  await expect(error).toHaveText(
    'This workshop link could not be used: this link is damaged or incomplete: it was cut short or altered on the way. Ask for the link again; the rest of the lab works as usual.',
  );
  await expect(error).toHaveAttribute('role', 'alert');
  expect(
    await page.evaluate(
      () => document.querySelector('main .card')?.getAttribute('data-testid') ?? null,
    ),
  ).toBe('workshop-panel');
  await expect(page.getByTestId('config-hash')).not.toHaveText('—');
  await expect(page.getByTestId('run-button')).toBeEnabled({ timeout: 60_000 });
  expect(problems).toEqual([]);
  console.log(
    `workshop e2e: shards and whole sweep ${((ran - started) / 1000).toFixed(1)} s, merge ${((took - ran) / 1000).toFixed(1)} s, broken link ${((Date.now() - took) / 1000).toFixed(1)} s`,
  );
});
