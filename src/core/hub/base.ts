import { valuesFromHubTensors } from '../model/checkpoint';
import type { BaseModel } from '../model/base';
import { loadHubModelFiles, type HubLoadOptions, type HubModelFiles } from './fetchFiles';
import { eosIdsOf } from './model';
import { modelConfigFromHub } from '../model/checkpoint';
import { formatRepoSpec, parseRepoSpec } from './repo';
import { sha256Hex } from './sha256';

/**
 * The identity of a Hub model's weights for the stage cache: the SHA-256 of its repo, revision
 * and every file's SHA-256. A branch revision (`main`) that moved upstream downloads new files,
 * so new hashes and fresh stages; a pinned commit always means the same weights.
 */
export async function hubModelIdentity(files: HubModelFiles): Promise<string> {
  const record = {
    repo: files.repo,
    revision: files.revision,
    files: files.files.map(({ name, sha256 }) => ({ name, sha256 })),
  };
  return sha256Hex(new TextEncoder().encode(JSON.stringify(record)));
}

/** A Hub repo as the pipeline's base model (`model.base: owner/name[@revision]`). */
export async function loadHubBaseModel(spec: string, options: HubLoadOptions): Promise<BaseModel> {
  return baseModelFromHubFiles(await loadHubModelFiles(parseRepoSpec(spec), options));
}

/**
 * Downloaded Hub files as the pipeline's base model. Throws one-line errors naming what is wrong:
 * an unsupported `model_type` or setting (`config.json: …`), a missing, misshapen or unexpected
 * tensor (`checkpoint: …`), before any weight is decoded. Each weight is decoded once and its file
 * tensor let go (`files` holds no weights afterwards: build once per download).
 */
export async function baseModelFromHubFiles(files: HubModelFiles): Promise<BaseModel> {
  const name = formatRepoSpec({ repo: files.repo, revision: files.revision });
  const config = modelConfigFromHub(files.configJson);
  const eosIds = eosIdsOf(files.configJson, files.generationConfig);
  if (files.tokenizerJson === null || typeof files.tokenizerJson !== 'object') {
    throw new Error(`${name}: tokenizer.json is not a JSON object`);
  }
  return {
    name,
    config,
    values: valuesFromHubTensors(config, files.tensors, { consume: true }),
    tokenizerJson: files.tokenizerJson,
    tokenizerConfig: files.tokenizerConfig,
    ...(eosIds.length > 0 ? { eosIds } : {}),
    sha256: await hubModelIdentity(files),
  };
}
