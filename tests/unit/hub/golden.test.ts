/**
 * The lab's forward pass and greedy generation, on tiny random checkpoints of every family in the
 * Hub's layout (`tests/fixtures/hub`, served over HTTP like the Hub), against golden numbers from
 * an independent PyTorch implementation of the `transformers` modeling code
 * (`scripts/reference/hf_reference.py`; regenerate both with `npm run golden:hub`). The models
 * are loaded as a run loads its base model: `loadHubBaseModel`, then the weights into a model.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseModelFromHubFiles, loadHubBaseModel, loadHubModelFiles } from '../../../src/core/hub';
import type { BaseModel } from '../../../src/core/model/base';
import type { ModelConfig } from '../../../src/core/model/config';
import { LanguageModel } from '../../../src/core/model/languageModel';
import {
  batchFromSequences,
  disposeBatchTensors,
  toBatchTensors,
} from '../../../src/core/model/batch';
import { generateGreedy } from '../../../src/core/model/generate';
import { startHubServer, type HubServer } from '../../support/hubServer';
import { useBackend } from '../support/backend';

const FIXTURES = fileURLToPath(new URL('../../fixtures/hub', import.meta.url));
const GOLDEN = fileURLToPath(new URL('../../fixtures/hub-golden', import.meta.url));
const MODELS = ['gpt2', 'llama', 'qwen2', 'qwen3', 'gpt-neox'];
const TOLERANCE = 1e-4;

interface Golden {
  repo: string;
  modelType: string;
  promptIds: number[];
  logits: number[][];
  generatedIds: number[];
}

const golden = (name: string): Golden =>
  JSON.parse(readFileSync(`${GOLDEN}/${name}.json`, 'utf8')) as Golden;

let server: HubServer;
beforeAll(async () => {
  server = await startHubServer(FIXTURES);
});
afterAll(() => server.close());

interface LoadedHubModel {
  model: LanguageModel;
  config: ModelConfig;
  eosIds: number[];
}

/** A base model as the pipeline builds its first model from it. */
function fromBase(base: BaseModel): LoadedHubModel {
  const model = LanguageModel.fromValues(base.config, base.values);
  return { model, config: base.config, eosIds: base.eosIds ?? [] };
}

async function load(repo: string): Promise<LoadedHubModel> {
  return fromBase(await loadHubBaseModel(repo, { endpoint: server.endpoint }));
}

async function promptLogits(loaded: LoadedHubModel, prompt: number[]): Promise<Float32Array> {
  const batch = toBatchTensors(batchFromSequences([prompt], prompt.length, 0));
  const logits = tf.tidy(() => loaded.model.logits(batch));
  const data = (await logits.data()) as Float32Array;
  logits.dispose();
  disposeBatchTensors(batch);
  return data;
}

function maxDifference(actual: Float32Array, expected: number[][]): number {
  const V = expected[0].length;
  let worst = 0;
  expected.forEach((row, t) =>
    row.forEach((value, v) => {
      worst = Math.max(worst, Math.abs(actual[t * V + v] - value));
    }),
  );
  return worst;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`Hub families against the PyTorch reference (${backend})`, () => {
    beforeAll(() => useBackend(backend));

    for (const name of MODELS) {
      it(`${name}: logits at every prompt position within ${TOLERANCE}, and the same greedy tokens`, async () => {
        const expected = golden(name);
        const loaded = await load(expected.repo);
        try {
          expect(loaded.config.family).toBe(expected.modelType);
          const before = tf.memory().numTensors;
          const logits = await promptLogits(loaded, expected.promptIds);
          expect(maxDifference(logits, expected.logits)).toBeLessThan(TOLERANCE);
          const [generated] = await generateGreedy(loaded.model, [expected.promptIds], {
            maxNewTokens: expected.generatedIds.length,
            stopIds: loaded.eosIds,
            includeStop: true,
          });
          expect(generated).toEqual(expected.generatedIds);
          expect(tf.memory().numTensors).toBe(before);
        } finally {
          loaded.model.dispose();
        }
      });
    }
  });
}

describe('a wrong detail moves the logits far beyond the tolerance', () => {
  beforeAll(() => useBackend('cpu'));

  it('llama with the rotary base off by 1 % fails the golden comparison', async () => {
    const expected = golden('llama');
    const files = await loadHubModelFiles(expected.repo, { endpoint: server.endpoint });
    const loaded = fromBase(
      await baseModelFromHubFiles({
        ...files,
        configJson: { ...files.configJson, rope_theta: 10100 },
      }),
    );
    try {
      expect(
        maxDifference(await promptLogits(loaded, expected.promptIds), expected.logits),
      ).toBeGreaterThan(10 * TOLERANCE);
    } finally {
      loaded.model.dispose();
    }
  });
});
