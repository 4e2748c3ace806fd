/**
 * `navigator.storage`: how much the origin uses, its quota, and whether the browser may evict
 * it. Absent in Node and some browsers; `persist()` exists only in a window, not in a worker.
 */
import { toStoreError } from './errors';
import type { StorageEstimateInfo } from './types';

interface StorageManagerLike {
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
  persisted?: () => Promise<boolean>;
  persist?: () => Promise<boolean>;
}

/** Read at every call (not at import), so a page or test that installs it later is seen. */
function storageManager(): StorageManagerLike | undefined {
  const { navigator } = globalThis as { navigator?: { storage?: StorageManagerLike } };
  return navigator?.storage ?? undefined;
}

/** Usage and quota in bytes, and the persistence flag; each undefined if the browser cannot say. */
export async function estimateStorage(): Promise<StorageEstimateInfo> {
  try {
    const storage = storageManager();
    const info: StorageEstimateInfo = {};
    if (typeof storage?.estimate === 'function') {
      const { usage, quota } = await storage.estimate();
      if (typeof usage === 'number') info.usage = usage;
      if (typeof quota === 'number') info.quota = quota;
    }
    if (typeof storage?.persisted === 'function') info.persisted = await storage.persisted();
    return info;
  } catch (error) {
    throw toStoreError(error, 'estimate storage use');
  }
}

/**
 * Ask the browser not to evict the lab's data. True when storage is (now) persistent. Where
 * `persist()` is missing (a worker) the current state is reported instead; false if unknown.
 */
export async function requestPersistentStorage(): Promise<boolean> {
  try {
    const storage = storageManager();
    if (typeof storage?.persist === 'function') return await storage.persist();
    if (typeof storage?.persisted === 'function') return await storage.persisted();
    return false;
  } catch (error) {
    throw toStoreError(error, 'request persistent storage');
  }
}
