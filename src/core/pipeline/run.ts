/**
 * The pipeline of one config, top to bottom: alignment → attacked fine-tuning (`attackStage`) →
 * post-fine-tuning, each from the stage cache or trained, then the evaluation of the three
 * checkpoints, assembled into the results file. The rooms it calls: `ports` (what the host plugs
 * in), `stagePlan` (how each stage starts), `stage` (cache or train one stage), `stageCache`,
 * `resume`, `trainStage`, `postStage`, `evaluation`, `dataChecks`, and `events` (every event).
 */
import { configHash } from '../config/canonical';
import type { ExperimentConfig } from '../config/schema';
import type { Checkpoint } from '../metrics/checkpoints';
import { baseTokenizer, type BaseModel } from '../model/base';
import { loadAttack, type LoadedAttack } from '../methods/attack/registry';
import type { CancelToken } from '../runtime/cancel';
import { LAB_VERSION } from '../version';
import { lazyJudges, type RunContext } from './context';
import { runData } from './dataChecks';
import { attackedEvalSets, attackedFinetune } from './attackStage';
import { buildEvalSets } from './evalSets';
import { finetuneProbes, runEvaluation } from './evaluation';
import { RunEvents } from './events';
import type { PipelineDeps } from './ports';
import { applyPostMethod } from './postStage';
import { runStage } from './stage';
import { dataStageKey, decodeCachedStage, mergedValues, stageKeyContext } from './stageCache';
import { alignmentExamples } from './stageData';
import { alignmentPlan, finetunePlan, postPlan, type StagePlan } from './stagePlan';
import { trainStage } from './trainStage';
import type { PipelineEvent, PruneLayerReport, ResultsFile } from './types';

// The worker, the CLI and the tests import the pipeline from here.
export { baseTokenizer, type BaseModel };
export { dataShortfalls } from './dataChecks';
export {
  DEFAULT_CHECKPOINT_POLICY,
  type CachedWeights,
  type CheckpointPolicy,
  type PipelineDeps,
  type ResumeRecord,
  type ResumeStore,
  type StageCache,
} from './ports';

/**
 * Runs the three-stage pipeline of a (validated) config — alignment → poisoned fine-tuning →
 * post-fine-tuning — re-using cached stage weights, evaluates the three checkpoints and returns
 * the results file. Events report progress in order; `cancel` stops between steps.
 */
export async function runExperiment(
  config: ExperimentConfig,
  deps: PipelineDeps,
  onEvent: (event: PipelineEvent) => void = () => {},
  cancel?: CancelToken,
): Promise<ResultsFile> {
  const events = new RunEvents(onEvent);
  const now = deps.now ?? (() => performance.now());
  const base = await deps.loadBase(config.model.base, onEvent);
  const tokenizer = await baseTokenizer(base, { thinking: config.model.thinking });
  const hash = await configHash(config);
  const data = await runData(config, deps, events);
  const attack = await loadAttack(config.attack.method);
  const sets = attackedEvalSets(buildEvalSets(config, data), attack, config.attack.params);
  const keyContext = stageKeyContext(config, base, deps.backend);
  const judges = lazyJudges(config, deps, events);
  const run: RunContext = {
    config,
    deps,
    events,
    cancel,
    now,
    base,
    modelConfig: base.config,
    tokenizer,
    hash,
    data,
    sets,
    keyContext,
    stages: [],
    judges: judges.get,
  };
  try {
    return await runStages(run, attack);
  } finally {
    await judges.dispose();
  }
}

async function runStages(run: RunContext, attack: LoadedAttack): Promise<ResultsFile> {
  const { config, deps, data, modelConfig, base } = run;
  // Loaded before any training, so a classifier that cannot be had fails the run at once.
  const judges = await run.judges();

  const aligned = await runStage(
    run,
    'alignment',
    alignmentPlan(config, modelConfig, base.values),
    (model, resume) =>
      trainStage(run, model, 'alignment', alignmentExamples(config, data), base.values, resume),
  );

  const finetuned = await runStage(
    run,
    'finetune',
    finetunePlan(config, modelConfig, aligned),
    (model, resume) =>
      attackedFinetune(run, attack, model, aligned.values, resume, finetuneProbes(run, model)),
  );

  let prune: PruneLayerReport[] | undefined;
  const post = await runStage(
    run,
    'post',
    postPlan(config, modelConfig, finetuned),
    async (model) => {
      prune = await applyPostMethod(run, model, { base: base.values, aligned: aligned.values });
      return {};
    },
  );

  const evaluation = await runEvaluation(run, { aligned, finetuned, post }, judges);

  return {
    schemaVersion: 1,
    configHash: run.hash,
    config,
    environment: {
      backend: deps.backend,
      userAgent: deps.userAgent,
      labVersion: LAB_VERSION,
      adapter: deps.adapter ?? null,
      ...(deps.threads !== undefined ? { threads: deps.threads } : {}),
      ...(deps.crossOriginIsolated !== undefined
        ? { crossOriginIsolated: deps.crossOriginIsolated }
        : {}),
    },
    stages: run.stages,
    metrics: evaluation.metrics,
    samples: evaluation.samples,
    ...(prune ? { prune } : {}),
    judges: evaluation.judges,
    ...(Object.keys(data.provenance).length > 0 ? { data: data.provenance } : {}),
  };
}

/**
 * The weights of a checkpoint of `config` (`aligned`, `finetuned` or `post`, adapters merged in)
 * as the stage cache holds them after a run, or null when a stage on the way is not cached (the
 * run has not reached it, or ran on another backend or build). For "try the model" after a run.
 * Each stage is decoded with the run's own plan (`stagePlan`).
 */
export async function cachedCheckpointValues(
  config: ExperimentConfig,
  checkpointName: Checkpoint,
  base: BaseModel,
  deps: Pick<PipelineDeps, 'cache' | 'backend' | 'hubData'>,
): Promise<Map<string, Float32Array> | null> {
  const cache = deps.cache;
  if (!cache) return null;
  const modelConfig = base.config;
  // A run on Hub data keys its stages by the data files' hashes too (read from the file cache).
  const data = await runData(config, deps, new RunEvents(() => {}));
  const keyContext = stageKeyContext(config, base, deps.backend);
  const read = async (stage: 'alignment' | 'finetune' | 'post', plan: StagePlan) => {
    const cached = await cache.get(await dataStageKey(config, stage, keyContext, data));
    return cached ? decodeCachedStage(modelConfig, cached.bytes, plan) : null;
  };
  const aligned = await read('alignment', alignmentPlan(config, modelConfig, base.values));
  if (!aligned || checkpointName === 'aligned') return aligned?.values ?? null;
  const finetuned = await read('finetune', finetunePlan(config, modelConfig, aligned));
  if (!finetuned) return null;
  if (checkpointName === 'finetuned') return mergedValues(modelConfig, finetuned);
  const post = await read('post', postPlan(config, modelConfig, finetuned));
  return post ? mergedValues(modelConfig, post) : null;
}
