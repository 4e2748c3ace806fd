import { modelRoles } from '../model/architecture';
import type { Gpt2Shape, ModelConfig } from '../model/config';
import { adaptedRoles, roleShape } from '../model/lora';
import { keptBlocks } from '../model/memory';
import type { LoraSettings } from '../model/roles';

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

/** What a LoRA fine-tuning step computes, besides the model: its rows, their length, the adapter. */
export interface LoraStep {
  batch: number;
  seqLen: number;
  lora: LoraSettings;
  /** Block activations recomputed in the backward pass (`LanguageModel.recompute`): one more forward. */
  recompute: boolean;
  /** With `recompute`, the first blocks that keep their activations (no second forward); default 0. */
  storedBlocks?: number;
}

/**
 * Floating-point operations of one LoRA fine-tuning step of `config` as the lab computes it
 * (`npm run bench -- --model …`), two per multiply-add, products only:
 * - each block's forward: every linear layer (`roleShape`), attention's `Q·Kᵀ` and `P·V` over
 *   whole `[seqLen, seqLen]` score matrices (as computed, causal mask and all), each adapter's
 *   `x·A·B`; once more with `recompute` (for each block that does not keep its activations);
 * - its backward: the input gradient of every linear layer (the frozen weights get none), twice
 *   attention's products, each adapter's input gradient and its two matrices' gradients;
 * - the frozen head's loss: the logits and `softmax · head` (`frozenHeadCrossEntropy`), nothing
 *   in the backward pass.
 * The embedding lookup, norms, activations and the optimizer are left out, as in
 * `trainingStepFlops`.
 */
export function loraTrainingStepFlops(config: ModelConfig, step: LoraStep): number {
  const tokens = step.batch * step.seqLen;
  const linear = modelRoles(config).reduce((sum, role) => {
    const [inFeatures, outFeatures] = roleShape(config, role);
    return sum + inFeatures * outFeatures;
  }, 0);
  const adapters = adaptedRoles(config, step.lora).reduce((sum, role) => {
    const [inFeatures, outFeatures] = roleShape(config, role);
    return sum + step.lora.rank * (inFeatures + outFeatures);
  }, 0);
  const attention = 2 * 2 * step.batch * config.nHeads * step.seqLen ** 2 * config.headDim;
  const forward = 2 * tokens * (linear + adapters) + attention;
  const backward = 2 * tokens * (linear + 2 * adapters) + 2 * attention;
  const stored = keptBlocks(config.nLayers, step);
  const head = 2 * 2 * tokens * config.dModel * config.vocabSize;
  return config.nLayers * (forward + backward) + (config.nLayers - stored) * forward + head;
}
