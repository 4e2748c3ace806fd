/**
 * Training throughput in headless Chromium, through the lab's own worker.
 *   npm run bench                       reference size on webgpu, webgl, wasm and cpu
 *   npm run bench -- --backend wasm --dModel 256 --nLayers 4 --steps 20
 * Prints one JSON object per line per backend and model size: median ms per step over the timed
 * steps (after warm-up), and tokens per second.
 *
 * Real-size models with random weights (`src/core/bench/modelBench.ts`):
 *   npm run bench -- --real-size                          gpt2-124m and smollm2-135m, webgpu and wasm
 *   npm run bench -- --model smollm2-135m --backend wasm --steps 1 --warmup 0
 * One LoRA fine-tuning step at 4 × 128 tokens (ms/step, tokens/s), greedy generation of 16 tokens
 * with the KV cache (ms/token), peak memory; a table on stdout, every figure in --out (JSON).
 * WebGPU is skipped without a hardware adapter unless --backend names it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelBenchOptions } from '../src/core/bench/modelBench';
import { formatModelBenchTable, type ModelBenchRow } from '../src/core/bench/modelBenchTable';
import {
  REAL_SIZE_MODEL_NAMES,
  isRealSizeModelName,
  realSizeModelConfig,
  type RealSizeModelName,
} from '../src/core/bench/realSizeModels';
import type { SyntheticTrainingReport } from '../src/core/bench/syntheticTraining';
import { BACKENDS, type BackendInfo, type BackendName } from '../src/core/runtime/backend';
import { openLabPage } from '../cli/session';
import type { LogEvent } from '../workers/protocol';

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    'real-size': { type: 'boolean', default: false },
    model: { type: 'string', description: `real-size models: ${REAL_SIZE_MODEL_NAMES.join(',')}` },
    'micro-batch': { type: 'string', description: 'rows per pass (default: 1 on wasm, else 4)' },
    out: { type: 'string', default: 'results/bench-real-size.json' },
    vocabSize: { type: 'string', default: '256' },
    dModel: { type: 'string', default: '128' },
    nLayers: { type: 'string', default: '2' },
    nHeads: { type: 'string', default: '4' },
    contextLength: { type: 'string', default: '64' },
    mlpRatio: { type: 'string', default: '4' },
    batch: { type: 'string', default: '8' },
    steps: { type: 'string', description: 'timed steps (default 8; real-size 3)' },
    warmup: { type: 'string', description: 'untimed steps first (default 3; real-size 1)' },
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
    `npm run bench -- --real-size | --model ${REAL_SIZE_MODEL_NAMES.join(',')} [--backend webgpu,wasm]`,
  );
  console.log(
    '                 [--steps 3] [--warmup 1] [--micro-batch N] [--out results/bench-real-size.json]',
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
  await benchRealSize(realSize);
  process.exit(0);
}

const backends = backendList(values.backend ?? BACKENDS.join(','));
const model = {
  vocabSize: positive('vocabSize', values.vocabSize),
  dModel: positive('dModel', values.dModel),
  nLayers: positive('nLayers', values.nLayers),
  nHeads: positive('nHeads', values.nHeads),
  contextLength: positive('contextLength', values.contextLength),
  mlpRatio: positive('mlpRatio', values.mlpRatio),
};
const batch = positive('batch', values.batch);
const warmup = whole('warmup', values.warmup ?? '3');
const steps = positive('steps', values.steps ?? '8') + warmup;

const lab = await openLabPage();
try {
  for (const backend of backends) {
    const { info, report } = (await lab.page.evaluate(
      async ({ backend, model, batch, steps, warmup }) => {
        const handle = window.safetuneLab.createLabWorker();
        try {
          const info = await handle.api.init(backend);
          const report = await handle.api.trainSynthetic(`bench ${backend}`, {
            model,
            batch,
            steps,
            warmupSteps: warmup,
            seed: 1,
          });
          return { info, report };
        } finally {
          handle.terminate();
        }
      },
      { backend, model, batch, steps, warmup },
    )) as { info: BackendInfo; report: SyntheticTrainingReport };
    console.log(
      JSON.stringify({
        backend: info.backend,
        ...model,
        batch,
        msPerStep: Number(report.medianMsPerStep.toFixed(1)),
        tokensPerSecond: Math.round(report.tokensPerSecond),
        timedSteps: steps - warmup,
        adapter: info.adapter ? `${info.adapter.vendor} ${info.adapter.architecture}`.trim() : null,
      }),
    );
  }
} finally {
  await lab.close();
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
  const rows: ModelBenchRow[] = [];
  const lab = await openLabPage({
    onConsole: (line) => {
      if (line.includes('[bench] ')) process.stderr.write(`${line.split('[bench] ')[1]}\n`);
    },
  });
  try {
    for (const backend of backends) {
      for (const name of names) {
        const options: ModelBenchOptions = {
          label: name,
          model: realSizeModelConfig(name),
          batch: 4,
          seqLen: 128,
          microBatch: values['micro-batch']
            ? positive('micro-batch', values['micro-batch'])
            : backend === 'wasm'
              ? 1
              : 4,
          trainSteps,
          warmupSteps,
          promptTokens: 8,
          newTokens: 16,
          warmupGenerations: warmupSteps > 0 ? 1 : 0,
          seed: 1,
        };
        process.stderr.write(`${backend} ${name}: starting\n`);
        const row = (await lab.page.evaluate(
          async ({ backend, options, explicit }) => {
            const handle = window.safetuneLab.createLabWorker();
            const base = { backend, model: options.label, adapter: null as string | null };
            try {
              let info;
              try {
                info = await handle.api.init(backend);
              } catch (error) {
                return { ...base, skipped: (error as Error).message };
              }
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
                return { ...base, adapter, report };
              } catch (error) {
                return { ...base, adapter, skipped: `failed: ${(error as Error).message}` };
              }
            } finally {
              handle.terminate();
            }
          },
          { backend, options, explicit },
        )) as ModelBenchRow;
        rows.push(row);
      }
    }
  } finally {
    await lab.close();
  }
  console.log(formatModelBenchTable(rows));
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(
    values.out,
    `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`,
  );
  console.log(`figures: ${values.out}`);
}
