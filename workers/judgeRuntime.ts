/**
 * What judges need in the worker: onnxruntime-web's wasm files served with the app (Vite copies
 * them; transformers.js would otherwise fetch them from a CDN), and the Hub endpoint and file
 * cache the classifier's files come through.
 */
import { env } from '@huggingface/transformers';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import type { JudgeEnvironment } from '../src/core/metrics/judges';
import { hubFileCache } from './baseModels';

const onnx = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number } };
if (onnx.wasm) {
  onnx.wasm.wasmPaths = { mjs: ortMjsUrl, wasm: ortWasmUrl };
  // One thread even in a cross-origin-isolated page (where tfjs's wasm runs several): more would
  // start onnxruntime's own pthread pool beside tfjs's, and that path is untested here.
  onnx.wasm.numThreads = 1;
}
// transformers.js would pre-load those files through `env.fetch`, which the classifier points at
// its Hub repo alone (a warning per file); onnxruntime-web loads them itself from `wasmPaths`.
env.useWasmCache = false;

/** The classifier runs on wasm: WebGPU stays with tfjs, and wasm is where every browser can run it. */
export async function judgeEnvironment(
  endpoint: string,
  signal?: AbortSignal,
): Promise<Omit<JudgeEnvironment, 'classifier' | 'onDownload'>> {
  return { endpoint, cache: await hubFileCache(), signal, device: 'wasm' };
}
