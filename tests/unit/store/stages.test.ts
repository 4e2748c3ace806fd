import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreError, openLabStore, type LabStore } from '../../../src/core/store';
import { openRaw, stageInput, testBytes, uniqueDbName } from './helpers';

const open: LabStore[] = [];

async function freshStore(): Promise<{ store: LabStore; name: string }> {
  const name = uniqueDbName();
  const store = await openLabStore(name);
  open.push(store);
  return { store, name };
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const store of open.splice(0)) store.close();
});

describe('stage weights', () => {
  it('round-trips the bytes bit-exactly, with the metadata as given', async () => {
    const { store } = await freshStore();
    const input = stageInput({ bytes: testBytes(100_003, 7) });
    await store.putStage(input);

    const entry = await store.getStage(input.key);
    expect(entry).toBeDefined();
    expect(entry!.bytes).toBeInstanceOf(Uint8Array);
    expect(entry!.bytes.byteLength).toBe(100_003);
    expect(Buffer.from(entry!.bytes).equals(Buffer.from(input.bytes))).toBe(true);
    const { bytes: _bytes, ...info } = input;
    expect(entry).toMatchObject(info);
    expect(entry!.sizeBytes).toBe(100_003);
  });

  it('returns undefined for a key never stored', async () => {
    const { store } = await freshStore();
    await store.putStage(stageInput({ key: 'stored' }));
    expect(await store.getStage('never-stored')).toBeUndefined();
  });

  it('stores the SHA-256 of the bytes with the entry', async () => {
    const { store } = await freshStore();
    const input = stageInput({ bytes: testBytes(4096, 3) });
    const summary = await store.putStage(input);
    const expected = createHash('sha256').update(input.bytes).digest('hex');
    expect(summary.sha256).toBe(expected);
    expect((await store.listStages())[0].sha256).toBe(expected);
  });

  it('stores only the viewed bytes of a subarray, not its whole buffer', async () => {
    const { store, name } = await freshStore();
    const big = testBytes(10_000, 5);
    const view = big.subarray(100, 150);
    await store.putStage(stageInput({ key: 'view', bytes: view }));

    const raw = await openRaw(name);
    const stored = (await raw.get('stageBytes', 'view')) as { bytes: Uint8Array };
    raw.close();
    expect(stored.bytes.buffer.byteLength).toBe(50);
    expect(Array.from((await store.getStage('view'))!.bytes)).toEqual(Array.from(view));
  });

  it('replaces an entry stored under the same key', async () => {
    const { store } = await freshStore();
    await store.putStage(stageInput({ key: 'k', bytes: testBytes(10, 1), description: 'old' }));
    await store.putStage(stageInput({ key: 'k', bytes: testBytes(20, 2), description: 'new' }));
    const entry = await store.getStage('k');
    expect(entry!.description).toBe('new');
    expect(Array.from(entry!.bytes)).toEqual(Array.from(testBytes(20, 2)));
    expect(await store.listStages()).toHaveLength(1);
  });

  it('lists entries newest first with their sizes and without their bytes', async () => {
    const { store } = await freshStore();
    await store.putStage(
      stageInput({ key: 'aligned', stage: 'alignment', createdAt: 100, bytes: testBytes(300) }),
    );
    await store.putStage(
      stageInput({ key: 'post', stage: 'post', createdAt: 300, bytes: testBytes(12_345) }),
    );
    await store.putStage(
      stageInput({ key: 'tuned', stage: 'finetune', createdAt: 200, bytes: testBytes(7) }),
    );

    const list = await store.listStages();
    expect(list.map((entry) => [entry.key, entry.stage, entry.sizeBytes])).toEqual([
      ['post', 'post', 12_345],
      ['tuned', 'finetune', 7],
      ['aligned', 'alignment', 300],
    ]);
    for (const entry of list) expect(entry).not.toHaveProperty('bytes');
    expect(list[0]).toMatchObject({
      labVersion: '0.1.0',
      backend: 'wasm',
      description: 'fine-tuned, p = 0.1',
    });
  });

  it('never opens the weights store to list', async () => {
    const { store } = await freshStore();
    await store.putStage(stageInput());
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
    await store.listStages();
    expect(transaction).toHaveBeenCalled();
    for (const [scope] of transaction.mock.calls) {
      expect([scope].flat()).not.toContain('stageBytes');
    }
  });

  it('deletes one entry, weights and metadata both', async () => {
    const { store, name } = await freshStore();
    await store.putStage(stageInput({ key: 'keep' }));
    await store.putStage(stageInput({ key: 'drop' }));
    await store.deleteStage('drop');

    expect(await store.getStage('drop')).toBeUndefined();
    expect((await store.listStages()).map((entry) => entry.key)).toEqual(['keep']);
    const raw = await openRaw(name);
    expect(await raw.getAllKeys('stageBytes')).toEqual(['keep']);
    raw.close();
    await expect(store.deleteStage('never-stored')).resolves.toBeUndefined();
  });

  it('clears every stage, weights and metadata both, and leaves runs alone', async () => {
    const { store, name } = await freshStore();
    await store.putStage(stageInput({ key: 'one' }));
    await store.putStage(stageInput({ key: 'two' }));
    await store.putRun({
      id: 'r',
      createdAt: 1,
      name: 'run',
      configHash: 'h',
      config: {},
      results: {},
    });
    await store.clearStages();

    expect(await store.listStages()).toEqual([]);
    const raw = await openRaw(name);
    expect(await raw.count('stageBytes')).toBe(0);
    raw.close();
    expect(await store.listRuns()).toHaveLength(1);
  });

  it('keeps data across connections', async () => {
    const { store, name } = await freshStore();
    await store.putStage(stageInput({ key: 'persisted', bytes: testBytes(64, 9) }));
    store.close();
    const reopened = await openLabStore(name);
    open.push(reopened);
    expect(Array.from((await reopened.getStage('persisted'))!.bytes)).toEqual(
      Array.from(testBytes(64, 9)),
    );
  });
});

describe('stage integrity', () => {
  async function tamper(name: string, key: string, bytes: Uint8Array | null): Promise<void> {
    const raw = await openRaw(name);
    if (bytes === null) await raw.delete('stageBytes', key);
    else await raw.put('stageBytes', { key, bytes });
    raw.close();
  }

  it('throws StoreError kind corrupt when one stored byte changed', async () => {
    const { store, name } = await freshStore();
    const input = stageInput({ key: 'k'.repeat(64), bytes: testBytes(2048, 4) });
    await store.putStage(input);
    const flipped = input.bytes.slice();
    flipped[1000] ^= 1;
    await tamper(name, input.key, flipped);

    const error = await store.getStage(input.key).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe('corrupt');
    expect((error as StoreError).message).toMatch(
      /^could not read the cached fine-tuned weights kkkkkkkkkkkk…: the stored bytes .* do not match/,
    );
    expect((error as StoreError).message).toContain('recomputed');
  });

  it('throws corrupt when the stored bytes were truncated', async () => {
    const { store, name } = await freshStore();
    const input = stageInput({ bytes: testBytes(2048, 4) });
    await store.putStage(input);
    await tamper(name, input.key, input.bytes.slice(0, 2047));
    await expect(store.getStage(input.key)).rejects.toMatchObject({ kind: 'corrupt' });
  });

  it('throws corrupt when the weights are missing but the metadata is there', async () => {
    const { store, name } = await freshStore();
    await store.putStage(stageInput({ key: 'orphan', stage: 'alignment' }));
    await tamper(name, 'orphan', null);
    await expect(store.getStage('orphan')).rejects.toMatchObject({
      kind: 'corrupt',
      message: expect.stringContaining('aligned weights orphan: its weights are missing'),
    });
  });

  it('lets the caller delete a corrupt entry and store it again', async () => {
    const { store, name } = await freshStore();
    const input = stageInput({ bytes: testBytes(512, 8) });
    await store.putStage(input);
    await tamper(name, input.key, testBytes(512, 9));
    await expect(store.getStage(input.key)).rejects.toBeInstanceOf(StoreError);

    await store.deleteStage(input.key);
    expect(await store.getStage(input.key)).toBeUndefined();
    await store.putStage(input);
    expect(Array.from((await store.getStage(input.key))!.bytes)).toEqual(Array.from(input.bytes));
  });
});
