import { describe, expect, it } from 'vitest';
import { RunProgress, stageEta } from '../../../src/lib/runProgress.svelte';

describe('RunProgress: a run that resumed from a checkpoint', () => {
  it('shows the replayed steps, the step it resumed at, and an ETA paced on the steps since', () => {
    const run = new RunProgress(0);
    run.apply({ type: 'stage-start', stage: 'alignment', totalSteps: 0, cached: true }, 0);
    run.apply(
      {
        type: 'stage-end',
        stage: 'alignment',
        record: { name: 'alignment', cached: true, seconds: 0.1 },
      },
      100,
    );
    run.apply({ type: 'stage-start', stage: 'finetune', totalSteps: 100, cached: false }, 1000);
    run.apply({ type: 'resumed', stage: 'finetune', step: 60, totalSteps: 100 }, 1000);
    for (let step = 1; step <= 60; step++) {
      run.apply(
        { type: 'step', stage: 'finetune', step, totalSteps: 100, loss: 1, lr: 1e-3 },
        1000,
      );
    }
    run.apply(
      { type: 'step', stage: 'finetune', step: 61, totalSteps: 100, loss: 1, lr: 1e-3 },
      2000,
    );
    const stage = run.stages.find((s) => s.name === 'finetune')!;
    expect(stage).toMatchObject({ status: 'running', done: 61, total: 100, resumedAt: 60 });
    expect(run.losses).toHaveLength(61);
    // 1 step in 1 s since the resume: 39 steps left take 39 s (not 39/61 s).
    expect(stageEta(stage, 2000)).toBeCloseTo(39);
    run.apply({ type: 'checkpoint', stage: 'finetune', step: 70, totalSteps: 100 }, 3000);
    expect(stage.savedAt).toBe(70);
  });
});
