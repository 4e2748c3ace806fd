/**
 * A WebGPU device lost under a run (here: tfjs's own GPUDevice destroyed inside the worker, as a
 * driver reset would lose it), or out of GPU memory (the real `uncapturederror` event with a
 * `GPUOutOfMemoryError`, raised on that device), ends the run at once with one line that says so
 * and offers wasm; the worker refuses later calls with the same line, and the same config then
 * runs to the end on a fresh wasm worker (what the page's "Retry on wasm" does).
 */
import { expect, test, type Page } from '@playwright/test';
import type { ExperimentConfig } from '../../src/core/config';
import { tinyMicroConfig } from '../support/tinyConfig';

/** The micro preset cut down to a few steps per stage and a handful of evaluation prompts. */
function tinyRun(backend: 'webgpu' | 'wasm'): ExperimentConfig {
  return tinyMicroConfig((config) => {
    config.name = `device-loss-${backend}`;
    config.runtime.backend = backend;
  });
}

interface Outcome {
  backend: string;
  stepsBefore: number;
  lost: boolean;
  msToReject: number;
  error: string | null;
  name: string | null;
  later: string | null;
}

/** Starts a run on webgpu, fails the device `how` at the first step event, reports what came back. */
async function failDeviceUnderRun(page: Page, how: 'destroy' | 'out-of-memory'): Promise<Outcome> {
  await page.goto('/');
  return page.evaluate(
    async ({ config, how }) => {
      const lab = window.safetuneLab.createLabWorker();
      try {
        const backend = (await lab.api.init('webgpu')).backend;
        let lostAt = 0;
        let steps = 0;
        let stepsBefore = 0;
        let losing: Promise<boolean> | null = null;
        const error = await lab.api
          .runExperiment(
            'lost',
            config,
            lab.progress(({ event }) => {
              if (event.type !== 'step') return;
              steps += 1;
              if (losing) return;
              lostAt = performance.now();
              stepsBefore = steps;
              losing = lab.api.debugLoseDevice(how);
            }),
          )
          .then(
            () => null,
            (e: Error) => e,
          );
        const msToReject = performance.now() - lostAt;
        // The failed device cannot be used again: the worker says so to every later call.
        const later = await lab.api.init('webgpu').then(
          () => null,
          (e: Error) => e.message,
        );
        return {
          backend,
          stepsBefore,
          lost: (await losing) ?? false,
          msToReject,
          error: error?.message ?? null,
          name: error?.name ?? null,
          later,
        };
      } finally {
        lab.terminate();
      }
    },
    { config: tinyRun('webgpu'), how },
  );
}

function expectFailure(outcome: Outcome, message: RegExp): void {
  console.log(`[e2e] device failure: ${JSON.stringify(outcome)}`);
  expect(outcome.backend).toBe('webgpu');
  expect(outcome.lost).toBe(true);
  expect(outcome.stepsBefore).toBe(1);
  expect(outcome.name).toBe('DeviceFailureError');
  expect(outcome.error).toMatch(message);
  // Bounded: the run ends right away, not after the rest of the pipeline (or never).
  expect(outcome.msToReject).toBeLessThan(10_000);
  expect(outcome.later).toBe(outcome.error);
}

test('a WebGPU device lost after the first step ends the run with the message; the config then runs on wasm', async ({
  page,
}) => {
  expectFailure(
    await failDeviceUnderRun(page, 'destroy'),
    /^the GPU device was lost \(reason: destroyed.*\); the run stopped — retry on wasm$/,
  );
  // "Retry on wasm": a fresh worker on wasm runs the same experiment to its results.
  const finished = await page.evaluate(async (config) => {
    const retry = window.safetuneLab.createLabWorker();
    try {
      await retry.api.init('wasm');
      return (await retry.api.runExperiment('retry', config)).environment.backend;
    } finally {
      retry.terminate();
    }
  }, tinyRun('wasm'));
  expect(finished).toBe('wasm');
});

test('the GPU out of memory after the first step ends the run with the message', async ({
  page,
}) => {
  expectFailure(
    await failDeviceUnderRun(page, 'out-of-memory'),
    /^the GPU ran out of memory \(test: a buffer allocation failed\); the run stopped — retry on wasm$/,
  );
});
