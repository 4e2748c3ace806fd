import { describe, expect, it, vi } from 'vitest';

/** A fake worker whose init resolves when the test says so. */
const calls: string[] = [];
let resolveInit: (() => void) | null = null;
vi.mock('../../../src/lib/labClient', () => ({
  createLabWorker: () => ({
    api: {
      init: () =>
        new Promise((done) => {
          resolveInit = () =>
            done({ requested: 'auto', backend: 'wasm', reason: 'test', adapter: null });
        }),
      runExperiment: async () => {
        calls.push('runExperiment');
        return {};
      },
      cancel: async () => void calls.push('cancel'),
    },
    progress: (f: unknown) => f,
    terminate: () => {},
  }),
}));

const { LabSession } = await import('../../../src/lib/labSession.svelte');

describe('LabSession: cancel from the first click', () => {
  it('a cancel while the backend is still starting stops the run before it begins', async () => {
    const session = new LabSession();
    const run = session.run(
      { runtime: { backend: 'auto' } } as never,
      () => {},
      'https://huggingface.co',
    );
    await Promise.resolve();
    session.cancel();
    resolveInit?.();
    await expect(run).rejects.toThrow('cancelled');
    expect(calls).not.toContain('runExperiment');
  });

  it('a run started after an earlier cancel is not affected by it', async () => {
    const session = new LabSession();
    session.cancel();
    const run = session.run(
      { runtime: { backend: 'auto' } } as never,
      () => {},
      'https://huggingface.co',
    );
    await Promise.resolve();
    resolveInit?.();
    await expect(run).resolves.toEqual({});
  });
});
