import { describe, expect, it, vi } from 'vitest';

/** Every fake worker started, and whether it was terminated. */
const workers: { backend: string | null; terminated: boolean }[] = [];

vi.mock('../../../src/lib/labClient', () => ({
  createLabWorker: () => {
    const worker = { backend: null as string | null, terminated: false };
    workers.push(worker);
    return {
      api: {
        init: async (backend: string) => {
          worker.backend = backend;
          return { requested: backend, backend, reason: 'test', adapter: null };
        },
      },
      progress: (listener: unknown) => listener,
      terminate: () => {
        worker.terminated = true;
      },
    };
  },
}));

const { LabSession } = await import('../../../src/lib/labSession.svelte');
const { attachPageSession, labDriver } = await import('../../../src/lib/driver');

describe('LabSession.standDown: a script driving the lab stops the idle page worker', () => {
  it('terminates the idle worker and forgets it; the next use starts a fresh one', async () => {
    workers.length = 0;
    const session = new LabSession();
    await session.use('wasm');
    expect(session.info?.backend).toBe('wasm');
    session.standDown();
    expect(workers[0].terminated).toBe(true);
    expect(session.info).toBeNull();
    expect(session.starting).toBeNull();
    expect(session.stoodDown).toBe(true);
    await session.use('wasm');
    expect(workers).toHaveLength(2);
    expect(workers[1].terminated).toBe(false);
    expect(session.stoodDown).toBe(false);
    expect(session.info?.backend).toBe('wasm');
  });

  it('also holds back a worker that was not started yet (the script was quicker than the page)', () => {
    const session = new LabSession();
    session.standDown();
    expect(session.stoodDown).toBe(true);
  });

  it('stops nothing while a run holds the worker', async () => {
    workers.length = 0;
    const session = new LabSession();
    await session.use('wasm');
    let finish!: () => void;
    const held = session.hold('run', () => new Promise<void>((done) => (finish = done)));
    session.standDown();
    expect(workers[0].terminated).toBe(false);
    expect(session.stoodDown).toBe(false);
    expect(session.info?.backend).toBe('wasm');
    finish();
    await held;
  });

  it("the driver's createLabWorker stands the attached page session down before starting its own", async () => {
    workers.length = 0;
    const session = new LabSession();
    await session.use('auto');
    attachPageSession(session);
    try {
      const own = labDriver.createLabWorker();
      expect(workers[0].terminated).toBe(true);
      expect(session.stoodDown).toBe(true);
      expect(workers).toHaveLength(2);
      own.terminate();
    } finally {
      attachPageSession(null);
    }
    // Detached: a script's worker leaves the page's alone.
    await session.use('wasm');
    labDriver.createLabWorker();
    expect(workers[2].terminated).toBe(false);
    expect(session.stoodDown).toBe(false);
  });
});
