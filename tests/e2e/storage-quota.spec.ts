/**
 * A browser whose storage is full (Chromium's real quota, made tiny through the DevTools
 * protocol) cannot cache a run's stage weights: the run says so in its notes and still finishes
 * with its results, instead of failing at the first stage it tries to save.
 */
import { expect, test } from '@playwright/test';
import type { ExperimentConfig } from '../../src/core/config';
import { tinyMicroConfig } from '../support/tinyConfig';

function tinyRun(): ExperimentConfig {
  return tinyMicroConfig((config) => {
    config.name = 'storage-quota';
    config.runtime.backend = 'wasm';
  });
}

test('with the storage quota full, a run finishes with its results and notes what it could not cache', async ({
  page,
  baseURL,
}) => {
  await page.goto('/');
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(baseURL ?? 'http://127.0.0.1:4173').origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1 });
  const outcome = await page
    .evaluate(async (config) => {
      const lab = window.safetuneLab.createLabWorker();
      try {
        await lab.api.init('wasm');
        const notes: string[] = [];
        const results = await lab.api.runExperiment(
          'quota',
          config,
          lab.progress(({ event }) => {
            if (event.type === 'log') notes.push(event.message);
          }),
        );
        return {
          stages: results.stages.map((s) => `${s.name}:${s.cached ? 'cached' : 'computed'}`),
          metrics: Object.keys(results.metrics).sort(),
          notes,
        };
      } finally {
        lab.terminate();
      }
    }, tinyRun())
    // Without a size the override ends: later tests in this browser get the real quota.
    .finally(() => cdp.send('Storage.overrideQuotaForOrigin', { origin }));
  console.log(`[e2e] storage quota: ${JSON.stringify(outcome)}`);
  expect(outcome.stages).toEqual([
    'alignment:computed',
    'finetune:computed',
    'post:computed',
    'evaluation:computed',
  ]);
  expect(outcome.metrics).toEqual(['aligned', 'finetuned', 'post']);
  const unsaved = outcome.notes.filter((n) =>
    /^could not save the .+ weights \(.+\): the browser's storage quota is full .*; the run goes on, but this stage will be computed again next time$/.test(
      n,
    ),
  );
  expect(unsaved).toHaveLength(3);
});

test('with the storage quota full, the page keeps the finished run on screen, notes why and can export it', async ({
  page,
  baseURL,
}) => {
  await page.goto('/');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use:', { timeout: 60_000 });
  await page.getByLabel('Preset').selectOption('micro');
  await page.locator('#field-runtime-backend').selectOption('wasm');
  await expect(page.getByTestId('backend-in-use')).toContainText('In use: wasm', {
    timeout: 60_000,
  });
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(baseURL ?? 'http://127.0.0.1:4173').origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1 });
  try {
    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('run-monitor')).toHaveAttribute('data-status', 'done', {
      timeout: 300_000,
    });
    // The stage cache's failures are the run's notes, not its end.
    await expect(page.getByTestId('run-notes')).toContainText(
      /could not save the aligned weights \(.+\): the browser's storage quota is full/,
    );
    await expect(page.getByTestId('results')).toBeVisible();
    // The saved-runs table cannot take it either, and says so; the file export still can.
    await expect(page.getByRole('alert')).toContainText([
      /The run finished but could not be saved in this browser \(.*storage quota is full.*\); its results stay on this page — use "Export config \+ results" to keep them as a file\./,
    ]);
    await expect(page.getByRole('button', { name: 'Export config + results' })).toBeEnabled();
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  }
});
