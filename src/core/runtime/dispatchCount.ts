import * as tf from '@tensorflow/tfjs';

interface CountingBackend {
  recordAndSubmit: (...args: unknown[]) => unknown;
  __labDispatches?: number;
  __labDispatchesByProgram?: Map<string, number>;
}

function countingBackend(): CountingBackend | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const backend = tf.backend() as unknown as CountingBackend;
  if (typeof backend.recordAndSubmit !== 'function') return null;
  if (backend.__labDispatches === undefined) {
    const original = backend.recordAndSubmit;
    backend.__labDispatches = 0;
    backend.__labDispatchesByProgram = new Map();
    backend.recordAndSubmit = function (this: CountingBackend, ...args: unknown[]) {
      countDispatch(backend, programName(args[0] as { shaderKey?: string } | undefined));
      return original.apply(this, args);
    };
  }
  return backend;
}

/** A program's kind from its shader key: `binary_<op>`, `unary_<op>`, `reduce_<op>`, `matMulPacked`… */
function programName(program: { shaderKey?: string } | undefined): string {
  const parts = (program?.shaderKey ?? 'unknown').split('_');
  return ['binary', 'unary', 'reduce'].includes(parts[0]) ? parts.slice(0, 2).join('_') : parts[0];
}

function countDispatch(backend: CountingBackend, name: string): void {
  backend.__labDispatches = (backend.__labDispatches ?? 0) + 1;
  const byProgram = backend.__labDispatchesByProgram;
  byProgram?.set(name, (byProgram.get(name) ?? 0) + 1);
}

/**
 * GPU compute dispatches so far on the WebGPU backend (every tfjs program it runs is one
 * `dispatchWorkgroups`, recorded by `WebGPUBackend.recordAndSubmit`; the lab's own fused kernels
 * count themselves through `countLabDispatch`), or null on another backend. The first call wraps
 * the backend's method; the count only ever grows, so a caller takes the difference around what it
 * measures (the bench: dispatches per training step).
 */
export function webgpuDispatches(): number | null {
  return countingBackend()?.__labDispatches ?? null;
}

/** The same count by program (its shader key's kind, or the lab kernel's name), or null. */
export function webgpuDispatchesByProgram(): Map<string, number> | null {
  const byProgram = countingBackend()?.__labDispatchesByProgram;
  return byProgram ? new Map(byProgram) : null;
}

/** Counts one dispatch the lab encoded itself (not through tfjs's `recordAndSubmit`). */
export function countLabDispatch(backend: unknown, name: string): void {
  const counting = backend as CountingBackend;
  if (counting.__labDispatches !== undefined) countDispatch(counting, name);
}
