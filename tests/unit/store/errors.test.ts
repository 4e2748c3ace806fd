import 'fake-indexeddb/auto';
import { openDB, type IDBPDatabase } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DB_VERSION,
  StoreError,
  formatBytes,
  isQuotaError,
  openLabStore,
  toStoreError,
  type LabStore,
} from '../../../src/core/store';
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
  vi.unstubAllGlobals();
  for (const store of open.splice(0)) store.close();
});

const quotaError = (): DOMException =>
  new DOMException('The quota has been exceeded.', 'QuotaExceededError');

/**
 * fake-indexeddb internals, used to fail a request or a commit the way a browser does when the
 * quota runs out (the public API has no way to make a write fail asynchronously).
 */
interface FakeTransaction {
  _execRequestAsync(request: { operation: () => unknown; source: unknown }): IDBRequest;
  _abort(errorName: string | null): void;
}

const originalPut = IDBObjectStore.prototype.put;

async function rawKeys(name: string, storeName: string): Promise<IDBValidKey[]> {
  const raw = await openRaw(name);
  const keys = await raw.getAllKeys(storeName);
  raw.close();
  return keys;
}

describe('quota errors', () => {
  it('maps a put that throws QuotaExceededError to kind quota, naming what and how big', async () => {
    const { store } = await freshStore();
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw quotaError();
    });
    const error = await store
      .putStage(stageInput({ stage: 'finetune', bytes: testBytes(1_600_000) }))
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe('quota');
    expect((error as StoreError).message).toBe(
      "could not save the fine-tuned weights (1.6 MB): the browser's storage quota is full — " +
        'delete cached stages in the Cache panel',
    );
    expect((error as StoreError).cause).toBeInstanceOf(DOMException);
  });

  it('maps a request that fails asynchronously with QuotaExceededError', async () => {
    const { store, name } = await freshStore();
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore) {
      return (this.transaction as unknown as FakeTransaction)._execRequestAsync({
        operation: () => {
          throw quotaError();
        },
        source: this,
      });
    });
    await expect(store.putRun(runRecord('r1'))).rejects.toMatchObject({
      kind: 'quota',
      message: expect.stringMatching(/^could not save the run "big run": .*quota is full/),
    });
    vi.restoreAllMocks();
    expect(await rawKeys(name, 'runs')).toEqual([]);
  });

  // The weights are written first, then the metadata: aborting after the metadata is Chrome's
  // commit-time quota failure; aborting after the weights makes the metadata put fail on its own.
  it.each(['stages', 'stageBytes'])(
    'maps a transaction that aborts with QuotaExceededError after a put into %s succeeded',
    async (abortAfter) => {
      const { store, name } = await freshStore();
      vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
        this: IDBObjectStore,
        value: unknown,
        key?: IDBValidKey,
      ) {
        const request = originalPut.call(this, value, key);
        const transaction = this.transaction as unknown as FakeTransaction;
        if (this.name === abortAfter) {
          request.addEventListener('success', () => transaction._abort('QuotaExceededError'));
        }
        return request;
      });
      await expect(store.putStage(stageInput({ stage: 'post' }))).rejects.toMatchObject({
        kind: 'quota',
        message: expect.stringContaining('could not save the post-fine-tuning weights (1.0 kB)'),
      });
      vi.restoreAllMocks();
      expect(await rawKeys(name, 'stageBytes')).toEqual([]);
      expect(await rawKeys(name, 'stages')).toEqual([]);
    },
  );

  it('leaves no weights behind when the metadata write fails after them', async () => {
    const { store, name } = await freshStore();
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      value: unknown,
      key?: IDBValidKey,
    ) {
      if (this.name === 'stages') throw quotaError();
      return originalPut.call(this, value, key);
    });
    await expect(store.putStage(stageInput())).rejects.toMatchObject({ kind: 'quota' });
    vi.restoreAllMocks();
    expect(await rawKeys(name, 'stageBytes')).toEqual([]);
    expect(await store.listStages()).toEqual([]);
  });
});

function runRecord(id: string) {
  return { id, createdAt: 1, name: 'big run', configHash: 'h', config: {}, results: {} };
}

describe('other failures', () => {
  it('reports a value IndexedDB cannot store, and rolls back the weights written before it', async () => {
    const { store, name } = await freshStore();
    const error = await store
      .putStage(stageInput({ meta: { callback: () => 1 } }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe('unknown');
    expect((error as StoreError).message).toMatch(
      /^could not save the fine-tuned weights \(1\.0 kB\): it holds a value IndexedDB cannot store \(DataCloneError/,
    );
    expect(await rawKeys(name, 'stageBytes')).toEqual([]);
  });

  it('reports IndexedDB missing (private mode) as unavailable', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const error = await openLabStore(uniqueDbName()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe('unavailable');
    expect((error as StoreError).message).toMatch(/^could not open the lab's database .*private/);
  });

  it('reports a database written by a newer lab as unavailable', async () => {
    const name = uniqueDbName();
    (await openDB(name, DB_VERSION + 1)).close();
    await expect(openLabStore(name)).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining('newer version of the lab'),
    });
  });

  it('reports use after close as unavailable', async () => {
    const { store } = await freshStore();
    store.close();
    await expect(store.listRuns()).rejects.toMatchObject({
      kind: 'unavailable',
      message: 'could not list the saved runs: the store was closed',
    });
    await expect(store.putStage(stageInput())).rejects.toBeInstanceOf(StoreError);
  });

  it('lets another tab upgrade the database, then reports itself unavailable', async () => {
    const { store, name } = await freshStore();
    const upgraded = await new Promise<IDBPDatabase>((resolve, reject) => {
      openDB(name, DB_VERSION + 1, {
        blocked: () => reject(new Error('the lab store did not let go of the database')),
      }).then(resolve, reject);
    });
    upgraded.close();
    await expect(store.listStages()).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining('another tab upgraded or deleted the database'),
    });
  });
});

describe('toStoreError / isQuotaError', () => {
  it('finds quota inside transaction abort errors and wrappers', () => {
    expect(isQuotaError(quotaError())).toBe(true);
    expect(isQuotaError({ name: 'QuotaExceededError', message: 'other realm' })).toBe(true);
    expect(isQuotaError(new Error('transaction failed', { cause: quotaError() }))).toBe(true);
    expect(isQuotaError({ name: 'AbortError', error: quotaError() })).toBe(true);
    expect(isQuotaError(new DOMException('Quota exceeded while committing', 'AbortError'))).toBe(
      true,
    );
    expect(isQuotaError({ name: 'Error', code: 22 })).toBe(true);
    expect(isQuotaError(new DOMException('user aborted', 'AbortError'))).toBe(false);
    expect(isQuotaError(new Error('disk on fire'))).toBe(false);
    expect(isQuotaError('QuotaExceededError')).toBe(false);
  });

  it('names the underlying error when it knows nothing better, and passes StoreError through', () => {
    const mapped = toStoreError(new TypeError('boom'), 'save x');
    expect(mapped.kind).toBe('unknown');
    expect(mapped.message).toBe('could not save x: TypeError: boom');
    expect(toStoreError(mapped, 'something else')).toBe(mapped);
  });

  it('formats sizes in decimal units', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_600_000)).toBe('1.6 MB');
    expect(formatBytes(123_456_789)).toBe('123 MB');
    expect(formatBytes(2_500_000_000)).toBe('2.5 GB');
  });
});
