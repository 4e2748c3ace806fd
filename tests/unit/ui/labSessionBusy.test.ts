import { describe, expect, it, vi } from 'vitest';

/** A long call the fake worker received, and how to end it. */
interface Call {
  finish(): void;
  fail(reason: string): void;
}
const calls: Call[] = [];

vi.mock('../../../src/lib/labClient', () => ({
  createLabWorker: () => ({
    api: {
      init: async (backend: string) => ({
        requested: backend,
        backend,
        reason: 'test',
        adapter: null,
      }),
      runExperiment: () =>
        new Promise((resolve, reject) => {
          calls.push({ finish: () => resolve({}), fail: (reason) => reject(new Error(reason)) });
        }),
      // As the worker does: the call in progress rejects.
      cancel: async () => calls.at(-1)?.fail('cancelled'),
    },
    progress: (listener: unknown) => listener,
    terminate: () => {},
  }),
}));

const { LabSession } = await import('../../../src/lib/labSession.svelte');

const CONFIG = { runtime: { backend: 'wasm' } } as never;

/** A task the test ends by hand, and whether it was started. */
function manualTask() {
  let end!: (error?: Error) => void;
  const task = {
    started: false,
    run: () =>
      new Promise<void>((resolve, reject) => {
        task.started = true;
        end = (error) => (error ? reject(error) : resolve());
      }),
    finish: () => end(),
    fail: (error: Error) => end(error),
  };
  return task;
}

describe('LabSession.busy: one holder of the worker at a time', () => {
  it('starts free; a hold takes it for its use while the task runs, and frees it when the task finishes', async () => {
    const session = new LabSession();
    expect(session.busy).toBeNull();
    const task = manualTask();
    const held = session.hold('sweep', task.run);
    expect(task.started).toBe(true);
    expect(session.busy).toBe('sweep');
    task.finish();
    await expect(held).resolves.toBe(true);
    expect(session.busy).toBeNull();
  });

  it('refuses every other use while it is held, without starting its task or freeing the holder', async () => {
    const session = new LabSession();
    const holder = manualTask();
    const held = session.hold('run', holder.run);
    for (const use of ['run', 'sweep', 'attack', 'try'] as const) {
      const other = manualTask();
      await expect(session.hold(use, other.run)).resolves.toBe(false);
      expect(other.started).toBe(false);
      expect(session.busy).toBe('run');
    }
    holder.finish();
    await held;
    const next = manualTask();
    const again = session.hold('try', next.run);
    expect(session.busy).toBe('try');
    next.finish();
    await expect(again).resolves.toBe(true);
  });

  it('frees the worker when the task fails, passing the failure on', async () => {
    const session = new LabSession();
    const task = manualTask();
    const held = session.hold('attack', task.run);
    task.fail(new Error('out of memory'));
    await expect(held).rejects.toThrow('out of memory');
    expect(session.busy).toBeNull();
  });

  it('frees the worker when its run is cancelled', async () => {
    calls.length = 0;
    const session = new LabSession();
    let outcome = '';
    const held = session.hold('run', async () => {
      await session
        .run(CONFIG, () => {}, '')
        .catch((error: Error) => {
          outcome = error.message;
        });
    });
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(session.busy).toBe('run');
    session.cancel();
    await expect(held).resolves.toBe(true);
    expect(outcome).toBe('cancelled');
    expect(session.busy).toBeNull();
  });

  it('a hold whose task throws before its first await still frees the worker', async () => {
    const session = new LabSession();
    const held = session.hold('try', () => {
      throw new Error('bad request');
    });
    await expect(held).rejects.toThrow('bad request');
    expect(session.busy).toBeNull();
  });
});
