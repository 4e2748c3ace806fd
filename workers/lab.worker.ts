import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import { runSyntheticTraining } from '../src/core/bench/syntheticTraining';
import { runModelBench } from '../src/core/bench/modelBench';
import { measureProductPeak } from '../src/core/bench/productPeak';
import { CancelToken } from '../src/core/runtime/cancel';
import { DEFAULT_CONFIG, formatErrors, validateConfig } from '../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT } from '../src/core/lab';
import { cachedCheckpointValues, runExperiment } from '../src/core/pipeline/run';
import { judgeEnvironment } from './judgeRuntime';
import { judgeSamples } from '../src/core/metrics/judgeSamples';
import { runnableFromBase } from '../src/core/generation/fromBase';
import {
  generateRequestProblems,
  type GenerateRequest,
  type RunnableModel,
} from '../src/core/generation/tryModel';
import { deviceLimits, initBackend } from './backends';
import { checkModelFits, guardLimits } from '../src/core/hub/guard';
import { pipelineMemoryRun } from '../src/core/pipeline/microBatch';
import { baseModelLoader, hubFileCache, loadRunnableModel } from './baseModels';
import { DEFAULT_HUB_ENDPOINT } from '../src/core/hub/repo';
import { tryModel } from '../src/core/generation/tryModel';
import { indexedDbStageCache } from './stageCache';
import { indexedDbResumeStore } from './resumeStore';
import { guardDeviceCalls, loseDeviceForTest, onDeviceFailure } from './deviceWatch';
import type { BackendInfo } from '../src/core/runtime/backend';
import type { DownloadEvent, LabEvent, LabListener, LabWorkerApi } from './protocol';

/**
 * The lab's worker: owns tfjs and its backend, runs the core library, reports progress through
 * callbacks and honours cancel between steps. Thin on purpose: logic lives in src/core.
 */
let current = new CancelToken();
let ready: Promise<BackendInfo> | null = null;

// A lost GPU device stops the work in progress at its next step (the call itself rejects at once).
onDeviceFailure((failure) => current.fail(failure));

function freshToken(): CancelToken {
  current = new CancelToken();
  return current;
}

/** `onMessage` as a call's code reports to it: each event tagged with the call's `runId`. */
function tagged<E extends LabEvent>(runId: string, onMessage?: LabListener<E>): (event: E) => void {
  return (event) => onMessage?.({ runId, event });
}

async function requireBackend(): Promise<BackendInfo> {
  if (!ready) throw new Error('call init(backend) first');
  return ready;
}

/** A checkpoint of a run, read back from the stage cache, ready to generate. */
async function checkpointModel(
  checkpoint: NonNullable<GenerateRequest['checkpoint']>,
  endpoint: string,
  backend: BackendInfo['backend'],
  onDownload: (event: DownloadEvent) => void,
  signal: AbortSignal,
): Promise<RunnableModel> {
  const checked = validateConfig(checkpoint.config, DEFAULT_VALIDATION_CONTEXT);
  if (!checked.ok) throw new Error(`invalid config:\n${formatErrors(checked.errors)}`);
  const config = checked.config;
  const base = await baseModelLoader(endpoint, { signal })(config.model.base, (event) => {
    if (event.type === 'download') onDownload(event);
  });
  const values = await cachedCheckpointValues(config, checkpoint.name, base, {
    cache: indexedDbStageCache(backend),
    backend,
    hubData: { endpoint, cache: await hubFileCache(), signal },
  });
  if (!values) {
    throw new Error(
      `the ${checkpoint.name} checkpoint of "${config.name}" is not in this browser's stage cache (run the experiment first, on the ${backend} backend)`,
    );
  }
  return runnableFromBase(base, values, `${config.model.base} (${checkpoint.name})`, {
    thinking: config.model.thinking,
  });
}

const api: LabWorkerApi = {
  async init(backend, options) {
    const started = initBackend(backend, options);
    ready = started;
    return started;
  },
  async productPeak(options) {
    await requireBackend();
    return measureProductPeak(options);
  },
  async trainSynthetic(runId, options, onMessage) {
    await requireBackend();
    const token = freshToken();
    const report = tagged(runId, onMessage);
    return runSyntheticTraining(
      options,
      (step, loss, ms) => report({ type: 'bench-step', step, totalSteps: options.steps, loss, ms }),
      token,
    );
  },
  async benchModel(runId, options, onMessage) {
    await requireBackend();
    const token = freshToken();
    const report = tagged(runId, onMessage);
    return runModelBench(options, (message) => report({ type: 'log', message }), token);
  },
  async runExperiment(runId, input, onMessage, endpoint = DEFAULT_HUB_ENDPOINT) {
    const info = await requireBackend();
    const onEvent = tagged(runId, onMessage);
    const checked = validateConfig(input, DEFAULT_VALIDATION_CONTEXT);
    if (!checked.ok) throw new Error(`invalid config:\n${formatErrors(checked.errors)}`);
    const token = freshToken();
    const adapter = info.adapter
      ? `${info.adapter.vendor} ${info.adapter.architecture}`.trim()
      : null;
    const config = checked.config;
    const limits = deviceLimits();
    return runExperiment(
      config,
      {
        loadBase: baseModelLoader(endpoint, {
          signal: token.signal,
          // Before gigabytes download: refuse a model this device cannot hold, with the figures.
          // Every backend has a budget (guardLimits): wasm's heap, WebGPU's adapter, the JS heap.
          beforeWeights: ({ configJson }) => {
            const summary = checkModelFits(
              config.model.base,
              configJson,
              (model) => pipelineMemoryRun(config, model, info.backend, limits),
              guardLimits(info.backend, limits),
            );
            onEvent({ type: 'log', message: `memory estimate: ${summary}` });
          },
        }),
        judgeEnvironment: await judgeEnvironment(endpoint, token.signal),
        hubData: { endpoint, cache: await hubFileCache(), signal: token.signal },
        cache: indexedDbStageCache(info.backend, (message) => onEvent({ type: 'log', message })),
        resume: indexedDbResumeStore(),
        backend: info.backend,
        deviceLimits: limits,
        userAgent: navigator.userAgent,
        adapter,
        threads: info.threads,
        crossOriginIsolated: info.crossOriginIsolated,
      },
      onEvent,
      token,
    );
  },
  async generate(runId, request, endpoint, onMessage) {
    const info = await requireBackend();
    // Bad input is refused before anything downloads.
    const problems = generateRequestProblems(request);
    if (problems.length > 0) throw new Error(problems.join('; '));
    const token = freshToken();
    const download = tagged(runId, onMessage);
    const limits = deviceLimits();
    const runnable = request.checkpoint
      ? await checkpointModel(request.checkpoint, endpoint, info.backend, download, token.signal)
      : await loadRunnableModel(request.model, endpoint, download, {
          signal: token.signal,
          beforeWeights: ({ configJson }) => {
            checkModelFits(
              request.model,
              configJson,
              (model) => ({
                batchSize: 1,
                seqLen: Math.min(model.contextLength, 256),
                // Generation trains nothing: a one-row LoRA step stands in for "no training".
                lora: DEFAULT_CONFIG.finetune.lora,
                generationBatch: 1,
                maxNewTokens: request.maxNewTokens,
              }),
              guardLimits(info.backend, limits),
            );
          },
        });
    try {
      return await tryModel(runnable, request, { checkCancelled: () => token.throwIfCancelled() });
    } finally {
      runnable.model.dispose();
    }
  },
  async judge(runId, request, endpoint, onMessage) {
    const token = freshToken();
    const download = tagged(runId, onMessage);
    return judgeSamples(
      request,
      {
        ...(await judgeEnvironment(endpoint, token.signal)),
        onDownload: (progress) => download({ type: 'download', ...progress }),
      },
      DEFAULT_VALIDATION_CONTEXT,
    );
  },
  cancel() {
    current.cancel();
  },
  memory() {
    const { numTensors, numBytes } = tf.memory();
    return { numTensors, numBytes, backend: tf.getBackend() };
  },
  debugLoseDevice(how = 'destroy') {
    return loseDeviceForTest(how);
  },
};

Comlink.expose(
  guardDeviceCalls(api, [
    'init',
    'productPeak',
    'trainSynthetic',
    'benchModel',
    'runExperiment',
    'generate',
    'judge',
  ]),
);
