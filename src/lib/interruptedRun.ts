/**
 * The run in progress, as the page remembers it across a reload: its config is written to
 * localStorage when a run starts and removed when it ends (finished, cancelled or failed). A
 * record still there when the page loads is a run the page lost — a reload, a closed tab, a
 * crashed browser — and the page offers to resume it from its last training checkpoint.
 */
import type { ExperimentConfig } from '../core/config';
import type { CheckpointSummary } from '../core/store';
import { browserStorage } from './browserStorage';

const KEY = 'safetune-lab.active-run';

export interface ActiveRun {
  config: ExperimentConfig;
  configHash: string;
  /** `Date.now()` when it started. */
  startedAt: number;
}

/** Remembers `run` as in progress (a full or blocked storage only loses the Resume offer). */
export function rememberActiveRun(
  run: ActiveRun,
  store: Storage | undefined = browserStorage(),
): void {
  try {
    store?.setItem(KEY, JSON.stringify(run));
  } catch {
    // Without the record a reload cannot offer to resume; the run itself is unaffected.
  }
}

export function forgetActiveRun(store: Storage | undefined = browserStorage()): void {
  try {
    store?.removeItem(KEY);
  } catch {
    // Nothing to do: a record left behind is offered once, and dismissing it removes it.
  }
}

/** The run a previous page left unfinished, if any (a damaged record counts as none). */
export function readActiveRun(store: Storage | undefined = browserStorage()): ActiveRun | null {
  let text: string | null;
  try {
    text = store?.getItem(KEY) ?? null;
  } catch {
    return null;
  }
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Partial<ActiveRun> | null;
    if (
      value &&
      typeof value === 'object' &&
      typeof value.configHash === 'string' &&
      typeof value.startedAt === 'number' &&
      value.config &&
      typeof value.config === 'object'
    ) {
      return value as ActiveRun;
    }
  } catch {
    // fall through
  }
  return null;
}

/** The newest checkpoint of the interrupted run (checkpoints come newest first), if one was written. */
export function checkpointOf(
  run: ActiveRun,
  checkpoints: readonly CheckpointSummary[],
): CheckpointSummary | undefined {
  return checkpoints.find((checkpoint) => checkpoint.configHash === run.configHash);
}

const STAGE_WORDS: Record<CheckpointSummary['stage'], string> = {
  alignment: 'alignment',
  finetune: 'fine-tuning',
};

/** What the Resume notice says about where the run will go on from. */
export function describeResumePoint(checkpoint: CheckpointSummary | undefined): string {
  if (!checkpoint) {
    return 'No checkpoint was written before it stopped: Resume runs it again, re-using the stages it had finished.';
  }
  return `Resume goes on from ${STAGE_WORDS[checkpoint.stage]} step ${checkpoint.step} of ${checkpoint.totalSteps}, with the stages before it from the cache.`;
}
