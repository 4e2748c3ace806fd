import { describe, expect, it } from 'vitest';
import type { BackendInfo } from '../../../src/core/runtime/backend';
import { oneThreadReason, threadsText } from '../../../src/lib/backendThreads';

const wasm = (threads: number, crossOriginIsolated: boolean): BackendInfo => ({
  requested: 'wasm',
  backend: 'wasm',
  reason: 'requested',
  adapter: null,
  threads,
  crossOriginIsolated,
});

describe("the Backend panel's threads", () => {
  it('names the count on wasm only', () => {
    expect(threadsText(wasm(2, true))).toBe('2 threads');
    expect(threadsText(wasm(1, false))).toBe('1 thread');
    expect(threadsText({ ...wasm(1, true), backend: 'webgpu', threads: undefined })).toBeNull();
  });

  it('says why one thread: no isolation, or few cores', () => {
    expect(oneThreadReason(wasm(1, false), 8)).toMatch(/not cross-origin isolated/);
    expect(oneThreadReason(wasm(1, true), 2)).toBe(
      'One thread: the lab uses half of this device’s 2 logical cores.',
    );
    expect(oneThreadReason(wasm(2, true), 4)).toBeNull();
    expect(oneThreadReason({ ...wasm(1, false), backend: 'cpu' }, 4)).toBeNull();
  });
});
