import { llamaLike } from './llamaLike';

/**
 * Qwen3 (`modeling_qwen3.py`): a Llama with an RMSNorm over each query and key head (`q_norm`,
 * `k_norm`, width `head_dim`) before the rotation, an explicit `head_dim`, and `attention_bias`
 * on q/k/v/o.
 */
export const qwen3 = llamaLike({
  family: 'qwen3',
  hubClass: 'Qwen3ForCausalLM',
  qkNorm: true,
  defaultHeadDim: 128,
  bias: (r) => {
    const attention = r.boolean('attention_bias', false);
    return { qkv: attention, o: attention, mlp: false };
  },
});
