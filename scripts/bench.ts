/**
 * Training throughput in headless Chromium, through the lab's own worker.
 *   npm run bench                       reference size on webgpu, webgl, wasm and cpu
 *   npm run bench -- --backend wasm --dModel 256 --nLayers 4 --steps 20
 * Prints one JSON object per line per backend and model size: median ms per step over the timed
 * steps (after warm-up), and tokens per second.
 */
import { parseArgs } from 'node:util';
import type { SyntheticTrainingReport } from '../src/core/bench/syntheticTraining';
import { BACKENDS, type BackendInfo, type BackendName } from '../src/core/runtime/backend';
import { openLabPage } from '../cli/session';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: BACKENDS.join(',') },
    vocabSize: { type: 'string', default: '256' },
    dModel: { type: 'string', default: '128' },
    nLayers: { type: 'string', default: '2' },
    nHeads: { type: 'string', default: '4' },
    contextLength: { type: 'string', default: '64' },
    mlpRatio: { type: 'string', default: '4' },
    batch: { type: 'string', default: '8' },
    steps: { type: 'string', default: '8', description: 'timed steps' },
    warmup: { type: 'string', default: '3' },
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

const backends = values.backend.split(',').map((b) => b.trim()) as BackendName[];
for (const b of backends) {
  if (!BACKENDS.includes(b)) {
    console.error(`--backend: "${b}" is not one of ${BACKENDS.join(', ')}`);
    process.exit(2);
  }
}
const model = {
  vocabSize: positive('vocabSize', values.vocabSize),
  dModel: positive('dModel', values.dModel),
  nLayers: positive('nLayers', values.nLayers),
  nHeads: positive('nHeads', values.nHeads),
  contextLength: positive('contextLength', values.contextLength),
  mlpRatio: positive('mlpRatio', values.mlpRatio),
};
const batch = positive('batch', values.batch);
const warmup = Number(values.warmup);
const steps = positive('steps', values.steps) + warmup;

const lab = await openLabPage();
try {
  for (const backend of backends) {
    const { info, report } = (await lab.page.evaluate(
      async ({ backend, model, batch, steps, warmup }) => {
        const handle = window.safetuneLab.createLabWorker();
        try {
          const info = await handle.api.init(backend);
          const report = await handle.api.trainSynthetic({
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
