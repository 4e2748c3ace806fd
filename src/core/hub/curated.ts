import { modelConfigFromHub } from '../model/architecture';
import type { ModelConfig } from '../model/config';
import { parameterCount } from '../model/specs';

/**
 * Hugging Face Hub models known to fit a browser tab, one per family the lab runs and a size step
 * or two within a family. Each carries its `config.json` as published, so the numbers shown for
 * it (parameters, download, memory) come from the same descriptor that loads the checkpoint,
 * never from a figure typed by hand.
 *
 * What is *believed* rather than checked here (nothing is downloaded): the configs were written
 * from the public files and keep every field the lab reads (cosmetic ones such as dropout or
 * `transformers_version` may differ from the current revision); `fileDtype` is the dtype of the
 * weights in `model.safetensors` as the model cards and file listings state it.
 */

/** Element types of the Hub's safetensors files, and bytes per value of each. */
export const FILE_DTYPE_BYTES = { F32: 4, F16: 2, BF16: 2 } as const;
export type FileDtype = keyof typeof FILE_DTYPE_BYTES;

export interface CuratedModelSource {
  /** `owner/name` on the Hub. */
  repo: string;
  description: string;
  /** The tokenizer_config.json has a `chat_template` (instruction-tuned models). */
  chatTemplate: boolean;
  /** Dtype of the weights in the Hub's files (from the model cards). */
  fileDtype: FileDtype;
  /**
   * The file stores the tied head's matrix a second time (`lm_head.weight` next to the
   * embedding), which the download carries and the lab skips on load.
   */
  storesTiedHead?: boolean;
  /** `config.json` as published. */
  hubConfig: Readonly<Record<string, unknown>>;
}

export interface CuratedModel extends CuratedModelSource {
  /** The lab's reading of `hubConfig`. */
  config: ModelConfig;
  /** `parameterCount(config)`: the tied head counted once. */
  parameters: number;
  /**
   * Approximate download: the values the weights file holds × bytes per value of `fileDtype`.
   * It leaves out the safetensors header, and the causal-mask buffers some older checkpoints
   * also store (GPT-2's `attn.bias`, Pythia's `attention.bias`).
   */
  downloadBytes: number;
}

const GPT2_CONFIG = {
  activation_function: 'gelu_new',
  architectures: ['GPT2LMHeadModel'],
  attn_pdrop: 0.1,
  bos_token_id: 50256,
  embd_pdrop: 0.1,
  eos_token_id: 50256,
  initializer_range: 0.02,
  layer_norm_epsilon: 1e-5,
  model_type: 'gpt2',
  n_ctx: 1024,
  n_embd: 768,
  n_head: 12,
  n_layer: 12,
  n_positions: 1024,
  resid_pdrop: 0.1,
  summary_activation: null,
  summary_first_dropout: 0.1,
  summary_proj_to_labels: true,
  summary_type: 'cls_index',
  summary_use_proj: true,
  task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } },
  vocab_size: 50257,
};

const SMOLLM2_CONFIG = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  is_llama_config: true,
  max_position_embeddings: 8192,
  mlp_bias: false,
  model_type: 'llama',
  pad_token_id: 2,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_interleaved: false,
  rope_scaling: null,
  rope_theta: 100000,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_cache: true,
  vocab_size: 49152,
};

const PYTHIA_CONFIG = {
  architectures: ['GPTNeoXForCausalLM'],
  bos_token_id: 0,
  eos_token_id: 0,
  hidden_act: 'gelu',
  initializer_range: 0.02,
  layer_norm_eps: 1e-5,
  max_position_embeddings: 2048,
  model_type: 'gpt_neox',
  rotary_emb_base: 10000,
  rotary_pct: 0.25,
  tie_word_embeddings: false,
  torch_dtype: 'float16',
  use_cache: true,
  use_parallel_residual: true,
  vocab_size: 50304,
};

const SOURCES: readonly CuratedModelSource[] = [
  {
    repo: 'distilbert/distilgpt2',
    description: 'DistilGPT-2: GPT-2 distilled to 6 blocks; base model, no instruction tuning.',
    chatTemplate: false,
    fileDtype: 'F32',
    hubConfig: {
      ...GPT2_CONFIG,
      _num_labels: 1,
      id2label: { '0': 'LABEL_0' },
      label2id: { LABEL_0: 0 },
      n_layer: 6,
    },
  },
  {
    repo: 'openai-community/gpt2',
    description: 'GPT-2 small (124M), the original 2019 base model.',
    chatTemplate: false,
    fileDtype: 'F32',
    hubConfig: GPT2_CONFIG,
  },
  {
    repo: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    description: 'SmolLM2-135M-Instruct: a small Llama (30 blocks, GQA 9:3), instruction-tuned.',
    chatTemplate: true,
    fileDtype: 'BF16',
    hubConfig: {
      ...SMOLLM2_CONFIG,
      hidden_size: 576,
      initializer_range: 0.041666666666666664,
      intermediate_size: 1536,
      num_attention_heads: 9,
      num_hidden_layers: 30,
      num_key_value_heads: 3,
      transformers_version: '4.42.3',
    },
  },
  {
    repo: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    description: 'SmolLM2-360M-Instruct: a Llama (32 blocks, GQA 15:5), instruction-tuned.',
    chatTemplate: true,
    fileDtype: 'BF16',
    hubConfig: {
      ...SMOLLM2_CONFIG,
      hidden_size: 960,
      initializer_range: 0.02,
      intermediate_size: 2560,
      num_attention_heads: 15,
      num_hidden_layers: 32,
      num_key_value_heads: 5,
      transformers_version: '4.42.3',
    },
  },
  {
    repo: 'Qwen/Qwen2.5-0.5B-Instruct',
    description:
      'Qwen2.5-0.5B-Instruct: q/k/v biases, GQA 14:2, a 151k vocabulary; instruction-tuned.',
    chatTemplate: true,
    fileDtype: 'BF16',
    hubConfig: {
      architectures: ['Qwen2ForCausalLM'],
      attention_dropout: 0.0,
      bos_token_id: 151643,
      eos_token_id: 151645,
      hidden_act: 'silu',
      hidden_size: 896,
      initializer_range: 0.02,
      intermediate_size: 4864,
      max_position_embeddings: 32768,
      max_window_layers: 21,
      model_type: 'qwen2',
      num_attention_heads: 14,
      num_hidden_layers: 24,
      num_key_value_heads: 2,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000.0,
      sliding_window: 32768,
      tie_word_embeddings: true,
      torch_dtype: 'bfloat16',
      transformers_version: '4.43.1',
      use_cache: true,
      use_sliding_window: false,
      vocab_size: 151936,
    },
  },
  {
    repo: 'Qwen/Qwen3-0.6B',
    description:
      'Qwen3-0.6B: q/k RMSNorm, head_dim 128, GQA 16:8; post-trained (chat, thinking mode).',
    chatTemplate: true,
    fileDtype: 'BF16',
    // The published file is 1.5 GB for 596M parameters: it holds lm_head.weight as well.
    storesTiedHead: true,
    hubConfig: {
      architectures: ['Qwen3ForCausalLM'],
      attention_bias: false,
      attention_dropout: 0.0,
      bos_token_id: 151643,
      eos_token_id: 151645,
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 1024,
      initializer_range: 0.02,
      intermediate_size: 3072,
      max_position_embeddings: 40960,
      max_window_layers: 28,
      model_type: 'qwen3',
      num_attention_heads: 16,
      num_hidden_layers: 28,
      num_key_value_heads: 8,
      rms_norm_eps: 1e-6,
      rope_scaling: null,
      rope_theta: 1000000,
      sliding_window: null,
      tie_word_embeddings: true,
      torch_dtype: 'bfloat16',
      transformers_version: '4.51.0',
      use_cache: true,
      use_sliding_window: false,
      vocab_size: 151936,
    },
  },
  {
    repo: 'EleutherAI/pythia-70m',
    description: 'Pythia-70m: GPT-NeoX with parallel residual and 25 % rotary; base model.',
    chatTemplate: false,
    fileDtype: 'F16',
    hubConfig: {
      ...PYTHIA_CONFIG,
      hidden_size: 512,
      intermediate_size: 2048,
      num_attention_heads: 8,
      num_hidden_layers: 6,
      transformers_version: '4.24.0',
    },
  },
  {
    repo: 'EleutherAI/pythia-160m',
    description: 'Pythia-160m: GPT-NeoX, GPT-2 small sized, untied head; base model.',
    chatTemplate: false,
    fileDtype: 'F16',
    hubConfig: {
      ...PYTHIA_CONFIG,
      hidden_size: 768,
      intermediate_size: 3072,
      num_attention_heads: 12,
      num_hidden_layers: 12,
      transformers_version: '4.24.0',
    },
  },
];

function curated(source: CuratedModelSource): CuratedModel {
  const config = modelConfigFromHub({ ...source.hubConfig });
  const parameters = parameterCount(config);
  const duplicateHead = source.storesTiedHead ? config.vocabSize * config.dModel : 0;
  return {
    ...source,
    config,
    parameters,
    downloadBytes: (parameters + duplicateHead) * FILE_DTYPE_BYTES[source.fileDtype],
  };
}

/** The curated models, smallest family first, in the order a UI lists them. */
export const CURATED_MODELS: readonly CuratedModel[] = SOURCES.map(curated);

/**
 * The curated model of `repo` (`owner/name`, an `@revision` ignored), matched without regard to
 * case as the Hub resolves repo ids; undefined when the repo is not curated.
 */
export function curatedModel(repo: string): CuratedModel | undefined {
  const id = repo.split('@')[0].toLowerCase();
  return CURATED_MODELS.find((model) => model.repo.toLowerCase() === id);
}
