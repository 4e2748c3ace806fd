/**
 * Mends for tfjs 4.22's WebGPU kernels, installed once when the worker loads.
 *
 * AddN binds each input as its own storage buffer, but a WebGPU device allows only 8 per shader
 * stage unless more are asked for (tfjs asks for none), so adding more than 7 tensors (AdamW's
 * global gradient norm sums one square per parameter) is a command the GPU rejects: its output is
 * whatever the buffer held, and training went on with that norm. Summing in chunks of at most
 * 7 inputs, as tfjs's own Concat does, keeps every dispatch within the limit.
 *
 * It changes what training computes, so it is a root of the stage cache's source hash
 * (`STAGE_CODE_ROOTS` in scripts/sourceHash.ts) although no stage module imports it: weights
 * trained without the mend are never re-used.
 */
import * as tf from '@tensorflow/tfjs';

interface WebGPUBackendLike {
  device: GPUDevice;
  disposeData(dataId: tf.DataId): boolean;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

export function mendWebgpuKernels(): void {
  const original = tf.getKernel('AddN', 'webgpu');
  if (!original) return;
  const addN = (args: KernelArgs): tf.TensorInfo => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const backend = args.backend as unknown as WebGPUBackendLike;
    // One binding is the output.
    const most = backend.device.limits.maxStorageBuffersPerShaderStage - 1;
    if (inputs.length <= most) return original.kernelFunc(args) as tf.TensorInfo;
    const partial: tf.TensorInfo[] = [];
    for (let i = 0; i < inputs.length; i += most) {
      const chunk = inputs.slice(i, i + most);
      partial.push(addN({ ...args, inputs: chunk as unknown as tf.NamedTensorInfoMap }));
    }
    const sum = addN({ ...args, inputs: partial as unknown as tf.NamedTensorInfoMap });
    for (const part of partial) backend.disposeData(part.dataId);
    return sum;
  };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ ...original, kernelFunc: addN as tf.KernelFunc });
}
