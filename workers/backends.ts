import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { runSyntheticTraining } from '../src/core/bench/syntheticTraining';
import {
  isSoftwareRenderer,
  type AdapterInfo,
  type BackendChoice,
  type BackendInfo,
  type BackendName,
} from '../src/core/runtime/backend';
import type { BackendProbe } from '../src/core/bench/backendProbe';
import type { DeviceLimits } from '../src/core/model/memory';
import type { Gpt2Shape } from '../src/core/model/config';
import { leaveDevice, watchDevice } from './deviceWatch';
import { mendWebgpuKernels } from '../src/core/runtime/webgpuKernels';
import { wasmThreadsProblem } from '../src/core/runtime/threads';

// The wasm binaries are bundled by Vite and served with the app: no CDN at run time.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

/** Training numerics need float32 everywhere; never let WebGL fall back to half floats. */
tf.env().set('WEBGL_FORCE_F16_TEXTURES', false);
// Never use dataSync() either: on WebGPU in headless Chromium it silently returns zeros; the lab
// only awaits data().
mendWebgpuKernels();

/** The worker's own view: a cross-origin-isolated page's workers have SharedArrayBuffer. */
function isolated(): boolean {
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** Whether tfjs has started its wasm backend in this worker (its build and threads are fixed then). */
let wasmStarted = false;
/** The XNNPACK threads asked for the threaded build (undefined: tfjs's default or one thread). */
let threadedCount: number | undefined;

/**
 * Picks the wasm build before tfjs first starts it: the threaded SIMD build with `threads` XNNPACK
 * threads when the worker is cross-origin isolated and more than one is asked for (unset: tfjs's
 * own default, half the worker's cores), else the single-thread SIMD build. One thread takes the
 * single-thread build even when isolated: the threaded one would start its 8 pthreads (a wasm
 * instance each) for nothing. The threaded build is bundled by scripts/tfjsWasmThreads.ts, which
 * keeps its pthreads' script intact. tfjs reads both settings once: a later call changes nothing.
 */
function chooseWasmBuild(threads: number | undefined): void {
  if (wasmStarted) return;
  const threaded = isolated() && (threads === undefined || threads > 1);
  // Left unset when threaded: tfjs's own check (shared memory and wasm atomics) decides.
  if (!threaded) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (threads !== undefined) setThreadsCount(threads);
  threadedCount = threaded ? threads : undefined;
}

/**
 * Runs the wasm backend's first start with the worker's `navigator.hardwareConcurrency` reading at
 * least 2 × `threads`. tfjs-backend-wasm 4.22 caps XNNPACK's pool at half that value, read once as
 * its module starts (backend.cc: `num_cores = emscripten_num_logical_cores() / 2`), whatever
 * `setThreadsCount` asks: the page's choice (from its own core count, which a test can emulate
 * where a worker's cannot) would be cut to the worker's. The value is the worker's own again as
 * soon as the backend has started.
 */
async function withCoresForThreads<T>(
  threads: number | undefined,
  start: () => Promise<T>,
): Promise<T> {
  const cores = 2 * (threads ?? 0);
  if (navigator.hardwareConcurrency >= cores) return start();
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: cores, configurable: true });
  try {
    return await start();
  } finally {
    // The own property goes; WorkerNavigator's getter shows through again.
    delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/** XNNPACK's threads on the active wasm backend (undefined on any other backend). */
function wasmThreads(): number | undefined {
  return tf.getBackend() === 'wasm' ? getThreadsCount() : undefined;
}

export async function webgpuAdapter(): Promise<AdapterInfo | null> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return null;
    const info = adapter.info;
    const software = isSoftwareRenderer(`${info.architecture} ${info.description} ${info.device}`);
    return {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      // Chromium reports SwiftShader as a normal adapter; it is a CPU emulation all the same.
      isFallbackAdapter:
        Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter) ||
        software,
    };
  } catch {
    return null;
  }
}

async function activate(name: BackendName): Promise<void> {
  let ok: boolean;
  try {
    ok =
      name === 'wasm' && !wasmStarted
        ? await withCoresForThreads(threadedCount, () => tf.setBackend(name))
        : await tf.setBackend(name);
  } catch (error) {
    throw new Error(`backend ${name} failed to start: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!ok) throw new Error(`backend ${name} is not available in this browser`);
  await tf.ready();
  if (name === 'wasm') wasmStarted = true;
  if (name === 'webgpu') {
    // A lost device or an out-of-memory must end the run, not hang it (see deviceWatch.ts).
    const device = webgpuDevice();
    if (device) watchDevice(device);
  } else {
    leaveDevice();
  }
}

/** tfjs's GPUDevice while the WebGPU backend is active (`WebGPUBackend.device`). */
function webgpuDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as { device?: GPUDevice }).device ?? null;
}

/**
 * This worker's WebGL renderer (unmasked where the browser allows it), or null without WebGL.
 * The context is released at once.
 */
function webglRenderer(): string | null {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return null;
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return renderer;
  } catch {
    return null;
  }
}

/** The quick check's model: small enough to time every CPU path in a second or two. */
const QUICK_PROBE_MODEL = {
  vocabSize: 128,
  dModel: 64,
  nLayers: 2,
  nHeads: 4,
  contextLength: 32,
  mlpRatio: 4,
};

/**
 * ms per training step of `model` on each candidate (median of 3 after `warmupSteps(candidate)`
 * untimed ones); a candidate that is not available here, or fails, is left out.
 */
async function timeCandidates(
  candidates: readonly BackendName[],
  model: Gpt2Shape,
  batch: number,
  warmupSteps: (candidate: BackendName) => number,
): Promise<Partial<Record<BackendName, number>>> {
  const measured: Partial<Record<BackendName, number>> = {};
  for (const candidate of candidates) {
    try {
      await activate(candidate);
      const warmup = warmupSteps(candidate);
      const report = await runSyntheticTraining({
        model,
        batch,
        steps: warmup + 3,
        warmupSteps: warmup,
        seed: 1,
      });
      measured[candidate] = report.medianMsPerStep;
    } catch {
      // Not available here (or failed on this model): left out of the comparison.
    }
  }
  return measured;
}

/** The measured backends, fastest first. */
function ranked(measured: Partial<Record<BackendName, number>>): [BackendName, number][] {
  return (Object.entries(measured) as [BackendName, number][]).sort((a, b) => a[1] - b[1]);
}

/** "wasm 142 ms/step, webgl 638 ms/step", fastest first ("none measured" when empty). */
function describeTimings(measured: Partial<Record<BackendName, number>>): string {
  const timings = ranked(measured).map(([name, ms]) => `${name} ${ms.toFixed(0)} ms/step`);
  return timings.join(', ') || 'none measured';
}

/** What `initBackend` may be told besides the backend. */
export interface InitBackendOptions {
  /** `auto` times the candidates on this model shape (or takes the choice remembered for it). */
  probe?: BackendProbe;
  /** wasm's XNNPACK threads, when the worker is cross-origin isolated (see `chooseWasmBuild`). */
  threads?: number;
}

/**
 * Starts the requested backend. `auto`: a hardware WebGPU adapter → webgpu; otherwise the faster
 * of wasm and webgl measured here and now (a software WebGPU adapter is correct but slow). The
 * answer says whether the worker is cross-origin isolated and, on wasm, how many threads run.
 */
export async function initBackend(
  requested: BackendChoice,
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  if (options.threads !== undefined) {
    const problem = wasmThreadsProblem(options.threads);
    if (problem) throw new Error(problem);
  }
  chooseWasmBuild(options.threads);
  const info = await startBackend(requested, options.probe);
  return { ...info, threads: wasmThreads(), crossOriginIsolated: isolated() };
}

async function startBackend(requested: BackendChoice, probe?: BackendProbe): Promise<BackendInfo> {
  const adapter = await webgpuAdapter();
  if (requested !== 'auto') {
    if (requested === 'webgpu' && !adapter)
      throw new Error('backend webgpu: this browser exposes no WebGPU adapter');
    await activate(requested);
    return { requested, backend: requested, reason: 'requested', adapter };
  }
  // A hardware GPU can still lose to wasm on a small model: time both on the run's model.
  if (probe && (probe.candidates || (adapter && !adapter.isFallbackAdapter))) {
    return fastestFor(probe, adapter);
  }
  if (adapter && !adapter.isFallbackAdapter) {
    await activate('webgpu');
    return {
      requested,
      backend: 'webgpu',
      reason: `hardware WebGPU adapter (${adapter.vendor} ${adapter.architecture})`,
      adapter,
    };
  }
  const why = adapter ? 'WebGPU adapter is a software fallback' : 'no WebGPU adapter';
  const renderer = webglRenderer();
  if (renderer !== null && isSoftwareRenderer(renderer)) {
    // Timing it would cost more than it tells: SwiftShader compiling and running the check's
    // shaders kept the GPU process at 1–1.3 cores for 13 s on a 2-core machine, to lose to wasm.
    await activate('wasm');
    return {
      requested,
      backend: 'wasm',
      reason: `${why}, and WebGL renders in software (${renderer}): wasm, the fastest CPU path`,
      adapter,
    };
  }
  const measured = await timeCandidates(['wasm', 'webgl'], QUICK_PROBE_MODEL, 8, () => 2);
  const best = ranked(measured)[0]?.[0] ?? 'cpu';
  await activate(best);
  return {
    requested,
    backend: best,
    reason: `${why}; fastest measured CPU path (${describeTimings(measured)})`,
    adapter,
    measuredMsPerStep: measured,
  };
}

/**
 * Untimed steps before a candidate is timed: V8 runs wasm on its baseline compiler until the code
 * is hot, and a training step needs about 10 steps to reach the optimised tier (~1.8× faster).
 */
const PROBE_WARMUP: Partial<Record<BackendName, number>> = { wasm: 10 };

/**
 * `auto` for a model shape on a machine with a hardware WebGPU adapter: WebGPU and wasm each
 * train a few steps of it and the faster is kept — a laptop's GPU can lose to wasm on a small
 * model. A choice remembered for the shape is used without measuring again. (Without a hardware
 * adapter, wasm when WebGL renders in software — it lost to wasm on the built-in model by 638 to
 * 142 ms/step here — else the quick small-model check of wasm against WebGL in startBackend.)
 */
async function fastestFor(probe: BackendProbe, adapter: AdapterInfo | null): Promise<BackendInfo> {
  const candidates: BackendName[] = probe.candidates ?? ['webgpu', 'wasm'];
  const remembered = probe.remembered;
  if (remembered && candidates.includes(remembered.backend)) {
    await activate(remembered.backend);
    return {
      requested: 'auto',
      backend: remembered.backend,
      reason: `fastest for ${probe.label} when this browser measured it (${describeTimings(remembered.msPerStep)}; remembered)`,
      adapter,
      measuredMsPerStep: remembered.msPerStep,
      probe: { key: probe.key, label: probe.label, remembered: true },
    };
  }
  const measured = await timeCandidates(
    candidates,
    probe.model,
    probe.batch,
    (candidate) => PROBE_WARMUP[candidate] ?? 2,
  );
  const best = ranked(measured)[0]?.[0] ?? 'cpu';
  await activate(best);
  return {
    requested: 'auto',
    backend: best,
    reason: `fastest for ${probe.label}, measured here (${describeTimings(measured)})`,
    adapter,
    measuredMsPerStep: measured,
    probe: { key: probe.key, label: probe.label, remembered: false },
  };
}

/**
 * What the active backend can hold, for the memory check before a Hub model downloads: WebGPU's
 * granted buffer limits (tfjs requests the adapter's own), wasm32's 4 GiB heap. The CPU and WebGL
 * backends report no limits (null): nothing is refused there.
 */
export function deviceLimits(): DeviceLimits | null {
  const backend = tf.getBackend();
  if (backend === 'webgpu') {
    const device = webgpuDevice();
    if (!device) return null;
    return {
      maxBufferSize: device.limits.maxBufferSize,
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    };
  }
  if (backend === 'wasm') {
    const heap = 4 * 2 ** 30;
    return { maxBufferSize: heap, maxStorageBufferBindingSize: heap, deviceMemoryBytes: heap };
  }
  return null;
}
