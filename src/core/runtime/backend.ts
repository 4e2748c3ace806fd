/** The tfjs backends the lab runs on. `auto` is resolved by the worker (see workers/backends.ts). */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendChoice = BackendName | 'auto';

/**
 * Whether a GPU's description (a WebGPU adapter's fields, a WebGL renderer string) names a CPU
 * emulation: Chromium's SwiftShader, Mesa's llvmpipe and softpipe, Windows' Basic Render Driver.
 * Such a device is correct but slower than wasm at every size the lab trains.
 */
export function isSoftwareRenderer(description: string): boolean {
  return /swiftshader|llvmpipe|softpipe|software|basic render/i.test(description);
}

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
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
  /** XNNPACK's threads on the wasm backend (`getThreadsCount()` once it started); absent elsewhere. */
  threads?: number;
  /**
   * Whether the worker is cross-origin isolated: only then can wasm run its threaded build
   * (COOP/COEP headers, or the service worker on a static host — README, "Hosting").
   */
  crossOriginIsolated?: boolean;
}
