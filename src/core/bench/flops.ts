import type { Gpt2Shape } from '../model/config';

/**
 * Floating-point operations of one training step of the lab's GPT-2-shaped model on `batch`
 * rows of `contextLength` tokens: the forward pass's matrix products (q/k/v, attention output,
 * the MLP's two matrices, QKᵀ and ·V, the tied head), two operations per multiply-add, times
 * three for the forward and backward passes. Norms, softmax and the optimizer are left out, as
 * usual (they are a few percent at these sizes). `scripts/reference/bench_torch.py` counts the
 * same way, so GFLOP/s compare across the lab's backends and PyTorch.
 */
export function trainingStepFlops(model: Gpt2Shape, batch: number): number {
  const { vocabSize, dModel: d, nLayers, contextLength: t } = model;
  const ffn = model.mlpRatio * d;
  const tokens = batch * t;
  const perLayer = 2 * tokens * (3 * d * d + d * d + 2 * d * ffn) + 2 * 2 * batch * t * t * d;
  const head = 2 * tokens * d * vocabSize;
  return 3 * (nLayers * perLayer + head);
}
