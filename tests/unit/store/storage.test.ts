import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreError, openLabStore, type LabStore } from '../../../src/core/store';
import { uniqueDbName } from './helpers';

const open: LabStore[] = [];

async function freshStore(): Promise<LabStore> {
  const store = await openLabStore(uniqueDbName());
  open.push(store);
  return store;
}

afterEach(() => {
  vi.unstubAllGlobals();
  for (const store of open.splice(0)) store.close();
});

describe('estimate / requestPersistence', () => {
  it('reports nothing when there is no navigator', async () => {
    const store = await freshStore();
    vi.stubGlobal('navigator', undefined);
    expect(await store.estimate()).toEqual({});
    expect(await store.requestPersistence()).toBe(false);
  });

  it('reports nothing when navigator has no storage', async () => {
    const store = await freshStore();
    vi.stubGlobal('navigator', { userAgent: 'test' });
    expect(await store.estimate()).toEqual({});
    expect(await store.requestPersistence()).toBe(false);
  });

  it('passes on what navigator.storage says', async () => {
    const store = await freshStore();
    const persist = vi.fn(async () => true);
    vi.stubGlobal('navigator', {
      storage: {
        estimate: async () => ({ usage: 1234, quota: 5_000_000 }),
        persisted: async () => false,
        persist,
      },
    });
    expect(await store.estimate()).toEqual({ usage: 1234, quota: 5_000_000, persisted: false });
    expect(await store.requestPersistence()).toBe(true);
    expect(persist).toHaveBeenCalledOnce();
  });

  it('reports the current state where persist() is missing (a worker)', async () => {
    const store = await freshStore();
    vi.stubGlobal('navigator', { storage: { persisted: async () => true } });
    expect(await store.estimate()).toEqual({ persisted: true });
    expect(await store.requestPersistence()).toBe(true);
  });

  it('converts a failing estimate into a StoreError', async () => {
    const store = await freshStore();
    vi.stubGlobal('navigator', {
      storage: {
        estimate: async () => {
          throw new DOMException('denied', 'SecurityError');
        },
      },
    });
    const error = await store.estimate().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/^could not estimate storage use: /);
  });
});
