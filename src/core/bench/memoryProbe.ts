import * as tf from '@tensorflow/tfjs';

/**
 * Peak memory of a benchmark: tfjs's own byte count at its true maximum, and what the backend and
 * the browser can say beyond it.
 */

export interface PeakTensorBytes {
  /** Highest `tf.memory().numBytes` since `trackPeakTensorBytes()` or the last `reset()`. */
  readonly peak: number;
  reset(): void;
  stop(): void;
}

/**
 * Follows `tf.memory().numBytes` at every allocation and release. Sampling between steps would
 * miss a training step's peak, which lies inside `tf.variableGrads` (the forward's saved tensors
 * and every gradient stay alive until its backward tidy ends); `tf.profile` sees it but reads
 * every kernel's output and times it, which distorts timing and, on WebGPU, doubles the memory it
 * measures. So the engine's counter (a plain public field, `Engine.state.numBytes`) is made an
 * accessor that keeps the maximum, until `stop()` puts the plain field back.
 */
export function trackPeakTensorBytes(): PeakTensorBytes {
  const state = tf.engine().state;
  let value = state.numBytes;
  let peak = value;
  Object.defineProperty(state, 'numBytes', {
    configurable: true,
    enumerable: true,
    get: () => value,
    set: (bytes: number) => {
      value = bytes;
      if (bytes > peak) peak = bytes;
    },
  });
  let stopped = false;
  return {
    get peak() {
      return peak;
    },
    reset() {
      peak = value;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      Reflect.deleteProperty(state, 'numBytes');
      state.numBytes = value;
    },
  };
}

/**
 * Bytes of the wasm backend's linear memory. It only grows, so after a run it is the allocator's
 * high-water mark (with fragmentation): the figure that meets wasm32's 4 GiB ceiling.
 */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  // BackendWasm's emscripten module; its type lives in tfjs-backend-wasm, which core does not import.
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap ? heap.buffer.byteLength : null;
}

/** WebGPU's buffer pool (`numBytesInGPUAllocated`): in use plus kept for reuse. */
export function gpuAllocatedBytes(): number | null {
  const info = tf.memory() as tf.MemoryInfo & { numBytesInGPUAllocated?: number };
  return typeof info.numBytesInGPUAllocated === 'number' ? info.numBytesInGPUAllocated : null;
}

/** Chromium's non-standard `performance.memory` (the calling thread's JS heap), if exposed. */
export interface JsHeapSample {
  usedJSHeapSize: number;
  totalJSHeapSize: number;
  jsHeapSizeLimit: number;
}

export function jsHeap(): JsHeapSample | null {
  const memory = (globalThis.performance as (Performance & { memory?: JsHeapSample }) | undefined)
    ?.memory;
  if (!memory || typeof memory.usedJSHeapSize !== 'number') return null;
  const { usedJSHeapSize, totalJSHeapSize, jsHeapSizeLimit } = memory;
  return { usedJSHeapSize, totalJSHeapSize, jsHeapSizeLimit };
}

/**
 * `performance.measureUserAgentSpecificMemory()` (all memory of this agent, wasm heaps and
 * workers included), or why it cannot be had: browsers expose it to cross-origin-isolated pages
 * only.
 */
export async function userAgentSpecificMemory(): Promise<
  { bytes: number } | { unavailable: string }
> {
  const measure = (
    globalThis.performance as
      | (Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> })
      | undefined
  )?.measureUserAgentSpecificMemory;
  if (typeof measure !== 'function') {
    return { unavailable: 'performance.measureUserAgentSpecificMemory is not exposed here' };
  }
  if (!globalThis.crossOriginIsolated) {
    return { unavailable: 'the page is not cross-origin isolated (COOP/COEP headers)' };
  }
  try {
    const result = await measure.call(globalThis.performance);
    return { bytes: result.bytes };
  } catch (error) {
    return { unavailable: (error as Error).message };
  }
}
