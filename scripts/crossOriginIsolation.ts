/**
 * The response headers that make the lab's pages cross-origin isolated, so its worker gets
 * `SharedArrayBuffer` and tfjs-backend-wasm loads its threaded build (workers/backends.ts).
 *
 * Sent by every server the lab is served from here: `vite` (dev) and `vite preview` through
 * vite.config.ts (the e2e tests' server, playwright.config.ts), and the CLI's own `preview`
 * (cli/session.ts), which passes them without loading the config.
 *
 * `credentialless` rather than `require-corp`: a cross-origin resource loaded without CORS (an
 * image, say) is fetched without cookies instead of needing a `Cross-Origin-Resource-Policy`
 * header that most hosts never send. Chromium (96+) and Firefox (119+) isolate with it; a browser
 * that does not know the value ignores it and the page is not isolated — it then registers the
 * same-origin service worker (public/coi-sw.js), which serves the lab with `require-corp`, the
 * value every browser with cross-origin isolation supports. `require-corp` costs the lab nothing:
 * its only cross-origin requests are Hub downloads, which are CORS fetches, and `require-corp`
 * asks a CORP header only of no-cors ones.
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'credentialless',
} as const;
