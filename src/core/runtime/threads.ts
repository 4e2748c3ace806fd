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
 * `navigator.hardwareConcurrency`): half of them — tfjs's own default ("many x86-64 processors
 * have 2 threads per core", backend.cc: an SMT sibling adds little to SIMD multiply-adds) — but
 * at least two where there are two, at most the pthread pool. Measured on this 2-core machine
 * with nothing else running (README, "Hosting: cross-origin isolation"): the default experiment
 * took 57.9–58.3 s on 2 threads against 63.4–70.2 s on one, with identical metrics, and a
 * SmolLM2-135M-shape LoRA step 14.9 s against 22.7 s; only the reference benchmark's full-weight
 * step of a 128-wide model is slower on two (the pool wakes for each of its ~1,300 small kernels).
 */
export function defaultWasmThreads(logicalCores: number | undefined): number {
  if (logicalCores === undefined || !Number.isFinite(logicalCores) || logicalCores < 2) return 1;
  return Math.min(MAX_WASM_THREADS, Math.max(2, Math.floor(logicalCores / 2)));
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
