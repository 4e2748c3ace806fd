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
