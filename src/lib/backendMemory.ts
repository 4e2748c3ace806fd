/**
 * The `auto` backend, measured once per model shape per browser: the page builds the probe for a
 * run's model (`probeFor`), passes what it remembers for that shape, and keeps what the worker
 * measured (`rememberBackend`) in localStorage for the next visit.
 */
import type { ExperimentConfig } from '../core/config';
import { BASE_MODELS, type BaseModelName } from '../core/model/bases';
import {
  BACKENDS,
  type BackendInfo,
  type BackendName,
  type RememberedBackend,
} from '../core/runtime/backend';
import type { BackendProbe } from '../core/bench/backendProbe';
import { browserStorage } from './browserStorage';

const KEY = 'safetune-lab.auto-backend';
/** Rows per probe step: the presets' fine-tuning batch. */
const PROBE_BATCH = 8;

function readAll(store: Storage | undefined): Record<string, RememberedBackend> {
  try {
    const parsed = JSON.parse(store?.getItem(KEY) ?? '{}') as unknown;
    return parsed && typeof parsed === 'object'
      ? (parsed as Record<string, RememberedBackend>)
      : {};
  } catch {
    return {};
  }
}

/** What `auto` should measure for `config`'s base model; undefined for a Hub model (no shape without its config.json). */
export function probeFor(
  config: Pick<ExperimentConfig, 'model'>,
  store: Storage | undefined = browserStorage(),
): BackendProbe | undefined {
  const name: unknown = config.model?.base;
  if (typeof name !== 'string' || !Object.hasOwn(BASE_MODELS, name)) return undefined;
  const model = BASE_MODELS[name as BaseModelName].shape;
  const key = `${name} V${model.vocabSize} d${model.dModel} L${model.nLayers} H${model.nHeads} T${model.contextLength} B${PROBE_BATCH}`;
  return { key, label: name, model, batch: PROBE_BATCH, remembered: rememberedFor(key, store) };
}

function rememberedFor(key: string, store: Storage | undefined): RememberedBackend | null {
  const entry = readAll(store)[key];
  if (!entry || !(BACKENDS as readonly string[]).includes(entry.backend)) return null;
  return entry;
}

/** Keeps a fresh measurement of `auto` (nothing to keep for a remembered or explicit choice). */
export function rememberBackend(
  info: BackendInfo,
  store: Storage | undefined = browserStorage(),
): void {
  if (!info.probe || info.probe.remembered || !info.measuredMsPerStep) return;
  const all = readAll(store);
  all[info.probe.key] = { backend: info.backend as BackendName, msPerStep: info.measuredMsPerStep };
  try {
    store?.setItem(KEY, JSON.stringify(all));
  } catch {
    // A full or blocked storage only means measuring again next time.
  }
}
