/** The results view says in words what the repair did (issue 12), at desktop and phone widths. */
import { expect, test } from '@playwright/test';

for (const width of [1280, 390]) {
  test(`the example results carry a two-line summary in words (${width} px)`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/');
    const summary = page.getByTestId('results-summary');
    await expect(summary).toBeVisible({ timeout: 60_000 });
    const lines = await summary.locator('p').allTextContents();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Fine-tuning (raised|left) the harmful score/);
    expect(lines[1]).toMatch(
      /: (a clean repair|a trade-off between safety and skill|the repair did little for safety|the repair mostly broke the model, taking the harm away with its skills)\.$|^No repair was applied/,
    );
    await summary.scrollIntoViewIfNeeded();
    // The viewport around the summary: the metrics above it, the first generations below.
    await page.screenshot({ path: `test-results/results-summary-${width}.png` });
  });
}
