import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, type LoraSettings } from '../config/schema';
import { batchFromSequences } from '../model/batch';
import type { ModelConfig } from '../model/config';
import { generateGreedy } from '../model/generate';
import { LanguageModel } from '../model/languageModel';
import { parameterCount } from '../model/weights';
import { createRng, type Rng } from '../random';
import { checkpoint, type CancelToken } from '../runtime/cancel';
import { stepMemory } from '../train/microBatch';
import { Trainer } from '../train/trainer';
import { fastRandomWeights } from './fastRandomWeights';
import { checkProfilable, profileKernels, type KernelProfile } from './kernelProfile';
import {
  gpuAllocatedBytes,
  jsHeap,
  trackPeakTensorBytes,
  userAgentSpecificMemory,
  wasmHeapBytes,
  type JsHeapSample,
  type PeakTensorBytes,
} from './memoryProbe';
import { median } from './syntheticTraining';

/**
 * Speed and memory of one model at its real size, with random weights: greedy generation with the
 * key/value cache, then a LoRA fine-tuning step as the lab runs it (`DEFAULT_CONFIG.finetune`:
 * r = 8, α = 16 on attn.q/k/v, AdamW, gradient clipping), on whatever backend tfjs has.
 *
 * Memory on wasm before block recomputation (tfjs 4.22, float32, LoRA r = 8 on q/k/v, 4 × 128,
 * one row per pass, at 9014a85): GPT-2 124M 2.74 GB of tensors (3.47 GB heap), SmolLM2-135M
 * 3.27 GB (4.25 GB heap); one pass of 4 rows ran out of the 4 GiB heap. A pass kept every op's
 * output and every gradient until its backward pass ended, about 1.3 GB per row of 128 tokens.
 * With recomputed blocks (`recompute`, on for Hub runs) a step holds each block's input and one
 * block's activations: SmolLM2-135M at 4 × 256 peaks at 755 MB of tensors, 550 MB of them the
 * weights (README, "Memory and speed at real size"). `train.estimatedPeakBytes` is the lab's own
 * estimate of the step, beside the measured peak.
 * The adapter and its AdamW moments are < 1 MB; the loss builds no `[tokens, vocab]` one-hot.
 */
export interface ModelBenchOptions {
  /** Names the model in the report (`gpt2-124m`). */
  label: string;
  model: ModelConfig;
  /** One training step's rows and tokens per row. */
  batch: number;
  seqLen: number;
  /**
   * Rows per forward/backward pass; the step sums the passes' gradients (the Trainer's
   * `microBatch`, as the pipeline runs it). Default `batch`: one pass.
   */
  microBatch?: number;
  /** Timed training steps, after `warmupSteps` untimed ones (kernel compilation, buffer pools). */
  trainSteps: number;
  warmupSteps: number;
  /** Greedy generation of `newTokens` after a random prompt of `promptTokens`, batch 1. */
  promptTokens: number;
  newTokens: number;
  /** Untimed generations of the same shape first (WebGPU compiles per shape). */
  warmupGenerations: number;
  seed: number;
  /** Default: the lab's fine-tuning adapter. */
  lora?: LoraSettings;
  /** Recompute block activations in the backward pass (`LanguageModel.recompute`, on for Hub runs). */
  recompute?: boolean;
  /** With `recompute`, the first blocks that keep their activations (`LanguageModel.storedBlocks`). */
  storedBlocks?: number;
  /**
   * Training steps after the timed ones with every kernel timed (`kernelProfile.ts`; wasm and cpu
   * only), kept out of `msPerStep`.
   */
  profileSteps?: number;
}

export interface GenerationMeasurement {
  promptTokens: number;
  newTokens: number;
  /** Each decoding step of the timed run: one token (prompt or generated) through the model. */
  msPerToken: number[];
  medianMsPerToken: number;
  tokensPerSecond: number;
  /** The timed run, prompt included. */
  totalMs: number;
  tokens: number[];
  /** `tf.memory().numTensors` after each run (warm-up runs first): flat, or generation leaks. */
  numTensorsPerRun: number[];
  /** Highest `tf.memory().numBytes` while generating. */
  peakTensorBytes: number;
}

export interface TrainingMeasurement {
  batch: number;
  seqLen: number;
  microBatch: number;
  recompute: boolean;
  /** With `recompute`, the first blocks that kept their activations. */
  storedBlocks: number;
  /** `tf.memory().numBytes` before the first step: the weights, the adapter, the rotary table. */
  liveBytesBefore: number;
  /**
   * The lab's estimate of the same step's peak (`stepMemory`, what `lab models` and the automatic
   * micro-batch use), to hold against `peakTensorBytes`.
   */
  estimatedPeakBytes: number;
  /** Every completed step, warm-up first; each includes the loss read-back. */
  msPerStep: number[];
  /** NaN when no timed step completed. */
  medianMsPerStep: number;
  tokensPerSecond: number;
  losses: number[];
  /** `tf.memory().numTensors` after each step: flat, or something leaks per step. */
  numTensorsPerStep: number[];
  /** Highest `tf.memory().numBytes` while training (up to the failure, if one). */
  peakTensorBytes: number;
  /** Why training stopped early (e.g. the wasm heap ran out); the other figures are up to there. */
  error?: string;
  /** With `profileSteps`: the kernels' time over those steps, and those steps' median. */
  kernelProfile?: KernelProfile & { medianMsPerStep: number };
}

export interface ModelBenchReport {
  label: string;
  family: ModelConfig['family'];
  parameters: number;
  /** The adapter's matrices. */
  trainableParameters: number;
  /** Random weights made in JavaScript, uploaded to the backend, adapter attached. */
  createMs: number;
  generate: GenerationMeasurement;
  train: TrainingMeasurement;
  memory: {
    /** float32 weights, the adapter left out. */
    weightBytes: number;
    /** Highest `tf.memory().numBytes` over the whole run. */
    peakTensorBytes: number;
    /** wasm only: linear memory at the end, its high-water mark (the 4 GiB wasm32 ceiling). */
    wasmHeapBytes: number | null;
    /** WebGPU only: the buffer pool at the end. */
    gpuAllocatedBytes: number | null;
    /** Largest `performance.memory` sample (after each step and run), or null where not exposed. */
    jsHeap: JsHeapSample | null;
    /** Taken once with the model alive, after generation. */
    userAgentSpecific: { bytes: number } | { unavailable: string };
  };
  numTensorsBefore: number;
  numTensorsAfter: number;
}

export async function runModelBench(
  options: ModelBenchOptions,
  onLog?: (message: string) => void,
  cancel?: CancelToken,
  now: () => number = () => performance.now(),
): Promise<ModelBenchReport> {
  const { model: config, seed } = options;
  if (options.seqLen > config.contextLength) {
    throw new Error(`seqLen ${options.seqLen} exceeds the context length ${config.contextLength}`);
  }
  if (options.promptTokens + options.newTokens > config.contextLength) {
    throw new Error(`prompt + new tokens exceed the context length ${config.contextLength}`);
  }
  const lora = options.lora ?? DEFAULT_CONFIG.finetune.lora;
  if (!lora) throw new Error('the benchmark measures LoRA fine-tuning: give it LoRA settings');
  const log = (message: string) => onLog?.(`${options.label}: ${message}`);
  const numTensorsBefore = tf.memory().numTensors;
  const peak = trackPeakTensorBytes();
  let heap: JsHeapSample | null = null;
  const sampleHeap = () => {
    const sample = jsHeap();
    if (sample && (!heap || sample.usedJSHeapSize > heap.usedJSHeapSize)) heap = sample;
  };
  let model: LanguageModel | undefined;
  let report: Omit<ModelBenchReport, 'numTensorsAfter'>;
  let trainingFailed = false;
  try {
    const start = now();
    model = LanguageModel.fromValues(config, fastRandomWeights(config, seed));
    model.attachAdapter(lora, { seed });
    model.recompute = options.recompute ?? false;
    model.storedBlocks = options.storedBlocks ?? 0;
    const createMs = now() - start;
    log(`random weights made and uploaded in ${createMs.toFixed(0)} ms`);
    sampleHeap();
    const createPeak = peak.peak;
    const rng = createRng(seed);
    peak.reset();
    const generate = await measureGeneration(model, options, rng, peak, {
      log,
      sampleHeap,
      now,
      cancel,
    });
    const userAgentSpecific = await userAgentSpecificMemory();
    // Training last: if it exhausts the wasm heap, the module is dead, but generation is measured.
    peak.reset();
    const train = await measureTraining(model, options, rng, peak, {
      log,
      sampleHeap,
      now,
      cancel,
    });
    trainingFailed = train.error !== undefined;
    report = {
      label: options.label,
      family: config.family,
      parameters: parameterCount(config),
      trainableParameters: [...model.trainable.values()].reduce((n, v) => n + v.size, 0),
      createMs,
      generate,
      train,
      memory: {
        weightBytes: parameterCount(config) * 4,
        peakTensorBytes: Math.max(createPeak, generate.peakTensorBytes, train.peakTensorBytes),
        wasmHeapBytes: wasmHeapBytes(),
        gpuAllocatedBytes: gpuAllocatedBytes(),
        jsHeap: heap,
        userAgentSpecific,
      },
      numTensorsBefore,
    };
  } finally {
    peak.stop();
    release(() => model?.dispose(), trainingFailed);
  }
  return { ...report, numTensorsAfter: tf.memory().numTensors };
}

interface Probes {
  log: (message: string) => void;
  sampleHeap: () => void;
  now: () => number;
  cancel?: CancelToken;
}

async function measureGeneration(
  model: LanguageModel,
  options: ModelBenchOptions,
  rng: Rng,
  peak: PeakTensorBytes,
  { log, sampleHeap, now, cancel }: Probes,
): Promise<GenerationMeasurement> {
  const prompt = Array.from({ length: options.promptTokens }, () =>
    rng.int(model.config.vocabSize),
  );
  const numTensorsPerRun: number[] = [];
  let stamps: number[] = [];
  let tokens: number[] = [];
  let totalMs = 0;
  const runs = options.warmupGenerations + 1;
  for (let run = 0; run < runs; run++) {
    await checkpoint(cancel);
    stamps = [];
    const start = now();
    [tokens] = await generateGreedy(model, [prompt], {
      maxNewTokens: options.newTokens,
      stopIds: [],
      checkCancelled: () => cancel?.throwIfCancelled(),
      onLogits: () => stamps.push(now()),
    });
    totalMs = now() - start;
    numTensorsPerRun.push(tf.memory().numTensors);
    sampleHeap();
    log(`generation ${run + 1}/${runs} ${totalMs.toFixed(0)} ms`);
  }
  // From one step's logits to the next is one whole step, the argmax read-back included.
  const msPerToken = stamps.slice(1).map((stamp, i) => stamp - stamps[i]);
  const medianMsPerToken = median(msPerToken);
  return {
    promptTokens: options.promptTokens,
    newTokens: options.newTokens,
    msPerToken,
    medianMsPerToken,
    tokensPerSecond: 1000 / medianMsPerToken,
    totalMs,
    tokens,
    numTensorsPerRun,
    peakTensorBytes: peak.peak,
  };
}

async function measureTraining(
  model: LanguageModel,
  options: ModelBenchOptions,
  rng: Rng,
  peak: PeakTensorBytes,
  { log, sampleHeap, now, cancel }: Probes,
): Promise<TrainingMeasurement> {
  const { batch, seqLen } = options;
  const microBatch = Math.min(options.microBatch ?? batch, batch);
  const finetune = DEFAULT_CONFIG.finetune;
  const trainer = new Trainer(model, {
    schedule: { kind: 'constant', peakLr: finetune.lr, totalSteps: 1, warmupSteps: 0 },
    weightDecay: finetune.weightDecay,
    maxGradNorm: finetune.maxGradNorm,
    microBatch,
  });
  const steps = options.warmupSteps + options.trainSteps;
  const msPerStep: number[] = [];
  const losses: number[] = [];
  const numTensorsPerStep: number[] = [];
  const liveBytesBefore = tf.memory().numBytes;
  const profileSteps = options.profileSteps ?? 0;
  if (profileSteps > 0) checkProfilable();
  const randomRows = () =>
    batchFromSequences(
      Array.from({ length: batch }, () =>
        Array.from({ length: seqLen }, () => rng.int(model.config.vocabSize)),
      ),
      seqLen,
      0,
    );
  let error: string | undefined;
  let kernelProfile: TrainingMeasurement['kernelProfile'];
  let stopProfile = () => {};
  try {
    for (let step = 0; step < steps; step++) {
      await checkpoint(cancel);
      const rows = randomRows();
      const start = now();
      const { loss } = await trainer.step(rows);
      const ms = now() - start;
      msPerStep.push(ms);
      losses.push(loss);
      numTensorsPerStep.push(tf.memory().numTensors);
      sampleHeap();
      log(`training step ${step + 1}/${steps} ${ms.toFixed(0)} ms`);
    }
    if (profileSteps > 0) {
      // Wrapped now, not before: the kernels the steps registered on first use are timed too.
      const profiler = profileKernels();
      stopProfile = () => profiler.stop();
      profiler.begin();
      const profiledMs: number[] = [];
      for (let step = 0; step < profileSteps; step++) {
        await checkpoint(cancel);
        const rows = randomRows();
        const start = now();
        await trainer.step(rows);
        profiledMs.push(now() - start);
        profiler.step();
        log(`profiled step ${step + 1}/${profileSteps} ${profiledMs[step].toFixed(0)} ms`);
      }
      kernelProfile = { ...profiler.report(), medianMsPerStep: median(profiledMs) };
    }
  } catch (caught) {
    if ((caught as Error).name === 'CancelledError') throw caught;
    error = `step ${msPerStep.length + 1}: ${describeFailure(caught as Error)}`;
    log(`training failed at ${error}`);
  } finally {
    stopProfile();
    release(() => trainer.dispose(), error !== undefined);
  }
  const medianMsPerStep = median(msPerStep.slice(options.warmupSteps));
  return {
    batch,
    seqLen,
    microBatch,
    recompute: model.recompute,
    storedBlocks: model.storedBlocks,
    liveBytesBefore,
    estimatedPeakBytes: stepMemory(
      model.config,
      {
        batchSize: batch,
        seqLen,
        lora: options.lora ?? DEFAULT_CONFIG.finetune.lora,
        recompute: model.recompute,
        storedBlocks: model.storedBlocks,
      },
      microBatch,
      { maxBufferSize: Infinity, maxStorageBufferBindingSize: Infinity },
    ).bytes,
    msPerStep,
    medianMsPerStep,
    tokensPerSecond: (batch * seqLen * 1000) / medianMsPerStep,
    losses,
    numTensorsPerStep,
    peakTensorBytes: peak.peak,
    ...(error === undefined ? {} : { error }),
    ...(kernelProfile ? { kernelProfile } : {}),
  };
}

/**
 * At the 4 GiB ceiling wasm says only "Aborted()" (malloc failed) or "memory access out of bounds"
 * (a failed allocation used anyway); both leave the module dead.
 */
function describeFailure(error: Error): string {
  const heap = wasmHeapBytes();
  if (heap !== null && /^Aborted\(|memory access out of bounds/.test(error.message)) {
    return `the wasm module failed with its heap at ${(heap / 2 ** 30).toFixed(2)} GiB of 4 GiB (out of memory): ${error.message}`;
  }
  return error.message;
}

/**
 * Disposes; after a failure, an error of its own is dropped. After an aborted wasm module every
 * call throws, and the report already says why training stopped.
 */
function release(dispose: () => void, afterFailure: boolean): void {
  try {
    dispose();
  } catch (error) {
    if (!afterFailure) throw error;
  }
}
