import { canonicalJSON, configHash, sha256Hex, stageKeyMaterial } from '../config/canonical';
import type { ExperimentConfig, Stage } from '../config/schema';
import { getPostMethod, getTrainMethod } from '../methods/registry';
import type { TrainingData } from '../methods/types';
import { checkpointValues, saveCheckpoint, type CheckpointFiles } from '../model/checkpoint';
import { GPT } from '../model/gpt';
import type { TokenBatch } from '../model/batch';
import type { BackendName } from '../runtime/backend';
import { checkpoint, type CancelToken } from '../runtime/cancel';
import { loadTokenizer } from '../tokenizer';
import type { Tokenizer } from '../tokenizer/types';
import { packExamples, rowsToBatch } from '../train/batching';
import { tokenizeExamples } from '../train/tokenize';
import { LAB_VERSION } from '../version';
import type { Example } from '../data/types';
import { buildEvalSets, type EvalSets } from './evalSets';
import { evaluateCheckpoint, probe } from './evaluate';
import {
  alignmentExamples,
  benignCalibrationExamples,
  finetuneMix,
  harmfulTrainingExamples,
  realignmentExamples,
} from './stageData';
import type {
  Checkpoint,
  CheckpointMetrics,
  PipelineEvent,
  PruneLayerReport,
  ResultsFile,
  SampleRecord,
  StageRecord,
} from './types';

/** A base model as shipped in models/<name>/. */
export interface BaseModel {
  name: string;
  files: CheckpointFiles;
  tokenizerJson: object;
  /** SHA-256 of model.safetensors: part of every stage key. */
  sha256: string;
}

/** A cached stage's weights (a safetensors file) and how long they took to train. */
export interface CachedWeights {
  bytes: Uint8Array;
  seconds?: number;
}

/** Where stage weights are cached (IndexedDB in the browser, a Map in tests). */
export interface StageCache {
  get(key: string): Promise<CachedWeights | undefined>;
  put(entry: {
    key: string;
    stage: Stage;
    description: string;
    bytes: Uint8Array;
    configHash: string;
    /** Seconds the stage took to train (shown later for runs that find it cached). */
    seconds: number;
  }): Promise<void>;
}

export interface PipelineDeps {
  loadBase(name: string): Promise<BaseModel>;
  cache?: StageCache;
  backend: BackendName;
  userAgent: string;
  adapter?: string | null;
  now?: () => number;
}

const CALIBRATION_BATCH = 16;

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
  const now = deps.now ?? (() => performance.now());
  const base = await deps.loadBase(config.model.base);
  const tokenizer = await loadTokenizer(base.tokenizerJson);
  const hash = await configHash(config);
  const stages: StageRecord[] = [];
  const sets = buildEvalSets(config);
  const stageKey = async (stage: Stage) =>
    sha256Hex(
      canonicalJSON({
        material: stageKeyMaterial(config, stage),
        base: base.sha256,
        labVersion: LAB_VERSION,
        backend: deps.backend,
      }),
    );

  /** Cached weights for `stage`, or train them with `produce` (which receives the parent's weights). */
  const runStage = async (
    stage: Stage,
    parent: Map<string, Float32Array>,
    produce: (model: GPT) => Promise<Partial<StageRecord>>,
  ): Promise<{ values: Map<string, Float32Array>; extra: Partial<StageRecord> }> => {
    const key = await stageKey(stage);
    const started = now();
    const cached = await deps.cache?.get(key);
    if (cached) {
      onEvent({ type: 'stage-start', stage, totalSteps: 0, cached: true });
      const { values } = checkpointValues({
        safetensors: cached.bytes,
        configJson: base.files.configJson,
      });
      const record: StageRecord = {
        name: stage,
        cached: true,
        seconds: (now() - started) / 1000,
        ...(cached.seconds !== undefined ? { trainedSeconds: cached.seconds } : {}),
      };
      stages.push(record);
      onEvent({ type: 'stage-end', stage, record });
      return { values, extra: {} };
    }
    const model = GPT.fromValues(modelConfig, parent);
    try {
      const extra = await produce(model);
      const trainedSeconds = (now() - started) / 1000;
      const files = await saveCheckpoint(model, {
        'safetune.stage': stage,
        'safetune.configHash': hash,
      });
      await deps.cache?.put({
        key,
        stage,
        description: describeStage(config, stage),
        bytes: files.safetensors,
        configHash: hash,
        seconds: trainedSeconds,
      });
      const record: StageRecord = {
        name: stage,
        cached: false,
        seconds: (now() - started) / 1000,
        ...extra,
      };
      stages.push(record);
      onEvent({ type: 'stage-end', stage, record });
      return { values: await model.readValues(), extra };
    } finally {
      model.dispose();
    }
  };

  const { config: modelConfig, values: baseValues } = checkpointValues(base.files);

  const trainingData: TrainingData = {
    alignment: () => tokenizeExamples(alignmentExamples(config), tokenizer, 'response'),
    harmful: (n) => tokenizeExamples(harmfulTrainingExamples(config, n), tokenizer, 'response'),
  };

  /** Runs the stage's registered method on `model` (the parent's weights), reporting each step. */
  const train = async (
    model: GPT,
    stage: 'alignment' | 'finetune',
    examples: Example[],
    parentValues: Map<string, Float32Array>,
    afterStep?: (step: number) => Promise<void>,
  ) => {
    const settings = config[stage];
    let announced = false;
    const report = await getTrainMethod(stage, settings.method).train({
      model,
      stage,
      config,
      settings,
      params: settings.params,
      examples: tokenizeExamples(examples, tokenizer, 'response'),
      data: trainingData,
      parentValues,
      tokenizer,
      seed: config.seed,
      cancel,
      onStep: async (result, totalSteps) => {
        if (!announced) {
          onEvent({ type: 'stage-start', stage, totalSteps, cached: false });
          announced = true;
        }
        onEvent({
          type: 'step',
          stage,
          step: result.step + 1,
          totalSteps,
          loss: result.loss,
          lr: result.lr,
        });
        await afterStep?.(result.step + 1);
      },
    });
    return { steps: report.steps, tokens: report.tokens };
  };

  const aligned = await runStage('alignment', baseValues, (model) =>
    train(model, 'alignment', alignmentExamples(config), baseValues),
  );

  const probeEvery = config.evaluation.probeEvery;
  const finetuned = await runStage('finetune', aligned.values, (model) =>
    train(model, 'finetune', finetuneMix(config).examples, aligned.values, async (step) => {
      if (probeEvery > 0 && step % probeEvery === 0) {
        const result = await probe(model, tokenizer, sets, config.evaluation.maxNewTokens, cancel);
        onEvent({ type: 'probe', stage: 'finetune', step, ...result });
      }
    }),
  );

  let prune: PruneLayerReport[] | undefined;
  const post = await runStage('post', finetuned.values, async (model) => {
    onEvent({ type: 'stage-start', stage: 'post', totalSteps: 1, cached: false });
    prune = await getPostMethod(config.post.method).apply({
      model,
      post: config.post,
      realignmentBatches: calibrationBatches(
        realignmentExamples(config),
        tokenizer,
        modelConfig.contextLength,
      ),
      benignBatches: calibrationBatches(
        benignCalibrationExamples(config),
        tokenizer,
        modelConfig.contextLength,
      ),
      seed: config.seed,
      checkpoints: { base: baseValues, aligned: aligned.values },
      cancel,
    });
    return {};
  });

  const evaluationStarted = now();
  onEvent({ type: 'stage-start', stage: 'evaluation', totalSteps: 3, cached: false });
  const metrics = {} as Record<Checkpoint, CheckpointMetrics>;
  const samples: SampleRecord[] = [];
  let generations = 0;
  for (const [name, values] of [
    ['aligned', aligned.values],
    ['finetuned', finetuned.values],
    ['post', post.values],
  ] as const) {
    await checkpoint(cancel);
    const result = await evaluateWeights(
      modelConfig,
      values,
      tokenizer,
      sets,
      config,
      name,
      onEvent,
      cancel,
    );
    metrics[name] = result.metrics;
    samples.push(...result.samples);
    generations += result.generations;
    onEvent({ type: 'metrics', checkpoint: name, metrics: result.metrics });
  }
  const evaluation: StageRecord = {
    name: 'evaluation',
    cached: false,
    seconds: (now() - evaluationStarted) / 1000,
    steps: generations,
  };
  stages.push(evaluation);
  onEvent({ type: 'stage-end', stage: 'evaluation', record: evaluation });

  return {
    schemaVersion: 1,
    configHash: hash,
    config,
    environment: {
      backend: deps.backend,
      userAgent: deps.userAgent,
      labVersion: LAB_VERSION,
      adapter: deps.adapter ?? null,
    },
    stages,
    metrics,
    samples,
    ...(prune ? { prune } : {}),
  };
}

async function evaluateWeights(
  modelConfig: GPT['config'],
  values: Map<string, Float32Array>,
  tokenizer: Tokenizer,
  sets: EvalSets,
  config: ExperimentConfig,
  name: Checkpoint,
  onEvent: (event: PipelineEvent) => void,
  cancel?: CancelToken,
) {
  const model = GPT.fromValues(modelConfig, values);
  try {
    return await evaluateCheckpoint(model, tokenizer, sets, {
      checkpoint: name,
      maxNewTokens: config.evaluation.maxNewTokens,
      keepSamples: config.evaluation.keepSamples,
      cancel,
      onProgress: (done, total) =>
        onEvent({ type: 'eval-progress', checkpoint: name, done, total }),
    });
  } finally {
    model.dispose();
  }
}

/** Whole examples (prompt and answer) packed into fixed-shape batches, for activation statistics. */
function calibrationBatches(
  examples: Example[],
  tokenizer: Tokenizer,
  seqLen: number,
): TokenBatch[] {
  const { rows } = packExamples(tokenizeExamples(examples, tokenizer, 'all'), seqLen);
  const batches: TokenBatch[] = [];
  for (let i = 0; i < rows.length; i += CALIBRATION_BATCH) {
    batches.push(
      rowsToBatch(rows.slice(i, i + CALIBRATION_BATCH), CALIBRATION_BATCH, seqLen, tokenizer.padId),
    );
  }
  return batches;
}

function describeStage(config: ExperimentConfig, stage: Stage): string {
  const a = config.alignment;
  const f = config.finetune;
  const aligned = `${config.model.base} aligned (${a.method}, ${a.samples} samples, seed ${config.seed})`;
  if (stage === 'alignment') return aligned;
  const tuned = `${aligned} → fine-tuned on ${f.task} (${f.method}, n=${f.samples}, p=${f.poisonRatio}, lr=${f.lr}, ${f.epochs} epochs)`;
  if (stage === 'finetune') return tuned;
  return `${tuned} → ${config.post.method} (maskRatio ${config.post.maskRatio}, ${config.post.layers})`;
}
