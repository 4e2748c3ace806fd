import type { ResumeRecord, ResumeStore } from '../src/core/pipeline/run';
import type { CheckpointEntry } from '../src/core/store';
import { labStore } from './stageCache';

/**
 * Training checkpoints kept in the lab's IndexedDB, beside the stage cache: a reload (or a killed
 * CLI run, whose profile keeps the database) finds them under the stage key.
 */
export function indexedDbResumeStore(): ResumeStore {
  return {
    async get(key) {
      const entry = await (await labStore()).getCheckpoint(key);
      return entry as unknown as ResumeRecord | undefined;
    },
    async put(record) {
      await (await labStore()).putCheckpoint(record as unknown as CheckpointEntry);
    },
    async delete(key) {
      await (await labStore()).deleteCheckpoint(key);
    },
  };
}
