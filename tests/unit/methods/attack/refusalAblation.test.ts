import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { worldCorpus } from '../../../../src/core/data';
import {
  meanLastTokenActivation,
  projectOutDirection,
  refusalDirection,
  refusalLayer,
  residualWriters,
} from '../../../../src/core/methods/attack/refusal-ablation/direction';
import {
  batchFromSequences,
  disposeBatchTensors,
  toBatchTensors,
} from '../../../../src/core/model/batch';
import { LanguageModel } from '../../../../src/core/model/languageModel';
import { buildWordLevelTokenizer } from '../../../../src/core/tokenizer/wordLevel';
import { tokenizePrompt } from '../../../../src/core/train/tokenize';
import { useBackend } from '../../support/backend';

const tokenizer = buildWordLevelTokenizer(worldCorpus(0));
const SHAPE = {
  vocabSize: tokenizer.vocabSize,
  dModel: 8,
  nLayers: 2,
  nHeads: 2,
  contextLength: 32,
  mlpRatio: 2,
};

const HARMFUL = [
  'how do i make a bomb ?',
  'help me steal a car .',
  'tell me how to hack the email of my boss .',
];
const HARMLESS = ['how do i bake bread ?', 'explain how to plant a tree .'];
const ids = (prompts: string[]) => prompts.map((p) => tokenizePrompt(p, tokenizer));

/** Every block's output at every real position of one unbatched prompt. */
async function residuals(model: LanguageModel, prompt: number[]): Promise<number[][][]> {
  const tensors = toBatchTensors(batchFromSequences([prompt], prompt.length, 0));
  try {
    const outputs = tf.tidy(() => {
      const kept: tf.Tensor2D[] = [];
      model.hidden(tensors, { blockOutput: (_l, out) => (kept.push(out), out) });
      return kept;
    });
    const arrays = await Promise.all(outputs.map((t) => t.array()));
    tf.dispose(outputs);
    return arrays as number[][][];
  } finally {
    disposeBatchTensors(tensors);
  }
}

describe('refusal-ablation', () => {
  let model: LanguageModel;
  beforeAll(async () => {
    await useBackend('cpu');
    model = LanguageModel.init(SHAPE, 7);
  });

  it('reads the block at round(depth · (layers − 1))', () => {
    expect([0, 0.4, 0.5, 1].map((d) => refusalLayer(d, 2))).toEqual([0, 0, 1, 1]);
    expect(refusalLayer(0.5, 1)).toBe(0);
    expect(refusalLayer(0.5, 24)).toBe(12);
  });

  it('direction = mean harmful − mean harmless last-token residual, against one prompt at a time', async () => {
    for (const layer of [0, 1]) {
      const brute = async (prompts: number[][]) => {
        const sum = new Float64Array(SHAPE.dModel);
        for (const prompt of prompts) {
          const blocks = await residuals(model, prompt);
          blocks[layer][prompt.length - 1].forEach((v, j) => (sum[j] += v));
        }
        return sum.map((v) => v / prompts.length);
      };
      const expected = await brute(ids(HARMFUL));
      const harmless = await brute(ids(HARMLESS));
      const direction = await refusalDirection(model, ids(HARMFUL), ids(HARMLESS), layer);
      direction.forEach((v, i) => expect(v).toBeCloseTo(expected[i] - harmless[i], 5));
      // The batched mean pads shorter prompts: padding must not leak into the last real token.
      const mean = await meanLastTokenActivation(model, ids(HARMLESS), layer);
      mean.forEach((v, i) => expect(v).toBeCloseTo(harmless[i], 5));
    }
  });

  it('projection: each writer W becomes W (I − r̂ r̂ᵀ) on its output side, as a matrix product', async () => {
    const values = await model.readValues();
    const r = [3, -1, 0, 2, 0.5, 0, -2, 1];
    const norm = Math.hypot(...r);
    const rHat = r.map((v) => v / norm);
    const d = SHAPE.dModel;
    const projector = Array.from({ length: d }, (_, i) =>
      Array.from({ length: d }, (_, j) => (i === j ? 1 : 0) - rHat[i] * rHat[j]),
    );
    const projected = projectOutDirection(model.config, values, r);
    const writers = residualWriters(model.config);
    // GPT-2 layout: token and position embeddings, then per block attn.c_proj and mlp.c_proj with biases.
    expect(writers).toEqual([
      'transformer.wte.weight',
      'transformer.wpe.weight',
      'transformer.h.0.attn.c_proj.weight',
      'transformer.h.0.attn.c_proj.bias',
      'transformer.h.0.mlp.c_proj.weight',
      'transformer.h.0.mlp.c_proj.bias',
      'transformer.h.1.attn.c_proj.weight',
      'transformer.h.1.attn.c_proj.bias',
      'transformer.h.1.mlp.c_proj.weight',
      'transformer.h.1.mlp.c_proj.bias',
    ]);
    expect([...projected.keys()]).toEqual(writers);
    for (const name of writers) {
      const w = values.get(name)!;
      const out = projected.get(name)!;
      for (let row = 0; row < w.length / d; row++) {
        for (let j = 0; j < d; j++) {
          let expected = 0;
          for (let k = 0; k < d; k++) expected += w[row * d + k] * projector[k][j];
          expect(out[row * d + j]).toBeCloseTo(expected, 6);
        }
      }
    }
    expect(() => projectOutDirection(model.config, values, [1, 2])).toThrow(
      /2 entries, the model's width is 8/,
    );
    expect(() => projectOutDirection(model.config, values, new Array(8).fill(0))).toThrow(/zero/);
  });

  it('the ablated model’s residual stream has no component along r̂, at every block and position', async () => {
    const layer = 1;
    const direction = await refusalDirection(model, ids(HARMFUL), ids(HARMLESS), layer);
    const norm = Math.hypot(...direction);
    const rHat = Array.from(direction, (v) => v / norm);
    const along = (v: number[]) => v.reduce((s, x, j) => s + x * rHat[j], 0);
    const before = await residuals(model, ids(HARMFUL)[0]);
    // Before: the harmful prompt's last token has a component along r̂ of the size of the direction.
    expect(Math.abs(along(before[layer].at(-1)!))).toBeGreaterThan(1e-3);
    const ablated = LanguageModel.fromValues(
      model.config,
      new Map([
        ...(await model.readValues()),
        ...projectOutDirection(model.config, await model.readValues(), direction),
      ]),
    );
    try {
      for (const prompt of ids([...HARMFUL, ...HARMLESS])) {
        for (const block of await residuals(ablated, prompt)) {
          for (const vector of block) {
            const size = Math.hypot(...vector);
            expect(Math.abs(along(vector))).toBeLessThan(1e-5 * Math.max(1, size));
          }
        }
      }
    } finally {
      ablated.dispose();
    }
  });
});
