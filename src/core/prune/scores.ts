/**
 * Per-weight importance scores for pruning, laid out like the weight (Conv1D `[in, out]`,
 * row-major: entry `i·out + j` connects input feature i to output neuron j).
 */

/** Wanda: S_ij = |W_ij| · ‖X_i‖₂, the norm taken over the layer's input feature i (Sun et al. 2024, eq. 1). */
export function wandaScores(
  weight: Float32Array,
  shape: readonly [number, number],
  inputNorms: Float32Array,
): Float32Array {
  const [rows, cols] = shape;
  if (weight.length !== rows * cols) {
    throw new Error(
      `weight has ${weight.length} entries, shape [${rows}, ${cols}] needs ${rows * cols}`,
    );
  }
  if (inputNorms.length !== rows) {
    throw new Error(`expected ${rows} input-feature norms, got ${inputNorms.length}`);
  }
  const scores = new Float32Array(weight.length);
  for (let i = 0; i < rows; i++) {
    const norm = inputNorms[i];
    const base = i * cols;
    for (let j = 0; j < cols; j++) scores[base + j] = Math.abs(weight[base + j]) * norm;
  }
  return scores;
}

/** Magnitude pruning's score: |W_ij| (the Antidote paper's activation-free ablation). */
export function magnitudeScores(weight: Float32Array): Float32Array {
  return weight.map(Math.abs);
}

/**
 * `antidote-task-aware`'s score: the harmful-calibrated Wanda score minus λ times the
 * task-calibrated one, each normalised by its mean over the matrix,
 * S = H/mean(H) − λ·T/mean(T). Multiplied by mean(H) > 0, which ranks the same, this is
 * S' = H − λ·(mean(H)/mean(T))·T, computed here: at λ = 0 it is H itself, bit for bit, so the
 * mask is Antidote's. A matrix whose task scores are all zero has no task term.
 */
export function taskAwareScores(
  harmful: Float32Array,
  task: Float32Array,
  lambda: number,
): Float32Array {
  if (harmful.length !== task.length) {
    throw new Error(`score arrays differ in size (${harmful.length} and ${task.length})`);
  }
  if (lambda === 0) return harmful.slice();
  let harmfulSum = 0;
  let taskSum = 0;
  for (let i = 0; i < harmful.length; i++) {
    harmfulSum += harmful[i];
    taskSum += task[i];
  }
  const weight = taskSum > 0 ? (lambda * harmfulSum) / taskSum : 0;
  const scores = new Float32Array(harmful.length);
  for (let i = 0; i < harmful.length; i++) scores[i] = harmful[i] - weight * task[i];
  return scores;
}
