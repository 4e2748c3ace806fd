import { describe, expect, it } from 'vitest';
import {
  chromiumPlan,
  ensureChromium,
  NO_CHROMIUM,
  type ChromiumLookup,
} from '../../../scripts/ensureChromium';

/** A lookup with a system path (or none) and Playwright's browser present from the `readyAfter`th check on. */
function lookup(path: string | undefined, readyAfter: number) {
  const calls = { playwright: 0, install: 0 };
  const found: ChromiumLookup = {
    configured: () => path,
    playwrightReady: () => Promise.resolve(++calls.playwright >= readyAfter),
  };
  return { found, calls };
}

async function run(found: ChromiumLookup, installs: boolean, calls: { install: number }) {
  const said: string[] = [];
  const status = await ensureChromium(
    found,
    () => {
      calls.install++;
      return installs;
    },
    (line) => said.push(line),
  );
  return { status, said };
}

describe('ensureChromium: a browser for the e2e tests on a fresh machine', () => {
  it("uses a configured or Debian Chromium without launching or fetching Playwright's", async () => {
    const { found, calls } = lookup('/usr/bin/chromium', 1);
    expect(await chromiumPlan(found)).toEqual({ action: 'use-path', path: '/usr/bin/chromium' });
    expect(await run(found, true, calls)).toEqual({ status: 0, said: [] });
    expect(calls).toEqual({ playwright: 0, install: 0 });
  });

  it("uses Playwright's own browser when it is already there", async () => {
    const { found, calls } = lookup(undefined, 1);
    expect(await run(found, true, calls)).toEqual({ status: 0, said: [] });
    expect(calls.install).toBe(0);
  });

  it("fetches Playwright's Chromium when there is none, and checks it starts", async () => {
    const { found, calls } = lookup(undefined, 2);
    const { status, said } = await run(found, true, calls);
    expect(status).toBe(0);
    expect(calls).toEqual({ playwright: 2, install: 1 });
    expect(said).toEqual([
      "[e2e] no Chromium found: fetching Playwright's own (npx playwright install chromium)",
    ]);
  });

  it('says in one line what to install when the download fails (no network)', async () => {
    const { found, calls } = lookup(undefined, Infinity);
    const { status, said } = await run(found, false, calls);
    expect(status).toBe(1);
    expect(said.at(-1)).toBe(`[e2e] ${NO_CHROMIUM}`);
    expect(said.at(-1)).toContain('apt-get install chromium');
    expect(said.at(-1)).toContain('CHROMIUM_PATH');
  });

  it('a CHROMIUM_PATH that names no file stops with its message and fetches nothing', async () => {
    const calls = { install: 0 };
    const found: ChromiumLookup = {
      configured: () => {
        throw new Error('CHROMIUM_PATH=/nowhere does not exist');
      },
      playwrightReady: () => Promise.resolve(false),
    };
    expect(await run(found, true, calls)).toEqual({
      status: 1,
      said: ['[e2e] CHROMIUM_PATH=/nowhere does not exist'],
    });
    expect(calls.install).toBe(0);
  });
});
