import { expect, test } from '@playwright/test';

test('the app page loads without console errors and shows the backend in use', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'SafeTune Lab' })).toBeVisible();
  await expect(page.getByTestId('backend-in-use')).toContainText('In use:', { timeout: 60_000 });
  expect(problems).toEqual([]);
});

test('the first screen already shows a finished example run', async ({ page }) => {
  await page.goto('/');
  const results = page.getByTestId('results');
  await expect(results).toContainText('Example run (precomputed', { timeout: 10_000 });
  await expect(page.getByTestId('example-badge')).toHaveText('Example run (precomputed)');
  // Beside the builder, at the top of the right column: on the first screen at 1280 px.
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(page.getByRole('heading', { name: /^Results/ })).toBeInViewport();
  const table = page.getByTestId('metrics-table');
  await expect(table.locator('tbody tr')).toHaveCount(6);
  await expect(table.getByRole('row', { name: /Harmful score/ })).toContainText(/\d+\.\d/);
  // The shipped example measures over-refusal (28.6% for the aligned model).
  await expect(table.getByRole('row', { name: /Over-refusals/ })).toContainText('28.6');
});
