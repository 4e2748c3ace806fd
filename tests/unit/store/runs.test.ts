import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { openLabStore, type LabStore, type RunRecord } from '../../../src/core/store';
import { uniqueDbName } from './helpers';

const open: LabStore[] = [];

async function freshStore(): Promise<LabStore> {
  const store = await openLabStore(uniqueDbName());
  open.push(store);
  return store;
}

afterEach(() => {
  for (const store of open.splice(0)) store.close();
});

function run(id: string, createdAt: number, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    createdAt,
    name: `run ${id}`,
    configHash: `hash-${id}`,
    config: { schemaVersion: 1, finetune: { poisonRatio: 0.1 } },
    results: { schemaVersion: 1, metrics: { post: { harmfulScore: 6 } }, samples: [] },
    ...overrides,
  };
}

describe('runs', () => {
  it('round-trips a run, config and results deep-equal', async () => {
    const store = await freshStore();
    const saved = run('a', 5, { results: { nested: [1, 2.5, { text: 'é' }], nothing: null } });
    await store.putRun(saved);
    expect(await store.getRun('a')).toEqual(saved);
    expect(await store.getRun('missing')).toBeUndefined();
  });

  it('lists runs newest first whatever the order they were saved in', async () => {
    const store = await freshStore();
    for (const [id, createdAt] of [
      ['b', 200],
      ['d', 400],
      ['a', 100],
      ['c', 300],
    ] as const) {
      await store.putRun(run(id, createdAt));
    }
    expect((await store.listRuns()).map((saved) => saved.id)).toEqual(['d', 'c', 'b', 'a']);
  });

  it('replaces a run saved under the same id', async () => {
    const store = await freshStore();
    await store.putRun(run('a', 1, { name: 'first' }));
    await store.putRun(run('a', 2, { name: 'second' }));
    const runs = await store.listRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0].name).toBe('second');
  });

  it('deletes a run and only that run', async () => {
    const store = await freshStore();
    await store.putRun(run('a', 1));
    await store.putRun(run('b', 2));
    await store.deleteRun('a');
    expect(await store.getRun('a')).toBeUndefined();
    expect((await store.listRuns()).map((saved) => saved.id)).toEqual(['b']);
  });
});
