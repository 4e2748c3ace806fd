/**
 * SafeTune Lab's cross-origin-isolation service worker, for hosts that cannot send headers
 * (GitHub Pages, any static host). It re-serves the lab's own responses with COOP `same-origin`
 * and COEP `require-corp`, so the page and its workers are cross-origin isolated and wasm trains
 * on several threads. The page registers it only when it is not isolated already
 * (src/lib/crossOriginIsolation.ts) and reloads once, as a document keeps the headers it
 * arrived with.
 *
 * `require-corp`, not the servers' `credentialless` (scripts/crossOriginIsolation.ts): every
 * browser with cross-origin isolation supports it, so the worker is the fallback for a browser
 * that ignores `credentialless` as well as for a host without headers. It costs the lab nothing:
 * `require-corp` asks a Cross-Origin-Resource-Policy header only of no-cors cross-origin
 * requests, and the lab's cross-origin requests (Hub downloads) are CORS fetches.
 *
 * Cross-origin requests are left to the browser: a Hub download is checked under the page's
 * policy exactly as with a server's headers. Nothing is cached: every response comes from the
 * network, so a new deployment shows at once.
 */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (new URL(request.url).origin !== self.location.origin) return;
  // Chromium rejects fetch() of an only-if-cached request that is not same-origin mode.
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(withIsolationHeaders(request));
});

/** The network's response to `request`, with the isolation headers when it has readable ones. */
async function withIsolationHeaders(request) {
  const response = await fetch(request);
  // An opaque response or redirect (status 0) cannot be rebuilt; it passes as it is.
  if (response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
