import { expect, test } from '@playwright/test';

test('a cancel sent right behind a long worker call stops it at its first step, leaving no tensors', async ({
  page,
}) => {
  await page.goto('/');
  const outcome = await page.evaluate(async () => {
    const lab = window.safetuneLab.createLabWorker();
    try {
      await lab.api.init('wasm');
      const seen: number[] = [];
      const run = lab.api.trainSynthetic(
        'cancelled',
        {
          model: {
            vocabSize: 32,
            dModel: 16,
            nLayers: 1,
            nHeads: 2,
            contextLength: 16,
            mlpRatio: 4,
          },
          batch: 4,
          steps: 500,
          seed: 1,
        },
        lab.progress(({ event }) => seen.push(event.step)),
      );
      // Messages reach the worker in order: the cancel is queued behind the call, so the worker
      // sees it at the call's first yield between steps, whatever the timing (no race).
      void lab.api.cancel();
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
  expect(outcome.steps).toBeLessThanOrEqual(1);
  // The cancelled run released its model and optimizer state.
  expect(outcome.numTensors).toBe(0);
});

test("a script's own worker stops the page's idle one (auto's WebGL probe would compete for the cores), and the Backend panel says so", async ({
  page,
}) => {
  await page.goto('/');
  // The page starts its own worker on the default backend (auto) once it is ready.
  await expect.poll(() => page.workers().length, { timeout: 30_000 }).toBe(1);
  const pageWorker = page.workers()[0];
  const closed = new Promise<void>((done) => pageWorker.once('close', () => done()));
  await page.evaluate(() => {
    (window as unknown as { scriptLab: unknown }).scriptLab = window.safetuneLab.createLabWorker();
  });
  await closed;
  await expect(page.getByTestId('backend-stood-down')).toBeVisible();
  await expect(page.getByTestId('backend-in-use')).toHaveCount(0);
  expect(page.workers()).toHaveLength(1);
});
