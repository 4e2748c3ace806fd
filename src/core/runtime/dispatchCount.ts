import * as tf from '@tensorflow/tfjs';

interface CountingBackend {
  recordAndSubmit: (...args: unknown[]) => unknown;
  __labDispatches?: number;
}

/**
 * GPU compute dispatches so far on the WebGPU backend (every tfjs program it runs is one
 * `dispatchWorkgroups`, recorded by `WebGPUBackend.recordAndSubmit`), or null on another backend.
 * The first call wraps the backend's method; the count only ever grows, so a caller takes the
 * difference around what it measures (the bench: dispatches per training step).
 */
export function webgpuDispatches(): number | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const backend = tf.backend() as unknown as CountingBackend;
  if (typeof backend.recordAndSubmit !== 'function') return null;
  if (backend.__labDispatches === undefined) {
    const original = backend.recordAndSubmit;
    backend.__labDispatches = 0;
    backend.recordAndSubmit = function (this: CountingBackend, ...args: unknown[]) {
      backend.__labDispatches = (backend.__labDispatches ?? 0) + 1;
      return original.apply(this, args);
    };
  }
  return backend.__labDispatches;
}
