import type { Example } from '../data/types';
import { getTrainMethod } from '../methods/registry';
import type { TrainingData } from '../methods/types';
import type { LanguageModel } from '../model/languageModel';
import { trainingLimits } from '../train/microBatch';
import { NonFiniteTrainingError } from '../train/trainer';
import { tokenizeExamples } from '../train/tokenize';
import type { RunContext } from './context';
import { stageMicroBatch } from './microBatch';
import type { StageResume } from './resume';
import { alignmentExamples, harmfulTrainingExamples } from './stageData';
import type { PipelineEvent, StageRecord, TrainingStage } from './types';

/**
 * Called after each step with the step's number and where to keep an event the stage's
 * checkpoints replay (the fine-tuning stage's probes).
 */
export type AfterStep = (step: number, keep: (event: PipelineEvent) => void) => Promise<void>;

/**
 * Runs the stage's registered method on `model` (the parent's weights), reporting how it splits
 * its batches, its start (at the first step, or on resuming before the replayed events) and each
 * step.
 */
export async function trainStage(
  run: RunContext,
  model: LanguageModel,
  stage: TrainingStage,
  examples: Example[],
  parentValues: Map<string, Float32Array>,
  resume: StageResume | undefined,
  afterStep?: AfterStep,
): Promise<Partial<StageRecord>> {
  const { config, deps, events, tokenizer, data } = run;
  const settings = config[stage];
  let announced = false;
  /** The stage's step and probe events so far: kept in its checkpoints. */
  const replay = resume?.from?.events;
  const history: PipelineEvent[] = Array.isArray(replay) ? [...replay] : [];
  const keep = (event: PipelineEvent) => void history.push(event);
  let resumedAt: number | undefined;
  const micro = stageMicroBatch(
    config,
    stage,
    run.modelConfig,
    trainingLimits(deps.backend, deps.deviceLimits),
  );
  // The blocks whose activations fit are kept; the rest recomputed (a model that recomputes).
  model.storedBlocks = micro.storedBlocks;
  const partial = model.recompute && micro.storedBlocks < micro.blocks;
  events.microBatch({
    stage,
    rows: micro.rows,
    ...(partial ? { storedBlocks: micro.storedBlocks, blocks: micro.blocks } : {}),
    batchSize: micro.batchSize,
    chosen: micro.chosen,
    backend: deps.backend,
    stepBytes: micro.stepBytes,
    ...(micro.fits ? {} : { problem: micro.problems[0] }),
  });
  const trainingData: TrainingData = {
    alignment: () => tokenizeExamples(alignmentExamples(config, data), tokenizer, 'response'),
    alignmentExamples: () => alignmentExamples(config, data),
    harmful: (n) =>
      tokenizeExamples(harmfulTrainingExamples(config, n, data), tokenizer, 'response'),
  };
  const training = getTrainMethod(stage, settings.method).train({
    model,
    stage,
    config,
    settings,
    params: settings.params,
    examples: tokenizeExamples(examples, tokenizer, 'response'),
    data: trainingData,
    sources: data,
    parentValues,
    tokenizer,
    seed: config.seed,
    microBatch: micro.rows,
    cancel: run.cancel,
    ...(resume
      ? {
          resume: {
            from: resume.from?.training ?? null,
            due: resume.due,
            save: (training) => resume.save(training, [...history]),
            restored: (step, totalSteps) => {
              // Announced here: the replayed events come before the stage's next step.
              events.stageStart(stage, totalSteps, false);
              announced = true;
              resumedAt = step;
              events.resumed(stage, step, totalSteps);
              events.replay(history);
            },
          },
        }
      : {}),
    onStep: async (result, totalSteps) => {
      if (!announced) {
        events.stageStart(stage, totalSteps, false);
        announced = true;
      }
      keep(
        events.step({
          stage,
          step: result.step + 1,
          totalSteps,
          loss: result.loss,
          lr: result.lr,
        }),
      );
      await afterStep?.(result.step + 1, keep);
    },
  });
  // The trainer knows the step and the lr; the stage, and so the field to lower, is known here.
  const report = await training.catch((error: unknown) => {
    throw error instanceof NonFiniteTrainingError ? error.inStage(stage) : error;
  });
  return {
    steps: report.steps,
    tokens: report.tokens,
    ...(resumedAt !== undefined ? { resumedAtStep: resumedAt } : {}),
    ...(micro.rows < micro.batchSize ? { microBatch: micro.rows } : {}),
    ...(partial ? { storedBlocks: micro.storedBlocks } : {}),
  };
}
