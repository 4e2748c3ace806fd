import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from './scripts/crossOriginIsolation';
import { stageCodeHash } from './scripts/sourceHash';
import { tfjsWasmThreads } from './scripts/tfjsWasmThreads';

// The tfjs wasm binaries are imported with `?url` in workers/backends.ts, so Vite copies them
// into the bundle and serves them locally: no CDN at run time.
export default defineConfig({
  plugins: [svelte(), tfjsWasmThreads()],
  // Part of every stage cache key (src/core/version.ts): a change to the code that determines a
  // stage's weights (scripts/sourceHash.ts's import graph) invalidates the cache.
  define: {
    __SAFETUNE_CORE_HASH__: JSON.stringify(
      stageCodeHash(fileURLToPath(new URL('.', import.meta.url))),
    ),
  },
  // The worker bundle gets its own plugins: the lab worker is where tfjs-backend-wasm runs.
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  // The dev server pre-bundles tfjs-backend-wasm: the same fix applies there.
  optimizeDeps: { rolldownOptions: { plugins: [tfjsWasmThreads()] } },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    // driver.html: the page the CLI and the benchmarks drive (src/driverPage.ts), beside the app.
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('index.html', import.meta.url)),
        driver: fileURLToPath(new URL('driver.html', import.meta.url)),
      },
    },
  },
  // Cross-origin isolation (threaded wasm) wherever Vite serves the lab: dev, preview, the CLI.
  server: { port: 5173, headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  preview: { port: 4173, headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
