import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from '../../../scripts/crossOriginIsolation';
import viteConfig from '../../../vite.config';

type Listener = (event: unknown) => void;

/** public/coi-sw.js run against a fake service-worker scope at https://lab.test/ and `network`. */
function serviceWorker(network: (request: Request) => Promise<Response> = async () => page()) {
  const listeners = new Map<string, Listener>();
  const calls: string[] = [];
  const scope = {
    location: new URL('https://lab.test/coi-sw.js'),
    addEventListener: (type: string, listener: Listener) => listeners.set(type, listener),
    skipWaiting: () => calls.push('skipWaiting'),
    clients: { claim: () => calls.push('claim') },
  };
  new Function('self', 'fetch', readFileSync('public/coi-sw.js', 'utf8'))(scope, network);
  /** What the worker answers `request` with; undefined when it leaves it to the browser. */
  const respond = async (request: Request): Promise<Response | undefined> => {
    let answer: Promise<Response> | undefined;
    listeners.get('fetch')?.({ request, respondWith: (r: Promise<Response>) => (answer = r) });
    return answer;
  };
  const lifecycle = (type: 'install' | 'activate') =>
    listeners.get(type)?.({
      waitUntil: (done: unknown) => calls.push(`waitUntil(${String(done)})`),
    });
  return { respond, lifecycle, calls };
}

const page = (headers: Record<string, string> = {}) =>
  new Response('<!doctype html>', {
    status: 200,
    headers: { 'Content-Type': 'text/html', ...headers },
  });

describe('the cross-origin-isolation service worker', () => {
  it("re-serves the lab's own responses with COOP same-origin and COEP require-corp, the rest kept", async () => {
    const fetched: string[] = [];
    const { respond } = serviceWorker(async (request) => {
      fetched.push(request.url);
      return page({ 'Cross-Origin-Embedder-Policy': 'credentialless', ETag: '"abc"' });
    });
    const response = await respond(new Request('https://lab.test/assets/lab.worker.js'));
    expect(fetched).toEqual(['https://lab.test/assets/lab.worker.js']);
    expect(response?.status).toBe(200);
    expect(response?.headers.get('Cross-Origin-Opener-Policy')).toBe('same-origin');
    expect(response?.headers.get('Cross-Origin-Embedder-Policy')).toBe('require-corp');
    expect(response?.headers.get('ETag')).toBe('"abc"');
    expect(await response?.text()).toBe('<!doctype html>');
  });

  it('leaves cross-origin requests (Hub downloads) to the browser', async () => {
    const { respond } = serviceWorker(async () => page());
    expect(await respond(new Request('https://huggingface.co/x/resolve/main/config.json'))).toBe(
      undefined,
    );
  });

  it('passes an unreadable response (status 0) through as it is', async () => {
    const error = Response.error();
    const { respond } = serviceWorker(async () => error);
    expect(await respond(new Request('https://lab.test/'))).toBe(error);
  });

  it('takes over at once: skipWaiting on install, clients.claim on activate', () => {
    const { lifecycle, calls } = serviceWorker();
    lifecycle('install');
    expect(calls).toEqual(['skipWaiting']);
    lifecycle('activate');
    // claim() (a fake returning the call count) is what activation waits for.
    expect(calls).toEqual(['skipWaiting', 'claim', 'waitUntil(2)']);
  });
});

describe('the servers send the cross-origin-isolation headers', () => {
  it('vite dev and preview (the CLI and the e2e tests serve through preview)', () => {
    const expected = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'credentialless',
    };
    expect(CROSS_ORIGIN_ISOLATION_HEADERS).toEqual(expected);
    expect(viteConfig.server?.headers).toEqual(expected);
    expect(viteConfig.preview?.headers).toEqual(expected);
  });
});
