import configUrl from '../models/safetune-base/config.json?url';
import safetensorsUrl from '../models/safetune-base/model.safetensors?url';
import tokenizerUrl from '../models/safetune-base/tokenizer.json?url';
import type { RunnableModel } from '../src/core/generation/tryModel';
import {
  CacheStorageHubFileCache,
  isRepoSpec,
  loadRunnableHubModel,
  MemoryHubFileCache,
  type HubFileCache,
} from '../src/core/hub';
import { loadCheckpoint } from '../src/core/model/checkpoint';
import { BASE_MODEL_NAMES, type BaseModelName } from '../src/core/model/bases';
import { parameterCount } from '../src/core/model/weights';
import { loadTokenizer } from '../src/core/tokenizer';
import type { BaseModel } from '../src/core/pipeline/run';
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

const loaded = new Map<string, Promise<BaseModel>>();

export function loadBaseModel(name: string): Promise<BaseModel> {
  const urls = (
    BASE_MODEL_FILES as Record<string, (typeof BASE_MODEL_FILES)[BaseModelName] | undefined>
  )[name];
  if (!urls)
    return Promise.reject(
      new Error(`model.base: unknown base model "${name}" (known: ${BASE_MODEL_NAMES.join(', ')})`),
    );
  let model = loaded.get(name);
  if (!model) {
    model = (async () => {
      const [bytes, configJson, tokenizerJson] = await Promise.all([
        fetchOk(urls.safetensors, `${name}/model.safetensors`).then((r) => r.arrayBuffer()),
        fetchOk(urls.config, `${name}/config.json`).then((r) => r.text()),
        fetchOk(urls.tokenizer, `${name}/tokenizer.json`).then((r) => r.json() as Promise<object>),
      ]);
      const safetensors = new Uint8Array(bytes);
      const sha256 = await sha256OfBytes(safetensors);
      return { name, files: { safetensors, configJson }, tokenizerJson, sha256 };
    })();
    loaded.set(name, model);
    model.catch(() => loaded.delete(name));
  }
  return model;
}

let hubCache: Promise<HubFileCache> | null = null;

/** Cache Storage where the browser offers it (downloads survive reloads and work offline), else memory. */
function hubFileCache(): Promise<HubFileCache> {
  hubCache ??= CacheStorageHubFileCache.available()
    ? CacheStorageHubFileCache.open()
    : Promise.resolve(new MemoryHubFileCache());
  return hubCache;
}

/** A built-in model or a Hub repo, with its tokenizer, ready for `tryModel`. The caller disposes the model. */
export async function loadRunnableModel(
  spec: string,
  endpoint: string,
  onProgress: (progress: { file: string; loadedBytes: number; totalBytes: number | null }) => void,
): Promise<RunnableModel> {
  if (isRepoSpec(spec)) {
    return loadRunnableHubModel(spec, {
      endpoint,
      cache: await hubFileCache(),
      onProgress: ({ file, loadedBytes, totalBytes }) =>
        onProgress({ file, loadedBytes, totalBytes }),
    });
  }
  if (!(BASE_MODEL_NAMES as readonly string[]).includes(spec)) {
    throw new Error(
      `model "${spec}" is neither a built-in model (${BASE_MODEL_NAMES.join(', ')}) nor a Hub repo id owner/name[@revision]`,
    );
  }
  const base = await loadBaseModel(spec);
  const tokenizer = await loadTokenizer(base.tokenizerJson);
  const model = loadCheckpoint(base.files);
  return {
    spec,
    model,
    family: model.config.family,
    parameters: parameterCount(model.config),
    tokenizer,
    eosIds: [tokenizer.eosId],
  };
}
