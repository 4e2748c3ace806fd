import configUrl from '../models/safetune-base/config.json?url';
import safetensorsUrl from '../models/safetune-base/model.safetensors?url';
import tokenizerUrl from '../models/safetune-base/tokenizer.json?url';
import { BASE_MODEL_NAMES, type BaseModelName } from '../src/core/model/bases';
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
