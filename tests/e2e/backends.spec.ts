import { expect, test } from '@playwright/test';
import type { SyntheticTrainingReport } from '../../src/core/bench/syntheticTraining';
import type { BackendInfo, BackendName } from '../../src/core/runtime/backend';

const BACKENDS: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
const TINY = { vocabSize: 32, dModel: 32, nLayers: 2, nHeads: 2, contextLength: 16, mlpRatio: 4 };
const firstLoss: Partial<Record<BackendName, number>> = {};

test.describe.configure({ mode: 'serial' });

for (const backend of BACKENDS) {
  test(`a tiny model trains 30 steps inside the worker on ${backend}`, async ({ page }) => {
    await page.goto('/');
    const result = await page.evaluate(
      async ({ backend, model }) => {
        const lab = window.safetuneLab.createLabWorker();
        try {
          const info = await lab.api.init(backend);
          const report = await lab.api.trainSynthetic(backend, {
            model,
            batch: 4,
            steps: 30,
            seed: 3,
            lr: 1e-2,
          });
          const memory = await lab.api.memory();
          return { info, report, memory };
        } finally {
          lab.terminate();
        }
      },
      { backend, model: TINY },
    );
    const { info, report, memory } = result as {
      info: BackendInfo;
      report: SyntheticTrainingReport;
      memory: { backend: string };
    };
    expect(info.backend).toBe(backend);
    expect(memory.backend).toBe(backend);
    if (backend === 'webgpu') expect(info.adapter).not.toBeNull();
    expect(report.losses).toHaveLength(30);
    const [first, last] = [report.losses[0], report.losses[29]];
    expect(last).toBeLessThan(first - 0.5);
    expect(report.numTensorsPerStep[19]).toBe(report.numTensorsPerStep[9]);
    expect(report.numTensorsAfter).toBe(report.numTensorsBefore);
    // WebGPU counts its compute dispatches: the same every step (fixed shapes), none elsewhere.
    if (backend === 'webgpu') {
      expect(report.dispatchesPerStep).toBeGreaterThan(50);
      expect(new Set(report.dispatchesPerStepAll?.slice(1)).size).toBe(1);
    } else {
      expect(report.dispatchesPerStep).toBeUndefined();
    }
    firstLoss[backend] = first;
    console.log(
      `[e2e] ${backend}: trained 30 steps in the worker, loss ${first.toFixed(4)} → ${last.toFixed(4)}, ` +
        `median ${report.medianMsPerStep.toFixed(1)} ms/step` +
        (report.dispatchesPerStep !== undefined
          ? `, ${report.dispatchesPerStep} GPU dispatches/step`
          : '') +
        (info.adapter ? ` (adapter: ${info.adapter.vendor} ${info.adapter.architecture})` : ''),
    );
  });
}

/** A Llama-shaped tiny model: RMSNorm, SiLU-gated MLP, rotary positions, grouped KV heads. */
const TINY_LLAMA = {
  family: 'llama',
  vocabSize: 32,
  dModel: 32,
  nLayers: 2,
  nHeads: 4,
  nKvHeads: 2,
  headDim: 8,
  ffnDim: 64,
  contextLength: 16,
  norm: 'rmsnorm',
  normEps: 1e-6,
  positions: 'rotary',
  ropeTheta: 10000,
  rotaryDim: 8,
  activation: 'silu',
  gatedMlp: true,
  parallelResidual: false,
  qkNorm: false,
  tiedEmbeddings: false,
  bias: { qkv: false, o: false, mlp: false },
};

test('the fused WebGPU kernels train as tfjs plain ops do, in a third (GPT-2) or half (Llama) of the dispatches', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto('/');
  for (const [label, model] of [
    ['gpt2', TINY],
    ['llama', TINY_LLAMA],
  ] as const) {
    const [plain, fused] = (await page.evaluate(async (model) => {
      const train = async (fusedKernels: boolean) => {
        const lab = window.safetuneLab.createLabWorker();
        try {
          await lab.api.init('webgpu');
          return await lab.api.trainSynthetic('fused', {
            model: model as never,
            batch: 4,
            steps: 12,
            seed: 5,
            lr: 1e-2,
            fusedKernels,
          });
        } finally {
          lab.terminate();
        }
      };
      return [await train(false), await train(true)];
    }, model)) as SyntheticTrainingReport[];
    const worst = Math.max(...plain.losses.map((loss, i) => Math.abs(loss - fused.losses[i])));
    console.log(
      `[e2e] ${label} on webgpu: ${plain.dispatchesPerStep} dispatches/step with tfjs ops, ` +
        `${fused.dispatchesPerStep} fused; losses ${fused.losses[0].toFixed(4)} → ` +
        `${fused.losses[11].toFixed(4)}, largest difference ${worst.toExponential(2)}`,
    );
    // Gradients are clipped (maxGradNorm 1) through the fused norm, so the clip is exercised too.
    expect(fused.losses[11]).toBeLessThan(fused.losses[0] - 0.3);
    expect(worst).toBeLessThan(2e-3);
    expect(fused.numTensorsAfter).toBe(fused.numTensorsBefore);
    expect(fused.numTensorsPerStep[11]).toBe(fused.numTensorsPerStep[3]);
    expect(fused.dispatchesByProgram?.LabFusedAdamW).toBeGreaterThan(0);
    expect(plain.dispatchesByProgram?.LabFusedAdamW).toBeUndefined();
    // GPT-2's shape (the lab's own models) at least 3× fewer; Llama's rotary positions and gated
    // MLP stay tfjs ops, so at least 2×.
    expect((label === 'gpt2' ? 3 : 2) * (fused.dispatchesPerStep as number)).toBeLessThanOrEqual(
      plain.dispatchesPerStep as number,
    );
  }
});

test('the step-0 loss agrees across all four backends within 1e-3', () => {
  expect(Object.keys(firstLoss).sort()).toEqual([...BACKENDS].sort());
  const values = BACKENDS.map((b) => firstLoss[b] as number);
  const spread = Math.max(...values) - Math.min(...values);
  console.log(
    `[e2e] step-0 loss per backend: ${BACKENDS.map((b) => `${b}=${firstLoss[b]!.toFixed(6)}`).join(' ')}; spread ${spread.toExponential(2)}`,
  );
  expect(spread).toBeLessThan(1e-3);
});

test('auto times the candidates on the run’s model and keeps the fastest; a remembered choice is used as is', async ({
  page,
}) => {
  await page.goto('/');
  const probe = {
    key: 'safetune-base V636 d128 L2 H4 T64 B8',
    label: 'safetune-base',
    model: { vocabSize: 636, dModel: 128, nLayers: 2, nHeads: 4, contextLength: 64, mlpRatio: 4 },
    batch: 8,
    // The software WebGPU adapter here is never a candidate by itself; WebGL stands in for it.
    candidates: ['wasm', 'webgl'] as BackendName[],
  };
  const [fresh, remembered] = (await page.evaluate(async (probe) => {
    const start = async (p: typeof probe & { remembered?: unknown }) => {
      const lab = window.safetuneLab.createLabWorker();
      try {
        return await lab.api.init('auto', { probe: p as never });
      } finally {
        lab.terminate();
      }
    };
    const fresh = await start(probe);
    // What the page hands back next time (here a slower pick, to show it is not measured again).
    const remembered = await start({
      ...probe,
      remembered: { backend: 'webgl', msPerStep: fresh.measuredMsPerStep },
    });
    return [fresh, remembered];
  }, probe)) as BackendInfo[];
  expect(Object.keys(fresh.measuredMsPerStep ?? {}).sort()).toEqual(['wasm', 'webgl']);
  const ms = fresh.measuredMsPerStep as Record<string, number>;
  expect(fresh.backend).toBe(ms.wasm <= ms.webgl ? 'wasm' : 'webgl');
  expect(fresh.reason).toMatch(
    /^fastest for safetune-base, measured here \(\w+ \d+ ms\/step, \w+ \d+ ms\/step\)$/,
  );
  expect(fresh.probe).toEqual({ key: probe.key, label: 'safetune-base', remembered: false });
  expect(remembered.backend).toBe('webgl');
  expect(remembered.reason).toMatch(/remembered\)$/);
  expect(remembered.probe?.remembered).toBe(true);
  console.log(`[e2e] auto on safetune-base's shape: ${fresh.reason}`);
});
