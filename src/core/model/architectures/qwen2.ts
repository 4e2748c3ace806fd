import { llamaLike } from './llamaLike';

/** Qwen2 / Qwen2.5 (`modeling_qwen2.py`): a Llama whose q, k and v projections have a bias (o and the MLP none). */
export const qwen2 = llamaLike({
  family: 'qwen2',
  hubClass: 'Qwen2ForCausalLM',
  qkNorm: false,
  bias: () => ({ qkv: true, o: false, mlp: false }),
});
