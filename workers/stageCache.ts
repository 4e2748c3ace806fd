import type { StageCache } from '../src/core/pipeline/run';
import type { BackendName } from '../src/core/runtime/backend';
import { openLabStore, StoreError, type LabStore } from '../src/core/store';
import { LAB_VERSION } from '../src/core/version';

let store: Promise<LabStore> | null = null;

/** The lab's IndexedDB store, opened once per worker. */
export function labStore(): Promise<LabStore> {
  store ??= openLabStore();
  store.catch(() => (store = null));
  return store;
}

/**
 * Stage weights cached in IndexedDB. With `onWarning`, a storage failure (a full quota, storage
 * switched off, a damaged entry) is reported there and the run goes on (see `tolerantStageCache`);
 * without it, every storage error propagates.
 */
export function indexedDbStageCache(
  backend: BackendName,
  onWarning?: (message: string) => void,
): StageCache {
  const cache: StageCache = {
    async get(key) {
      const entry = await (await labStore()).getStage(key);
      if (!entry) return undefined;
      const seconds = entry.meta?.trainedSeconds;
      return typeof seconds === 'number' ? { bytes: entry.bytes, seconds } : { bytes: entry.bytes };
    },
    async put({ key, stage, description, bytes, configHash, seconds }) {
      await (
        await labStore()
      ).putStage({
        key,
        stage,
        createdAt: Date.now(),
        labVersion: LAB_VERSION,
        backend,
        configHash,
        description,
        meta: { trainedSeconds: seconds },
        bytes,
      });
    },
  };
  return onWarning ? tolerantStageCache(cache, onWarning) : cache;
}

/**
 * A cache that cannot fail the run: it only saves work. Losing a run's results because its
 * weights could not also be saved (a full quota) would be the worse outcome, and a cache that
 * cannot be read (storage switched off, an entry whose bytes do not match their hash) is a miss.
 * Each `StoreError` is reported through `onWarning` (surfaced, never swallowed) and the run goes
 * on; any other error propagates as `inner` threw it.
 */
export function tolerantStageCache(
  inner: StageCache,
  onWarning: (message: string) => void,
): StageCache {
  return {
    async get(key) {
      try {
        return await inner.get(key);
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        // A fresh put of the recomputed stage replaces a damaged entry under the same key.
        onWarning(
          `${error.message}; the run goes on without the cached weights and computes this stage`,
        );
        return undefined;
      }
    },
    async put(entry) {
      try {
        await inner.put(entry);
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        onWarning(
          `${error.message}; the run goes on, but this stage will be computed again next time`,
        );
      }
    },
  };
}
