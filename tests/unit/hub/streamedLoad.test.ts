/**
 * Loading a BF16 or F16 Hub model as a run's base model: the download only indexes the weight
 * files, and `baseModelFromHubFiles` (what `loadHubBaseModel` runs) decodes each weight once, then
 * lets the file tensors go, so the bytes and the floats are not both held for the whole run. The
 * tiny models are the golden tests' fixtures (`golden.test.ts` checks their logits against PyTorch).
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baseModelFromHubFiles,
  loadHubModelFiles,
  type HubModelFiles,
} from '../../../src/core/hub';
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

/** Counts every decode of `files`' tensors. */
function instrument(files: HubModelFiles): { decodes: number } {
  const record = { decodes: 0 };
  for (const [name, tensor] of files.tensors) {
    files.tensors.set(name, {
      shape: tensor.shape,
      get data() {
        record.decodes++;
        return tensor.data;
      },
    });
  }
  return record;
}

describe('loading half-precision Hub models as a base model', () => {
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

  it.each(HALF_MODELS)('%s: each weight is decoded once, and the files let go', async (repo) => {
    const files = await load(repo);
    const record = instrument(files);
    const base = await baseModelFromHubFiles(files);
    expect(record.decodes).toBe(base.values.size);
    expect(files.tensors.size).toBe(0);
  });

  it.each(HALF_MODELS)(
    '%s: the loaded weights are bit for bit those of the eagerly decoded files',
    async (repo) => {
      const files = await load(repo);
      const config = modelConfigFromHub(files.configJson);
      const eager = new Map<string, NamedTensor>();
      for (const record of files.files.filter((file) => file.name.endsWith('.safetensors'))) {
        const bytes = new Uint8Array(readFileSync(`${FIXTURES}/${repo}/${record.name}`));
        for (const [name, tensor] of readSafetensors(bytes).tensors) eager.set(name, tensor);
      }
      const expected = valuesFromHubTensors(config, eager);
      const actual = (await baseModelFromHubFiles(files)).values;
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [name, values] of expected) {
        expect(new Uint32Array(actual.get(name)!.buffer), name).toEqual(
          new Uint32Array(values.buffer),
        );
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
    await expect(baseModelFromHubFiles(files)).rejects.toThrow(
      `checkpoint: "model.norm.weight" has shape [${norm.shape[0] - 1}], expected [${norm.shape[0]}]`,
    );
    expect(record.decodes).toBe(0);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(files.tensors.size).toBe(size);
  });
});
