import { describe, expect, it, vi } from 'vitest';
import { resolvePreset } from '../../../src/core/lab';

/** Fake workers recording what each was started with. */
const inits: { id: number; backend: string; probe: string | null }[] = [];
let workers = 0;
vi.mock('../../../src/lib/labClient', () => ({
  createLabWorker: () => {
    const id = ++workers;
    return {
      api: {
        init: async (backend: string, options?: { probe?: { key: string } }) => {
          inits.push({ id, backend, probe: options?.probe?.key ?? null });
          return { requested: backend, backend: 'wasm', reason: 'test', adapter: null };
        },
        runExperiment: async () => ({}),
        generate: async () => ({}),
        cancel: async () => {},
      },
      progress: (f: unknown) => f,
      terminate: () => {},
    };
  },
}));

const { LabSession } = await import('../../../src/lib/labSession.svelte');

describe('LabSession: auto is measured for the model that runs', () => {
  it("starts again for a model of another shape (a Hub model gets no built-in model's measurement); Try the model takes the worker as it is", async () => {
    const session = new LabSession();
    const builtIn = resolvePreset('micro');
    const hub = { ...builtIn, model: { ...builtIn.model, base: 'HuggingFaceTB/SmolLM2-135M' } };
    await session.run(builtIn, () => {}, 'http://hub.test');
    await session.run(builtIn, () => {}, 'http://hub.test');
    expect(inits).toEqual([
      { id: 1, backend: 'auto', probe: 'safetune-base V636 d128 L2 H4 T64 B8' },
    ]);
    await session.run(hub, () => {}, 'http://hub.test');
    expect(inits.at(-1)).toEqual({ id: 2, backend: 'auto', probe: null });
    await session.generate(
      { model: 'safetune-base' } as never,
      'http://hub.test',
      'auto',
      () => {},
    );
    expect(inits).toHaveLength(2);
    // An explicit backend ignores model shapes.
    await session.run({ ...builtIn, runtime: { backend: 'wasm' } }, () => {}, 'http://hub.test');
    await session.run({ ...hub, runtime: { backend: 'wasm' } }, () => {}, 'http://hub.test');
    expect(inits.slice(2)).toEqual([{ id: 3, backend: 'wasm', probe: null }]);
  });
});
