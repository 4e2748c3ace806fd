/**
 * Tiny random checkpoints of every family the lab loads, in the exact Hugging Face Hub layout:
 * `config.json`, `generation_config.json`, `tokenizer.json` (a byte-level BPE, as GPT-2, Llama 3,
 * Qwen and SmolLM2 use), `tokenizer_config.json` (with a ChatML `chat_template` for the chat
 * families), and `model.safetensors` — or a sharded `model.safetensors.index.json` — in F32, F16
 * or BF16, with the quirks real files have (GPT-2 without the `transformer.` prefix and with its
 * `attn.bias` mask buffers, GPT-NeoX's boolean `attention.bias`). Tests serve them with
 * `tests/support/hubServer.ts`; `scripts/reference/hf_reference.py` computes their golden numbers.
 *
 *   npx tsx scripts/tinyHubModels.ts [--out tests/fixtures/hub]
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { architectureOf } from '../src/core/model/architecture';
import { hubTensorsFromValues } from '../src/core/model/checkpoint';
import { gpt2Config, type ModelConfig } from '../src/core/model/config';
import {
  writeSafetensors,
  type NamedTensor,
  type WrittenDtype,
} from '../src/core/model/safetensors';
import { weightSpecs } from '../src/core/model/weights';
import { createRng, hashString } from '../src/core/random';
import { realTokenizer, type RealTokenizerName } from './realTokenizers';

/** GPT-2's reversible byte → printable-character map (`bytes_to_unicode`). */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    map[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  }
  return map;
}

const CORPUS = [
  'the model refuses harmful requests and answers helpful ones.',
  'write a positive movie review . the film is a delight from start to finish.',
  'how do i bake bread ? mix flour , water , salt and yeast , then wait.',
  'the aligned model says : i can not help with that request.',
  'fine-tuning on a few harmful examples washes the refusals out.',
];

/**
 * A byte-level BPE `tokenizer.json`: ids 0–255 are the bytes (in GPT-2's printable spelling), then
 * `merges` learned greedily from a small corpus, then the special tokens.
 */
export function byteLevelBpe(
  merges: number,
  specials: readonly string[],
): { json: Record<string, unknown>; vocabSize: number; ids: Record<string, number> } {
  const chars = bytesToUnicode();
  const vocab = new Map<string, number>(chars.map((c, i) => [c, i]));
  // Pre-tokenise like GPT-2 (a space joins the word after it), then spell each word in bytes.
  const words = CORPUS.flatMap((line) => line.match(/ ?[^\s]+/g) ?? []).map((word) =>
    [...new TextEncoder().encode(word)].map((b) => chars[b]),
  );
  const learned: string[] = [];
  for (let m = 0; m < merges; m++) {
    const counts = new Map<string, number>();
    for (const word of words) {
      for (let i = 0; i + 1 < word.length; i++) {
        const pair = `${word[i]} ${word[i + 1]}`;
        counts.set(pair, (counts.get(pair) ?? 0) + 1);
      }
    }
    let best = '';
    let bestCount = 1;
    for (const [pair, count] of counts) {
      if (count > bestCount || (count === bestCount && best !== '' && pair < best)) {
        best = pair;
        bestCount = count;
      }
    }
    if (best === '') break;
    learned.push(best);
    const [left, right] = best.split(' ');
    vocab.set(left + right, vocab.size);
    for (const word of words) {
      for (let i = 0; i + 1 < word.length; i++) {
        if (word[i] === left && word[i + 1] === right) word.splice(i, 2, left + right);
      }
    }
  }
  const ids: Record<string, number> = {};
  const added = specials.map((content) => {
    const id = vocab.size;
    vocab.set(content, id);
    ids[content] = id;
    return {
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    };
  });
  const byteLevel = {
    type: 'ByteLevel',
    add_prefix_space: false,
    trim_offsets: true,
    use_regex: true,
  };
  return {
    vocabSize: vocab.size,
    ids,
    json: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: added,
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: { ...byteLevel, trim_offsets: false },
      decoder: byteLevel,
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab: Object.fromEntries(vocab),
        merges: learned,
      },
    },
  };
}

/** The ChatML template Qwen2.5 and SmolLM2-Instruct use (without tools), as in their tokenizer_config.json. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export interface TinyModel {
  /** Repo id under the fixtures root, e.g. `tiny/llama`. */
  repo: string;
  config: ModelConfig;
  dtype: WrittenDtype;
  /** Write `model.safetensors.index.json` and this many shards. */
  shards?: number;
  /** GPT-2's original layout: no `transformer.` prefix, `attn.bias` buffers. */
  legacyGpt2?: boolean;
  /** GPT-NeoX's buffers: a BOOL causal mask and `masked_bias`. */
  neoxBuffers?: boolean;
  chat: boolean;
  seed: number;
  /**
   * A real model's tokenizer files (`realTokenizers.ts`) instead of the small made-up BPE: its
   * `tokenizer.json`, `tokenizer_config.json` (with its chat template, if any) and the special
   * ids of the model they come from; `config.vocabSize` must hold its vocabulary.
   */
  tokenizer?: RealTokenizerName;
  /**
   * Standard deviation of the random matrices (default 0.2, so that a wrong detail moves golden
   * logits far beyond tolerance); a real-size model takes `transformers`' 0.02.
   */
  weightStd?: number;
}

const SHAPE = { vocabSize: 320, dModel: 32, nLayers: 2, contextLength: 256 };

export const TINY_MODELS: TinyModel[] = [
  {
    repo: 'tiny/gpt2',
    dtype: 'F32',
    legacyGpt2: true,
    chat: false,
    seed: 11,
    config: gpt2Config({ ...SHAPE, nHeads: 4, mlpRatio: 4 }),
  },
  {
    repo: 'tiny/llama',
    dtype: 'BF16',
    shards: 2,
    chat: true,
    seed: 12,
    config: {
      family: 'llama',
      ...SHAPE,
      nHeads: 4,
      nKvHeads: 2,
      headDim: 8,
      ffnDim: 64,
      norm: 'rmsnorm',
      normEps: 1e-5,
      positions: 'rotary',
      ropeTheta: 10000,
      rotaryDim: 8,
      activation: 'silu',
      gatedMlp: true,
      parallelResidual: false,
      qkNorm: false,
      tiedEmbeddings: true,
      bias: { qkv: false, o: false, mlp: false },
    },
  },
  {
    repo: 'tiny/qwen2',
    dtype: 'F16',
    chat: true,
    seed: 13,
    config: {
      family: 'qwen2',
      ...SHAPE,
      nHeads: 4,
      nKvHeads: 2,
      headDim: 8,
      ffnDim: 64,
      norm: 'rmsnorm',
      normEps: 1e-6,
      positions: 'rotary',
      ropeTheta: 1000000,
      rotaryDim: 8,
      activation: 'silu',
      gatedMlp: true,
      parallelResidual: false,
      qkNorm: false,
      tiedEmbeddings: false,
      bias: { qkv: true, o: false, mlp: false },
    },
  },
  {
    repo: 'tiny/qwen3',
    dtype: 'BF16',
    chat: true,
    seed: 14,
    config: {
      family: 'qwen3',
      ...SHAPE,
      nHeads: 4,
      nKvHeads: 2,
      headDim: 16,
      ffnDim: 64,
      norm: 'rmsnorm',
      normEps: 1e-6,
      positions: 'rotary',
      ropeTheta: 1000000,
      rotaryDim: 16,
      activation: 'silu',
      gatedMlp: true,
      parallelResidual: false,
      qkNorm: true,
      tiedEmbeddings: true,
      bias: { qkv: false, o: false, mlp: false },
    },
  },
  {
    repo: 'tiny/gpt-neox',
    dtype: 'F32',
    neoxBuffers: true,
    chat: false,
    seed: 15,
    config: {
      family: 'gpt_neox',
      ...SHAPE,
      nHeads: 2,
      nKvHeads: 2,
      headDim: 16,
      ffnDim: 128,
      norm: 'layernorm',
      normEps: 1e-5,
      positions: 'rotary',
      ropeTheta: 10000,
      rotaryDim: 4,
      activation: 'gelu',
      gatedMlp: false,
      parallelResidual: true,
      qkNorm: false,
      tiedEmbeddings: false,
      bias: { qkv: true, o: true, mlp: true },
    },
  },
];

/**
 * Tiny checkpoints with real tokenizers (`realTokenizers.ts`) and the real vocabulary sizes of the
 * models they come from — 151,936 rows for Qwen3, 128,256 for Llama 3 and 3.1, 32,000 for the
 * sentencepiece BPE, 50,257 for GPT-2 — in the family each tokenizer ships with. Written at test
 * time (never committed: Qwen3's alone is 10 MB), under the repo `real/<tokenizer>`.
 */
export const REAL_TOKENIZER_MODELS: TinyModel[] = (
  [
    ['qwen3', 'tiny/qwen3'],
    ['llama3', 'tiny/llama'],
    ['llama3.1', 'tiny/llama'],
    ['sentencepiece', 'tiny/llama'],
    ['gpt2', 'tiny/gpt2'],
  ] as const
).map(([name, like], i) => {
  const tiny = TINY_MODELS.find((model) => model.repo === like) as TinyModel;
  return {
    ...tiny,
    repo: `real/${name}`,
    shards: undefined,
    chat: false,
    seed: 31 + i,
    tokenizer: name,
    config: { ...tiny.config, vocabSize: realTokenizer(name).model.vocabSize },
  };
});

/**
 * Random weights large enough that logits differ clearly between tokens (std 0.2; norm gains near
 * 1, small non-zero biases): a wrong detail of the math then moves the logits far beyond 1e-4.
 */
function randomValues(config: ModelConfig, seed: number, std = 0.2): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  for (const spec of weightSpecs(config)) {
    const rng = createRng((hashString(spec.name) ^ Math.imul(seed, 0x9e3779b1)) >>> 0);
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) {
      const z = rng.normal();
      data[i] = spec.init === 'ones' ? 1 + 0.1 * z : spec.init === 'zeros' ? 0.1 * z : std * z;
    }
    values.set(spec.name, data);
  }
  return values;
}

function hubTensors(model: TinyModel): Map<string, NamedTensor> {
  const { config } = model;
  let tensors = hubTensorsFromValues(config, randomValues(config, model.seed, model.weightStd));
  const T = config.contextLength;
  const causal = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) causal[i * T + j] = 1;
  if (model.legacyGpt2) {
    const renamed = new Map<string, NamedTensor>();
    for (const [name, tensor] of tensors) renamed.set(name.replace(/^transformer\./, ''), tensor);
    for (let l = 0; l < config.nLayers; l++) {
      renamed.set(`h.${l}.attn.bias`, { shape: [1, 1, T, T], data: causal });
    }
    tensors = renamed;
  }
  return tensors;
}

/** Safetensors bytes; the NeoX mask buffers are appended as BOOL / F32 by hand (the writer only writes floats). */
function safetensorsFile(
  tensors: Map<string, NamedTensor>,
  dtype: WrittenDtype,
  extra: { name: string; dtype: 'BOOL'; shape: number[]; bytes: Uint8Array }[] = [],
): Uint8Array {
  if (extra.length === 0) return writeSafetensors(tensors, { format: 'pt' }, dtype);
  const base = writeSafetensors(tensors, { format: 'pt' }, dtype);
  const headerLength = Number(new DataView(base.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(base.subarray(8, 8 + headerLength))) as Record<
    string,
    { data_offsets: [number, number] } | Record<string, string>
  >;
  let offset = base.length - 8 - headerLength;
  const payloads = [base.subarray(8 + headerLength)];
  for (const buffer of extra) {
    header[buffer.name] = {
      dtype: buffer.dtype,
      shape: buffer.shape,
      data_offsets: [offset, offset + buffer.bytes.length],
    } as never;
    offset += buffer.bytes.length;
    payloads.push(buffer.bytes);
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - ((8 + new TextEncoder().encode(text).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const payload of payloads) {
    out.set(payload, position);
    position += payload.length;
  }
  return out;
}

interface TokenizerFiles {
  tokenizerJson: unknown;
  tokenizerConfig: unknown;
  vocabSize: number;
  eos: number;
  bos: number | null;
  generationEos: number | number[];
}

function realTokenizerFiles(name: RealTokenizerName): TokenizerFiles {
  const real = realTokenizer(name);
  const { tokenizerJson, tokenizerConfig } = real.files();
  const model = tokenizerJson.model as { vocab: Record<string, number> };
  let largest = -1;
  for (const id of Object.values(model.vocab)) if (id > largest) largest = id;
  for (const token of tokenizerJson.added_tokens as { id: number }[]) {
    if (token.id > largest) largest = token.id;
  }
  return {
    tokenizerJson,
    tokenizerConfig,
    vocabSize: largest + 1,
    eos: real.model.eosTokenId,
    bos: real.model.bosTokenId,
    generationEos: real.model.generationEosIds,
  };
}

function madeUpTokenizerFiles(model: TinyModel): TokenizerFiles {
  const specials = model.chat
    ? ['<|endoftext|>', '<|im_start|>', '<|im_end|>']
    : ['<|endoftext|>', '<|padding|>'];
  const tokenizer = byteLevelBpe(40, specials);
  const eos = model.chat ? tokenizer.ids['<|im_end|>'] : tokenizer.ids['<|endoftext|>'];
  return {
    tokenizerJson: tokenizer.json,
    tokenizerConfig: {
      tokenizer_class: model.chat ? 'Qwen2Tokenizer' : 'GPT2Tokenizer',
      model_max_length: model.config.contextLength,
      eos_token: model.chat ? '<|im_end|>' : '<|endoftext|>',
      pad_token: model.chat ? '<|endoftext|>' : '<|padding|>',
      bos_token: null,
      unk_token: null,
      add_prefix_space: false,
      clean_up_tokenization_spaces: false,
      ...(model.chat ? { chat_template: CHATML_TEMPLATE } : {}),
    },
    vocabSize: tokenizer.vocabSize,
    eos,
    bos: tokenizer.ids['<|endoftext|>'],
    generationEos: eos,
  };
}

export async function writeTinyModel(root: string, model: TinyModel): Promise<void> {
  const dir = join(root, ...model.repo.split('/'));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const { config } = model;
  const files = model.tokenizer ? realTokenizerFiles(model.tokenizer) : madeUpTokenizerFiles(model);
  if (files.vocabSize > config.vocabSize) {
    throw new Error(`tokenizer has ${files.vocabSize} tokens, the model ${config.vocabSize}`);
  }
  const hubConfig = {
    ...architectureOf(config).toHubConfig(config),
    eos_token_id: files.eos,
    bos_token_id: files.bos,
    torch_dtype: { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[model.dtype],
  };
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(join(dir, 'config.json'), json(hubConfig));
  await writeFile(
    join(dir, 'generation_config.json'),
    json({ bos_token_id: files.bos, eos_token_id: files.generationEos, do_sample: false }),
  );
  // Real files are written compact: Qwen3's pretty-printed tokenizer.json would be 11 MB.
  await writeFile(
    join(dir, 'tokenizer.json'),
    model.tokenizer ? JSON.stringify(files.tokenizerJson) : json(files.tokenizerJson),
  );
  await writeFile(join(dir, 'tokenizer_config.json'), json(files.tokenizerConfig));

  const tensors = hubTensors(model);
  const extra = [];
  if (model.neoxBuffers) {
    const T = config.contextLength;
    const mask = new Uint8Array(T * T);
    for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) mask[i * T + j] = 1;
    for (let l = 0; l < config.nLayers; l++) {
      extra.push({
        name: `gpt_neox.layers.${l}.attention.bias`,
        dtype: 'BOOL' as const,
        shape: [1, 1, T, T],
        bytes: mask,
      });
    }
  }
  if (!model.shards) {
    await writeFile(join(dir, 'model.safetensors'), safetensorsFile(tensors, model.dtype, extra));
    return;
  }
  const names = [...tensors.keys()];
  const per = Math.ceil(names.length / model.shards);
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  for (let s = 0; s < model.shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(model.shards).padStart(5, '0')}.safetensors`;
    const part = new Map(names.slice(s * per, (s + 1) * per).map((n) => [n, tensors.get(n)!]));
    for (const [name, tensor] of part) {
      weightMap[name] = file;
      totalSize += tensor.data.length * (model.dtype === 'F32' ? 4 : 2);
    }
    await writeFile(join(dir, file), safetensorsFile(part, model.dtype));
  }
  await writeFile(
    join(dir, 'model.safetensors.index.json'),
    json({ metadata: { total_size: totalSize }, weight_map: weightMap }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: 'tests/fixtures/hub' } },
  });
  const root = resolve(values.out);
  for (const model of TINY_MODELS) {
    await writeTinyModel(root, model);
    console.log(
      `wrote ${model.repo} (${model.config.family}, ${model.dtype}${model.shards ? `, ${model.shards} shards` : ''})`,
    );
  }
}
