import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { preview } from 'vite';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from '../scripts/crossOriginIsolation';
import { CHROMIUM_ARGS, chromiumPath, freshProfileDir, keptProfileDir } from './browser';

/** The loopback port the CLI serves the app on (the origin of its IndexedDB stage cache). */
export const LAB_PORT = 41731;

/** The port to serve on: `$SAFETUNE_LAB_PORT` (e.g. for a test beside a running sweep), else LAB_PORT. */
export function labPort(): number {
  const wanted = Number(process.env.SAFETUNE_LAB_PORT);
  return Number.isInteger(wanted) && wanted > 0 && wanted < 65536 ? wanted : LAB_PORT;
}

/** The built page the Node tools open: the driver alone (driver.html, src/driverPage.ts). */
const DRIVER_PAGE = 'driver.html';

export interface LabPage {
  page: Page;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the built app (`dist/`, from `vite build`) on a free loopback port and opens its driver
 * page (`driver.html`) in headless Chromium, so Node tools drive exactly the worker a student's
 * browser runs. The driver page is the app's origin without the app (src/driverPage.ts): opening
 * the app itself took 2.4–3.2 s before `window.safetuneLab` was there, the driver page 0.44 s.
 */
export async function openLabPage(
  options: {
    onConsole?: (line: string) => void;
    onNotice?: (line: string) => void;
    profileDir?: string;
  } = {},
): Promise<LabPage> {
  const root = resolve(import.meta.dirname, '..');
  // $SAFETUNE_DIST_DIR serves another build (e.g. a long measurement while dist/ is rebuilt).
  const outDir = resolve(root, process.env.SAFETUNE_DIST_DIR ?? 'dist');
  if (!existsSync(resolve(outDir, DRIVER_PAGE))) {
    throw new Error(`${outDir}/${DRIVER_PAGE} is missing: run \`npm run build\` first`);
  }
  // IndexedDB is per origin: a fixed port keeps the stage cache of a kept profile visible to the
  // next run. If the port is taken (another run in progress), any free port still works.
  // Without vite.config.ts: loading it bundles the config, starts its plugins and hashes the
  // stage code's sources (`stageCodeHash`), 2.3 s of the 5.5 s it took to open the page, none of
  // which serving a built app needs. The headers are the config's own (cross-origin isolation).
  const serve = (port: number, strictPort: boolean) =>
    preview({
      configFile: false,
      root,
      logLevel: 'silent',
      build: { outDir },
      preview: {
        port,
        strictPort,
        host: '127.0.0.1',
        open: false,
        headers: CROSS_ORIGIN_ISOLATION_HEADERS,
      },
    });
  const port = labPort();
  const server = await serve(port, true).catch(() => {
    options.onNotice?.(
      `note: port ${port} is busy, so this run cannot see the stage cache of earlier runs`,
    );
    return serve(0, false);
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  // A kept profile keeps the lab's IndexedDB (cached stage weights) from one run to the next.
  const profile = options.profileDir
    ? { dir: keptProfileDir(options.profileDir), remove: () => {} }
    : freshProfileDir();
  let browser: Browser | undefined;
  try {
    // A persistent context is the way to give Chromium our own --user-data-dir.
    const context = await chromium.launchPersistentContext(profile.dir, {
      executablePath: chromiumPath(),
      headless: true,
      args: CHROMIUM_ARGS,
    });
    browser = context.browser() ?? undefined;
    const page = context.pages()[0] ?? (await context.newPage());
    if (options.onConsole)
      page.on('console', (m) => options.onConsole?.(`[browser ${m.type()}] ${m.text()}`));
    await page.goto(new URL(DRIVER_PAGE, url).href);
    await page.waitForFunction(() => 'safetuneLab' in window);
    return {
      page,
      url,
      close: async () => {
        await context.close();
        await browser?.close();
        await new Promise<void>((done) => server.httpServer.close(() => done()));
        profile.remove();
      },
    };
  } catch (error) {
    await new Promise<void>((done) => server.httpServer.close(() => done()));
    profile.remove();
    throw error;
  }
}
