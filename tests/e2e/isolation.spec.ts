/**
 * Issue 28, items 1–2: the lab is cross-origin isolated wherever it is served — by `vite
 * preview`'s headers (what the CLI and these tests serve through), or by the service worker on a
 * host that sends none — so wasm trains on several threads, and Hub downloads from another origin
 * still work. This 2-core machine tests 2 threads by emulating 4 cores in the page (CDP); the
 * worker takes its count from the page (src/lib/labClient.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { SyntheticTrainingReport } from '../../src/core/bench/syntheticTraining';
import type { GenerateResult } from '../../src/core/generation/tryModel';
import type { BackendInfo } from '../../src/core/runtime/backend';
import { encodeConfigForUrl } from '../../src/core/config';
import { resolvePreset } from '../../src/core/lab';
import { startHubServer, type HubServer } from '../support/hubServer';

const ROOT = resolve(import.meta.dirname, '../..');
const TINY = { vocabSize: 32, dModel: 32, nLayers: 2, nHeads: 2, contextLength: 16, mlpRatio: 4 };

let hub: HubServer;
test.beforeAll(async () => {
  hub = await startHubServer(resolve(ROOT, 'tests/fixtures/hub'));
});
test.afterAll(() => hub.close());

/** The page's `navigator.hardwareConcurrency` (only the page's: CDP's override misses workers). */
async function emulateCores(page: Page, cores: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setHardwareConcurrencyOverride', { hardwareConcurrency: cores });
}

/** The micro experiment on wasm, as a link's `#config=` (the page starts wasm, no probing). */
async function wasmConfig(): Promise<string> {
  const config = resolvePreset('micro');
  config.runtime.backend = 'wasm';
  return encodeConfigForUrl(config);
}

interface WorkerRun {
  info: BackendInfo;
  losses: SyntheticTrainingReport['losses'];
  generated?: GenerateResult;
}

/**
 * In the page: a lab worker on wasm (`threads` left to the page's default when undefined) trains
 * the tiny model 5 steps; with `endpoint`, it also downloads tiny/llama from that Hub and
 * generates with it.
 */
function trainInWorker(page: Page, threads: number | undefined, endpoint?: string) {
  return page.evaluate(
    async ({ threads, model, endpoint }) => {
      const lab = window.safetuneLab.createLabWorker();
      try {
        const info = await lab.api.init('wasm', threads === undefined ? undefined : { threads });
        const report = await lab.api.trainSynthetic('isolation', {
          model,
          batch: 4,
          steps: 5,
          seed: 3,
          lr: 1e-2,
        });
        const generated = endpoint
          ? await lab.api.generate(
              'isolation-hub',
              { model: 'tiny/llama', promptIds: [1, 2, 3], maxNewTokens: 3 },
              endpoint,
            )
          : undefined;
        return { info, losses: report.losses, generated };
      } finally {
        lab.terminate();
      }
    },
    { threads, model: TINY, endpoint },
  ) as Promise<WorkerRun>;
}

test('served with headers: isolated, 2 threads on 4 emulated cores with 1 thread’s losses, and a Hub download from another origin', async ({
  page,
}) => {
  await emulateCores(page, 4);
  await page.goto(`/#config=${await wasmConfig()}`);
  expect(await page.evaluate(() => [crossOriginIsolated, navigator.hardwareConcurrency])).toEqual([
    true,
    4,
  ]);
  // The Backend panel says it.
  await expect(page.getByTestId('backend-in-use')).toContainText('In use: wasm', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('backend-threads')).toHaveText('2 threads');
  await expect(page.getByTestId('backend-one-thread')).toHaveCount(0);

  const two = await trainInWorker(page, undefined, hub.endpoint);
  const one = await trainInWorker(page, 1);
  expect(two.info).toMatchObject({ backend: 'wasm', threads: 2, crossOriginIsolated: true });
  expect(one.info).toMatchObject({ backend: 'wasm', threads: 1, crossOriginIsolated: true });
  const difference = Math.max(...two.losses.map((loss, i) => Math.abs(loss - one.losses[i])));
  console.log(
    `[e2e] wasm 2 threads vs 1: losses ${two.losses.map((l) => l.toFixed(6)).join(', ')}; largest difference ${difference}`,
  );
  expect(two.losses).toHaveLength(5);
  expect(difference).toBeLessThan(1e-4);
  // The Hub on another port (another origin) answered the isolated worker's downloads.
  expect(two.generated?.generatedIds.length).toBeGreaterThan(0);
  expect(hub.requests).toContain('GET /tiny/llama/resolve/main/model-00001-of-00002.safetensors');
});

/** `dist/` served as a static host does (GitHub Pages): files only, no COOP/COEP headers. */
async function startStaticHost(): Promise<{ url: string; close: () => Promise<void> }> {
  const dist = resolve(ROOT, 'dist');
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.mjs': 'text/javascript',
    '.css': 'text/css',
    '.json': 'application/json',
    '.wasm': 'application/wasm',
    '.svg': 'image/svg+xml',
  };
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0]);
    let file = resolve(dist, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    if (!file.startsWith(dist + sep)) file = resolve(dist, 'index.html');
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
    } catch {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'Content-Type': types[extname(file)] ?? 'application/octet-stream',
    });
    response.end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

test('a host without headers: the service worker isolates the page after one reload, and wasm still downloads from the Hub', async ({
  page,
}) => {
  const host = await startStaticHost();
  try {
    await emulateCores(page, 4);
    const loads: string[] = [];
    page.on('load', () => loads.push(page.url()));
    await page.goto(`${host.url}#config=${await wasmConfig()}`);
    // The first load registers the worker and reloads itself through it.
    await expect.poll(() => loads.length, { timeout: 20_000 }).toBe(2);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await expect(page.getByTestId('backend-threads')).toHaveText('2 threads', { timeout: 60_000 });
    const run = await trainInWorker(page, undefined, hub.endpoint);
    expect(run.info).toMatchObject({ backend: 'wasm', threads: 2, crossOriginIsolated: true });
    expect(run.generated?.generatedIds.length).toBeGreaterThan(0);
    // Isolated now: a reload comes straight back isolated, without reloading again.
    await page.reload();
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(loads).toHaveLength(3);
  } finally {
    await host.close();
  }
});
