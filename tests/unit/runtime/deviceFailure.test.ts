import { describe, expect, it } from 'vitest';
import { CancelledError, CancelToken, checkpoint } from '../../../src/core/runtime/cancel';
import {
  DeviceFailureError,
  deviceFailureFromThrown,
  deviceLostFailure,
  gpuErrorFailure,
  isDeviceFailure,
} from '../../../src/core/runtime/deviceFailure';

// Stand-ins for the browser's GPUError classes: classification goes by class name.
class GPUOutOfMemoryError {
  constructor(readonly message: string) {}
}
class GPUInternalError {
  constructor(readonly message: string) {}
}
class GPUValidationError {
  constructor(readonly message: string) {}
}

describe('device failures: one line that says what happened and offers wasm', () => {
  it('a lost device names the reason and the browser message', () => {
    const failure = deviceLostFailure({ reason: 'destroyed', message: 'Device was destroyed.' });
    expect(failure).toBeInstanceOf(DeviceFailureError);
    expect(failure.name).toBe('DeviceFailureError');
    expect(failure.kind).toBe('lost');
    expect(failure.message).toBe(
      'the GPU device was lost (reason: destroyed — Device was destroyed.); the run stopped — retry on wasm',
    );
    expect(deviceLostFailure({ reason: 'unknown', message: '' }).message).toBe(
      'the GPU device was lost (reason: unknown); the run stopped — retry on wasm',
    );
  });

  it('an uncaptured GPU error is classified by its class, keeping only its first line', () => {
    const oom = gpuErrorFailure(
      new GPUOutOfMemoryError('Out of memory\n - While calling [Device].CreateBuffer'),
    );
    expect(oom.kind).toBe('out-of-memory');
    expect(oom.message).toBe(
      'the GPU ran out of memory (Out of memory); the run stopped — retry on wasm',
    );
    expect(gpuErrorFailure(new GPUInternalError('lost context')).message).toBe(
      'the GPU reported an internal error (lost context); the run stopped — retry on wasm',
    );
    const rejected = gpuErrorFailure(new GPUValidationError('too many storage buffers'));
    expect(rejected.kind).toBe('gpu-error');
    expect(rejected.message).toBe(
      'the GPU rejected a command (too many storage buffers); the run stopped — retry on wasm',
    );
    const long = gpuErrorFailure(new GPUValidationError('x'.repeat(500))).message;
    expect(long).toContain('x…); the run stopped');
    expect(long.length).toBeLessThan(300);
  });

  it('an error tfjs threw is a device failure only when it says so', () => {
    expect(deviceFailureFromThrown(new Error('Device is lost'))?.kind).toBe('lost');
    expect(deviceFailureFromThrown(new Error('the device was destroyed'))?.kind).toBe('lost');
    expect(deviceFailureFromThrown(new RangeError('Array buffer allocation failed'))?.kind).toBe(
      'out-of-memory',
    );
    expect(deviceFailureFromThrown(new Error('Out of memory'))?.message).toBe(
      'the GPU ran out of memory (Out of memory); the run stopped — retry on wasm',
    );
    for (const other of [
      new CancelledError(),
      new Error('invalid config:\nfinetune.lr: must be > 0'),
      new Error("Failed to execute 'mapAsync' on 'GPUBuffer': Buffer was unmapped"),
      'a string',
      null,
    ]) {
      expect(deviceFailureFromThrown(other)).toBeNull();
    }
    const failure = deviceLostFailure({ reason: 'destroyed' });
    expect(deviceFailureFromThrown(failure)).toBe(failure);
  });

  it('the page recognises every device failure by its message, and nothing else', () => {
    expect(isDeviceFailure(deviceLostFailure({ reason: 'unknown' }).message)).toBe(true);
    expect(isDeviceFailure(gpuErrorFailure(new GPUOutOfMemoryError('oom')).message)).toBe(true);
    // As it arrives through comlink: a plain Error with the same message.
    expect(
      isDeviceFailure(new Error(gpuErrorFailure(new GPUInternalError('x')).message).message),
    ).toBe(true);
    for (const other of [
      null,
      undefined,
      '',
      'cancelled',
      'backend webgpu: this browser exposes no WebGPU adapter',
      "Failed to execute 'mapAsync' on 'GPUBuffer': Buffer was unmapped before mapping was resolved.",
      'could not save the fine-tuned weights (1.6 MB): the browser storage quota is full',
    ]) {
      expect(isDeviceFailure(other)).toBe(false);
    }
  });
});

describe('CancelToken.fail: stopping for a reason', () => {
  it('throwIfCancelled and checkpoint throw the reason, and the signal aborts with it', async () => {
    const token = new CancelToken();
    const failure = deviceLostFailure({ reason: 'destroyed' });
    token.fail(failure);
    expect(token.isCancelled).toBe(true);
    expect(() => token.throwIfCancelled()).toThrow(failure);
    await expect(checkpoint(token)).rejects.toBe(failure);
    expect(token.signal.aborted).toBe(true);
    expect(token.signal.reason).toBe(failure);
  });

  it("a cancel before the failure stands: the user's click is what stopped the work", () => {
    const token = new CancelToken();
    token.cancel();
    token.fail(deviceLostFailure({ reason: 'destroyed' }));
    expect(() => token.throwIfCancelled()).toThrow(CancelledError);
  });
});
