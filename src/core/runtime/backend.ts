import type { Gpt2Shape } from '../model/config';
/** The tfjs backends the lab runs on. `auto` is resolved by the worker (see workers/backends.ts). */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendChoice = BackendName | 'auto';

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

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

export interface RememberedBackend {
  backend: BackendName;
  msPerStep: Partial<Record<BackendName, number>>;
}

export interface BackendInfo {
  requested: BackendChoice;
  backend: BackendName;
  /** Why `auto` picked this backend, or that it was requested. */
  reason: string;
  /** The WebGPU adapter, when one exists (whether or not it is used). */
  adapter: AdapterInfo | null;
  /** ms per training step of the probe model, when `auto` measured the candidates. */
  measuredMsPerStep?: Partial<Record<BackendName, number>>;
  /** `auto` chose for this model shape: measured now, or remembered from an earlier visit. */
  probe?: { key: string; label: string; remembered: boolean };
}
