import type { Stage } from '../config/schema';
import type { LanguageModel } from '../model/languageModel';
import { ResumeMismatchError } from '../train/loop';
import { finishStage, type RunContext } from './context';
import { readCheckpoint, stageResume, type StageResume } from './resume';
import {
  dataStageKey,
  decodeCachedStage,
  describeStage,
  encodeStage,
  trainedOutput,
  type StageOutput,
} from './stageCache';
import type { StagePlan } from './stagePlan';
import type { StageRecord, TrainingStage } from './types';
import { errorText } from '../errors';

/** What a stage's method does to the model its plan starts, and what the stage's record adds. */
export type StageWork = (
  model: LanguageModel,
  resume?: StageResume,
) => Promise<Partial<StageRecord>>;

/**
 * A stage's output, from the cache or by running `work` on the model `plan.start()` builds.
 * Where the stage trains a LoRA adapter, only the adapter is cached; it is merged into the
 * weights it was trained on (`plan.mergeAdapter`, the alignment stage) or kept beside them.
 */
export async function runStage(
  run: RunContext,
  stage: Stage,
  plan: StagePlan,
  work: StageWork,
): Promise<StageOutput> {
  const { config, deps, events, now, modelConfig } = run;
  const key = await dataStageKey(config, stage, run.keyContext, run.data);
  const started = now();
  const cached = await deps.cache?.get(key);
  // A damaged entry (a truncated write, a file of another shape) is never used: the stage is
  // trained again and its fresh weights replace the entry.
  let result: StageOutput | undefined;
  if (cached) {
    try {
      result = decodeCachedStage(modelConfig, cached.bytes, plan);
    } catch (error) {
      const reason = errorText(error);
      events.log(
        `the cached ${stage} weights are unreadable (${reason}); training the stage again`,
      );
    }
  }
  if (cached && result) {
    events.stageStart(stage, 0, true);
    finishStage(run, {
      name: stage,
      cached: true,
      seconds: (now() - started) / 1000,
      ...(cached.seconds !== undefined ? { trainedSeconds: cached.seconds } : {}),
    });
    return result;
  }
  // Training stages keep checkpoints (when the caller has a store for them).
  const resume = stage === 'alignment' || stage === 'finetune' ? deps.resume : undefined;
  const saved = resume ? await readCheckpoint(run, resume, key, stage as TrainingStage) : undefined;
  const checkpoints = resume
    ? stageResume(run, resume, key, stage as TrainingStage, started)
    : undefined;
  let model = plan.start();
  try {
    let extra: Partial<StageRecord>;
    try {
      extra = await work(model, checkpoints?.(saved ?? null));
    } catch (error) {
      if (!(error instanceof ResumeMismatchError)) throw error;
      // A checkpoint this run cannot continue from is dropped; the stage trains from step 0.
      events.log(
        `the ${stage} checkpoint cannot be used (${error.message}); training the stage from the start`,
      );
      await resume?.delete(key).catch(() => undefined);
      model.dispose();
      model = plan.start();
      extra = await work(model, checkpoints?.(null));
    }
    const trainedSeconds =
      (now() - started) / 1000 + (extra.resumedAtStep ? (saved?.seconds ?? 0) : 0);
    const metadata = { 'safetune.stage': stage, 'safetune.configHash': run.hash };
    const { bytes, adapter } = await encodeStage(modelConfig, model, plan, metadata);
    await deps.cache?.put({
      key,
      stage,
      description: describeStage(config, stage),
      bytes,
      configHash: run.hash,
      seconds: trainedSeconds,
    });
    // The stage is done (and cached): its checkpoint has served.
    if (resume) await resume.delete(key).catch(() => undefined);
    finishStage(run, {
      name: stage,
      cached: false,
      seconds: extra.resumedAtStep ? trainedSeconds : (now() - started) / 1000,
      ...extra,
    });
    return await trainedOutput(modelConfig, model, plan, adapter);
  } finally {
    model.dispose();
  }
}
