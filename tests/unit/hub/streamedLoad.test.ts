/**
 * Loading a BF16 or F16 Hub model never holds the file bytes, every weight's decoded floats and the
 * model's tensors at once: the download only indexes the weight files, and `modelFromHubFiles`
 * decodes each weight straight into its tf tensor, then lets the files go. The tiny models are the
 * golden tests' fixtures (`golden.test.ts` checks their logits against PyTorch).
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHubModelFiles, modelFromHubFiles, type HubModelFiles } from '../../../src/core/hub';
import { modelConfigFromHub, valuesFromHubTensors } from '../../../src/core/model/checkpoint';
import { readSafetensors, type NamedTensor } from '../../../src/core/model/safetensors';
import { startHubServer, type HubServer } from '../../support/hubServer';
import { useBackend } from '../support/backend';

const FIXTURES = fileURLToPath(new URL('../../fixtures/hub', import.meta.url));
/** BF16 in two shards (with a tied head), BF16 in one file, F16 in one file. */
const HALF_MODELS = ['tiny/llama', 'tiny/qwen3', 'tiny/qwen2'];

let server: HubServer;
beforeAll(async () => {
  await useBackend('cpu');
  server = await startHubServer(FIXTURES);
});
afterAll(() => server.close());

const load = (repo: string) => loadHubModelFiles(repo, { endpoint: server.endpoint });

interface DecodeRecord {
  decodes: number;
  /** The most bytes of decoded floats that had not yet become a tf tensor, at any decode. */
  highWaterBytes: number;
  largestBytes: number;
}

/**
 * Wraps every tensor of `files` so that each decode is counted and measured against the bytes the
 * tfjs engine holds: on the cpu backend a weight's tensor is its floats (or their transpose), so
 * what was decoded beyond what became tensors is what is held in decoded floats alone.
 */
function instrument(files: HubModelFiles): DecodeRecord {
  const record: DecodeRecord = { decodes: 0, highWaterBytes: 0, largestBytes: 0 };
  const engineBytesBefore = tf.memory().numBytes;
  let decodedBytes = 0;
  for (const [name, tensor] of files.tensors) {
    files.tensors.set(name, {
      shape: tensor.shape,
      get data() {
        const data = tensor.data;
        record.decodes++;
        decodedBytes += data.byteLength;
        record.largestBytes = Math.max(record.largestBytes, data.byteLength);
        const inTensors = tf.memory().numBytes - engineBytesBefore;
        record.highWaterBytes = Math.max(record.highWaterBytes, decodedBytes - inTensors);
        return data;
      },
    });
  }
  return record;
}

describe('streamed loading of half-precision Hub models', () => {
  it.each(HALF_MODELS)(
    '%s: the download indexes the weights; each read of a tensor decodes it anew',
    async (repo) => {
      const files = await load(repo);
      expect(files.tensors.size).toBeGreaterThan(0);
      for (const [name, tensor] of files.tensors) {
        const first = tensor.data;
        const second = tensor.data;
        expect(second, name).not.toBe(first);
        expect(second, name).toEqual(first);
      }
    },
  );

  it.each(HALF_MODELS)(
    '%s: the model is built with one weight decoded at a time, and the files let go',
    async (repo) => {
      const files = await load(repo);
      const record = instrument(files);
      const loaded = modelFromHubFiles(files);
      try {
        expect(record.decodes).toBe(loaded.model.weights.size);
        // The floats decoded and not yet a tensor never exceed the one weight being made (the
        // eager path held every weight's: the sum of them all).
        expect(record.highWaterBytes).toBe(record.largestBytes);
        expect(files.tensors.size).toBe(0);
      } finally {
        loaded.model.dispose();
      }
    },
  );

  it.each(HALF_MODELS)(
    '%s: the streamed weights are bit for bit those of the eagerly decoded files',
    async (repo) => {
      const files = await load(repo);
      const config = modelConfigFromHub(files.configJson);
      const eager = new Map<string, NamedTensor>();
      for (const record of files.files.filter((file) => file.name.endsWith('.safetensors'))) {
        const bytes = new Uint8Array(readFileSync(`${FIXTURES}/${repo}/${record.name}`));
        for (const [name, tensor] of readSafetensors(bytes).tensors) eager.set(name, tensor);
      }
      const expected = valuesFromHubTensors(config, eager);
      const loaded = modelFromHubFiles(files);
      try {
        const actual = await loaded.model.readValues();
        expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [name, values] of expected) {
          expect(new Uint32Array(actual.get(name)!.buffer), name).toEqual(
            new Uint32Array(values.buffer),
          );
        }
      } finally {
        loaded.model.dispose();
      }
    },
  );

  it('a misshapen tensor is refused before any weight is decoded or made', async () => {
    const files = await load('tiny/qwen3');
    const norm = files.tensors.get('model.norm.weight')!;
    files.tensors.set('model.norm.weight', { ...norm, shape: [norm.shape[0] - 1] });
    const record = instrument(files);
    const tensorsBefore = tf.memory().numTensors;
    const size = files.tensors.size;
    expect(() => modelFromHubFiles(files)).toThrow(
      `checkpoint: "model.norm.weight" has shape [${norm.shape[0] - 1}], expected [${norm.shape[0]}]`,
    );
    expect(record.decodes).toBe(0);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(files.tensors.size).toBe(size);
  });
});
