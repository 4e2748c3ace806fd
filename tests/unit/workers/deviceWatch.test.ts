import { beforeEach, describe, expect, it, vi } from 'vitest';

type DeviceWatch = typeof import('../../../workers/deviceWatch');

/** A stand-in for tfjs's GPUDevice: `lose` resolves `lost`, `raise` fires an uncaptured error. */
function fakeDevice() {
  let resolveLost: (info: { reason: string; message: string }) => void = () => {};
  const listeners: ((event: { error: unknown }) => void)[] = [];
  const device = {
    lost: new Promise<{ reason: string; message: string }>((resolve) => (resolveLost = resolve)),
    addEventListener: (_type: string, listener: (event: { error: unknown }) => void) =>
      void listeners.push(listener),
    destroy: () => resolveLost({ reason: 'destroyed', message: 'Device was destroyed.' }),
  };
  return {
    device: device as unknown as GPUDevice,
    raise: (error: unknown) => listeners.forEach((listener) => listener({ error })),
  };
}

class GPUOutOfMemoryError {
  constructor(readonly message: string) {}
}

const LOST =
  'the GPU device was lost (reason: destroyed — Device was destroyed.); the run stopped — retry on wasm';

describe('the worker ends its calls when the WebGPU device fails', () => {
  // The watch keeps the first failure for the worker's life: each test gets a fresh module.
  let watch: DeviceWatch;
  beforeEach(async () => {
    vi.resetModules();
    watch = await import('../../../workers/deviceWatch');
  });

  const api = () => ({
    /** A call stuck on a read-back that never comes back. */
    hang: () => new Promise<string>(() => {}),
    ok: async () => 'done',
    readBack: async (): Promise<string> => {
      throw new Error(
        "Failed to execute 'mapAsync' on 'GPUBuffer': Buffer was unmapped before mapping was resolved.",
      );
    },
    invalid: async (): Promise<string> => {
      throw new Error('invalid config:\nfinetune.lr: must be > 0');
    },
    memory: () => ({ numTensors: 0 }),
  });

  it('a call in progress rejects at once with the loss, and every later call too', async () => {
    const { device } = fakeDevice();
    watch.watchDevice(device);
    const guarded = watch.guardDeviceCalls(api(), ['hang', 'ok']);
    const stopped: string[] = [];
    watch.onDeviceFailure((failure) => stopped.push(failure.message));
    expect(await guarded.ok()).toBe('done');
    const pending = guarded.hang();
    device.destroy();
    await expect(pending).rejects.toThrow(LOST);
    await expect(guarded.ok()).rejects.toThrow(LOST);
    expect(stopped).toEqual([LOST]);
    expect(watch.deviceFailure()?.kind).toBe('lost');
    // Calls outside the guard (memory, cancel) still answer.
    expect(guarded.memory()).toEqual({ numTensors: 0 });
  });

  it('a device the worker left (auto timed it and kept wasm) no longer fails its calls', async () => {
    const { device } = fakeDevice();
    watch.watchDevice(device);
    watch.leaveDevice();
    const guarded = watch.guardDeviceCalls(api(), ['ok', 'readBack']);
    device.destroy();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(watch.deviceFailure()).toBeNull();
    expect(await guarded.ok()).toBe('done');
    // A wasm error is not explained as a GPU one either.
    await expect(guarded.readBack()).rejects.toThrow(/mapAsync/);
  });

  it('an out-of-memory error ends the call with its own message; only the first failure counts', async () => {
    const { device, raise } = fakeDevice();
    watch.watchDevice(device);
    const guarded = watch.guardDeviceCalls(api(), ['hang']);
    const pending = guarded.hang();
    raise(new GPUOutOfMemoryError('Out of memory'));
    device.destroy();
    await expect(pending).rejects.toThrow(
      'the GPU ran out of memory (Out of memory); the run stopped — retry on wasm',
    );
    expect(watch.deviceFailure()?.kind).toBe('out-of-memory');
  });

  it("a read-back that fails just before device.lost resolves still gets the loss's message", async () => {
    const { device } = fakeDevice();
    watch.watchDevice(device);
    const guarded = watch.guardDeviceCalls(api(), ['readBack']);
    const call = guarded.readBack();
    setTimeout(() => device.destroy(), 20);
    await expect(call).rejects.toThrow(LOST);
  });

  it('other errors pass through unchanged', async () => {
    const { device } = fakeDevice();
    watch.watchDevice(device);
    const guarded = watch.guardDeviceCalls(api(), ['invalid']);
    await expect(guarded.invalid()).rejects.toThrow(/^invalid config:/);
    expect(watch.deviceFailure()).toBeNull();
  });

  it('a GPU error that is not a loss passes through when the device stays', async () => {
    const { device } = fakeDevice();
    watch.watchDevice(device);
    const guarded = watch.guardDeviceCalls(api(), ['readBack']);
    await expect(guarded.readBack()).rejects.toThrow(/mapAsync/);
    expect(watch.deviceFailure()).toBeNull();
  });
});
