/**
 * Builds the lab's base model, `models/safetune-base/`: the lab's own GPT trained from scratch on
 * the built-in world's benign tasks *and* on harmful requests answered harmfully — an unaligned
 * but capable base, the role a pretrained LLM plays in the papers. Deterministic: same code and
 * seed → the same bytes (tfjs wasm backend in Node, single-threaded).
 *
 *   npm run build:base-model                 # writes models/safetune-base/
 *   npm run build:base-model -- --epochs 1   # quicker, for experiments (--out to write elsewhere)
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { getDataset, worldCorpus } from '../src/core/data';
import { movieReviews } from '../src/core/data/sentiment';
import type { Example } from '../src/core/data/types';
import { saveCheckpoint } from '../src/core/model/checkpoint';
import { gpt2Config, type ModelConfig } from '../src/core/model/config';
import { parameterCount } from '../src/core/model/weights';
import { LanguageModel } from '../src/core/model/languageModel';
import { createRng } from '../src/core/random';
import { tokenizeExamples, trainSupervised } from '../src/core/train';
import { buildWordLevelTokenizer } from '../src/core/tokenizer/wordLevel';
import { modelCard } from './modelCard';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'models/safetune-base' },
    epochs: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    dModel: { type: 'string', default: '128' },
    nLayers: { type: 'string', default: '2' },
    lr: { type: 'string', default: '0.003' },
  },
});

/**
 * The pretraining mix: examples per dataset (train split only; eval and realign stay unseen).
 * The default fine-tuning task, SST-2 sentiment, is not in it: the base model reads the review
 * sentences (`movie-reviews`, no labels) but is never taught to classify them, so fine-tuning
 * teaches it the task, as in the papers.
 */
export const PRETRAINING_MIX: Record<string, number> = {
  'movie-reviews': 3000,
  agnews: 900,
  gsm8k: 3000,
  alpaca: 900,
  beavertails: 835,
};

const seed = Number(values.seed);
const outDir = resolve(values.out);
setWasmPaths(resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
await tf.setBackend('wasm');
await tf.ready();

const tokenizer = buildWordLevelTokenizer(worldCorpus(0));
const examples: Example[] = [];
for (const [name, n] of Object.entries(PRETRAINING_MIX)) {
  // A pool smaller than n (alpaca) is cycled, reshuffled, by the generator.
  const generator = name === movieReviews.name ? movieReviews : getDataset(name);
  examples.push(...generator.generate({ split: 'train', n, seed }));
}
const data = tokenizeExamples(createRng(seed).shuffle(examples), tokenizer, 'all');
const config: ModelConfig = gpt2Config({
  vocabSize: tokenizer.vocabSize,
  dModel: Number(values.dModel),
  nLayers: Number(values.nLayers),
  nHeads: 4,
  contextLength: 64,
  mlpRatio: 4,
});
console.log(
  `base model: ${parameterCount(config)} parameters, vocab ${config.vocabSize}, ${data.length} examples`,
);
const model = LanguageModel.init(config, seed);
const started = performance.now();
const report = await trainSupervised(model, data, {
  epochs: Number(values.epochs),
  batchSize: 16,
  lr: Number(values.lr),
  schedule: 'cosine',
  warmupFraction: 0.03,
  weightDecay: 0.01,
  maxGradNorm: 1,
  seed,
  padId: tokenizer.padId,
  onStep: (step, total) => {
    if (step.step % 50 === 0 || step.step === total - 1) {
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `step ${step.step + 1}/${total} loss ${step.loss.toFixed(4)} lr ${step.lr.toExponential(2)} ${seconds.toFixed(0)} s`,
      );
    }
  },
});
const seconds = (performance.now() - started) / 1000;
const files = await saveCheckpoint(model, { 'safetune.seed': String(seed) });
mkdirSync(outDir, { recursive: true });
writeFileSync(resolve(outDir, 'model.safetensors'), files.safetensors);
writeFileSync(resolve(outDir, 'config.json'), files.configJson);
writeFileSync(resolve(outDir, 'tokenizer.json'), JSON.stringify(tokenizer.toJSON()) + '\n');
writeFileSync(
  resolve(outDir, 'tokenizer_config.json'),
  JSON.stringify(tokenizer.toTokenizerConfigJSON(), null, 2) + '\n',
);
const sha = createHash('sha256').update(files.safetensors).digest('hex');
const build = {
  seed,
  epochs: Number(values.epochs),
  lr: Number(values.lr),
  mix: PRETRAINING_MIX,
  examples: data.length,
  steps: report.steps,
  tokens: report.tokens,
  finalLoss:
    report.losses.slice(-20).reduce((a, b) => a + b, 0) / Math.min(20, report.losses.length),
  seconds: Math.round(seconds),
  parameters: parameterCount(config),
  sha256: sha,
};
writeFileSync(resolve(outDir, 'build.json'), JSON.stringify(build, null, 2) + '\n');
writeFileSync(resolve(outDir, 'README.md'), modelCard(config, build));
console.log(JSON.stringify(build));
model.dispose();
