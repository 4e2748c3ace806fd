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
