/**
 * Runs an experiment in the built app in headless Chromium, through the very worker the page uses
 * (`window.safetuneLab.createLabWorker()`), forwarding its progress events to Node.
 */
import { randomUUID } from 'node:crypto';
import type { ExperimentConfig } from '../src/core/config';
import type { PipelineEvent } from '../src/core/pipeline/types';
import type { Page } from '@playwright/test';
import type { BackendInfo } from '../src/core/runtime/backend';
import type { LabEvent, LabMessage } from '../workers/protocol';
import { hubEndpoint } from './browser';
import { errorText } from '../src/core/errors';

export interface LabRunRequest {
  config: ExperimentConfig;
  onBackend(info: BackendInfo): void;
  onEvent(event: PipelineEvent): void;
  /** Browser console lines (`[browser error] …`), when wanted. */
  onConsole?: (line: string) => void;
  /** Chromium profile to keep (so IndexedDB stage caches survive between runs); fresh if absent. */
  profileDir?: string;
  /** Where a Hub `model.base` comes from; default `$HF_ENDPOINT`, else https://huggingface.co. */
  endpoint?: string;
  /** wasm's XNNPACK threads for the worker; absent: the page's default (`defaultWasmThreads`). */
  threads?: number;
}

/** Resolves to what the worker returned: a results file, to be checked by the caller. */
export type LabRunner = (request: LabRunRequest) => Promise<unknown>;

declare global {
  interface Window {
    /** Bindings the CLI exposes to the page (Playwright `exposeFunction`). */
    __labBackend(info: BackendInfo): Promise<void>;
    __labEvent(message: LabMessage): Promise<void>;
  }
}

/**
 * Opens the built app in headless Chromium, exposes the bindings the page-side code reports
 * through (`__labBackend`, `__labEvent`), runs `body` on the page and closes everything — also on
 * Ctrl-C. `run`, `generate` and `judge` all go through here. `body` makes its worker call with
 * `runId`; only messages tagged with it reach `onEvent`.
 */
export async function withLabPage<T, E extends LabEvent>(
  options: {
    onBackend(info: BackendInfo): void;
    onEvent(event: E): void;
    onConsole?: (line: string) => void;
    profileDir?: string;
  },
  body: (page: Page, runId: string) => Promise<T>,
): Promise<T> {
  // Loaded here so that validate / presets never start Playwright or Vite.
  const { openLabPage } = await import('./session');
  const lab = await openLabPage({
    onConsole: options.onConsole,
    onNotice: (line) => process.stderr.write(`${line}\n`),
    profileDir: options.profileDir,
  });
  const interrupted = () => {
    void lab.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  try {
    const { page } = lab;
    if (options.onConsole) {
      const onConsole = options.onConsole;
      page.on('pageerror', (error) => onConsole(`[browser pageerror] ${error.message}`));
    }
    await page.exposeFunction('__labBackend', (info: BackendInfo) => options.onBackend(info));
    const runId = randomUUID();
    await page.exposeFunction('__labEvent', (message: LabMessage) => {
      // The page forwards what the call's listener got: the call's own events (LabWorkerApi).
      if (message.runId === runId) options.onEvent(message.event as E);
    });
    return await body(page, runId);
  } finally {
    process.removeListener('SIGINT', interrupted);
    await lab.close();
  }
}

export const runInBrowser: LabRunner = (request) =>
  withLabPage(
    {
      onBackend: request.onBackend,
      onEvent: request.onEvent,
      onConsole: request.onConsole,
      profileDir: request.profileDir,
    },
    (page, runId) =>
      page.evaluate(
        async ({ config, endpoint, runId, threads }): Promise<unknown> => {
          const lab = window.safetuneLab.createLabWorker();
          try {
            // Without `threads` the page's default (`createLabWorker` fills it in).
            const info = await lab.api.init(config.runtime.backend, { threads });
            void window.__labBackend(info);
            const forward = lab.progress<PipelineEvent>((message) => {
              void window.__labEvent(message);
            });
            return await lab.api.runExperiment(runId, config, forward, endpoint);
          } finally {
            lab.terminate();
          }
        },
        {
          config: request.config,
          endpoint: request.endpoint ?? hubEndpoint(),
          runId,
          threads: request.threads,
        },
      ),
  );

export type RunFailure =
  { kind: 'invalid-config'; problems: string[] } | { kind: 'error'; reason: string };

/**
 * One line out of an error from the browser run. Playwright prefixes `page.evaluate: Error: `
 * and appends the page's stack; the worker rejects an invalid config with `invalid config:`
 * followed by one `path: message` line per problem.
 */
export function describeRunFailure(error: unknown): RunFailure {
  const raw = errorText(error);
  const lines = raw
    .replace(/^(page|frame)\.\w+: /, '')
    .replace(/^\w*Error: /, '')
    .split('\n')
    .filter((line) => !/^\s+at /.test(line) && line.trim() !== '');
  const [first = 'the run failed without a message', ...rest] = lines;
  if (/^invalid config:?$/.test(first.trim()) && rest.length > 0) {
    return { kind: 'invalid-config', problems: rest.map((line) => line.trim()) };
  }
  const reason = first.trim();
  // What comlink's worker side says when asked for a method it does not have.
  if (reason === "Cannot read properties of undefined (reading 'apply')") {
    return {
      kind: 'error',
      reason: `${reason}: dist/ may predate the worker API, run npm run build`,
    };
  }
  return { kind: 'error', reason };
}
