import { describe, expect, it } from 'vitest';
import { RunProgress } from '../../../src/lib/runProgress.svelte';

describe('RunProgress: a Hub base model downloading before the first stage', () => {
  it('keeps one download per repo and ends it when the pipeline moves on', () => {
    const run = new RunProgress(0);
    const download = (loadedBytes: number, totalBytes: number | null) =>
      ({
        type: 'download',
        repo: 'tiny/llama@main',
        file: 'model.safetensors',
        loadedBytes,
        totalBytes,
      }) as const;
    run.apply(download(0, null), 0);
    run.apply(download(1000, 4000), 1000);
    run.apply({ type: 'log', message: 'loading' }, 1100);
    expect(run.downloading).toBe(true);
    run.apply(download(4000, 4000), 2000);
    expect(run.downloads).toHaveLength(1);
    expect(run.downloads[0]).toMatchObject({ loadedBytes: 4000, totalBytes: 4000, startedAt: 0 });
    run.apply({ type: 'stage-start', stage: 'alignment', totalSteps: 10, cached: false }, 2500);
    expect(run.downloading).toBe(false);
    expect(run.downloads).toHaveLength(1);
  });
});
