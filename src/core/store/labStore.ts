/**
 * The lab's IndexedDB store: each stage's output weights under the hash of what determined them
 * (so re-running a config re-trains nothing), and finished runs for the runs table. DOM-free: it
 * runs in the worker and in the page. Every method either succeeds or throws a `StoreError`.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { StoreError, errorName, formatBytes, toStoreError } from './errors';
import { exactBytes, sha256OfBytes } from './integrity';
import { DB_VERSION, DEFAULT_DB_NAME, upgradeLabSchema, type LabSchema } from './schema';
import { estimateStorage, requestPersistentStorage } from './storage';
import type {
  CachedStage,
  CheckpointEntry,
  CheckpointSummary,
  RunRecord,
  StageEntry,
  StageInput,
  StageSummary,
  StorageEstimateInfo,
} from './types';

export interface LabStore {
  /** Save a stage's weights (replacing any entry with the same key); returns what was stored. */
  putStage(entry: StageInput): Promise<StageSummary>;
  /** The stage's weights, verified against their SHA-256 (`StoreError` kind 'corrupt' if not). */
  getStage(key: string): Promise<StageEntry | undefined>;
  /** Every cached stage without its weights, newest first. */
  listStages(): Promise<StageSummary[]>;
  deleteStage(key: string): Promise<void>;
  clearStages(): Promise<void>;

  /** Save a run (replacing any run with the same id). */
  putRun(run: RunRecord): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Every saved run, newest first (`createdAt`). */
  listRuns(): Promise<RunRecord[]>;
  deleteRun(id: string): Promise<void>;

  /**
   * Save a training checkpoint (replacing the one under its key); the oldest beyond
   * `MAX_CHECKPOINTS` are deleted, so interrupted runs never pile up.
   */
  putCheckpoint(entry: CheckpointEntry): Promise<void>;
  getCheckpoint(key: string): Promise<CheckpointEntry | undefined>;
  /** Every checkpoint without its state, newest first. */
  listCheckpoints(): Promise<CheckpointSummary[]>;
  deleteCheckpoint(key: string): Promise<void>;

  estimate(): Promise<StorageEstimateInfo>;
  requestPersistence(): Promise<boolean>;
  close(): void;
}

/** How each stage's output is named in messages. */
const STAGE_WEIGHTS: Record<CachedStage, string> = {
  alignment: 'aligned weights',
  finetune: 'fine-tuned weights',
  post: 'post-fine-tuning weights',
};

const UNAVAILABLE_REASON =
  'IndexedDB is not available here (private browsing, or storage disabled for this site)';

/** Open (creating or upgrading) the lab's database. */
export async function openLabStore(name: string = DEFAULT_DB_NAME): Promise<LabStore> {
  const action = `open the lab's database "${name}"`;
  if (typeof indexedDB === 'undefined')
    throw new StoreError('unavailable', action, UNAVAILABLE_REASON);
  let closedReason: string | null = null;
  const db = await openDatabase(name, action, {
    versionChange: () => {
      // Another tab wants a newer schema or to delete the database; holding on would block it.
      closedReason = 'another tab upgraded or deleted the database — reload the page';
      db.close();
    },
    terminated: () => {
      closedReason =
        "the browser closed the database (was this site's data cleared?) — reload the page";
    },
  });

  /** Run `body` as `action`, converting any failure to a `StoreError`. */
  async function attempt<T>(action: string, body: () => Promise<T>): Promise<T> {
    if (closedReason !== null) throw new StoreError('unavailable', action, closedReason);
    try {
      return await body();
    } catch (error) {
      throw toStoreError(error, action);
    }
  }

  return {
    putStage(input) {
      const bytes = exactBytes(input.bytes);
      const action = `save the ${STAGE_WEIGHTS[input.stage]} (${formatBytes(bytes.byteLength)})`;
      return attempt(action, async () => {
        // Hashed before the transaction opens: awaiting non-IndexedDB work inside one commits it.
        const summary: StageSummary = {
          ...stageInfo(input),
          sizeBytes: bytes.byteLength,
          sha256: await sha256OfBytes(bytes),
        };
        const tx = db.transaction(['stages', 'stageBytes'], 'readwrite');
        await within(tx, async () => {
          await tx.objectStore('stageBytes').put({ key: summary.key, bytes });
          await tx.objectStore('stages').put(summary);
        });
        return summary;
      });
    },

    getStage(key) {
      return attempt(`read the cached weights ${shortKey(key)}`, async () => {
        const tx = db.transaction(['stages', 'stageBytes'], 'readonly');
        const [summary, stored] = await within(tx, () =>
          Promise.all([tx.objectStore('stages').get(key), tx.objectStore('stageBytes').get(key)]),
        );
        if (summary === undefined) return undefined;
        const action = `read the cached ${STAGE_WEIGHTS[summary.stage]} ${shortKey(key)}`;
        const bytes = stored?.bytes;
        if (!(bytes instanceof Uint8Array)) {
          throw new StoreError('corrupt', action, `its weights are missing — ${RECOMPUTE}`);
        }
        const sha256 = await sha256OfBytes(exactBytes(bytes));
        if (sha256 !== summary.sha256 || bytes.byteLength !== summary.sizeBytes) {
          throw new StoreError(
            'corrupt',
            action,
            `the stored bytes (${formatBytes(bytes.byteLength)}, SHA-256 ${sha256.slice(0, 12)}…) ` +
              `do not match what was saved (${formatBytes(summary.sizeBytes)}, SHA-256 ` +
              `${summary.sha256.slice(0, 12)}…) — ${RECOMPUTE}`,
          );
        }
        return { ...summary, bytes };
      });
    },

    listStages() {
      return attempt('list the cached stages', async () => {
        const newestLast = await db.getAllFromIndex('stages', 'createdAt');
        return newestLast.reverse();
      });
    },

    deleteStage(key) {
      return attempt(`delete the cached weights ${shortKey(key)}`, async () => {
        const tx = db.transaction(['stages', 'stageBytes'], 'readwrite');
        await within(tx, async () => {
          await tx.objectStore('stages').delete(key);
          await tx.objectStore('stageBytes').delete(key);
        });
      });
    },

    clearStages() {
      return attempt('clear the cached stages', async () => {
        const tx = db.transaction(['stages', 'stageBytes'], 'readwrite');
        await within(tx, async () => {
          await tx.objectStore('stages').clear();
          await tx.objectStore('stageBytes').clear();
        });
      });
    },

    putRun(run) {
      return attempt(`save the run "${run.name}"`, async () => {
        const record: RunRecord = {
          id: run.id,
          createdAt: run.createdAt,
          name: run.name,
          configHash: run.configHash,
          config: run.config,
          results: run.results,
        };
        const tx = db.transaction('runs', 'readwrite');
        await within(tx, async () => {
          await tx.objectStore('runs').put(record);
        });
      });
    },

    getRun(id) {
      return attempt(`read the run ${id}`, () => db.get('runs', id));
    },

    listRuns() {
      return attempt('list the saved runs', async () => {
        const newestLast = await db.getAllFromIndex('runs', 'createdAt');
        return newestLast.reverse();
      });
    },

    deleteRun(id) {
      return attempt(`delete the run ${id}`, async () => {
        const tx = db.transaction('runs', 'readwrite');
        await within(tx, async () => {
          await tx.objectStore('runs').delete(id);
        });
      });
    },

    putCheckpoint(entry) {
      const action = `save the ${entry.stage} checkpoint at step ${entry.step}/${entry.totalSteps}`;
      return attempt(action, async () => {
        const summary: CheckpointSummary = {
          key: entry.key,
          stage: entry.stage,
          configHash: entry.configHash,
          name: entry.name,
          step: entry.step,
          totalSteps: entry.totalSteps,
          savedAt: entry.savedAt,
        };
        const tx = db.transaction(['checkpoints', 'checkpointData'], 'readwrite');
        await within(tx, async () => {
          await tx.objectStore('checkpointData').put({ key: entry.key, entry });
          await tx.objectStore('checkpoints').put(summary);
          const newestLast = await tx.objectStore('checkpoints').index('savedAt').getAllKeys();
          const others = newestLast.filter((key) => key !== entry.key);
          for (const key of others.slice(0, Math.max(0, others.length - (MAX_CHECKPOINTS - 1)))) {
            await tx.objectStore('checkpoints').delete(key);
            await tx.objectStore('checkpointData').delete(key);
          }
        });
      });
    },

    getCheckpoint(key) {
      return attempt(`read the checkpoint ${shortKey(key)}`, async () => {
        const tx = db.transaction(['checkpoints', 'checkpointData'], 'readonly');
        const [summary, stored] = await within(tx, () =>
          Promise.all([
            tx.objectStore('checkpoints').get(key),
            tx.objectStore('checkpointData').get(key),
          ]),
        );
        if (summary === undefined) return undefined;
        if (!stored || typeof stored.entry !== 'object' || stored.entry === null) {
          throw new StoreError(
            'corrupt',
            `read the ${summary.stage} checkpoint`,
            'its state is missing',
          );
        }
        return { ...stored.entry, ...summary };
      });
    },

    listCheckpoints() {
      return attempt('list the checkpoints', async () => {
        const newestLast = await db.getAllFromIndex('checkpoints', 'savedAt');
        return newestLast.reverse();
      });
    },

    deleteCheckpoint(key) {
      return attempt(`delete the checkpoint ${shortKey(key)}`, async () => {
        const tx = db.transaction(['checkpoints', 'checkpointData'], 'readwrite');
        await within(tx, async () => {
          await tx.objectStore('checkpoints').delete(key);
          await tx.objectStore('checkpointData').delete(key);
        });
      });
    },

    estimate: estimateStorage,
    requestPersistence: requestPersistentStorage,

    close() {
      closedReason ??= 'the store was closed';
      db.close();
    },
  };
}

const RECOMPUTE = 'delete it in the Cache panel and the stage will be recomputed';

/** Checkpoints kept at most: the newest, one per interrupted stage. */
export const MAX_CHECKPOINTS = 4;

/** The metadata fields of a stage entry, without `bytes` or anything else a caller attached. */
function stageInfo(input: StageInput): Omit<StageSummary, 'sizeBytes' | 'sha256'> {
  const { key, stage, createdAt, labVersion, backend, configHash, description, meta } = input;
  return {
    key,
    stage,
    createdAt,
    labVersion,
    backend,
    description,
    ...(configHash === undefined ? {} : { configHash }),
    ...(meta === undefined ? {} : { meta }),
  };
}

function shortKey(key: string): string {
  return key.length > 12 ? `${key.slice(0, 12)}…` : key;
}

interface TransactionLike {
  readonly done: Promise<void>;
  readonly error: DOMException | null;
  abort(): void;
}

/**
 * Run `body`'s requests in `tx` and wait for the commit, whose failure is reported too (Chrome
 * reports a full quota only when the transaction commits). If anything fails the transaction is
 * aborted, so a write that threw half-way (e.g. a value that cannot be cloned) leaves nothing.
 */
async function within<T>(tx: TransactionLike, body: () => Promise<T>): Promise<T> {
  const { done } = tx;
  // `done` is awaited below on success; on failure the error of `body` is the one reported, and
  // without this handler the resulting abort would surface as an unhandled rejection.
  done.catch(() => undefined);
  try {
    const result = await body();
    await done;
    return result;
  } catch (error) {
    // A transaction the browser aborted (quota at commit, or mid-way) makes the requests after
    // the abort fail with their own errors; the transaction's error is the cause worth reporting.
    const cause = abortError(tx) ?? error;
    try {
      tx.abort();
    } catch (failedAbort) {
      // abort() throws only InvalidStateError: the transaction already finished (the failure
      // being reported aborted it). Anything else is unexpected and must not be hidden.
      if (errorName(failedAbort) !== 'InvalidStateError') {
        throw new AggregateError([cause, failedAbort], 'the transaction could not be aborted', {
          cause: failedAbort,
        });
      }
    }
    throw cause;
  }
}

/** The error a transaction was aborted with, if any. */
function abortError(tx: TransactionLike): DOMException | null {
  try {
    return tx.error;
  } catch {
    // IndexedDB 1.0 (old Safari) throws InvalidStateError while the transaction is still active,
    // which means it was not aborted.
    return null;
  }
}

interface ConnectionEvents {
  versionChange: () => void;
  terminated: () => void;
}

/** `openDB`, except that being blocked by an older connection is an error, not a wait forever. */
function openDatabase(
  name: string,
  action: string,
  events: ConnectionEvents,
): Promise<IDBPDatabase<LabSchema>> {
  return new Promise((resolve, reject) => {
    let blocked = false;
    openDB<LabSchema>(name, DB_VERSION, {
      upgrade(db, oldVersion, _newVersion, transaction) {
        // A failed upgrade fails the open request, which is what gets reported.
        transaction.done.catch(() => undefined);
        upgradeLabSchema(db, oldVersion);
      },
      blocked() {
        blocked = true;
        reject(
          new StoreError(
            'unavailable',
            action,
            'another tab has an older version of the lab open — close it and reload',
          ),
        );
      },
      blocking: events.versionChange,
      terminated: events.terminated,
    }).then(
      (db) => {
        // Opened after all, once the other tab let go: nobody is waiting for this connection.
        if (blocked) db.close();
        else resolve(db);
      },
      (error: unknown) => reject(openError(error, action)),
    );
  });
}

function openError(error: unknown, action: string): StoreError {
  const mapped = toStoreError(error, action);
  if (mapped.kind === 'quota' || errorName(error) === 'VersionError') return mapped;
  // Private modes and disabled storage fail here with various names (InvalidStateError in old
  // Firefox, UnknownError in Chrome, SecurityError), none of which a user can act on by name.
  return new StoreError('unavailable', action, `${UNAVAILABLE_REASON}: ${mapped.reason}`, error);
}
