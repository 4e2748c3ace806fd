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
    // The shipped example (public/examples/antidote-sst2.json): fine-tuning took the harmful score
    // 0 → 100; Antidote cut it to 57 (a fall of 43 ≥ NOTICEABLE) but took task accuracy
    // 83.5 → 42.5 (a loss of 41 ≥ BROKE, and below chance on a two-class task), so summary.ts must
    // call it a broken model, not a repair.
    expect(lines).toEqual([
      'Fine-tuning raised the harmful score 100 points (0% → 100%), refusals of harmful prompts went 90% → 0%, and task accuracy reached 84%.',
      "Harm fell 43 points to 57% (the aligned model's: 0%), refusals came back (0% → 36%), helpfulness rose 23 points and task accuracy fell 41 points to 43%, below chance (50% for 2 classes): the repair mostly broke the model, cutting the harm at the cost of the task skill fine-tuning taught.",
    ]);
    // Before anything runs, the preset and the Run bar say how long a run takes (issue 26, point
    // 4): at the example run's speed until this browser has finished one.
    await expect(page.getByTestId('preset-duration')).toContainText(
      /^Takes about \d+ (s|min) on a 2-core laptop on wasm \(the example run's speed/,
    );
    await expect(page.getByTestId('run-duration')).toContainText(/^Estimated: about \d+ (s|min) /);
    if (width === 1280) {
      // Every preset says how long it takes: the built-in model's at the example's speed, a Hub
      // model's scaled from the real-size run on wasm, or, where nothing measured it, that its
      // first steps will.
      const select = page.locator('#preset-select');
      const names = await select
        .locator('option')
        .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
      expect(names.length).toBeGreaterThan(5);
      for (const name of names) {
        await select.selectOption(name);
        await expect(page.getByTestId('preset-duration'), name).toHaveText(
          /^(Takes about \d+ (s|min|h)( \d+ min)? (on|if it runs on) |Time: nothing here has run its model)/,
        );
      }
      await select.selectOption('antidote-sst2');
    }
    // Task accuracy is read against chance (issue 26): sst2 has 2 classes, so 42.5% is below 50%.
    const results = page.getByTestId('results');
    await expect(results.getByTestId('chance-level')).toHaveText('chance 50% for 2 classes');
    await expect(results.getByTestId('chance-note')).toBeVisible();
    await expect(results.getByTestId('chance-note')).toContainText(
      'Task accuracy of the repaired model: 42.5% — below chance (50%) for 2 classes',
    );
    // The aligned model's 0% is explained in place, opened by keyboard.
    const why = results.getByTestId('why-aligned-accuracy');
    await why.locator('summary').focus();
    await page.keyboard.press('Enter');
    await expect(why).toContainText('alignment does not train the task');
    // The glossary opens by keyboard too, and says what the tables' abbreviations mean.
    const glossary = page.getByTestId('glossary');
    await glossary.locator('summary').focus();
    await page.keyboard.press('Enter');
    await expect(glossary.locator('#glossary-HS')).toContainText('Harmful score');
    await expect(glossary.locator('#glossary-TPE')).toBeVisible();
    await summary.scrollIntoViewIfNeeded();
    // The viewport around the summary: the metrics above it, the first generations below.
    await page.screenshot({ path: `test-results/results-summary-${width}.png` });
  });
}
