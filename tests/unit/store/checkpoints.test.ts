import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MAX_CHECKPOINTS,
  openLabStore,
  type CheckpointEntry,
  type LabStore,
} from '../../../src/core/store';
import { uniqueDbName } from './helpers';

const open: LabStore[] = [];

async function freshStore(name = uniqueDbName()): Promise<LabStore> {
  const store = await openLabStore(name);
  open.push(store);
  return store;
}

afterEach(() => {
  for (const store of open.splice(0)) store.close();
});

function checkpoint(key: string, savedAt: number, step = 3): CheckpointEntry {
  return {
    key,
    stage: 'finetune',
    configHash: `hash-${key}`,
    name: `run ${key}`,
    step,
    totalSteps: 10,
    savedAt,
    seconds: 4.5,
    events: [{ type: 'step', stage: 'finetune', step: 1, totalSteps: 10, loss: 2.5, lr: 1e-3 }],
    training: {
      step,
      trainer: {
        params: new Map([['h.0.attn.q.lora_A', new Float32Array([1.5, -2, 3e-8])]]),
      },
      method: null,
    },
  };
}

describe('checkpoints', () => {
  it('round-trip with their maps and typed arrays, and list without their state', async () => {
    const store = await freshStore();
    const saved = checkpoint('a', 5);
    await store.putCheckpoint(saved);
    const read = await store.getCheckpoint('a');
    expect(read).toEqual(saved);
    const params = (read?.training as { trainer: { params: Map<string, Float32Array> } }).trainer
      .params;
    expect(params.get('h.0.attn.q.lora_A')).toBeInstanceOf(Float32Array);
    expect(await store.getCheckpoint('missing')).toBeUndefined();
    expect(await store.listCheckpoints()).toEqual([
      {
        key: 'a',
        stage: 'finetune',
        configHash: 'hash-a',
        name: 'run a',
        step: 3,
        totalSteps: 10,
        savedAt: 5,
      },
    ]);
  });

  it('replace the one under the same key, and keep only the newest few', async () => {
    const store = await freshStore();
    await store.putCheckpoint(checkpoint('a', 1, 2));
    await store.putCheckpoint(checkpoint('a', 2, 4));
    expect((await store.listCheckpoints()).map((c) => [c.key, c.step])).toEqual([['a', 4]]);
    for (let i = 0; i < MAX_CHECKPOINTS + 2; i++) {
      await store.putCheckpoint(checkpoint(`k${i}`, 10 + i));
    }
    const kept = (await store.listCheckpoints()).map((c) => c.key);
    expect(kept).toHaveLength(MAX_CHECKPOINTS);
    expect(kept[0]).toBe(`k${MAX_CHECKPOINTS + 1}`);
    expect(await store.getCheckpoint('a')).toBeUndefined();
    await store.deleteCheckpoint(kept[0]);
    expect(await store.getCheckpoint(kept[0])).toBeUndefined();
    expect(await store.listCheckpoints()).toHaveLength(MAX_CHECKPOINTS - 1);
  });

  it('a database of version 1 upgrades and keeps its saved runs', async () => {
    const name = uniqueDbName();
    const old = await openDB(name, 1, {
      upgrade(db) {
        const stages = db.createObjectStore('stages', { keyPath: 'key' });
        stages.createIndex('createdAt', 'createdAt');
        stages.createIndex('stage', 'stage');
        db.createObjectStore('stageBytes', { keyPath: 'key' });
        const runs = db.createObjectStore('runs', { keyPath: 'id' });
        runs.createIndex('createdAt', 'createdAt');
        runs.createIndex('configHash', 'configHash');
      },
    });
    const run = {
      id: 'r',
      createdAt: 1,
      name: 'old run',
      configHash: 'h',
      config: {},
      results: {},
    };
    await old.put('runs', run);
    old.close();
    const store = await freshStore(name);
    expect(await store.listRuns()).toEqual([run]);
    await store.putCheckpoint(checkpoint('b', 1));
    expect(await store.listCheckpoints()).toHaveLength(1);
  });
});
