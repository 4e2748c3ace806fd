import { beforeAll, describe, expect, it } from 'vitest';
import { measureProductPeak } from '../../../src/core/bench/productPeak';
import { simdKernelsAvailable } from '../../../src/core/runtime/simdKernels';
import { useBackend } from '../support/backend';

describe('measureProductPeak', () => {
  beforeAll(() => useBackend('cpu'));

  it('times each product after the warm-up and reports the best as GFLOP/s', async () => {
    // A fake clock: the n-th product (warm-up included) takes n ms.
    const stamps = [0, 1, 1, 3, 3, 6, 6, 10, 10, 15];
    let reading = 0;
    const peak = await measureProductPeak(
      { size: 16, trials: 3, warmup: 2 },
      () => stamps[reading++],
    );
    expect(peak.ms).toEqual([3, 4, 5]);
    expect(peak.bestMs).toBe(3);
    expect(peak.gflopsPerSecond).toBeCloseTo((2 * 16 ** 3) / 3 / 1e6, 12);
  });

  it('on wasm with the SIMD kernels, also times XNNPACK’s product and keeps the better as the peak', async () => {
    await useBackend('wasm');
    try {
      expect(simdKernelsAvailable()).toBe(true);
      const peak = await measureProductPeak({ size: 64, trials: 2, warmup: 1 });
      expect(peak.xnnpackGflopsPerSecond).toBeGreaterThan(0);
      expect(peak.gflopsPerSecond).toBeGreaterThanOrEqual(peak.xnnpackGflopsPerSecond as number);
      expect(peak.gflopsPerSecond).toBeGreaterThanOrEqual((2 * 64 ** 3) / peak.bestMs / 1e6);
      // The kernels are on again afterwards.
      expect(simdKernelsAvailable()).toBe(true);
    } finally {
      await useBackend('cpu');
    }
  });

  it('refuses a size, trial or warm-up count that is not a whole number', async () => {
    await expect(measureProductPeak({ size: 0 })).rejects.toThrow(
      'productPeak: size must be an integer ≥ 1 (got 0)',
    );
    await expect(measureProductPeak({ trials: 1.5 })).rejects.toThrow(
      'productPeak: trials must be an integer ≥ 1 (got 1.5)',
    );
    await expect(measureProductPeak({ warmup: -1 })).rejects.toThrow(
      'productPeak: warmup must be an integer ≥ 0 (got -1)',
    );
  });
});
