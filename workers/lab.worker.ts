import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import { runSyntheticTraining } from '../src/core/bench/syntheticTraining';
import { CancelToken } from '../src/core/runtime/cancel';
import { initBackend } from './backends';
import type { LabWorkerApi } from './protocol';

/**
 * The lab's worker: owns tfjs and its backend, runs the core library, reports progress through
 * callbacks and honours cancel between steps. Thin on purpose: logic lives in src/core.
 */
let current = new CancelToken();
let ready: Promise<unknown> | null = null;

function freshToken(): CancelToken {
  current = new CancelToken();
  return current;
}

async function requireBackend(): Promise<void> {
  if (!ready) throw new Error('call init(backend) first');
  await ready;
}

const api: LabWorkerApi = {
  async init(backend) {
    const started = initBackend(backend);
    ready = started;
    return started;
  },
  async trainSynthetic(options, onProgress) {
    await requireBackend();
    const token = freshToken();
    return runSyntheticTraining(
      options,
      (step, loss, ms) =>
        onProgress?.({
          type: 'step',
          stage: 'synthetic',
          step,
          totalSteps: options.steps,
          loss,
          ms,
        }),
      token,
    );
  },
  cancel() {
    current.cancel();
  },
  memory() {
    const { numTensors, numBytes } = tf.memory();
    return { numTensors, numBytes, backend: tf.getBackend() };
  },
};

Comlink.expose(api);
