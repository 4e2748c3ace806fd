/**
 * A whole experiment at real size, as a user would run it: a checkpoint of a real model's shape
 * (`src/core/bench/realSizeModels.ts`; random weights at `transformers`' 0.02, BF16) with a real
 * tokenizer (`realTokenizers.ts`), served in the Hub layout by the local Hub server, run by
 * `lab run` in headless Chromium on the backend asked for. Prints the CLI's own progress, then a
 * summary: stage times, the peak resident memory of the browser's processes (sampled every
 * second: the tab, its worker and wasm heap, the GPU process) and the metrics.
 *
 *   npm run build && npx tsx scripts/realSizeRun.ts                       SmolLM2-135M shape, GPT-2's tokenizer, micro, wasm
 *   npx tsx scripts/realSizeRun.ts --layers 2 --tokenizer qwen3 --backend webgpu --quick
 *                                            2 of its blocks, Qwen3's tokenizer, a few examples
 *
 * The vocabulary is the tokenizer's model's (`--tokenizer gpt2`: 50,257 rows, against SmolLM2's
 * own 49,152, whose tokenizer no npm package ships).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  REAL_SIZE_MODEL_NAMES,
  isRealSizeModelName,
  realSizeModelConfig,
} from '../src/core/bench/realSizeModels';
import { resolvePreset } from '../src/core/lab';
import type { ResultsFile } from '../src/core/pipeline/types';
import { startHubServer } from '../tests/support/hubServer';
import { REAL_TOKENIZERS, realTokenizer, type RealTokenizerName } from './realTokenizers';
import { writeTinyModel } from './tinyHubModels';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'smollm2-135m' },
    tokenizer: { type: 'string', default: 'gpt2' },
    backend: { type: 'string', default: 'wasm' },
    preset: { type: 'string', default: 'micro' },
    'micro-batch': { type: 'string' },
    /** Fewer blocks of the same shape (a smaller real-shaped model, e.g. for SwiftShader's WebGPU). */
    layers: { type: 'string' },
    /** The preset cut to a few examples and prompts per stage: the whole path, in minutes. */
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'results/real-size-run.json' },
  },
});

const modelName = values.model as string;
if (!isRealSizeModelName(modelName)) {
  console.error(`error: --model must be one of ${REAL_SIZE_MODEL_NAMES.join(', ')}`);
  process.exit(2);
}
const tokenizerName = values.tokenizer as RealTokenizerName;
if (!REAL_TOKENIZERS.some((t) => t.name === tokenizerName)) {
  console.error(
    `error: --tokenizer must be one of ${REAL_TOKENIZERS.map((t) => t.name).join(', ')}`,
  );
  process.exit(2);
}

const root = mkdtempSync(join(tmpdir(), 'safetune-real-size-'));
const repo = `real-size/${modelName}${values.layers !== undefined ? `-${values.layers}l` : ''}`;
const config = {
  ...realSizeModelConfig(modelName),
  vocabSize: realTokenizer(tokenizerName).model.vocabSize,
};
if (values.layers !== undefined) {
  const layers = Number(values.layers);
  if (!Number.isInteger(layers) || layers < 1 || layers > config.nLayers) {
    console.error(`error: --layers must be an integer in [1, ${config.nLayers}]`);
    process.exit(2);
  }
  config.nLayers = layers;
}
let started = performance.now();
await writeTinyModel(root, {
  repo,
  config,
  dtype: 'BF16',
  chat: false,
  seed: 7,
  tokenizer: tokenizerName,
  weightStd: 0.02,
});
console.log(
  `[real-size] wrote ${repo} (${config.nLayers} layers, d ${config.dModel}, vocabulary ` +
    `${config.vocabSize}, BF16, ${tokenizerName}'s tokenizer) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
const server = await startHubServer(root);

const experiment = resolvePreset(values.preset as string);
experiment.model.base = repo;
experiment.name = `${values.preset}-${modelName}`;
if (values.quick) {
  experiment.alignment.samples = 16;
  experiment.finetune.samples = 16;
  experiment.post.realignmentSamples = 8;
  experiment.evaluation = {
    ...experiment.evaluation,
    harmfulPrompts: 4,
    benignPrompts: 4,
    helpfulnessPrompts: 4,
    taskPrompts: 4,
    maxNewTokens: 8,
    probeEvery: 0,
  };
}
if (values['micro-batch'] !== undefined) {
  experiment.runtime.microBatch = Number(values['micro-batch']);
}
const configPath = join(root, 'config.json');
writeFileSync(configPath, JSON.stringify(experiment, null, 2));
const out = resolve(values.out as string);

/** Resident memory of every Chromium process, in bytes (this machine runs no other Chromium). */
function chromiumRss(): number {
  const ps = spawnSync('ps', ['-C', 'chromium', '-o', 'rss='], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((kb) => Number.isFinite(kb))
    .reduce((sum, kb) => sum + kb * 1024, 0);
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, chromiumRss())), 1000);
started = performance.now();
const status = await new Promise<number | null>((done) => {
  const child = spawn(
    'npx',
    [
      'tsx',
      'cli/lab.ts',
      'run',
      configPath,
      '--backend',
      values.backend as string,
      '--out',
      out,
      '--fresh-profile',
    ],
    { stdio: 'inherit', env: { ...process.env, HF_ENDPOINT: server.endpoint } },
  );
  child.on('close', done);
});
clearInterval(sampler);
const wall = (performance.now() - started) / 1000;
await server.close();
rmSync(root, { recursive: true, force: true });
if (status !== 0) {
  console.error(`[real-size] lab run exited ${status}`);
  process.exit(status ?? 1);
}

const results = JSON.parse(readFileSync(out, 'utf8')) as ResultsFile;
console.log(`[real-size] ${repo} · preset ${values.preset} · ${results.environment.backend}`);
console.log(
  `[real-size] wall time ${(wall / 60).toFixed(1)} min (browser start and download included)`,
);
for (const stage of results.stages) {
  console.log(
    `[real-size]   ${stage.name}: ${stage.seconds.toFixed(1)} s${stage.cached ? ' (cached)' : ''}`,
  );
}
console.log(
  `[real-size] peak resident memory of Chromium's processes: ${(peakRss / 2 ** 30).toFixed(2)} GiB`,
);
for (const [checkpoint, metrics] of Object.entries(results.metrics)) {
  console.log(`[real-size]   ${checkpoint}: ${JSON.stringify(metrics)}`);
}
