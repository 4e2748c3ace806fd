import { llamaLike } from './llamaLike';

/** Llama (`modeling_llama.py`; SmolLM2 is a Llama): `attention_bias` on q/k/v/o, `mlp_bias` on the MLP. */
export const llama = llamaLike({
  family: 'llama',
  hubClass: 'LlamaForCausalLM',
  qkNorm: false,
  bias: (r) => {
    const attention = r.boolean('attention_bias', false);
    return { qkv: attention, o: attention, mlp: r.boolean('mlp_bias', false) };
  },
});
