/**
 * A GPU that stops working under a run: the WebGPU device was lost (a driver reset, the GPU
 * process crashed or was reclaimed) or ran out of memory. tfjs cannot go on on a lost device, and
 * a command the GPU dropped leaves wrong numbers behind, so the run ends at once with one line
 * that says what happened and what to do. DOM-free: the worker builds these, the page reads them.
 */

export type DeviceFailureKind = 'lost' | 'out-of-memory' | 'gpu-error';

/** The words every device-failure message ends with; the page recognises a failure by them. */
export const RETRY_ON_WASM = 'the run stopped — retry on wasm';

export class DeviceFailureError extends Error {
  override readonly name = 'DeviceFailureError';
  readonly kind: DeviceFailureKind;

  constructor(kind: DeviceFailureKind, what: string, cause?: unknown) {
    super(`${what}; ${RETRY_ON_WASM}`, cause === undefined ? undefined : { cause });
    this.kind = kind;
  }
}

/** From `GPUDevice.lost`'s `GPUDeviceLostInfo` (`reason` is 'destroyed' or 'unknown'). */
export function deviceLostFailure(info: { reason?: string; message?: string }): DeviceFailureError {
  const reason = info.reason || 'unknown';
  const detail = oneLine(info.message ?? '');
  return new DeviceFailureError(
    'lost',
    `the GPU device was lost (reason: ${reason}${detail ? ` — ${detail}` : ''})`,
  );
}

/**
 * From an uncaptured `GPUError`: out of memory, an internal error, or a command the GPU rejected
 * (its work is dropped, so what follows would be computed on garbage). Classified by class name,
 * which holds across realms and in tests that have no WebGPU.
 */
export function gpuErrorFailure(error: unknown): DeviceFailureError {
  const name = constructorName(error);
  const detail = oneLine(messageOf(error));
  const suffix = detail ? ` (${detail})` : '';
  if (name === 'GPUOutOfMemoryError') {
    return new DeviceFailureError('out-of-memory', `the GPU ran out of memory${suffix}`, error);
  }
  if (name === 'GPUInternalError') {
    return new DeviceFailureError(
      'gpu-error',
      `the GPU reported an internal error${suffix}`,
      error,
    );
  }
  return new DeviceFailureError('gpu-error', `the GPU rejected a command${suffix}`, error);
}

/**
 * An error that tfjs (or the browser under it) threw on the WebGPU backend, if it says the device
 * is gone or memory ran out; null for any other error, which stays as it is.
 */
export function deviceFailureFromThrown(error: unknown): DeviceFailureError | null {
  if (error instanceof DeviceFailureError) return error;
  const text = `${constructorName(error)} ${messageOf(error)}`;
  const detail = oneLine(messageOf(error));
  const suffix = detail ? ` (${detail})` : '';
  if (/device (is|was) (lost|destroyed)|lost device|device lost/i.test(text)) {
    return new DeviceFailureError('lost', `the GPU device was lost${suffix}`, error);
  }
  if (/out of memory|OutOfMemory|allocation failed/i.test(text)) {
    return new DeviceFailureError('out-of-memory', `the GPU ran out of memory${suffix}`, error);
  }
  return null;
}

/** Whether a run's failure message is a device failure (so the page offers "Retry on wasm"). */
export function isDeviceFailure(message: string | null | undefined): boolean {
  return typeof message === 'string' && message.endsWith(RETRY_ON_WASM);
}

/** Browser GPU messages run over several lines ("While calling […]"): keep the first, short. */
function oneLine(text: string): string {
  const first = text.trim().split('\n')[0].trim();
  return first.length > 200 ? `${first.slice(0, 199)}…` : first;
}

function constructorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const named = (error as { name?: unknown }).name;
  const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
  // GPUError subclasses carry no `name` of their own ("Error" at most): the class says which.
  if (typeof ctor === 'string' && ctor.startsWith('GPU')) return ctor;
  return typeof named === 'string' ? named : typeof ctor === 'string' ? ctor : '';
}

function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return typeof error === 'string' ? error : '';
}
