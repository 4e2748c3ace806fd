import type { StageCache } from '../src/core/pipeline/run';
import type { BackendName } from '../src/core/runtime/backend';
import { openLabStore, type LabStore } from '../src/core/store';
import { LAB_VERSION } from '../src/core/version';

let store: Promise<LabStore> | null = null;

/** The lab's IndexedDB store, opened once per worker. */
export function labStore(): Promise<LabStore> {
  store ??= openLabStore();
  store.catch(() => (store = null));
  return store;
}

/** Stage weights cached in IndexedDB (errors such as a full quota propagate to the run). */
export function indexedDbStageCache(backend: BackendName): StageCache {
  return {
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
}
