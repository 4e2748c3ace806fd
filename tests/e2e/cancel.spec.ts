/**
 * Cancel always works (issue 12): clicked half a second after the page loads — while the worker
 * is still starting its backend and preparing the first step — it stops the run for good.
 */
import { expect, test } from '@playwright/test';

test('Run, then Cancel 0.5 s after the page loaded, stops the run', async ({ page }) => {
  await page.goto('/');
  const loaded = Date.now();
  await page.getByTestId('run-button').click();
  await page.waitForTimeout(Math.max(0, 500 - (Date.now() - loaded)));
  await page.getByTestId('cancel-button').click();
  await expect(page.getByTestId('run-status')).toHaveText(/^(cancelling…|cancelled)$/, {
    timeout: 1000,
  });
  await expect(page.getByTestId('run-monitor')).toHaveAttribute('data-status', 'cancelled', {
    timeout: 60_000,
  });
  // It stays stopped: no stage goes on, nothing is saved, Run is offered again.
  const detail = await page.getByTestId('stage-alignment-detail').textContent();
  await page.waitForTimeout(3000);
  await expect(page.getByTestId('stage-alignment-detail')).toHaveText(detail ?? '');
  await expect(page.getByTestId('stage-finetune')).toHaveAttribute('data-status', 'pending');
  await expect(page.getByTestId('run-status')).toHaveText('cancelled');
  await expect(page.getByTestId('run-button')).toBeEnabled();
  await expect(page.getByTestId('run-row')).toHaveCount(0);
});
