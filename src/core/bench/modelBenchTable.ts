import type { ModelBenchReport } from './modelBench';

/** One measured (or skipped) backend × model of `npm run bench -- --model …`. */
export interface ModelBenchRow {
  backend: string;
  model: string;
  /** The WebGPU adapter, when there is one. */
  adapter: string | null;
  report?: ModelBenchReport;
  /** Why there is no report (no WebGPU adapter, the worker failed, …). */
  skipped?: string;
}

/** How `tf.memory().numTensors` moved over the training steps: "flat", or the growth per step. */
export function tensorTrend(perStep: readonly number[]): string {
  if (perStep.length < 2) return 'n/a (1 step)';
  const growth = (perStep[perStep.length - 1] - perStep[0]) / (perStep.length - 1);
  return growth === 0 ? 'flat' : `${growth > 0 ? '+' : ''}${growth.toFixed(1)}/step`;
}

/** Decimal units: "545 MB", "3.27 GB". */
export function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${Math.round(n / 1e6)} MB`;
}

const fixed = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : '–';

/** A plain-text table, one line per row, then one note per skipped row and per training failure. */
export function formatModelBenchTable(rows: readonly ModelBenchRow[]): string {
  const header = [
    'backend',
    'model',
    'params',
    'create s',
    'train ms/step',
    'train tok/s',
    'rows/pass',
    'gen ms/tok',
    'gen tok/s',
    'peak tensors',
    'wasm heap / GPU pool',
    'JS heap',
    'tensors/step',
  ];
  const lines: string[][] = [header];
  const notes: string[] = [];
  for (const row of rows) {
    const r = row.report;
    if (!r) {
      notes.push(`${row.backend} ${row.model}: ${row.skipped ?? 'no report'}`);
      continue;
    }
    const backendMemory = r.memory.wasmHeapBytes ?? r.memory.gpuAllocatedBytes;
    lines.push([
      row.backend,
      row.model,
      `${(r.parameters / 1e6).toFixed(1)}M`,
      fixed(r.createMs / 1000, 1),
      r.train.error ? 'failed' : fixed(r.train.medianMsPerStep, 0),
      r.train.error ? '–' : fixed(r.train.tokensPerSecond, 1),
      `${r.train.microBatch} of ${r.train.batch}×${r.train.seqLen}`,
      fixed(r.generate.medianMsPerToken, 1),
      fixed(r.generate.tokensPerSecond, 1),
      formatBytes(r.memory.peakTensorBytes),
      backendMemory === null ? 'n/a' : formatBytes(backendMemory),
      r.memory.jsHeap ? formatBytes(r.memory.jsHeap.usedJSHeapSize) : 'not available',
      tensorTrend(r.train.numTensorsPerStep),
    ]);
    if (r.train.error) notes.push(`${row.backend} ${row.model}: training ${r.train.error}`);
    const ua = r.memory.userAgentSpecific;
    notes.push(
      `${row.backend} ${row.model}: measureUserAgentSpecificMemory ${'bytes' in ua ? formatBytes(ua.bytes) : `not available (${ua.unavailable})`}`,
    );
  }
  const widths = header.map((_, i) => Math.max(...lines.map((line) => line[i].length)));
  const table = lines.map((line) => line.map((cell, i) => cell.padEnd(widths[i])).join('  '));
  return [...table, ...notes].map((line) => line.trimEnd()).join('\n');
}
