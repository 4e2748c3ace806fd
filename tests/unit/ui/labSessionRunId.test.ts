import { describe, expect, it, vi } from 'vitest';
import type { LabEvent, LabListener } from '../../../workers/protocol';

/** A long call the fake worker received: its id and listener, and how to end it. */
interface Call {
  runId: string;
  listener: LabListener;
  finish(): void;
  fail(reason: string): void;
}
const calls: Call[] = [];

function received(runId: string, listener: LabListener): Promise<unknown> {
  return new Promise((resolve, reject) => {
    calls.push({
      runId,
      listener,
      finish: () => resolve({}),
      fail: (reason) => reject(new Error(reason)),
    });
  });
}

vi.mock('../../../src/lib/labClient', () => ({
  createLabWorker: () => ({
    api: {
      init: async (backend: string) => ({
        requested: backend,
        backend,
        reason: 'test',
        adapter: null,
      }),
      runExperiment: (runId: string, _config: unknown, listener: LabListener) =>
        received(runId, listener),
      generate: (runId: string, _request: unknown, _endpoint: string, listener: LabListener) =>
        received(runId, listener),
      // As the worker does: the call in progress rejects.
      cancel: async () => calls.at(-1)?.fail('cancelled'),
    },
    progress: (listener: LabListener) => listener,
    terminate: () => {},
  }),
}));

const { LabSession } = await import('../../../src/lib/labSession.svelte');

const CONFIG = { runtime: { backend: 'wasm' } } as never;
const step = (n: number): LabEvent => ({
  type: 'step',
  stage: 'finetune',
  step: n,
  totalSteps: 10,
  loss: 1,
  lr: 1e-4,
});

/** The call the worker received most recently, once the session has made it. */
async function nextCall(count: number): Promise<Call> {
  await vi.waitFor(() => expect(calls.length).toBe(count));
  return calls[count - 1];
}

describe('LabSession: events carry their call’s run id', () => {
  it('delivers the events tagged with the call’s own id and drops any other', async () => {
    calls.length = 0;
    const session = new LabSession();
    const seen: LabEvent[] = [];
    const run = session.run(CONFIG, (event) => seen.push(event), '');
    const call = await nextCall(1);
    expect(call.runId).toMatch(/^[0-9a-f-]{36}$/);
    call.listener({ runId: call.runId, event: step(1) });
    call.listener({ runId: 'some other call', event: step(2) });
    call.listener({ runId: call.runId, event: step(3) });
    call.finish();
    await run;
    expect(seen).toEqual([step(1), step(3)]);
  });

  it('a cancelled run’s late events, arriving after the next run started, reach neither run', async () => {
    calls.length = 0;
    const session = new LabSession();
    const first: LabEvent[] = [];
    const second: LabEvent[] = [];
    const cancelled = session.run(CONFIG, (event) => first.push(event), '');
    const a = await nextCall(1);
    a.listener({ runId: a.runId, event: step(1) });
    session.cancel();
    await expect(cancelled).rejects.toThrow('cancelled');

    const next = session.run(CONFIG, (event) => second.push(event), '');
    const b = await nextCall(2);
    expect(b.runId).not.toBe(a.runId);
    // The cancelled run was still finishing its step: its events come in now.
    a.listener({ runId: a.runId, event: step(2) });
    b.listener({ runId: a.runId, event: step(2) });
    b.listener({ runId: b.runId, event: step(1) });
    b.finish();
    await next;
    expect(first).toEqual([step(1)]);
    expect(second).toEqual([step(1)]);
  });

  it('still delivers what the latest call sends after it settled (its listener has its own port)', async () => {
    calls.length = 0;
    const session = new LabSession();
    const seen: LabEvent[] = [];
    const generate = session.generate({} as never, '', 'wasm', (event) => seen.push(event));
    const call = await nextCall(1);
    const download = {
      type: 'download',
      repo: 'tiny/llama',
      file: 'model.safetensors',
      loadedBytes: 5,
      totalBytes: 10,
    } as const;
    call.listener({ runId: call.runId, event: download });
    call.finish();
    await generate;
    call.listener({ runId: call.runId, event: { ...download, loadedBytes: 10 } });
    expect(seen).toEqual([download, { ...download, loadedBytes: 10 }]);
  });
});
