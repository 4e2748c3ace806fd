/**
 * The models the page offers for `model.base` and for "Try the model": the lab's built-in ones
 * (served with the app) and a curated list of small Hub models (downloaded on first use, and
 * large enough that training them wants a WebGPU GPU: on wasm the small ones train slowly, the
 * largest not at all). Anything else is typed as a repo id.
 */
import type { CuratedModel } from '../core/hub/curated';
import { BASE_MODELS, type BaseModelName } from '../core/model/bases';
import type { ModelConfig } from '../core/model/config';

export interface ModelOption {
  /** The value of `model.base`: a built-in name or `owner/name[@revision]`. */
  spec: string;
  source: 'built-in' | 'hub';
  description: string;
  family?: string;
  parameters?: number;
  /** About how much the first use downloads. */
  downloadBytes?: number;
  /** Whether an instruction is rendered with the model's own chat template. */
  chatTemplate?: boolean;
  /** A curated Hub model's shape, read from its published config.json (for the memory estimate). */
  config?: ModelConfig;
}

export const BUILT_IN_OPTIONS: readonly ModelOption[] = (
  Object.entries(BASE_MODELS) as [BaseModelName, { description: string }][]
).map(([spec, info]) => ({ spec, source: 'built-in', description: info.description }));

/** "486k", "135M", "1.7B". */
export function formatParameters(count: number): string {
  const scaled = (value: number, unit: string) =>
    `${value >= 100 ? Math.round(value) : Number(value.toPrecision(2))}${unit}`;
  if (count >= 1e9) return scaled(count / 1e9, 'B');
  if (count >= 1e6) return scaled(count / 1e6, 'M');
  if (count >= 1e3) return scaled(count / 1e3, 'k');
  return String(count);
}

/** The curated Hub models as options, in the module's order. */
export function curatedOptions(models: readonly CuratedModel[]): ModelOption[] {
  return models.map((m) => ({
    spec: m.repo,
    source: 'hub',
    description: m.description,
    family: m.config.family,
    parameters: m.parameters,
    downloadBytes: m.downloadBytes,
    chatTemplate: m.chatTemplate,
    config: m.config,
  }));
}

/**
 * Built-in and curated models. The curated list is loaded on demand: it derives its numbers
 * from the model code, which brings tfjs along, and the page should not wait for that.
 */
export async function loadModelOptions(): Promise<readonly ModelOption[]> {
  const { CURATED_MODELS } = await import('../core/hub/curated');
  return [...BUILT_IN_OPTIONS, ...curatedOptions(CURATED_MODELS)];
}
