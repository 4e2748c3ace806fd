import { describe, expect, it } from 'vitest';
import { RunProgress } from '../../../src/lib/runProgress.svelte';

describe('RunProgress: a training stage’s micro-batches', () => {
  it('shows them in the log, and leaves the stage preparing until its first step', () => {
    const run = new RunProgress(0);
    run.apply(
      {
        type: 'micro-batch',
        stage: 'alignment',
        rows: 1,
        batchSize: 16,
        chosen: 'auto',
        backend: 'wasm',
        stepBytes: 3.5e9,
        problem: 'a step of 1 row × 256 tokens needs about 3.5 GB, over the budget of 3.2 GB',
      },
      10,
    );
    expect(run.log).toEqual([
      'alignment: micro-batch 1 of 16 rows (estimated 3.5 GB per step on wasm); it may not fit: ' +
        'a step of 1 row × 256 tokens needs about 3.5 GB, over the budget of 3.2 GB',
    ]);
    expect(run.stages[0]).toMatchObject({ name: 'alignment', status: 'running', done: 0 });
  });
});
