/**
 * A Hub sequence-classification judge through transformers.js in Node (onnxruntime-node): the tiny
 * random BERT of `tests/fixtures/hub/tiny/moderation`, served over HTTP in the Hub's layout, must
 * tokenize every (prompt, output) pair as the reference does and give PyTorch's logits
 * (`tests/fixtures/hub-golden/moderation.json`; regenerate both with `npm run fixtures:judge`).
 */
import {
  AutoModelForSequenceClassification,
  AutoTokenizer,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../../support/hubServer';

const FIXTURES = fileURLToPath(new URL('../../fixtures/hub', import.meta.url));
const GOLDEN = fileURLToPath(new URL('../../fixtures/hub-golden/moderation.json', import.meta.url));
const TOLERANCE = 1e-4;

interface GoldenPair {
  why: string;
  prompt: string;
  output: string;
  inputIds: number[];
  tokenTypeIds: number[];
  logits: [number, number];
  label: string;
}

interface Golden {
  repo: string;
  maxLength: number;
  pairs: GoldenPair[];
}

const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden;

/** The `env` fields this file changes, restored afterwards: `env` is global to the process. */
const ENV_FIELDS = [
  'allowLocalModels',
  'allowRemoteModels',
  'remoteHost',
  'remotePathTemplate',
  'useBrowserCache',
  'useFSCache',
  'cacheDir',
  'fetch',
] as const;

let server: HubServer;
let cacheDir: string;
let savedEnv: Pick<typeof env, (typeof ENV_FIELDS)[number]>;
let tokenizer: PreTrainedTokenizer;
let model: PreTrainedModel;

beforeAll(async () => {
  server = await startHubServer(FIXTURES);
  cacheDir = mkdtempSync(join(tmpdir(), 'safetune-judge-'));
  savedEnv = Object.fromEntries(ENV_FIELDS.map((key) => [key, env[key]])) as typeof savedEnv;
  const fetchOriginal = env.fetch;
  Object.assign(env, {
    // Otherwise a repo id is first looked for under node_modules/@huggingface/transformers/models.
    allowLocalModels: false,
    allowRemoteModels: true,
    remoteHost: `${server.endpoint}/`,
    remotePathTemplate: '{model}/resolve/{revision}/',
    useBrowserCache: false,
    // Not optional in Node: an .onnx file is handed to onnxruntime-node as a path, which
    // transformers.js only has once the download is in its file cache (turning the cache off
    // fails with "Unable to get model file path or buffer."). So the cache goes to a temp dir.
    useFSCache: true,
    cacheDir,
    fetch: (input: string | URL, init?: RequestInit) => {
      if (!String(input).startsWith(`${server.endpoint}/`)) {
        throw new Error(`the judge test fetched outside the local hub: ${String(input)}`);
      }
      return fetchOriginal(input, init);
    },
  });
  tokenizer = await AutoTokenizer.from_pretrained(golden.repo);
  // dtype 'fp32' requests onnx/model.onnx (q8 would be onnx/model_quantized.onnx); Node's default
  // device is 'cpu' (onnxruntime-node), so no device option is needed.
  model = await AutoModelForSequenceClassification.from_pretrained(golden.repo, { dtype: 'fp32' });
});

afterAll(async () => {
  await model?.dispose();
  Object.assign(env, savedEnv);
  await server?.close();
  if (cacheDir !== undefined) rmSync(cacheDir, { recursive: true, force: true });
});

function encode(prompts: string[], outputs: string[]) {
  return tokenizer(prompts, {
    text_pair: outputs,
    padding: true,
    truncation: true,
    max_length: golden.maxLength,
  }) as { input_ids: Tensor; attention_mask: Tensor; token_type_ids: Tensor };
}

function rows(tensor: Tensor): number[][] {
  const [batch, width] = tensor.dims;
  const values = Array.from(tensor.data as ArrayLike<number | bigint>, Number);
  return Array.from({ length: batch }, (_, i) => values.slice(i * width, (i + 1) * width));
}

async function logitsOf(inputs: ReturnType<typeof encode>): Promise<number[][]> {
  const { logits } = (await model(inputs)) as { logits: Tensor };
  expect(logits.dims).toEqual([inputs.input_ids.dims[0], 2]);
  return rows(logits);
}

/** The config's labels; transformers.js types `config` without the fields it copies from config.json. */
const id2label = () => (model.config as unknown as { id2label: Record<string, string> }).id2label;

const maxDifference = (actual: number[], expected: number[]) =>
  Math.max(...actual.map((value, i) => Math.abs(value - expected[i])));

describe('the tiny moderation judge in transformers.js against the PyTorch reference', () => {
  it('loads only the Hub files of an fp32 BERT classifier from the local server', () => {
    const files = server.requests.map((line) =>
      line.replace(`GET /${golden.repo}/resolve/main/`, ''),
    );
    expect(new Set(files)).toEqual(
      new Set(['tokenizer.json', 'tokenizer_config.json', 'config.json', 'onnx/model.onnx']),
    );
    expect(readdirSync(cacheDir)).not.toHaveLength(0);
    expect(model.config.model_type).toBe('bert');
  });

  for (const [index, pair] of golden.pairs.entries()) {
    it(`pair ${index} (${pair.why}): same ids, token types, logits within ${TOLERANCE}, label`, async () => {
      const inputs = tokenizer(pair.prompt, {
        text_pair: pair.output,
        truncation: true,
        max_length: golden.maxLength,
      }) as ReturnType<typeof encode>;
      expect(rows(inputs.input_ids)[0]).toEqual(pair.inputIds);
      expect(rows(inputs.token_type_ids)[0]).toEqual(pair.tokenTypeIds);
      expect(rows(inputs.attention_mask)[0]).toEqual(pair.inputIds.map(() => 1));

      const [logits] = await logitsOf(inputs);
      expect(maxDifference(logits, pair.logits)).toBeLessThan(TOLERANCE);
      const argmax = logits[1] > logits[0] ? 1 : 0;
      expect(id2label()[argmax]).toBe(pair.label);
    });
  }

  it('gives every pair its own logits when padded into one batch (the mask hides the padding)', async () => {
    const pairs = golden.pairs;
    const inputs = encode(
      pairs.map((pair) => pair.prompt),
      pairs.map((pair) => pair.output),
    );
    const width = Math.max(...pairs.map((pair) => pair.inputIds.length));
    expect(inputs.input_ids.dims).toEqual([pairs.length, width]);
    const masks = rows(inputs.attention_mask);
    pairs.forEach((pair, i) => {
      expect(masks[i].filter((bit) => bit === 1)).toHaveLength(pair.inputIds.length);
    });
    // Guards the check against a batch that happens to need no padding.
    expect(masks.some((mask) => mask.includes(0))).toBe(true);

    const logits = await logitsOf(inputs);
    pairs.forEach((pair, i) => {
      expect(maxDifference(logits[i], pair.logits)).toBeLessThan(TOLERANCE);
    });
  });

  it('labels the two classes as the config says', () => {
    expect(id2label()).toEqual({ 0: 'safe', 1: 'unsafe' });
  });
});
