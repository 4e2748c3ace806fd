/**
 * A training stage's checkpoints: the one an interrupted run left (read, or dropped when it cannot
 * be read) and the ones this run writes as it trains (`CheckpointPolicy`).
 */
import type { TrainingCheckpoint } from '../train/loop';
import type { RunContext } from './context';
import { DEFAULT_CHECKPOINT_POLICY, type ResumeRecord, type ResumeStore } from './ports';
import type { PipelineEvent, TrainingStage } from './types';
import { errorText } from '../errors';

/** A training stage's checkpoint to go on from (or none), and how it writes new ones. */
export interface StageResume {
  from: ResumeRecord | null;
  due(step: number, totalSteps: number): boolean;
  save(training: TrainingCheckpoint, events: PipelineEvent[]): Promise<void>;
}

/** The stage's checkpoint, if any; an unreadable one is reported and ignored. */
export async function readCheckpoint(
  run: RunContext,
  store: ResumeStore,
  key: string,
  stage: TrainingStage,
): Promise<ResumeRecord | undefined> {
  try {
    return await store.get(key);
  } catch (error) {
    run.events.log(
      `the ${stage} checkpoint is unreadable (${errorText(error)}); training the stage from the start`,
    );
    await store.delete(key).catch(() => undefined);
    return undefined;
  }
}

/**
 * How a training stage resumes from `from` (or starts) and writes its checkpoints. A failed
 * write (a full quota) is reported once and the run goes on without checkpoints.
 */
export function stageResume(
  run: RunContext,
  store: ResumeStore,
  key: string,
  stage: TrainingStage,
  started: number,
): (from: ResumeRecord | null) => StageResume {
  const { now, events } = run;
  return (from) => {
    const policy = run.deps.checkpointPolicy ?? DEFAULT_CHECKPOINT_POLICY;
    let lastSave = { time: now(), step: from?.step ?? 0, ms: 0 };
    let failed = false;
    return {
      from,
      due: (step, totalSteps) => {
        const since = now() - lastSave.time;
        return (
          !failed &&
          since >= (policy.saveGapFactor ?? 20) * lastSave.ms &&
          (since >= policy.seconds * 1000 ||
            step - lastSave.step >= Math.max(1, Math.ceil(policy.fraction * totalSteps)))
        );
      },
      save: async (training, history) => {
        const saveStarted = now();
        const record: ResumeRecord = {
          key,
          stage,
          configHash: run.hash,
          name: run.config.name,
          step: training.step,
          totalSteps: training.totalSteps,
          savedAt: Date.now(),
          seconds: (now() - started) / 1000 + (from?.seconds ?? 0),
          events: history,
          training,
        };
        try {
          await store.put(record);
          events.checkpoint(stage, training.step, training.totalSteps);
        } catch (error) {
          failed = true;
          // The store's errors already say what could not be saved, and why.
          const text = errorText(error);
          const what = text.startsWith('could not save')
            ? text
            : `could not save the ${stage} checkpoint (${text})`;
          events.log(`${what}; the run goes on, but a reload would start the stage again`);
        }
        lastSave = { time: now(), step: training.step, ms: now() - saveStarted };
      },
    };
  };
}
