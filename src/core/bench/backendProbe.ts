import type { Gpt2Shape } from '../model/config';
import type { BackendName, RememberedBackend } from '../runtime/backend';

/**
 * What `auto` times the candidate backends on: a few training steps of the run's model shape
 * (random weights, the synthetic data of `npm run bench`). The page remembers the winner per
 * `key` in this browser and passes it back, so the measurement happens once per model shape.
 */
export interface BackendProbe {
  /** The model shape, e.g. `safetune-base V636 d128 L2 H4 T64`. */
  key: string;
  /** The model's name as the page shows it. */
  label: string;
  model: Gpt2Shape;
  batch: number;
  /** What an earlier measurement in this browser found for `key`, if any. */
  remembered?: RememberedBackend | null;
  /**
   * The backends to time (default: WebGPU and wasm, and only with a hardware WebGPU adapter).
   * Tests name them to measure where the adapter is a software one.
   */
  candidates?: BackendName[];
}
