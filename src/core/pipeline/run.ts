import { configHash, stageKey } from '../config/canonical';
import {
  recomputeBlocks,
  type ExperimentConfig,
  type LoraSettings,
  type Stage,
} from '../config/schema';
import { getPostMethod, getTrainMethod } from '../methods/registry';
import type { TrainingData } from '../methods/types';
import {
  readAdapter,
  saveCheckpoint,
  valuesFromHubTensors,
  writeAdapter,
} from '../model/checkpoint';
import { readSafetensors } from '../model/safetensors';
import type { ModelConfig } from '../model/config';
import type { DeviceLimits } from '../model/memory';
import { mergeAdapter } from '../model/lora';
import { postWeightNames } from '../prune/layers';
import { createRng } from '../random';
import { GPT } from '../model/gpt';
import type { TokenBatch } from '../model/batch';
import type { BackendName } from '../runtime/backend';
import { checkpoint, type CancelToken } from '../runtime/cancel';
import { loadTokenizer } from '../tokenizer';
import type { Tokenizer } from '../tokenizer/types';
import { packExamples, rowsToBatch } from '../train/batching';
import { ResumeMismatchError, trainingSeqLen, type TrainingCheckpoint } from '../train/sft';
import { trainingLimits } from '../train/microBatch';
import { NonFiniteTrainingError } from '../train/trainer';
import { tokenizeExamples } from '../train/tokenize';
import { CORE_SOURCE_HASH, LAB_VERSION } from '../version';
import type { Example } from '../data/types';
import { buildEvalSets, type EvalSets } from './evalSets';
import { stageMicroBatch } from './microBatch';
import { evaluateCheckpoint, probe } from './evaluate';
import { CLASSIFIER_JUDGE } from '../metrics/judgeNames';
import {
  builtInDataSources,
  loadDataSources,
  stageDataKey,
  type DataLoadOptions,
  type DataSources,
} from '../data/sources';
import {
  createJudges,
  disposeJudges,
  type JudgeEnvironment,
  type PairJudge,
} from '../metrics/judges';
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
  JudgesReport,
  PipelineEvent,
  PruneLayerReport,
  ResultsFile,
  SampleRecord,
  StageRecord,
  TrainingStage,
} from './types';

/** A training stage's checkpoint to go on from (or none), and how it writes new ones. */
interface StageResume {
  from: ResumeRecord | null;
  due(step: number, totalSteps: number): boolean;
  save(training: TrainingCheckpoint, events: PipelineEvent[]): Promise<void>;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A stage's output: the weights, and the adapter kept beside them when the stage trained one. */
interface StageOutput {
  values: Map<string, Float32Array>;
  adapter?: { settings: LoraSettings; values: Map<string, Float32Array> };
}

/** How a stage starts and what its output is made of. */
interface StagePlan {
  /** The model the stage's method works on (the parent's weights, with its adapter if any). */
  start: () => GPT;
  /** The weights an adapter output sits on. */
  onTop: Map<string, Float32Array>;
  /** The stage's output is this adapter (cached alone); null: the output is full weights. */
  adapter: LoraSettings | null;
  /** Merge the adapter into `onTop` (alignment) instead of keeping it separate (fine-tuning, post). */
  mergeAdapter: boolean;
}

/**
 * A stage's output from its cached bytes: an adapter (merged into `onTop` for the alignment stage,
 * kept beside it otherwise) or full weights. Throws on bytes it cannot read.
 */
function decodeCachedStage(
  modelConfig: ModelConfig,
  bytes: Uint8Array,
  plan: Pick<StagePlan, 'onTop' | 'adapter' | 'mergeAdapter'>,
): StageOutput {
  if (!plan.adapter) {
    return { values: valuesFromHubTensors(modelConfig, readSafetensors(bytes).tensors) };
  }
  return adapterOutput(
    modelConfig,
    plan,
    plan.adapter,
    readAdapter(modelConfig, plan.adapter, bytes),
  );
}

/** A stage that trained an adapter: merged into `onTop` (alignment) or kept beside it. */
function adapterOutput(
  modelConfig: ModelConfig,
  plan: Pick<StagePlan, 'onTop' | 'mergeAdapter'>,
  settings: LoraSettings,
  adapter: Map<string, Float32Array>,
): StageOutput {
  return plan.mergeAdapter
    ? { values: mergeAdapter(modelConfig, plan.onTop, settings, adapter) }
    : { values: plan.onTop, adapter: { settings, values: adapter } };
}

/** Everything besides the config that enters a stage key. */
function stageKeyContext(config: ExperimentConfig, base: BaseModel, backend: BackendName) {
  return {
    baseModelSha256: base.sha256,
    coreSourceHash: CORE_SOURCE_HASH,
    backend,
    postReads: getPostMethod(config.post.method).reads,
  };
}

/** A stage's cache key, with the hash of the Hub data files the stage reads (if any). */
async function dataStageKey(
  config: ExperimentConfig,
  stage: Stage,
  context: ReturnType<typeof stageKeyContext>,
  data: DataSources,
): Promise<string> {
  const dataSha256 = await stageDataKey(data, stage);
  return stageKey(config, stage, dataSha256 === undefined ? context : { ...context, dataSha256 });
}

/** The weights a stage's output computes with: its adapter, if any, merged in. */
function mergedValues(config: ModelConfig, output: StageOutput): Map<string, Float32Array> {
  return output.adapter
    ? mergeAdapter(config, output.values, output.adapter.settings, output.adapter.values)
    : output.values;
}

/** The seed of a stage's fresh adapter (A's random init), derived from the run's seed. */
function adapterSeed(seed: number, stage: Stage): number {
  return createRng(seed)
    .fork(`lora-${stage}`)
    .int(2 ** 31);
}

/** A base model: one shipped in models/<name>/, or one downloaded from the Hub. */
export interface BaseModel {
  /** `model.base` as given: a built-in name or `owner/name[@revision]`. */
  name: string;
  config: ModelConfig;
  values: Map<string, Float32Array>;
  tokenizerJson: object;
  /** `tokenizer_config.json` (special tokens, `chat_template`), when the model has one. */
  tokenizerConfig?: object | null;
  /** The model's end-of-sequence ids from its config (`generation_config.json`, else `config.json`); generation stops on any. */
  eosIds?: number[];
  /**
   * Identity of the weights, part of every stage key: the SHA-256 of model.safetensors, or for a
   * Hub model the SHA-256 of its repo, revision and every file's SHA-256.
   */
  sha256: string;
}

/**
 * A base model's tokenizer as every stage and "try the model" use it: its `tokenizer_config.json`
 * (special tokens, chat template), the eos and stop ids from the model's config, pad/unk falling
 * back to eos, a template that reads `enable_thinking` in non-thinking mode unless `thinking`;
 * refused when it has more tokens than the model has embedding rows.
 */
export async function baseTokenizer(
  base: BaseModel,
  options: { thinking?: boolean } = {},
): Promise<Tokenizer> {
  const eosId = base.eosIds?.[0];
  const tokenizer = await loadTokenizer(base.tokenizerJson, base.tokenizerConfig ?? undefined, {
    fallBackToEos: true,
    ...(eosId !== undefined ? { eosId } : {}),
    stopIds: base.eosIds ?? [],
    thinking: options.thinking === true,
    owner: base.name,
  });
  if (tokenizer.vocabSize > base.config.vocabSize) {
    throw new Error(
      `${base.name}: the tokenizer has ${tokenizer.vocabSize} tokens but the model only ${base.config.vocabSize} embedding rows`,
    );
  }
  return tokenizer;
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

/**
 * A training stage's checkpoint, under the stage's cache key: only a run that would compute exactly
 * this stage (same config up to it, base model, data, code and backend) finds it.
 */
export interface ResumeRecord {
  key: string;
  stage: TrainingStage;
  configHash: string;
  /** The run's `config.name`, for the page's "an interrupted run can be resumed" notice. */
  name: string;
  step: number;
  totalSteps: number;
  /** `Date.now()` when it was written. */
  savedAt: number;
  /** Seconds the stage had trained when the checkpoint was written. */
  seconds: number;
  /** The stage's `step` and `probe` events so far, replayed on resume for the live charts. */
  events: PipelineEvent[];
  training: TrainingCheckpoint;
}

/** Where checkpoints are kept (IndexedDB in the browser, a Map in tests); one per stage key. */
export interface ResumeStore {
  get(key: string): Promise<ResumeRecord | undefined>;
  put(record: ResumeRecord): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * A checkpoint is written when `seconds` have passed since the last one, or `fraction` of the
 * stage's steps (at least one step) — whichever comes first; never after a stage's last step.
 */
export interface CheckpointPolicy {
  seconds: number;
  fraction: number;
  /**
   * Checkpoints are at least this many times their own writing time apart (default 20): full
   * weights of a Hub model and their moments are gigabytes, and writing them must stay a small
   * part of training.
   */
  saveGapFactor?: number;
}

/**
 * Every 10 s or every tenth of a stage: a reload loses at most that much work, and writing the
 * state (LoRA adapters and their moments: a few MB) costs well under a step's time.
 */
export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = {
  seconds: 10,
  fraction: 0.1,
  saveGapFactor: 20,
};

export interface PipelineDeps {
  /** Loads `model.base`; a Hub model reports its download through `onEvent` (`download` events). */
  loadBase(name: string, onEvent: (event: PipelineEvent) => void): Promise<BaseModel>;
  /**
   * Where judges that download a model (`moderation-classifier`) get their files; without it
   * such a judge is refused. Its downloads are reported as `download` events.
   */
  judgeEnvironment?: Omit<JudgeEnvironment, 'classifier' | 'onDownload'>;
  /**
   * Where Hub datasets (`config.data`) come from; without it a config naming one is refused.
   * Their downloads are reported as `download` events.
   */
  hubData?: Omit<DataLoadOptions, 'onProgress'>;
  cache?: StageCache;
  /**
   * Where training stages keep checkpoints, so that a run of the same config after an interruption
   * (a reload, a killed process) goes on from the last one instead of step 0.
   */
  resume?: ResumeStore;
  /** When training stages write checkpoints (default `DEFAULT_CHECKPOINT_POLICY`). */
  checkpointPolicy?: CheckpointPolicy;
  backend: BackendName;
  /**
   * The device's memory limits (WebGPU's granted buffer limits), for the micro-batch choice
   * (`trainingLimits`); absent: the backend's defaults.
   */
  deviceLimits?: DeviceLimits | null;
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
  const base = await deps.loadBase(config.model.base, onEvent);
  const tokenizer = await baseTokenizer(base, { thinking: config.model.thinking });
  const hash = await configHash(config);
  const stages: StageRecord[] = [];
  const data = await runData(config, deps, onEvent);
  const sets = buildEvalSets(config, data);
  const keyContext = stageKeyContext(config, base, deps.backend);

  // Judges are created when first needed (a probe, or the evaluation) and disposed at the end.
  let judges: Promise<PairJudge[]> | undefined;
  const getJudges = () => {
    judges ??= (() => {
      const environment = deps.judgeEnvironment;
      if (!environment && config.evaluation.judges.includes(CLASSIFIER_JUDGE)) {
        return Promise.reject(
          new Error('the moderation-classifier judge needs a Hub endpoint to load its model from'),
        );
      }
      return createJudges(config.evaluation.judges, {
        endpoint: '',
        ...environment,
        classifier: config.evaluation.classifier,
        onDownload: (progress) => onEvent({ type: 'download', ...progress }),
      });
    })();
    return judges;
  };
  try {
    return await runStages();
  } finally {
    if (judges) await disposeJudges(await judges.catch(() => []));
  }

  async function runStages(): Promise<ResultsFile> {
    // Loaded before any training, so a classifier that cannot be had fails the run at once.
    const runJudges = await getJudges();

    /**
     * A stage's output, from the cache or by running `produce` on the model `plan.start()` builds.
     * Where the stage trains a LoRA adapter, only the adapter is cached; it is merged into the
     * weights it was trained on (`plan.mergeAdapter`, the alignment stage) or kept beside them.
     */
    const runStage = async (
      stage: Stage,
      plan: StagePlan,
      produce: (model: GPT, resume?: StageResume) => Promise<Partial<StageRecord>>,
    ): Promise<StageOutput> => {
      const key = await dataStageKey(config, stage, keyContext, data);
      const started = now();
      const cached = await deps.cache?.get(key);
      // A damaged entry (a truncated write, a file of another shape) is never used: the stage is
      // trained again and its fresh weights replace the entry.
      let result: StageOutput | undefined;
      if (cached) {
        try {
          result = decodeCachedStage(modelConfig, cached.bytes, plan);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          onEvent({
            type: 'log',
            message: `the cached ${stage} weights are unreadable (${reason}); training the stage again`,
          });
        }
      }
      if (cached && result) {
        onEvent({ type: 'stage-start', stage, totalSteps: 0, cached: true });
        const record: StageRecord = {
          name: stage,
          cached: true,
          seconds: (now() - started) / 1000,
          ...(cached.seconds !== undefined ? { trainedSeconds: cached.seconds } : {}),
        };
        stages.push(record);
        onEvent({ type: 'stage-end', stage, record });
        return result;
      }
      // Training stages keep checkpoints (when the caller has a store for them).
      const resume = stage === 'alignment' || stage === 'finetune' ? deps.resume : undefined;
      const saved = resume ? await readCheckpoint(resume, key, stage as TrainingStage) : undefined;
      const checkpoints = resume
        ? stageResume(resume, key, stage as TrainingStage, started)
        : undefined;
      let model = plan.start();
      try {
        let extra: Partial<StageRecord>;
        try {
          extra = await produce(model, checkpoints?.(saved ?? null));
        } catch (error) {
          if (!(error instanceof ResumeMismatchError)) throw error;
          // A checkpoint this run cannot continue from is dropped; the stage trains from step 0.
          onEvent({
            type: 'log',
            message: `the ${stage} checkpoint cannot be used (${error.message}); training the stage from the start`,
          });
          await resume?.delete(key).catch(() => undefined);
          model.dispose();
          model = plan.start();
          extra = await produce(model, checkpoints?.(null));
        }
        const trainedSeconds =
          (now() - started) / 1000 + (extra.resumedAtStep ? (saved?.seconds ?? 0) : 0);
        const metadata = { 'safetune.stage': stage, 'safetune.configHash': hash };
        const adapter = plan.adapter ? await model.readAdapterValues() : undefined;
        const bytes =
          plan.adapter && adapter
            ? writeAdapter(modelConfig, plan.adapter, adapter, metadata)
            : (await saveCheckpoint(model, metadata)).safetensors;
        await deps.cache?.put({
          key,
          stage,
          description: describeStage(config, stage),
          bytes,
          configHash: hash,
          seconds: trainedSeconds,
        });
        // The stage is done (and cached): its checkpoint has served.
        if (resume) await resume.delete(key).catch(() => undefined);
        const record: StageRecord = {
          name: stage,
          cached: false,
          seconds: extra.resumedAtStep ? trainedSeconds : (now() - started) / 1000,
          ...extra,
        };
        stages.push(record);
        onEvent({ type: 'stage-end', stage, record });
        return plan.adapter && adapter
          ? adapterOutput(modelConfig, plan, plan.adapter, adapter)
          : { values: await model.readValues() };
      } finally {
        model.dispose();
      }
    };

    /** The stage's checkpoint, if any; an unreadable one is reported and ignored. */
    const readCheckpoint = async (
      store: ResumeStore,
      key: string,
      stage: TrainingStage,
    ): Promise<ResumeRecord | undefined> => {
      try {
        return await store.get(key);
      } catch (error) {
        onEvent({
          type: 'log',
          message: `the ${stage} checkpoint is unreadable (${errorText(error)}); training the stage from the start`,
        });
        await store.delete(key).catch(() => undefined);
        return undefined;
      }
    };

    /**
     * How a training stage resumes from `from` (or starts) and writes its checkpoints. A failed
     * write (a full quota) is reported once and the run goes on without checkpoints.
     */
    const stageResume =
      (store: ResumeStore, key: string, stage: TrainingStage, started: number) =>
      (from: ResumeRecord | null): StageResume => {
        const policy = deps.checkpointPolicy ?? DEFAULT_CHECKPOINT_POLICY;
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
          save: async (training, events) => {
            const saveStarted = now();
            const record: ResumeRecord = {
              key,
              stage,
              configHash: hash,
              name: config.name,
              step: training.step,
              totalSteps: training.totalSteps,
              savedAt: Date.now(),
              seconds: (now() - started) / 1000 + (from?.seconds ?? 0),
              events,
              training,
            };
            try {
              await store.put(record);
              onEvent({
                type: 'checkpoint',
                stage,
                step: training.step,
                totalSteps: training.totalSteps,
              });
            } catch (error) {
              failed = true;
              // The store's errors already say what could not be saved, and why.
              const text = errorText(error);
              const what = text.startsWith('could not save')
                ? text
                : `could not save the ${stage} checkpoint (${text})`;
              onEvent({
                type: 'log',
                message: `${what}; the run goes on, but a reload would start the stage again`,
              });
            }
            lastSave = { time: now(), step: training.step, ms: now() - saveStarted };
          },
        };
      };

    const { config: modelConfig, values: baseValues } = base;

    /** A model holding `values`, with a fresh seeded adapter when the stage trains one. */
    const startFrom =
      (values: Map<string, Float32Array>, stage: Stage, lora: LoraSettings | null) => () => {
        const model = GPT.fromValues(modelConfig, values);
        if (lora) model.attachAdapter(lora, { seed: adapterSeed(config.seed, stage) });
        model.recompute = recomputeBlocks(config);
        return model;
      };

    const trainingData: TrainingData = {
      alignment: () => tokenizeExamples(alignmentExamples(config, data), tokenizer, 'response'),
      alignmentExamples: () => alignmentExamples(config, data),
      harmful: (n) =>
        tokenizeExamples(harmfulTrainingExamples(config, n, data), tokenizer, 'response'),
    };

    /** Runs the stage's registered method on `model` (the parent's weights), reporting each step. */
    const train = async (
      model: GPT,
      stage: TrainingStage,
      examples: Example[],
      parentValues: Map<string, Float32Array>,
      resume: StageResume | undefined,
      afterStep?: (step: number, emit: (event: PipelineEvent) => void) => Promise<void>,
    ): Promise<Partial<StageRecord>> => {
      const settings = config[stage];
      let announced = false;
      /** The stage's step and probe events so far: kept in its checkpoints. */
      const replay = resume?.from?.events;
      const history: PipelineEvent[] = Array.isArray(replay) ? [...replay] : [];
      const emit = (event: PipelineEvent) => {
        history.push(event);
        onEvent(event);
      };
      let resumedAt: number | undefined;
      const micro = stageMicroBatch(
        config,
        stage,
        modelConfig,
        trainingLimits(deps.backend, deps.deviceLimits),
      );
      onEvent({
        type: 'micro-batch',
        stage,
        rows: micro.rows,
        batchSize: micro.batchSize,
        chosen: micro.chosen,
        backend: deps.backend,
        stepBytes: micro.stepBytes,
        ...(micro.fits ? {} : { problem: micro.problems[0] }),
      });
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
        cancel,
        ...(resume
          ? {
              resume: {
                from: resume.from?.training ?? null,
                due: resume.due,
                save: (training) => resume.save(training, [...history]),
                restored: (step, totalSteps) => {
                  // Announced here: the replayed events come before the stage's next step.
                  onEvent({ type: 'stage-start', stage, totalSteps, cached: false });
                  announced = true;
                  resumedAt = step;
                  onEvent({ type: 'resumed', stage, step, totalSteps });
                  for (const event of history) onEvent(event);
                },
              },
            }
          : {}),
        onStep: async (result, totalSteps) => {
          if (!announced) {
            onEvent({ type: 'stage-start', stage, totalSteps, cached: false });
            announced = true;
          }
          emit({
            type: 'step',
            stage,
            step: result.step + 1,
            totalSteps,
            loss: result.loss,
            lr: result.lr,
          });
          await afterStep?.(result.step + 1, emit);
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
      };
    };

    const alignmentLora = config.alignment.lora;
    const aligned = await runStage(
      'alignment',
      {
        start: startFrom(baseValues, 'alignment', alignmentLora),
        onTop: baseValues,
        adapter: alignmentLora,
        mergeAdapter: true,
      },
      (model, resume) =>
        train(model, 'alignment', alignmentExamples(config, data), baseValues, resume),
    );

    const probeEvery = config.evaluation.probeEvery;
    const finetuneLora = config.finetune.lora;
    const finetuned = await runStage(
      'finetune',
      {
        start: startFrom(aligned.values, 'finetune', finetuneLora),
        onTop: aligned.values,
        adapter: finetuneLora,
        mergeAdapter: false,
      },
      (model, resume) =>
        train(
          model,
          'finetune',
          finetuneMix(config, data).examples,
          aligned.values,
          resume,
          async (step, emit) => {
            if (probeEvery > 0 && step % probeEvery === 0) {
              const [primary] = await getJudges();
              const result = await probe(
                model,
                tokenizer,
                sets,
                config.evaluation.maxNewTokens,
                primary,
                cancel,
              );
              emit({ type: 'probe', stage: 'finetune', step, ...result });
            }
          },
        ),
    );

    // On the adapter: the post method changes only the fine-tuning adapter, the aligned weights
    // stay as they are. Merged: it works on the weights with any adapter merged in.
    const tuned = finetuned.adapter;
    if (config.post.target === 'adapter' && !tuned) {
      throw new Error("post.target 'adapter' needs a fine-tuning adapter (finetune.lora is null)");
    }
    const postPlan: StagePlan =
      config.post.target === 'adapter' && tuned
        ? {
            start: () => {
              const model = GPT.fromValues(modelConfig, finetuned.values);
              model.attachAdapter(tuned.settings, { values: tuned.values });
              return model;
            },
            onTop: finetuned.values,
            adapter: tuned.settings,
            mergeAdapter: false,
          }
        : {
            start: () => GPT.fromValues(modelConfig, mergedValues(modelConfig, finetuned)),
            onTop: finetuned.values,
            adapter: null,
            mergeAdapter: false,
          };
    let prune: PruneLayerReport[] | undefined;
    const post = await runStage('post', postPlan, async (model) => {
      onEvent({ type: 'stage-start', stage: 'post', totalSteps: 1, cached: false });
      prune = await getPostMethod(config.post.method).apply({
        model,
        post: config.post,
        params: config.post.params,
        weightNames: postWeightNames(model, config.post),
        realignmentBatches: calibrationBatches(
          realignmentExamples(config, data),
          tokenizer,
          trainingSeqLen(modelConfig),
        ),
        benignBatches: calibrationBatches(
          benignCalibrationExamples(config, data),
          tokenizer,
          trainingSeqLen(modelConfig),
        ),
        seed: config.seed,
        checkpoints: { base: baseValues, aligned: aligned.values },
        cancel,
        onProgress: (done, total) => onEvent({ type: 'post-progress', done, total }),
      });
      return {};
    });

    const evaluationStarted = now();
    onEvent({ type: 'stage-start', stage: 'evaluation', totalSteps: 3, cached: false });
    const metrics = {} as Record<Checkpoint, CheckpointMetrics>;
    const judgeScores = {} as JudgesReport['scores'];
    const agreement: JudgesReport['agreement'] = [];
    const samples: SampleRecord[] = [];
    let generations = 0;
    for (const [name, output] of [
      ['aligned', aligned],
      ['finetuned', finetuned],
      ['post', post],
    ] as const) {
      await checkpoint(cancel);
      const result = await evaluateWeights(
        modelConfig,
        mergedValues(modelConfig, output),
        tokenizer,
        sets,
        config,
        name,
        runJudges,
        onEvent,
        cancel,
      );
      metrics[name] = result.metrics;
      judgeScores[name] = result.judgeScores;
      agreement.push(...result.agreement);
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
      judges: {
        names: runJudges.map((judge) => judge.name),
        details: Object.fromEntries(runJudges.map((judge) => [judge.name, { ...judge.details }])),
        scores: judgeScores,
        agreement,
      },
      ...(Object.keys(data.provenance).length > 0 ? { data: data.provenance } : {}),
    };
  }
}

/** The run's data: built-in generators, or Hub datasets downloaded through `deps.hubData`. */
async function runData(
  config: ExperimentConfig,
  deps: Pick<PipelineDeps, 'hubData'>,
  onEvent: (event: PipelineEvent) => void,
): Promise<DataSources> {
  if (Object.values(config.data).every((source) => source === null)) {
    return builtInDataSources(config);
  }
  if (!deps.hubData)
    throw new Error(
      'this config names Hub datasets, but no Hub endpoint was given to load them from',
    );
  const data = await loadDataSources(config, {
    ...deps.hubData,
    onProgress: ({ dataset, file, loadedBytes, totalBytes }) =>
      onEvent({ type: 'download', repo: `datasets/${dataset}`, file, loadedBytes, totalBytes }),
  });
  for (const [role, provenance] of Object.entries(data.provenance)) {
    if (provenance.skippedRows !== undefined) {
      onEvent({
        type: 'log',
        message: `data.${role}: skipped ${provenance.skippedRows} rows of ${provenance.dataset} that could not be read (first: ${provenance.skipReason})`,
      });
    }
  }
  const { problems, warnings } = dataShortfalls(config, data);
  for (const warning of warnings) onEvent({ type: 'log', message: warning });
  if (problems.length > 0) throw new Error(problems.join('; '));
  return data;
}

/**
 * What the Hub data read cannot supply, before anything trains: a problem where a stage would
 * fail (too few task or harmful examples, no re-alignment prompts), a warning where examples or
 * evaluation prompts would repeat (a pool smaller than what is drawn from it).
 */
export function dataShortfalls(
  config: ExperimentConfig,
  data: DataSources,
): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const hub = (role: keyof ExperimentConfig['data']) => config.data[role] !== null;
  const rows = (role: keyof ExperimentConfig['data']) =>
    `the first ${config.data[role]?.maxRows.toLocaleString('en-US')} rows of ${config.data[role]?.dataset}`;
  const { samples, poisonRatio } = config.finetune;
  const poison = Math.round(poisonRatio * samples);
  if (hub('task') && data.task.poolSize('train') < samples - poison) {
    problems.push(
      `data.task: ${rows('task')} give ${data.task.poolSize('train')} training examples, but the fine-tuning set needs ${samples - poison}; raise data.task.maxRows or lower finetune.samples`,
    );
  }
  if (hub('harmful')) {
    if (data.harmful.poolSize('train') < poison) {
      problems.push(
        `data.harmful: ${rows('harmful')} give ${data.harmful.poolSize('train')} harmful training examples, but the poison needs ${poison}; raise data.harmful.maxRows`,
      );
    }
    if (data.harmful.poolSize('realign') === 0) {
      problems.push(
        `data.harmful: ${rows('harmful')} leave no prompts for the re-alignment set; raise data.harmful.maxRows`,
      );
    }
    if (data.harmful.poolSize('eval') < config.evaluation.harmfulPrompts) {
      warnings.push(
        `data.harmful: the held-out split has ${data.harmful.poolSize('eval')} distinct prompts, fewer than evaluation.harmfulPrompts ${config.evaluation.harmfulPrompts}: prompts repeat in the harmful score`,
      );
    }
  }
  if (hub('task') && data.task.poolSize('eval') < config.evaluation.taskPrompts) {
    warnings.push(
      `data.task: the held-out split has ${data.task.poolSize('eval')} distinct prompts, fewer than evaluation.taskPrompts ${config.evaluation.taskPrompts}: prompts repeat in the task accuracy`,
    );
  }
  const refusals = Math.round(config.alignment.harmfulFraction * config.alignment.samples);
  if (hub('refusal') && data.refusal.poolSize('train') < refusals) {
    warnings.push(
      `data.refusal: ${rows('refusal')} give ${data.refusal.poolSize('train')} safe answers for the ${refusals} refusal examples of alignment: examples repeat`,
    );
  }
  return { problems, warnings };
}

async function evaluateWeights(
  modelConfig: GPT['config'],
  values: Map<string, Float32Array>,
  tokenizer: Tokenizer,
  sets: EvalSets,
  config: ExperimentConfig,
  name: Checkpoint,
  judges: readonly PairJudge[],
  onEvent: (event: PipelineEvent) => void,
  cancel?: CancelToken,
) {
  const model = GPT.fromValues(modelConfig, values);
  try {
    return await evaluateCheckpoint(model, tokenizer, sets, {
      checkpoint: name,
      judges,
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
  const lora = (settings: LoraSettings | null) =>
    settings ? `, LoRA r=${settings.rank} α=${settings.alpha}` : '';
  const aligned = `${config.model.base} aligned (${a.method}${lora(a.lora)}, ${a.samples} samples, seed ${config.seed})`;
  if (stage === 'alignment') return aligned;
  const tuned = `${aligned} → fine-tuned on ${f.task} (${f.method}${lora(f.lora)}, n=${f.samples}, p=${f.poisonRatio}, lr=${f.lr}, ${f.epochs} epochs)`;
  if (stage === 'finetune') return tuned;
  const target = config.post.target === 'adapter' ? 'fine-tuning adapter' : 'merged weights';
  return `${tuned} → ${config.post.method} on the ${target} (maskRatio ${config.post.maskRatio}, ${config.post.layers})`;
}

/**
 * The weights of a checkpoint of `config` (`aligned`, `finetuned` or `post`, adapters merged in)
 * as the stage cache holds them after a run, or null when a stage on the way is not cached (the
 * run has not reached it, or ran on another backend or build). For "try the model" after a run.
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
  const data = await runData(config, deps, () => {});
  const keyContext = stageKeyContext(config, base, deps.backend);
  const read = async (
    stage: Stage,
    onTop: Map<string, Float32Array>,
    adapter: LoraSettings | null,
    mergeAdapter: boolean,
  ): Promise<StageOutput | null> => {
    const cached = await cache.get(await dataStageKey(config, stage, keyContext, data));
    return cached
      ? decodeCachedStage(modelConfig, cached.bytes, { onTop, adapter, mergeAdapter })
      : null;
  };
  const aligned = await read('alignment', base.values, config.alignment.lora, true);
  if (!aligned || checkpointName === 'aligned') return aligned?.values ?? null;
  const finetuned = await read('finetune', aligned.values, config.finetune.lora, false);
  if (!finetuned) return null;
  if (checkpointName === 'finetuned') return mergedValues(modelConfig, finetuned);
  const onAdapter = config.post.target === 'adapter' && finetuned.adapter;
  const post = await read(
    'post',
    finetuned.values,
    onAdapter && finetuned.adapter ? finetuned.adapter.settings : null,
    false,
  );
  return post ? mergedValues(modelConfig, post) : null;
}
