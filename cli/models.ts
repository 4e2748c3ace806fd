/**
 * `lab models`: the built-in model(s) and the curated Hub models, with what a browser needs to
 * fine-tune each the lab's default way. Everything comes from configs (the built-in model's
 * `models/<name>/config.json`, the curated `config.json`s); nothing is downloaded.
 */
import { recomputeBlocks } from '../src/core/config/schema';
import { recomputeOption } from '../src/core/pipeline/microBatch';
import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG } from '../src/core/config/schema';
import { CURATED_MODELS } from '../src/core/hub/curated';
import { BASE_MODEL_NAMES } from '../src/core/model/bases';
import { modelConfigFromHub } from '../src/core/model/checkpoint';
import type { Family, ModelConfig } from '../src/core/model/config';
import {
  WEBGPU_DEFAULT_LIMITS,
  WEBGPU_DESKTOP_LIMITS,
  deviceFit,
  estimateMemory,
  formatBytes,
  type MemoryEstimate,
  type MemoryRun,
} from '../src/core/model/memory';
import { parameterCount } from '../src/core/model/weights';
import { GENERATION_BATCH } from '../src/core/generation/answers';
import {
  TRAINING_MEMORY_BUDGET,
  WASM_HEAP_BYTES,
  WASM_WEIGHT_OVERHEAD,
  chooseMicroBatch,
  trainingLimits,
} from '../src/core/train/microBatch';
import { EXIT_FAILED, EXIT_OK } from './exit';
import { errorText } from '../src/core/errors';

/** The run the table estimates: the lab's default fine-tuning adapter at batch 4 × 256 tokens. */
export const MODELS_RUN: MemoryRun = {
  batchSize: 4,
  seqLen: 256,
  lora: DEFAULT_CONFIG.finetune.lora,
  // Evaluation generates GENERATION_BATCH answers at once; prompts are taken as long as a row.
  generationBatch: GENERATION_BATCH,
  maxNewTokens: DEFAULT_CONFIG.evaluation.maxNewTokens,
};

/** Which WebGPU limits the run's largest tensors need. */
export type LimitsVerdict = 'default' | 'raised' | 'too-big';

/** How a step of the run goes on wasm: rows per forward/backward pass, and whether they fit. */
export interface WasmPass {
  /** Rows per pass (`chooseMicroBatch` against wasm's budget); the step accumulates the passes. */
  rows: number;
  /** Blocks whose activations a pass keeps (the rest are recomputed backward), of `blocks`. */
  storedBlocks: number;
  blocks: number;
  /** Estimated peak of a step at `rows`. */
  stepBytes: number;
  /**
   * Within the budget (`fits`), only within the 4 GiB heap (`tight`), or over the heap even at one
   * row (`no`).
   */
  verdict: 'fits' | 'tight' | 'no';
}

export interface ModelRow {
  /** A built-in name, or the Hub repo `owner/name`. */
  model: string;
  source: 'built-in' | 'hub';
  family: Family;
  parameters: number;
  /** Hub: parameters × bytes per value of the file dtype (approximate); built-in: its file's size. */
  downloadBytes: number;
  /** Dtype of the weights file (built-in: read from its header; Hub: from the model card). */
  fileDtype: string;
  /** The file also stores the tied head (its download carries the embedding twice). */
  storesTiedHead: boolean;
  chatTemplate: boolean;
  memory: MemoryEstimate;
  limits: LimitsVerdict;
  /** Why the default limits are not enough (empty when they are). */
  defaultLimitProblems: string[];
  /** Why even a desktop adapter's limits are not enough (empty when they are). */
  desktopLimitProblems: string[];
  wasm: WasmPass;
}

const MODELS_DIR = new URL('../models/', import.meta.url);

/** The lab's own models, from their files in models/<name>/. */
function builtInRows(run: MemoryRun): ModelRow[] {
  return BASE_MODEL_NAMES.map((name) => {
    const dir = new URL(`${name}/`, MODELS_DIR);
    const json = JSON.parse(readFileSync(new URL('config.json', dir), 'utf8')) as Record<
      string,
      unknown
    >;
    const tokenizerConfig = JSON.parse(
      readFileSync(new URL('tokenizer_config.json', dir), 'utf8'),
    ) as Record<string, unknown>;
    const config = modelConfigFromHub(json);
    const weights = readFileSync(new URL('model.safetensors', dir));
    return row({
      model: name,
      source: 'built-in',
      config,
      parameters: parameterCount(config),
      downloadBytes: weights.byteLength,
      fileDtype: safetensorsDtypes(weights).join('+'),
      storesTiedHead: false,
      chatTemplate: typeof tokenizerConfig.chat_template === 'string',
      run,
    });
  });
}

function row(entry: {
  model: string;
  source: ModelRow['source'];
  config: ModelConfig;
  parameters: number;
  downloadBytes: number;
  fileDtype: string;
  storesTiedHead: boolean;
  chatTemplate: boolean;
  run: MemoryRun;
}): ModelRow {
  // As a run of this model would: Hub models recompute block activations backward by default
  // (the estimate's train step: every block; wasm's passes: the blocks that do not fit).
  const asRun = { model: { base: entry.model }, runtime: { backend: 'auto' as const } };
  const recompute = entry.run.recompute ?? recomputeBlocks(asRun);
  const run = { ...entry.run, recompute };
  const memory = estimateMemory(entry.config, run);
  const atDefault = deviceFit(memory, WEBGPU_DEFAULT_LIMITS);
  const atDesktop = deviceFit(memory, WEBGPU_DESKTOP_LIMITS);
  const micro = chooseMicroBatch(
    entry.config,
    {
      batchSize: run.batchSize,
      seqLen: run.seqLen,
      lora: run.lora,
      recompute: entry.run.recompute ?? recomputeOption(asRun),
    },
    trainingLimits('wasm'),
  );
  return {
    model: entry.model,
    source: entry.source,
    family: entry.config.family,
    parameters: entry.parameters,
    downloadBytes: entry.downloadBytes,
    fileDtype: entry.fileDtype,
    storesTiedHead: entry.storesTiedHead,
    chatTemplate: entry.chatTemplate,
    memory,
    limits: atDefault.fits ? 'default' : atDesktop.fits ? 'raised' : 'too-big',
    defaultLimitProblems: atDefault.problems,
    desktopLimitProblems: atDesktop.problems,
    wasm: {
      rows: micro.rows,
      storedBlocks: micro.storedBlocks,
      blocks: micro.blocks,
      stepBytes: micro.stepBytes,
      verdict: micro.fits ? 'fits' : micro.stepBytes <= WASM_HEAP_BYTES ? 'tight' : 'no',
    },
  };
}

/** Every model the lab knows, built-in first, each estimated for `run`. */
export function modelRows(run: MemoryRun = MODELS_RUN): ModelRow[] {
  return [
    ...builtInRows(run),
    ...CURATED_MODELS.map((model) =>
      row({
        model: model.repo,
        source: 'hub',
        config: model.config,
        parameters: model.parameters,
        downloadBytes: model.downloadBytes,
        fileDtype: model.fileDtype,
        storesTiedHead: model.storesTiedHead === true,
        chatTemplate: model.chatTemplate,
        run,
      }),
    ),
  ];
}

const LIMITS_SHOWN: Record<LimitsVerdict, string> = {
  default: 'default',
  raised: 'raised',
  'too-big': 'too big',
};

/** The table, a line on what was estimated, and the notes it needs. */
export function formatModelsTable(rows: readonly ModelRow[], run: MemoryRun = MODELS_RUN): string {
  const lora = run.lora
    ? `LoRA rank ${run.lora.rank} on ${run.lora.targets.join(', ')}`
    : 'full-weight training';
  // [heading, right-aligned]
  const columns: [string, boolean][] = [
    ['model', false],
    ['family', false],
    ['params', true],
    ['download', true],
    ['dtype', false],
    ['chat', false],
    ['train step', true],
    ['total', true],
    ['largest tensor', false],
    ['size', true],
    ['WebGPU limits', false],
    ['wasm rows', false],
  ];
  const cells = rows.map((r) => [
    r.model,
    r.family,
    `${(r.parameters / 1e6).toFixed(r.parameters < 1e7 ? 2 : 1)}M`,
    formatBytes(r.downloadBytes),
    r.fileDtype,
    r.chatTemplate ? 'yes' : 'no',
    formatBytes(r.memory.activations + r.memory.gradients),
    formatBytes(r.memory.total),
    r.memory.largestTensor.name,
    formatBytes(r.memory.largestTensor.bytes),
    LIMITS_SHOWN[r.limits],
    r.wasm.verdict === 'no'
      ? 'no'
      : `${r.wasm.rows} of ${run.batchSize}${storedText(r.wasm)}${r.wasm.verdict === 'tight' ? ' (tight)' : ''}`,
  ]);
  const capped = rows.filter((r) => r.memory.run.seqLen < run.seqLen);
  const notes = [
    `Memory: fine-tuning with ${lora}, batch ${run.batchSize} × seqLen ${run.seqLen}, AdamW, float32; ` +
      `evaluation generating ${run.generationBatch ?? run.batchSize} rows × ${run.maxNewTokens ?? 0} new tokens.`,
    '"train step" is the activations and gradients of one step (Hub models recompute each block\'s activations backward, `runtime.recompute`); "total" the peak with weights, adapter and optimizer.',
    ...capped.map((r) => `${r.model}: seqLen capped at its context length ${r.memory.run.seqLen}.`),
    'Download: the values in the weights file × bytes per value of its dtype (approximate; dtypes from the model cards); ' +
      'a built-in model ships with the lab (its file size).',
    ...rows
      .filter((r) => r.storesTiedHead)
      .map(
        (r) =>
          `${r.model}: the file stores the tied head a second time, which the download includes.`,
      ),
    `WebGPU limits: "default" = every tensor within maxStorageBufferBindingSize ${mib(WEBGPU_DEFAULT_LIMITS.maxStorageBufferBindingSize)} ` +
      `and maxBufferSize ${mib(WEBGPU_DEFAULT_LIMITS.maxBufferSize)}; "raised" = within a desktop adapter's limits, which tfjs requests ` +
      `(${mib(WEBGPU_DESKTOP_LIMITS.maxStorageBufferBindingSize)} and ${mib(WEBGPU_DESKTOP_LIMITS.maxBufferSize)} assumed).`,
    `wasm rows: rows per forward/backward pass on wasm (a step accumulates the gradients of its micro-batches: the same step, ` +
      `slower) whose step, with ${WASM_WEIGHT_OVERHEAD} byte per byte of weights for what the estimate leaves out (measured), ` +
      `fits ${mib(TRAINING_MEMORY_BUDGET.wasm)} of the ${mib(WASM_HEAP_BYTES)} heap; "tight" = one row is over that ` +
      `but within the heap; "no" = one row is over the heap (train on WebGPU, or with shorter rows). ` +
      `"k/n stored": the first k of n blocks keep their activations and the rest are recomputed backward (Hub models: as many as fit).`,
  ];
  return [table(columns, cells), '', ...notes].join('\n');
}

/** Runs `lab models`. */
export function models(
  command: { json: boolean },
  out: (line?: string) => void,
  err: (line: string) => void,
): number {
  let rows: ModelRow[];
  try {
    rows = modelRows();
  } catch (error) {
    err(`error: ${errorText(error)}`);
    return EXIT_FAILED;
  }
  out(command.json ? JSON.stringify(rows, null, 2) : formatModelsTable(rows));
  return EXIT_OK;
}

/** The distinct dtypes in a safetensors file's header (8-byte length, then JSON). */
function safetensorsDtypes(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<
    string,
    { dtype?: string }
  >;
  const dtypes = Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([, entry]) => String(entry.dtype));
  return [...new Set(dtypes)].sort();
}

const mib = (bytes: number) =>
  bytes % 2 ** 30 === 0 ? `${bytes / 2 ** 30} GiB` : `${bytes / 2 ** 20} MiB`;

/** Columns padded to their widest cell (numbers right-aligned), no trailing spaces. */
/** ", 12/30 stored" when some but not all blocks keep their activations on wasm; else "". */
function storedText(pass: { storedBlocks: number; blocks: number }): string {
  if (pass.storedBlocks === 0 || pass.storedBlocks === pass.blocks) return '';
  return `, ${pass.storedBlocks}/${pass.blocks} stored`;
}

function table(columns: [string, boolean][], rows: string[][]): string {
  const all = [columns.map(([heading]) => heading), ...rows];
  const widths = columns.map((_, column) => Math.max(...all.map((cells) => cells[column].length)));
  return all
    .map((cells) =>
      cells
        .map((cell, column) =>
          columns[column][1] ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
