import { describe, expect, it } from 'vitest';
import {
  MAX_WASM_THREADS,
  defaultWasmThreads,
  wasmThreadsProblem,
} from '../../../src/core/runtime/threads';

describe("wasm's default thread count: half the page's logical cores, 1 to 8", () => {
  it.each([
    [undefined, 1],
    [0, 1],
    [1, 1],
    [2, 1],
    [3, 1],
    [4, 2],
    [8, 4],
    [12, 6],
    [16, 8],
    [64, MAX_WASM_THREADS],
    [Number.NaN, 1],
  ])('%s logical cores → %i threads', (cores, threads) => {
    expect(defaultWasmThreads(cores)).toBe(threads);
  });

  it('every default is a count the worker accepts', () => {
    for (let cores = 0; cores <= 128; cores++) {
      expect(wasmThreadsProblem(defaultWasmThreads(cores))).toBeNull();
    }
  });
});

describe('a thread count asked of the worker', () => {
  it('is a whole number from 1 to the pthread pool', () => {
    expect(wasmThreadsProblem(1)).toBeNull();
    expect(wasmThreadsProblem(MAX_WASM_THREADS)).toBeNull();
    expect(wasmThreadsProblem(0)).toBe('threads must be a positive integer (got 0)');
    expect(wasmThreadsProblem(1.5)).toBe('threads must be a positive integer (got 1.5)');
    expect(wasmThreadsProblem('2')).toBe('threads must be a positive integer (got "2")');
    expect(wasmThreadsProblem(9)).toBe(
      "threads must be at most 8, the wasm backend's pthread pool (got 9)",
    );
  });
});
