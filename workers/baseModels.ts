import configUrl from '../models/safetune-base/config.json?url';
import safetensorsUrl from '../models/safetune-base/model.safetensors?url';
import tokenizerUrl from '../models/safetune-base/tokenizer.json?url';
import type { RunnableModel } from '../src/core/generation/tryModel';
import {
  CacheStorageHubFileCache,
  isRepoSpec,
  loadHubBaseModel,
  MemoryHubFileCache,
  type HubFileCache,
  type HubLoadOptions,
  type HubLoadProgress,
} from '../src/core/hub';
import { checkpointValues } from '../src/core/model/checkpoint';
import { BASE_MODEL_NAMES, type BaseModelName } from '../src/core/model/bases';
import { runnableFromBase } from '../src/core/generation/fromBase';
import type { BaseModel } from '../src/core/pipeline/run';
import type { PipelineEvent } from '../src/core/pipeline/types';
import { sha256OfBytes } from '../src/core/store/integrity';

/** The base models shipped in models/, served with the app (no hub at run time). */
const BASE_MODEL_FILES: Record<
  BaseModelName,
  { safetensors: string; config: string; tokenizer: string }
> = {
  'safetune-base': { safetensors: safetensorsUrl, config: configUrl, tokenizer: tokenizerUrl },
};

async function fetchOk(url: string, what: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok)
    throw new Error(`could not load ${what} (${response.status} ${response.statusText})`);
  return response;
}

const builtIn = new Map<string, Promise<BaseModel>>();

function isBuiltIn(name: string): name is BaseModelName {
  return (BASE_MODEL_NAMES as readonly string[]).includes(name);
}

function loadBuiltInModel(name: BaseModelName): Promise<BaseModel> {
  let model = builtIn.get(name);
  if (!model) {
    const urls = BASE_MODEL_FILES[name];
    model = (async () => {
      const [bytes, configJson, tokenizerJson] = await Promise.all([
        fetchOk(urls.safetensors, `${name}/model.safetensors`).then((r) => r.arrayBuffer()),
        fetchOk(urls.config, `${name}/config.json`).then((r) => r.text()),
        fetchOk(urls.tokenizer, `${name}/tokenizer.json`).then((r) => r.json() as Promise<object>),
      ]);
      const safetensors = new Uint8Array(bytes);
      const sha256 = await sha256OfBytes(safetensors);
      const { config, values } = checkpointValues({ safetensors, configJson });
      return { name, config, values, tokenizerJson, sha256 };
    })();
    builtIn.set(name, model);
    model.catch(() => builtIn.delete(name));
  }
  return model;
}

let hubCache: Promise<HubFileCache> | null = null;

/** Cache Storage where the browser offers it (downloads survive reloads and work offline), else memory. */
export function hubFileCache(): Promise<HubFileCache> {
  hubCache ??= CacheStorageHubFileCache.available()
    ? CacheStorageHubFileCache.open()
    : Promise.resolve(new MemoryHubFileCache());
  return hubCache;
}

function unknownModel(spec: string): Error {
  return new Error(
    `model "${spec}" is neither a built-in model (${BASE_MODEL_NAMES.join(', ')}) nor a Hub repo id owner/name[@revision]`,
  );
}

/**
 * `model.base` for the pipeline: a built-in model (decoded once per worker) or a Hub repo from
 * `endpoint` (files cached in the browser), its download reported as `download` events.
 */
export function baseModelLoader(
  endpoint: string,
  options: { signal?: AbortSignal; beforeWeights?: HubLoadOptions['beforeWeights'] } = {},
) {
  return async (name: string, onEvent: (event: PipelineEvent) => void): Promise<BaseModel> => {
    if (isBuiltIn(name)) return loadBuiltInModel(name);
    if (!isRepoSpec(name)) throw unknownModel(name);
    return loadHubBaseModel(name, {
      endpoint,
      cache: await hubFileCache(),
      signal: options.signal,
      beforeWeights: options.beforeWeights,
      onProgress: (progress: HubLoadProgress) =>
        onEvent({
          type: 'download',
          repo: name,
          file: progress.file,
          loadedBytes: progress.loadedBytes,
          totalBytes: progress.totalBytes,
        }),
    });
  };
}

/** A built-in model or a Hub repo, with its tokenizer, ready for `tryModel`. The caller disposes the model. */
export async function loadRunnableModel(
  spec: string,
  endpoint: string,
  onDownload: (event: Extract<PipelineEvent, { type: 'download' }>) => void,
  options: { signal?: AbortSignal; beforeWeights?: HubLoadOptions['beforeWeights'] } = {},
): Promise<RunnableModel> {
  if (isRepoSpec(spec)) {
    const base = await loadHubBaseModel(spec, {
      endpoint,
      cache: await hubFileCache(),
      signal: options.signal,
      beforeWeights: options.beforeWeights,
      onProgress: ({ file, loadedBytes, totalBytes }) =>
        onDownload({ type: 'download', repo: spec, file, loadedBytes, totalBytes }),
    });
    return runnableFromBase(base);
  }
  if (!isBuiltIn(spec)) throw unknownModel(spec);
  return runnableFromBase(await loadBuiltInModel(spec));
}
