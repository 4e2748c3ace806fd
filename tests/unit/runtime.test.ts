import { describe, expect, it } from 'vitest';
import { CancelledError, CancelToken, checkpoint } from '../../src/core/runtime/cancel';

describe('cancellation', () => {
  it('a checkpoint lets a queued cancel run, then throws', async () => {
    const token = new CancelToken();
    setTimeout(() => token.cancel(), 0);
    let steps = 0;
    const loop = async () => {
      for (;;) {
        await checkpoint(token);
        steps += 1;
        // A step whose awaits resolve as microtasks only, like a wasm training step.
        await Promise.resolve();
        if (steps > 10_000) throw new Error('never cancelled');
      }
    };
    // The CancelledError itself: the loop's own 'never cancelled' would match a message substring.
    await expect(loop()).rejects.toBeInstanceOf(CancelledError);
    expect(steps).toBeLessThan(10_000);
  });
});
