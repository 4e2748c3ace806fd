/**
 * Training throughput in headless Chromium, through the lab's own worker.
 *   npm run bench                       reference size on webgpu, webgl, wasm and cpu
 *   npm run bench -- --backend wasm --dModel 256 --nLayers 4 --steps 20
 * Prints one JSON object per line per backend and model size: median ms per step over the timed
 * steps (after warm-up), tokens per second and GFLOP/s (`src/core/bench/flops.ts`).
 *   npm run bench -- --vs-pytorch                        wasm against PyTorch on this CPU
 *   npm run bench -- --vs-pytorch --backend wasm,cpu --dModel 256 --nLayers 4
 * trains the identical model in PyTorch (`scripts/reference/bench_torch.py`; Debian's
 * python3-torch is installed when missing) and prints its line and each backend's ratio.
 *   npm run bench -- --backend webgpu --unfused --programs
 * WebGPU with tfjs's plain ops as well as with the lab's fused training kernels (before and after),
 * each line with its dispatches per step by program.
 *
 * The platform's peak: each wasm line also carries `threads` (XNNPACK's, as the worker reports
 * them), `peakGflopsPerSecond` (the best of one 1024 × 1024 · 1024 × 1024 plain product, 8 timed
 * in the same worker before it trains and 8 after: `src/core/bench/productPeak.ts`) and
 * `fractionOfPeak` (the step's GFLOP/s over that peak), at the reference size and at real size
 * (there from `loraTrainingStepFlops`). The product is the lab's SIMD one where it runs, faster
 * than XNNPACK's: the peak is the better of the two, and `xnnpackPeakGflopsPerSecond` and
 * `fractionOfXnnpackPeak` give XNNPACK's alone.
 *   npm run bench -- --backend wasm --threads 2
 * asks the worker's init for N threads (`{ threads: N }`) and, with --vs-pytorch, PyTorch for N.
 *   npm run bench -- --backend wasm --profile [--profile-steps 4]
 * then times every kernel over a few more steps (`src/core/bench/kernelProfile.ts`; wasm and cpu):
 * a JSON line `{"kernelProfile": …}` and a table — ms per step by kernel, and the products split
 * between the fast path (the lab's SIMD product, else XNNPACK's: untransposed, 2-D or batch 1, and
 * with the SIMD kernels batches too) and tfjs-wasm's scalar loop (the rest), with every product
 * shape still on the scalar path. Profiled steps stay out of `msPerStep`.
 *
 * Real-size models with random weights (`src/core/bench/modelBench.ts`):
 *   npm run bench -- --real-size                          every real-size model, webgpu and wasm
 *   npm run bench -- --model smollm2-135m --backend wasm --batch 4 --seq 256 --vs-pytorch
 * One LoRA fine-tuning step (r 8 on q/k/v, default 4 × 256 tokens, block activations recomputed
 * as in a Hub run unless --no-recompute) and greedy generation of 16 tokens with the KV cache.
 * Prints one JSON line per backend × model — `peakBytes` (the peak of live tensor bytes during a
 * step, weights included, as tfjs counts them), `weightBytes` (what is live before the step),
 * `msPerStep`, `tokensPerSecond` — then a table; every figure goes to --out (JSON). With
 * --vs-pytorch the same step runs in PyTorch first (`scripts/reference/bench_torch_real.py`),
 * storing every activation and with per-block checkpointing: two more lines, `peakBytes` and
 * `weightBytes` there being the process's resident memory. WebGPU is skipped without a hardware
 * adapter unless --backend names it. --profile profiles one more step (--profile-steps N).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelBenchOptions } from '../src/core/bench/modelBench';
import { formatModelBenchTable, type ModelBenchRow } from '../src/core/bench/modelBenchTable';
import {
  REAL_SIZE_MODELS,
  REAL_SIZE_MODEL_NAMES,
  isRealSizeModelName,
  realSizeModelConfig,
  type RealSizeModelName,
} from '../src/core/bench/realSizeModels';
import type { SyntheticTrainingReport } from '../src/core/bench/syntheticTraining';
import { BACKENDS, type BackendInfo, type BackendName } from '../src/core/runtime/backend';
import { openLabPage } from '../cli/session';
import { spawnSync } from 'node:child_process';
import { loraTrainingStepFlops, trainingStepFlops } from '../src/core/bench/flops';
import type { KernelProfile } from '../src/core/bench/kernelProfile';
import type { ProductPeak } from '../src/core/bench/productPeak';
import type { LogEvent } from '../workers/protocol';
import { DEFAULT_CONFIG } from '../src/core/config/schema';
import { chooseMicroBatch, trainingLimits } from '../src/core/train/microBatch';
import type { LoraSettings } from '../src/core/model/roles';

/** Debian's Python, which has python3-torch (`ensurePytorch`). */
const PYTHON = '/usr/bin/python3';

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    'real-size': { type: 'boolean', default: false },
    'vs-pytorch': { type: 'boolean', default: false },
    unfused: {
      type: 'boolean',
      default: false,
      description:
        'webgpu: also run with tfjs plain ops instead of the fused kernels (before/after)',
    },
    programs: { type: 'boolean', default: false, description: 'webgpu: dispatches by program' },
    threads: {
      type: 'string',
      description: "wasm's threads (init's { threads }) and PyTorch's for --vs-pytorch",
    },
    profile: { type: 'boolean', default: false, description: 'wasm, cpu: time every kernel' },
    'profile-steps': { type: 'string', description: 'steps profiled (default 4; real-size 1)' },
    model: { type: 'string', description: `real-size models: ${REAL_SIZE_MODEL_NAMES.join(',')}` },
    'micro-batch': { type: 'string', description: 'rows per pass (default: 1 on wasm, else 4)' },
    out: { type: 'string', default: 'results/bench-real-size.json' },
    vocabSize: { type: 'string', default: '256' },
    dModel: { type: 'string', default: '128' },
    nLayers: { type: 'string', default: '2' },
    nHeads: { type: 'string', default: '4' },
    contextLength: { type: 'string', default: '64' },
    mlpRatio: { type: 'string', default: '4' },
    batch: { type: 'string', description: 'rows per step (default 8; real-size 4)' },
    seq: { type: 'string', description: 'real-size: tokens per row (default 256)' },
    'no-recompute': {
      type: 'boolean',
      default: false,
      description: 'real-size: keep every block activation (default: every block recomputed)',
    },
    adapter: {
      type: 'string',
      description:
        "real-size: the default config's LoRA adapter the step trains, finetune (r 8 on q/k/v; the default) or alignment (r 8 on 7 roles)",
    },
    'stored-blocks': {
      type: 'string',
      description:
        'real-size: the first N blocks keep their activations, the rest are recomputed; "fit": as many as a Hub run stores on the backend, at the rows it chooses',
    },
    steps: { type: 'string', description: 'timed steps (default 8; real-size 3)' },
    warmup: {
      type: 'string',
      description: 'untimed steps first (default 3, wasm 15; real-size 1)',
    },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(
    'npm run bench -- [--backend webgpu,webgl,wasm,cpu] [--vocabSize 256] [--dModel 128] [--nLayers 2]',
  );
  console.log(
    '                 [--nHeads 4] [--contextLength 64] [--mlpRatio 4] [--batch 8] [--steps 8] [--warmup 3]',
  );
  console.log(
    '                 [--unfused] [--programs]   webgpu: plain ops too; dispatches by program',
  );
  console.log(
    '                 [--threads N] [--profile] [--profile-steps 4]   wasm: threads; kernel profile',
  );
  console.log(
    'npm run bench -- --vs-pytorch [--backend wasm] [--threads N] [shape options as above]',
  );
  console.log(
    `npm run bench -- --real-size | --model ${REAL_SIZE_MODEL_NAMES.join(',')} [--backend webgpu,wasm]`,
  );
  console.log(
    '                 [--batch 4] [--seq 256] [--no-recompute | --stored-blocks N|fit] [--micro-batch N] [--vs-pytorch]',
  );
  console.log(
    "                 [--adapter finetune|alignment]   the default config's LoRA adapter of that stage (default finetune)",
  );
  console.log(
    '                 [--steps 3] [--warmup 1] [--threads N] [--profile] [--out results/bench-real-size.json]',
  );
  process.exit(0);
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name}: must be a positive integer (got "${text}")`);
    process.exit(2);
  }
  return value;
}

function whole(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name}: must be a whole number (got "${text}")`);
    process.exit(2);
  }
  return value;
}

function backendList(text: string): BackendName[] {
  const list = text.split(',').map((b) => b.trim()) as BackendName[];
  for (const b of list) {
    if (!BACKENDS.includes(b)) {
      console.error(`--backend: "${b}" is not one of ${BACKENDS.join(', ')}`);
      process.exit(2);
    }
  }
  return list;
}

/**
 * `--adapter`: which stage's LoRA adapter of the default config a real-size step trains, and so
 * what its memory estimate and `--stored-blocks fit` are checked against.
 */
function adapterOption(): { stage: 'finetune' | 'alignment'; lora: LoraSettings } {
  const stage = values.adapter ?? 'finetune';
  if (stage !== 'finetune' && stage !== 'alignment') {
    console.error(`--adapter: must be finetune or alignment (got "${stage}")`);
    process.exit(2);
  }
  const lora = DEFAULT_CONFIG[stage].lora;
  if (!lora)
    throw new Error(`the real-size benchmark measures LoRA: the default ${stage} has none`);
  return { stage, lora };
}

/** The real-size step's adapter (`--adapter`), read once. */
const realSizeAdapter = adapterOption();

/** `--threads N`: the worker's init is asked for N (undefined: the backend's own choice). */
const threads = values.threads === undefined ? undefined : positive('threads', values.threads);

/** Profiled steps with --profile (on backends that compute synchronously: wasm, cpu). */
function profileSteps(backends: readonly string[], byDefault: number): number {
  if (!values.profile) {
    if (values['profile-steps'] !== undefined) {
      console.error('--profile-steps: give --profile too');
      process.exit(2);
    }
    return 0;
  }
  const timedBackends = backends.filter((b) => b !== 'wasm' && b !== 'cpu');
  if (timedBackends.length > 0) {
    console.error(
      `--profile: times kernels that compute synchronously (wasm, cpu), not ${timedBackends.join(', ')}`,
    );
    process.exit(2);
  }
  return positive('profile-steps', values['profile-steps'] ?? String(byDefault));
}

/** The fastest of a worker's peak measurements (each itself the best of its trials). */
function bestPeak(peaks: readonly (ProductPeak | undefined)[]): ProductPeak | undefined {
  return peaks.reduce<ProductPeak | undefined>(
    (best, peak) => (peak && (!best || peak.gflopsPerSecond > best.gflopsPerSecond) ? peak : best),
    undefined,
  );
}

/** The fields of a wasm line: its threads, the peak measured in its worker, the step's share of it. */
function peakFields(
  info: BackendInfo,
  peak: ProductPeak | undefined,
  stepGflopsPerSecond: number,
): Record<string, number> {
  if (info.backend !== 'wasm' || !peak) return {};
  return {
    threads: info.threads ?? 1,
    peakGflopsPerSecond: Number(peak.gflopsPerSecond.toFixed(2)),
    fractionOfPeak: Number((stepGflopsPerSecond / peak.gflopsPerSecond).toFixed(3)),
    ...(peak.xnnpackGflopsPerSecond !== undefined
      ? {
          xnnpackPeakGflopsPerSecond: Number(peak.xnnpackGflopsPerSecond.toFixed(2)),
          fractionOfXnnpackPeak: Number(
            (stepGflopsPerSecond / peak.xnnpackGflopsPerSecond).toFixed(3),
          ),
        }
      : {}),
  };
}

/** A profile as one JSON line and a table: products by path, the scalar path's shapes, top kernels. */
function printProfile(label: string, profile: KernelProfile & { medianMsPerStep: number }): void {
  const ms = (value: number) => Number(value.toFixed(2));
  const { xnnpack, scalar } = profile.products;
  console.log(
    JSON.stringify({
      kernelProfile: label,
      steps: profile.steps,
      msPerStep: ms(profile.medianMsPerStep),
      kernelMsPerStep: ms(profile.kernelMsPerStep),
      typicalKernelMsPerStep: ms(profile.typicalKernelMsPerStep),
      products: {
        xnnpack: { ...xnnpack, msPerStep: ms(xnnpack.msPerStep) },
        scalar: { ...scalar, msPerStep: ms(scalar.msPerStep) },
      },
      scalarProducts: profile.productShapes
        .filter((p) => p.path === 'scalar')
        .map((p) => ({
          kernel: p.kernel,
          shape: p.shape,
          calls: p.calls,
          msPerStep: ms(p.msPerStep),
        })),
      kernels: profile.kernels.map((k) => ({
        ...k,
        msPerStep: ms(k.msPerStep),
        typicalMsPerStep: ms(k.typicalMsPerStep),
      })),
      topProducts: profile.productShapes.slice(0, 16).map((p) => ({
        kernel: p.kernel,
        shape: p.shape,
        calls: p.calls,
        msPerStep: ms(p.msPerStep),
        typicalMsPerStep: ms(p.typicalMsPerStep),
        gflopsPerSecond: ms(p.gflopsPerSecond),
      })),
      topCalls: profile.callShapes.slice(0, 24).map((c) => ({
        ...c,
        msPerStep: ms(c.msPerStep),
        typicalMsPerStep: ms(c.typicalMsPerStep),
      })),
    }),
  );
  const rows = [
    `kernel profile, ${label}: ${profile.steps} steps of ${profile.medianMsPerStep.toFixed(1)} ms, ${profile.kernelMsPerStep.toFixed(1)} ms in kernels (${profile.typicalKernelMsPerStep.toFixed(1)} from each call shape's median)`,
    `  products on the fast path (the lab's SIMD product, else XNNPACK's): ${xnnpack.msPerStep.toFixed(1)} ms/step, ${xnnpack.calls} calls, ${xnnpack.gflopsPerSecond.toFixed(1)} GFLOP/s`,
    `  products on the scalar path: ${scalar.msPerStep.toFixed(1)} ms/step, ${scalar.calls} calls${scalar.calls > 0 ? `, ${scalar.gflopsPerSecond.toFixed(1)} GFLOP/s` : ''}`,
    ...profile.productShapes
      .filter((p) => p.path === 'scalar')
      .map(
        (p) => `    ${p.kernel} ${p.shape}: ${p.calls} calls, ${p.msPerStep.toFixed(2)} ms/step`,
      ),
    '  top products (ms/step; calls/step; GFLOP/s):',
    ...profile.productShapes
      .slice(0, 8)
      .map(
        (p) =>
          `    ${`${p.kernel} ${p.shape}`.padEnd(44)} ${p.msPerStep.toFixed(2).padStart(8)}  ${String(Math.round(p.calls)).padStart(5)}  ${p.gflopsPerSecond.toFixed(1)}`,
      ),
    '  top kernels (ms/step, own time; calls/step):',
    ...profile.kernels
      .slice(0, 12)
      .map(
        (k) =>
          `    ${k.kernel.padEnd(18)} ${k.msPerStep.toFixed(2).padStart(8)}  ${String(Math.round(k.calls)).padStart(5)}`,
      ),
  ];
  console.log(rows.join('\n'));
}

function realSizeModels(): RealSizeModelName[] | null {
  if (values.model === undefined) return values['real-size'] ? REAL_SIZE_MODEL_NAMES : null;
  const names = values.model.split(',').map((n) => n.trim());
  for (const name of names) {
    if (!isRealSizeModelName(name)) {
      console.error(`--model: "${name}" is not one of ${REAL_SIZE_MODEL_NAMES.join(', ')}`);
      process.exit(2);
    }
  }
  return names as RealSizeModelName[];
}

const realSize = realSizeModels();
if (realSize) {
  const { lora } = realSizeAdapter;
  // PyTorch's reference step (bench_torch_real.py) adapts the attention projections only.
  const notAttention = lora.targets.filter((role) => !role.startsWith('attn.'));
  if (values['vs-pytorch'] && notAttention.length > 0) {
    console.error(
      `--vs-pytorch: PyTorch's reference step adapts q, k, v and o only, not ${notAttention.join(', ')} (--adapter ${values.adapter})`,
    );
    process.exit(2);
  }
  await benchRealSize(realSize);
  process.exit(0);
}
if (values.adapter !== undefined) {
  console.error('--adapter: only for a real-size step (--real-size or --model)');
  process.exit(2);
}

const vsPytorch = values['vs-pytorch'];
const backends = backendList(values.backend ?? (vsPytorch ? 'wasm' : BACKENDS.join(',')));
const model = {
  vocabSize: positive('vocabSize', values.vocabSize),
  dModel: positive('dModel', values.dModel),
  nLayers: positive('nLayers', values.nLayers),
  nHeads: positive('nHeads', values.nHeads),
  contextLength: positive('contextLength', values.contextLength),
  mlpRatio: positive('mlpRatio', values.mlpRatio),
};
const batch = positive('batch', values.batch ?? '8');
/**
 * Untimed steps first: kernel compilation and buffer pools everywhere, and on wasm V8's dynamic
 * tiering — its code runs on the baseline compiler (Liftoff) until it is hot, and a training step
 * takes about 10 steps to reach the optimised tier (measured: ~250 ms/step before, ~140 after).
 */
const warmupFor = (backend: string) =>
  whole('warmup', values.warmup ?? (backend === 'wasm' ? '15' : '3'));
const timedSteps = positive('steps', values.steps ?? '8');
const warmup = warmupFor('pytorch');
const steps = timedSteps + warmup;

const stepFlops = trainingStepFlops(model, batch);
const profiled = profileSteps(backends, 4);
// PyTorch first, before Chromium starts: neither measurement shares the CPU with the other.
const pytorch = vsPytorch ? benchPytorch() : null;
const labRows: { backend: string; tokensPerSecond: number }[] = [];
const lab = await openLabPage();
try {
  const runs = backends.flatMap((backend) =>
    backend === 'webgpu' && values.unfused
      ? [
          { backend, fusedKernels: false },
          { backend, fusedKernels: true },
        ]
      : [{ backend, fusedKernels: true }],
  );
  for (const { backend, fusedKernels } of runs) {
    const warmup = warmupFor(backend);
    const steps = timedSteps + warmup;
    const { info, peaks, report } = (await lab.page.evaluate(
      async ({ backend, model, batch, steps, warmup, fusedKernels, threads, profiled }) => {
        const handle = window.safetuneLab.createLabWorker();
        try {
          const info = await handle.api.init(backend, threads === undefined ? {} : { threads });
          // The peak in this worker, before and after it trains (the best of both counts).
          const wasm = info.backend === 'wasm';
          const before = wasm ? await handle.api.productPeak() : undefined;
          const report = await handle.api.trainSynthetic(`bench ${backend}`, {
            model,
            batch,
            steps,
            warmupSteps: warmup,
            seed: 1,
            fusedKernels,
            profileSteps: profiled,
          });
          const after = wasm ? await handle.api.productPeak() : undefined;
          return { info, peaks: [before, after], report };
        } finally {
          handle.terminate();
        }
      },
      { backend, model, batch, steps, warmup, fusedKernels, threads, profiled },
    )) as {
      info: BackendInfo;
      peaks: (ProductPeak | undefined)[];
      report: SyntheticTrainingReport;
    };
    const peak = bestPeak(peaks);
    const gflopsPerSecond = stepFlops / report.medianMsPerStep / 1e6;
    console.log(
      JSON.stringify({
        backend: info.backend,
        ...(info.backend === 'webgpu'
          ? { kernels: fusedKernels ? 'fused' : 'tfjs plain ops' }
          : {}),
        ...model,
        batch,
        msPerStep: Number(report.medianMsPerStep.toFixed(1)),
        tokensPerSecond: Math.round(report.tokensPerSecond),
        gflopsPerSecond: Number(gflopsPerSecond.toFixed(2)),
        ...peakFields(info, peak, gflopsPerSecond),
        ...(report.dispatchesPerStep !== undefined
          ? { dispatchesPerStep: report.dispatchesPerStep }
          : {}),
        ...(values.programs && report.dispatchesByProgram
          ? { dispatchesByProgram: report.dispatchesByProgram }
          : {}),
        timedSteps: steps - warmup,
        adapter: info.adapter ? `${info.adapter.vendor} ${info.adapter.architecture}`.trim() : null,
      }),
    );
    if (report.kernelProfile) printProfile(info.backend, report.kernelProfile);
    if (fusedKernels) {
      labRows.push({ backend: info.backend, tokensPerSecond: report.tokensPerSecond });
    }
  }
} finally {
  await lab.close();
}
if (pytorch) {
  console.log(JSON.stringify(pytorch));
  for (const row of labRows) {
    console.log(
      JSON.stringify({
        comparison: `${row.backend} vs pytorch-cpu`,
        ratio: Number((row.tokensPerSecond / pytorch.tokensPerSecond).toFixed(3)),
        labTokensPerSecond: Math.round(row.tokensPerSecond),
        pytorchTokensPerSecond: pytorch.tokensPerSecond,
      }),
    );
  }
}

/** Debian's python3-torch, installed with apt-get when missing (as root), else a one-line exit. */
function ensurePytorch(): void {
  const hasTorch = () =>
    spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (hasTorch()) return;
  const install = ['install', '-y', 'python3-torch', 'python3-numpy', 'libopenblas0-pthread'];
  // As root apt-get itself; otherwise sudo, if it asks for no password.
  const [command, args] =
    process.getuid?.() === 0 ? ['apt-get', install] : ['sudo', ['-n', 'apt-get', ...install]];
  process.stderr.write(`installing PyTorch: ${command} ${args.join(' ')}\n`);
  const installed = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (installed.status !== 0 || !hasTorch()) {
    console.error(
      `--vs-pytorch needs PyTorch and could not install it: run \`sudo apt-get ${install.join(' ')}\``,
    );
    process.exit(1);
  }
}

/** PyTorch's threads: --threads N also caps OpenBLAS, which otherwise runs one per core. */
function pytorchEnv(): NodeJS.ProcessEnv {
  return threads
    ? { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) }
    : process.env;
}

/**
 * The same model, data shape, optimizer and step in PyTorch on this CPU
 * (`scripts/reference/bench_torch.py`), Debian's python3-torch installed first when missing.
 */
function benchPytorch(): { tokensPerSecond: number } & Record<string, unknown> {
  ensurePytorch();
  const args = [
    'scripts/reference/bench_torch.py',
    ...Object.entries(model).flatMap(([name, value]) => [`--${name}`, String(value)]),
    '--batch',
    String(batch),
    '--steps',
    String(steps - warmup),
    '--warmup',
    String(warmup),
    ...(threads ? ['--threads', String(threads)] : []),
  ];
  const result = runPytorch(args) as { tokensPerSecond: number; stepFlops: number };
  if (result.stepFlops !== stepFlops) {
    console.error(
      `--vs-pytorch: PyTorch counts ${result.stepFlops} FLOPs per step, the lab ${stepFlops}`,
    );
    process.exit(1);
  }
  return result;
}

/**
 * Rows per pass and stored blocks of a real-size step: `--micro-batch` (default 1 on wasm, else
 * 4) and `--stored-blocks N` as given; `--stored-blocks fit` as a Hub run chooses them on
 * `backend` (`chooseMicroBatch`, `recompute: 'fit'`), `--micro-batch` then fixing the rows.
 */
function realSizePasses(
  name: RealSizeModelName,
  backend: BackendName,
  batch: number,
  seqLen: number,
  recompute: boolean,
): { rows: number; storedBlocks: number } {
  const given = values['micro-batch'] ? positive('micro-batch', values['micro-batch']) : undefined;
  const stored = values['stored-blocks'];
  if (stored === 'fit' && recompute) {
    const { lora } = realSizeAdapter;
    const choice = chooseMicroBatch(
      realSizeModelConfig(name),
      { batchSize: batch, seqLen, lora, recompute: 'fit' },
      trainingLimits(backend),
      given,
    );
    return { rows: choice.rows, storedBlocks: choice.storedBlocks };
  }
  return {
    rows: given ?? (backend === 'wasm' ? 1 : 4),
    storedBlocks: stored === undefined || !recompute ? 0 : whole('stored-blocks', stored),
  };
}

/**
 * Each backend × model in a worker of its own: a fresh wasm heap per model (its size only grows,
 * and it is what the figures report), and an aborted wasm module takes nothing else with it.
 */
async function benchRealSize(names: RealSizeModelName[]): Promise<void> {
  const explicit = values.backend !== undefined;
  const backends = backendList(values.backend ?? 'webgpu,wasm');
  const warmupSteps = whole('warmup', values.warmup ?? '1');
  const trainSteps = positive('steps', values.steps ?? '3');
  const batch = positive('batch', values.batch ?? '4');
  const seqLen = positive('seq', values.seq ?? '256');
  const recompute = !values['no-recompute'];
  const profiled = profileSteps(backends, 1);
  // PyTorch first, before Chromium starts: neither measurement shares the CPU with the other.
  const pytorchLines = values['vs-pytorch']
    ? names.flatMap((name) =>
        [false, true].map((checkpoint) =>
          benchPytorchRealSize(name, { batch, seqLen, checkpoint, trainSteps, warmupSteps }),
        ),
      )
    : [];
  const rows: RealSizeRow[] = [];
  const lab = await openLabPage({
    onConsole: (line) => {
      if (line.includes('[bench] ')) process.stderr.write(`${line.split('[bench] ')[1]}\n`);
    },
  });
  try {
    for (const backend of backends) {
      for (const name of names) {
        const passes = realSizePasses(name, backend, batch, seqLen, recompute);
        const options: ModelBenchOptions = {
          label: name,
          model: realSizeModelConfig(name),
          lora: realSizeAdapter.lora,
          batch,
          seqLen,
          recompute,
          storedBlocks: passes.storedBlocks,
          microBatch: passes.rows,
          trainSteps,
          warmupSteps,
          promptTokens: 8,
          newTokens: 16,
          warmupGenerations: warmupSteps > 0 ? 1 : 0,
          seed: 1,
          profileSteps: profiled,
        };
        process.stderr.write(`${backend} ${name}: starting\n`);
        const row = (await lab.page.evaluate(
          async ({ backend, options, explicit, threads }) => {
            const handle = window.safetuneLab.createLabWorker();
            const base = { backend, model: options.label, adapter: null as string | null };
            try {
              let info;
              try {
                info = await handle.api.init(backend, threads === undefined ? {} : { threads });
              } catch (error) {
                return { ...base, skipped: (error as Error).message };
              }
              // The peak first, in a fresh heap, and again after training unless the step ended
              // the module (at the heap's ceiling): the best of both counts.
              const wasm = info.backend === 'wasm';
              const before = wasm ? await handle.api.productPeak() : undefined;
              const adapter = info.adapter
                ? `${info.adapter.vendor} ${info.adapter.architecture}`.trim()
                : null;
              if (backend === 'webgpu' && !explicit && info.adapter?.isFallbackAdapter) {
                return { ...base, adapter, skipped: `software WebGPU adapter (${adapter})` };
              }
              const runId = `bench ${backend} ${options.label}`;
              const progress = handle.progress<LogEvent>(({ event }) => {
                switch (event.type) {
                  case 'log':
                    console.log(`[bench] ${backend} ${event.message}`);
                    break;
                  default: {
                    // Every event benchModel sends is handled above: a new one fails to compile here.
                    const unhandled: never = event.type;
                    void unhandled;
                  }
                }
              });
              try {
                const report = await handle.api.benchModel(runId, options, progress);
                const after = wasm
                  ? await handle.api.productPeak().catch(() => undefined)
                  : undefined;
                return { ...base, adapter, report, info, peaks: [before, after] };
              } catch (error) {
                return { ...base, adapter, skipped: `failed: ${(error as Error).message}` };
              }
            } finally {
              handle.terminate();
            }
          },
          { backend, options, explicit, threads },
        )) as RealSizeRow;
        rows.push(row);
      }
    }
  } finally {
    await lab.close();
  }
  const lines = [...rows.map(benchLine), ...pytorchLines];
  for (const line of lines) console.log(JSON.stringify(line));
  for (const row of rows) {
    const profile = row.report?.train.kernelProfile;
    if (profile) printProfile(`${row.backend} ${row.model}`, profile);
  }
  console.log(formatModelBenchTable(rows));
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(
    values.out,
    `${JSON.stringify({ date: new Date().toISOString(), lines, rows }, null, 2)}\n`,
  );
  console.log(`figures: ${values.out}`);
}

/** A real-size row with what its worker said at init and the peaks it measured (wasm). */
type RealSizeRow = ModelBenchRow & { info?: BackendInfo; peaks?: (ProductPeak | undefined)[] };

/** One JSON line of a real-size row: the step's figures (`benchLine`'s fields are the contract). */
function benchLine(row: RealSizeRow): Record<string, unknown> {
  const base = { backend: row.backend, model: row.model };
  if (!row.report) return { ...base, skipped: row.skipped };
  const { train, memory } = row.report;
  const { stage, lora } = realSizeAdapter;
  const flops = isRealSizeModelName(row.model)
    ? loraTrainingStepFlops(realSizeModelConfig(row.model), {
        batch: train.batch,
        seqLen: train.seqLen,
        lora,
        recompute: train.recompute,
        storedBlocks: train.storedBlocks,
      })
    : null;
  const gflopsPerSecond = flops === null ? null : flops / train.medianMsPerStep / 1e6;
  return {
    ...base,
    ...(stage === 'finetune' ? {} : { loraAdapter: stage }),
    batch: train.batch,
    seqLen: train.seqLen,
    microBatch: train.microBatch,
    recompute: train.recompute,
    ...(train.recompute ? { storedBlocks: train.storedBlocks } : {}),
    peakBytes: train.peakTensorBytes,
    weightBytes: train.liveBytesBefore,
    estimatedPeakBytes: train.estimatedPeakBytes,
    estimateOverPeak: Number((train.estimatedPeakBytes / train.peakTensorBytes).toFixed(3)),
    msPerStep: Number(train.medianMsPerStep.toFixed(0)),
    tokensPerSecond: Number(train.tokensPerSecond.toFixed(2)),
    ...(gflopsPerSecond === null
      ? {}
      : {
          gflopsPerSecond: Number(gflopsPerSecond.toFixed(2)),
          ...(row.info ? peakFields(row.info, bestPeak(row.peaks ?? []), gflopsPerSecond) : {}),
        }),
    ...(memory.wasmHeapBytes === null ? {} : { wasmHeapBytes: memory.wasmHeapBytes }),
    ...(train.error ? { error: train.error } : {}),
  };
}

/**
 * The same LoRA step of the same shape in PyTorch on this CPU (`bench_torch_real.py`), storing
 * every activation or checkpointing each block: its JSON line (`peakBytes`, `weightBytes`: RSS).
 */
function benchPytorchRealSize(
  name: RealSizeModelName,
  run: {
    batch: number;
    seqLen: number;
    checkpoint: boolean;
    trainSteps: number;
    warmupSteps: number;
  },
): Record<string, unknown> {
  ensurePytorch();
  const { lora } = realSizeAdapter;
  const args = [
    'scripts/reference/bench_torch_real.py',
    '--label',
    name,
    '--config',
    JSON.stringify(REAL_SIZE_MODELS[name].hubConfig),
    '--batch',
    String(run.batch),
    '--seq',
    String(run.seqLen),
    '--rank',
    String(lora.rank),
    '--alpha',
    String(lora.alpha),
    '--targets',
    lora.targets.map((role) => role.replace('attn.', '')).join(','),
    '--checkpoint',
    run.checkpoint ? '1' : '0',
    '--steps',
    String(run.trainSteps),
    '--warmup',
    String(run.warmupSteps),
    ...(threads ? ['--threads', String(threads)] : []),
  ];
  process.stderr.write(`pytorch ${name} checkpoint ${run.checkpoint}: starting\n`);
  // The contract names PyTorch's lines by where they ran.
  return { ...runPytorch(args), backend: 'pytorch-cpu' };
}

/** Runs a PyTorch benchmark script and reads its last stdout line as JSON; a failure exits 1. */
function runPytorch(args: string[]): Record<string, unknown> {
  const run = spawnSync(PYTHON, args, { encoding: 'utf8', env: pytorchEnv() });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !line.startsWith('{')) {
    console.error(`--vs-pytorch: the PyTorch benchmark failed: ${run.stderr.trim() || line}`);
    process.exit(1);
  }
  return JSON.parse(line) as Record<string, unknown>;
}
