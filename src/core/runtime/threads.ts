/**
 * How many threads the wasm backend's XNNPACK pool gets (tfjs-backend-wasm's `setThreadsCount`).
 * Only a cross-origin-isolated worker can run the threaded build at all (workers/backends.ts).
 */

/**
 * tfjs-backend-wasm 4.22's own cap: its Emscripten build preallocates 8 pthread workers
 * (`PThread.initMainThread`), and backend.cc never gives XNNPACK more (`max_num_threads`). More is
 * refused here rather than silently cut.
 */
export const MAX_WASM_THREADS = 8;

/**
 * The default thread count for a device reporting `logicalCores` (the page's
 * `navigator.hardwareConcurrency`): half of them, at least one, at most the pthread pool — tfjs's
 * own default ("many x86-64 processors have 2 threads per core", backend.cc): an SMT sibling adds
 * little to SIMD multiply-adds, and the page, the browser and the system keep the rest. On
 * this 2-core machine (two real cores, shared with other work) a second thread made the reference
 * training step slower, not faster (README, "Hosting: cross-origin isolation"), so 2 cores → 1.
 */
export function defaultWasmThreads(logicalCores: number | undefined): number {
  if (logicalCores === undefined || !Number.isFinite(logicalCores) || logicalCores < 2) return 1;
  return Math.min(MAX_WASM_THREADS, Math.max(1, Math.floor(logicalCores / 2)));
}

/** Why `threads` cannot be a wasm thread count, or null when it can. */
export function wasmThreadsProblem(threads: unknown): string | null {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
    return `threads must be a positive integer (got ${JSON.stringify(threads)})`;
  }
  if (threads > MAX_WASM_THREADS) {
    return `threads must be at most ${MAX_WASM_THREADS}, the wasm backend's pthread pool (got ${threads})`;
  }
  return null;
}
