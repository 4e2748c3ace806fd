import { expect, test } from '@playwright/test';

test('a long worker call reports progress and can be cancelled', async ({ page }) => {
  await page.goto('/');
  const outcome = await page.evaluate(async () => {
    const lab = window.safetuneLab.createLabWorker();
    try {
      await lab.api.init('wasm');
      const seen: number[] = [];
      let cancelled = false;
      const run = lab.api.trainSynthetic(
        {
          model: {
            vocabSize: 32,
            dModel: 32,
            nLayers: 1,
            nHeads: 2,
            contextLength: 16,
            mlpRatio: 4,
          },
          batch: 4,
          steps: 500,
          seed: 1,
        },
        lab.progress((event) => {
          if (event.type !== 'step') return;
          seen.push(event.step);
          if (event.step === 2 && !cancelled) {
            cancelled = true;
            void lab.api.cancel();
          }
        }),
      );
      const error = await run.then(
        () => null,
        (e: Error) => e.message,
      );
      const memory = await lab.api.memory();
      return { error, steps: seen.length, numTensors: memory.numTensors };
    } finally {
      lab.terminate();
    }
  });
  expect(outcome.error).toMatch(/cancelled/);
  expect(outcome.steps).toBeGreaterThanOrEqual(3);
  expect(outcome.steps).toBeLessThan(50);
  // The cancelled run released its model and optimizer state.
  expect(outcome.numTensors).toBe(0);
});
