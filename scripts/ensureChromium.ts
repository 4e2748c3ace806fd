/**
 * Before the e2e tests (`npm run test:e2e`): makes sure there is a Chromium to drive. The tests use
 * `chromiumPath()` (cli/browser.ts: `$CHROMIUM_PATH`, else Debian's /usr/bin/chromium), else
 * Playwright's own browser — which `npm ci` never downloads here, because `.npmrc` skips install
 * scripts. So when neither is there this fetches Playwright's Chromium (`npx playwright install
 * chromium`, which needs the network), and when that fails it says in one line what to install.
 * With a Chromium in place (CI installs Debian's) it does nothing and launches nothing.
 *
 *   npx tsx scripts/ensureChromium.ts
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { chromiumPath } from '../cli/browser';

export type ChromiumPlan =
  /** A configured or system Chromium (the tests launch it by path). */
  | { action: 'use-path'; path: string }
  /** Playwright's own browser is installed and starts. */
  | { action: 'use-playwright' }
  /** Neither: download Playwright's. */
  | { action: 'install' };

export interface ChromiumLookup {
  /** `chromiumPath()`: `$CHROMIUM_PATH` (throws when it names no file) or Debian's, else undefined. */
  configured: () => string | undefined;
  /** Whether Playwright's own headless Chromium launches. */
  playwrightReady: () => Promise<boolean>;
}

/** What to do for the e2e tests' browser; Playwright's is tried only without a configured one. */
export async function chromiumPlan(lookup: ChromiumLookup): Promise<ChromiumPlan> {
  const path = lookup.configured();
  if (path !== undefined) return { action: 'use-path', path };
  return (await lookup.playwrightReady()) ? { action: 'use-playwright' } : { action: 'install' };
}

/** The one line printed when no Chromium could be found or fetched. */
export const NO_CHROMIUM =
  'no Chromium for the e2e tests: install one (Debian: `apt-get install chromium`), or set ' +
  'CHROMIUM_PATH to a Chromium binary, or run `npx playwright install --with-deps chromium` ' +
  'where the network is reachable';

/** Launches Playwright's own headless Chromium once; false when it is missing or cannot start. */
async function playwrightChromiumStarts(): Promise<boolean> {
  const { chromium } = await import('@playwright/test');
  try {
    const browser = await chromium.launch({ headless: true, timeout: 30_000 });
    await browser.close();
    return true;
  } catch {
    return false;
  }
}

/** Exit status: 0 with a Chromium in place (found or fetched), 1 with the line saying what to do. */
export async function ensureChromium(
  lookup: ChromiumLookup = { configured: chromiumPath, playwrightReady: playwrightChromiumStarts },
  install: () => boolean = () =>
    spawnSync('npx', ['playwright', 'install', 'chromium'], { stdio: 'inherit' }).status === 0,
  say: (line: string) => void = (line) => console.error(line),
): Promise<number> {
  let plan: ChromiumPlan;
  try {
    plan = await chromiumPlan(lookup);
  } catch (error) {
    // A CHROMIUM_PATH that names no file: the user set it, so nothing is downloaded instead.
    say(`[e2e] ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (plan.action !== 'install') return 0;
  say("[e2e] no Chromium found: fetching Playwright's own (npx playwright install chromium)");
  if (install() && (await lookup.playwrightReady())) return 0;
  say(`[e2e] ${NO_CHROMIUM}`);
  return 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await ensureChromium();
}
