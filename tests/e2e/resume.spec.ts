/**
 * Resume after a reload (issue 12): a run reloaded during fine-tuning, once a checkpoint is in
 * IndexedDB, is offered on the next load ("an interrupted run can be resumed"); Resume goes on
 * from the checkpoint and ends with exactly the metrics of a run that was never interrupted.
 * The page warns before unloading while a run is going.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { encodeConfigForUrl } from '../../src/core/config';
import { resolvePreset } from '../../src/core/lab';
import type { CheckpointMetrics, Checkpoint } from '../../src/core/pipeline/types';

const SHOTS = 'test-results';

/** micro on wasm, with a fine-tuning stage long enough (~40 steps) to be reloaded in the middle. */
async function microLink(): Promise<string> {
  const config = resolvePreset('micro');
  config.runtime.backend = 'wasm';
  config.finetune.samples = 400;
  config.finetune.epochs = 2;
  return `/#config=${await encodeConfigForUrl(config)}`;
}

/** The saved runs' metrics, read from the lab's IndexedDB as the runs table does. */
function savedMetrics(page: Page): Promise<Record<Checkpoint, CheckpointMetrics>[]> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const request = indexedDB.open('safetune-lab');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const db = request.result;
          const all = db.transaction('runs').objectStore('runs').getAll();
          all.onsuccess = () => {
            db.close();
            resolve(
              (all.result as { results: { metrics: Record<Checkpoint, CheckpointMetrics> } }[]).map(
                (run) => run.results.metrics,
              ),
            );
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

/** The newest fine-tuning checkpoint's step in the lab's IndexedDB, or 0. */
function finetuneCheckpointStep(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const request = indexedDB.open('safetune-lab');
        request.onerror = () => resolve(0);
        request.onsuccess = () => {
          const db = request.result;
          if (!db.objectStoreNames.contains('checkpoints')) {
            db.close();
            return resolve(0);
          }
          const all = db.transaction('checkpoints').objectStore('checkpoints').getAll();
          all.onsuccess = () => {
            db.close();
            const steps = (all.result as { stage: string; step: number }[])
              .filter((c) => c.stage === 'finetune')
              .map((c) => c.step);
            resolve(steps.length > 0 ? Math.max(...steps) : 0);
          };
          all.onerror = () => resolve(0);
        };
      }),
  );
}

async function runToTheEnd(page: Page): Promise<void> {
  await expect(page.getByTestId('run-status')).toContainText('finished', { timeout: 400_000 });
}

async function uninterrupted(browser: Browser): Promise<Record<Checkpoint, CheckpointMetrics>> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(await microLink());
  await page.getByTestId('run-button').click();
  await runToTheEnd(page);
  await expect.poll(() => savedMetrics(page).then((runs) => runs.length)).toBe(1);
  const [metrics] = await savedMetrics(page);
  await context.close();
  return metrics;
}

test('a reload during fine-tuning, then Resume, ends with the metrics of an uninterrupted run', async ({
  browser,
  page,
}) => {
  test.setTimeout(900_000);
  const reference = await uninterrupted(browser);

  await page.goto(await microLink());
  await expect(page.getByTestId('resume-notice')).toHaveCount(0);
  await page.getByTestId('run-button').click();
  // Reload once fine-tuning has written a checkpoint, half-way or so.
  await expect
    .poll(() => finetuneCheckpointStep(page), { timeout: 400_000, intervals: [200] })
    .toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('stage-saved-finetune')).toContainText('checkpoint at step');
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.type());
    void dialog.accept();
  });
  await page.reload();
  // The page asked before leaving a running experiment.
  expect(dialogs).toEqual(['beforeunload']);

  const notice = page.getByTestId('resume-notice');
  await expect(notice).toBeVisible();
  await expect(page.getByTestId('resume-name')).toHaveText('micro');
  const saved = await finetuneCheckpointStep(page);
  await expect(page.getByTestId('resume-point')).toContainText(
    new RegExp(`fine-tuning step ${saved} of \\d+`),
  );
  await page.screenshot({ path: `${SHOTS}/resume-notice-1280.png` });
  await page.getByTestId('resume-button').click();
  await expect(notice).toHaveCount(0);
  await expect(page.getByTestId('stage-resumed-finetune')).toContainText(
    `resumed at step ${saved}`,
    { timeout: 120_000 },
  );
  await runToTheEnd(page);
  await expect.poll(() => savedMetrics(page).then((runs) => runs.length)).toBe(1);
  const [metrics] = await savedMetrics(page);
  expect(metrics).toEqual(reference);
  // A finished run leaves no checkpoint behind, and the next load offers nothing.
  expect(await finetuneCheckpointStep(page)).toBe(0);
  await page.reload();
  await expect(page.getByTestId('config-hash')).not.toHaveText('—');
  await expect(page.getByTestId('resume-notice')).toHaveCount(0);
  console.log(
    `[e2e] reloaded at fine-tuning checkpoint step ${saved}, resumed, metrics identical: ${JSON.stringify(metrics.post)}`,
  );
});

test('Dismiss forgets an interrupted run', async ({ page }) => {
  await page.goto(await microLink());
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-status')).toContainText('running');
  page.on('dialog', (dialog) => void dialog.accept());
  await page.reload();
  await expect(page.getByTestId('resume-notice')).toBeVisible();
  await page.getByTestId('resume-dismiss').click();
  await expect(page.getByTestId('resume-notice')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('config-hash')).not.toHaveText('—');
  await expect(page.getByTestId('resume-notice')).toHaveCount(0);
});
