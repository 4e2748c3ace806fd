import { describe, expect, it, vi } from 'vitest';

const LOST = 'the GPU device was lost (reason: unknown); the run stopped — retry on wasm';

/** Fake workers: each records its backend and whether it was terminated; `fail` says how runs end. */
const workers: { backend?: string; terminated: boolean }[] = [];
let fail: string | null = null;
vi.mock('../../../src/lib/labClient', () => ({
  createLabWorker: () => {
    const worker: { backend?: string; terminated: boolean } = { terminated: false };
    workers.push(worker);
    return {
      api: {
        init: async (backend: string) => {
          worker.backend = backend;
          return { requested: backend, backend, reason: 'test', adapter: null };
        },
        runExperiment: async () => {
          // As comlink delivers a worker's rejection: a plain Error with the worker's message.
          if (fail) throw new Error(fail);
          return { environment: { backend: worker.backend } };
        },
        generate: async () => {
          if (fail) throw new Error(fail);
          return {};
        },
        cancel: async () => {},
      },
      progress: (f: unknown) => f,
      terminate: () => void (worker.terminated = true),
    };
  },
}));

const { LabSession } = await import('../../../src/lib/labSession.svelte');

const on = (backend: string) => ({ runtime: { backend } }) as never;

describe('LabSession: a lost GPU device', () => {
  it('drops the worker, so the next run (here: the retry on wasm) starts a fresh one', async () => {
    workers.length = 0;
    const session = new LabSession();
    fail = LOST;
    await expect(session.run(on('webgpu'), () => {}, '')).rejects.toThrow(LOST);
    expect(workers).toEqual([{ backend: 'webgpu', terminated: true }]);
    expect(session.info).toBeNull();

    fail = null;
    await expect(session.run(on('wasm'), () => {}, '')).resolves.toEqual({
      environment: { backend: 'wasm' },
    });
    expect(workers.map((w) => w.backend)).toEqual(['webgpu', 'wasm']);
    expect(session.info?.backend).toBe('wasm');
  });

  it('a run on the same backend after the loss gets a fresh worker too', async () => {
    workers.length = 0;
    const session = new LabSession();
    fail = LOST;
    await expect(session.generate({} as never, '', 'webgpu', () => {})).rejects.toThrow(LOST);
    fail = null;
    await session.run(on('webgpu'), () => {}, '');
    expect(workers).toEqual([
      { backend: 'webgpu', terminated: true },
      { backend: 'webgpu', terminated: false },
    ]);
  });

  it('any other failure keeps the worker', async () => {
    workers.length = 0;
    const session = new LabSession();
    fail = 'invalid config:\nfinetune.lr: must be > 0';
    await expect(session.run(on('webgpu'), () => {}, '')).rejects.toThrow(/invalid config/);
    fail = null;
    await session.run(on('webgpu'), () => {}, '');
    expect(workers).toEqual([{ backend: 'webgpu', terminated: false }]);
    expect(session.info?.backend).toBe('webgpu');
  });
});
