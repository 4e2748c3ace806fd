/**
 * Watches tfjs's WebGPU device for the failures it never reports itself: `device.lost`, and GPU
 * errors nobody captured (tfjs pushes no error scopes, so an out-of-memory or a rejected command
 * surfaces only as an `uncapturederror` event). The first failure is kept: a lost device cannot
 * be used again, so every later call of this worker fails with it, and the page drops the worker.
 */
import {
  DeviceFailureError,
  deviceFailureFromThrown,
  deviceLostFailure,
  gpuErrorFailure,
} from '../src/core/runtime/deviceFailure';

let failure: DeviceFailureError | null = null;
let watched: GPUDevice | null = null;
const listeners = new Set<(failure: DeviceFailureError) => void>();

/** The device's first failure, if it has failed. */
export function deviceFailure(): DeviceFailureError | null {
  return failure;
}

/** Calls `listener` once, at the device's first failure; returns the unsubscribe. */
export function onDeviceFailure(listener: (failure: DeviceFailureError) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Whether the worker computes on the watched device (not after `auto` timed it and kept wasm). */
let active = false;
function onWebgpu(): boolean {
  return active;
}

/** The worker moved to another backend: the watched device's failures are no longer the run's. */
export function leaveDevice(): void {
  active = false;
}

function fail(next: DeviceFailureError): void {
  // A device the worker no longer computes on (left behind by `auto`'s measurement) cannot
  // spoil its work: its loss, say when the GPU process restarts, is no failure of the run.
  if (failure || !onWebgpu()) return;
  failure = next;
  for (const listener of [...listeners]) listener(next);
}

/** Starts watching `device` (tfjs's own; once per worker). */
export function watchDevice(device: GPUDevice): void {
  active = true;
  if (watched === device) return;
  watched = device;
  void device.lost.then((info) => fail(deviceLostFailure(info)));
  device.addEventListener('uncapturederror', (event) => {
    fail(gpuErrorFailure((event as GPUUncapturedErrorEvent).error));
  });
}

/**
 * Test-only (the e2e device-loss test): `destroy` destroys the watched device, as a driver reset
 * would lose it; `out-of-memory` raises on it the event an allocation the GPU could not satisfy
 * raises (a real one needs more memory than a test should take). Returns false when no WebGPU
 * device is in use.
 */
export function loseDeviceForTest(how: 'destroy' | 'out-of-memory'): boolean {
  if (!watched) return false;
  if (how === 'destroy') watched.destroy();
  else {
    const error = new GPUOutOfMemoryError('test: a buffer allocation failed');
    watched.dispatchEvent(new GPUUncapturedErrorEvent('uncapturederror', { error }));
  }
  return true;
}

/**
 * Wraps the worker's long calls so that a device failure rejects the call in progress at once,
 * with the failure's message, even where the work itself would hang on a read that never comes
 * back or fail with the browser's own words; and so that later calls fail with it too.
 */
export function guardDeviceCalls<T extends object>(api: T, names: readonly (keyof T)[]): T {
  const guarded = { ...api };
  for (const name of names) {
    const call = api[name];
    if (typeof call !== 'function') continue;
    guarded[name] = (async (...args: unknown[]) => {
      if (failure) throw failure;
      let stop = () => {};
      const failed = new Promise<never>((_, reject) => {
        stop = onDeviceFailure(reject);
      });
      try {
        return await Promise.race([
          (call as (...a: unknown[]) => unknown).apply(api, args),
          failed,
        ]);
      } catch (error) {
        if (!failure && watched && onWebgpu()) await explainGpuError(watched, error);
        throw failure ?? error;
      } finally {
        stop();
      }
    }) as T[keyof T];
  }
  return guarded;
}

/** How long a GPU-side rejection waits for `device.lost` to say whether the device went. */
const LOST_GRACE_MS = 1000;

/**
 * A call can reject with the browser's own words just before `device.lost` resolves (a pending
 * read-back: "Failed to execute 'mapAsync' on 'GPUBuffer': Buffer was unmapped before mapping
 * was resolved"). Such an error is given a moment for the loss to arrive; an error that itself
 * says the device went or memory ran out is a failure at once.
 */
async function explainGpuError(device: GPUDevice, error: unknown): Promise<void> {
  const thrown = deviceFailureFromThrown(error);
  if (thrown) return fail(thrown);
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  if (!/GPU|mapAsync|OperationError/.test(text)) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    device.lost,
    new Promise((resolve) => (timer = setTimeout(resolve, LOST_GRACE_MS))),
  ]);
  clearTimeout(timer);
  // `device.lost`'s own handler (watchDevice) has run by now if it resolved.
  await Promise.resolve();
}
