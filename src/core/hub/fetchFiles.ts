/**
 * Load the files a model needs from a Hub repo: its config, its tokenizer, optional tokenizer and
 * generation configs, and its safetensors weights (one file, or shards listed by an index).
 * The result is tensors and parsed JSON; turning them into a model is the model module's job. The
 * weight files are only indexed here (their headers checked), not decoded: each tensor is decoded
 * when it is converted, so a model can be built holding one weight's floats, not every weight's.
 *
 * With a cache, a complete earlier load of the same repo, revision and endpoint is replayed from
 * the cache without a single request (a manifest records which files the load consisted of, so
 * optional files that were absent are not probed again). Otherwise each file still comes from the
 * cache when it is there, so an interrupted download resumes at the first missing file.
 *
 * Every file is capped before its bytes are taken: 50 MB for each JSON file, and for the weight
 * files together what `config.json` implies (`weightFilesCap`); a `config.json` whose sizes are out
 * of range is refused before anything else downloads.
 */

import { modelConfigFromHub } from '../model/checkpoint';
import { HUB_JSON_LIMITS, jsonBoundsProblem } from '../config/bounds';
import { hubConfigRangeProblem } from '../model/config';
import { formatBytes } from '../model/memory';
import { MAX_HEADER_BYTES, indexSafetensors, type NamedTensor } from '../model/safetensors';
import { parameterCount } from '../model/weights';
import type { HubFileCache } from './cache';
import {
  MAX_DOWNLOAD,
  downloadHubFile,
  getCachedFile,
  label,
  putCachedFile,
  throwIfCancelled,
  type DownloadLimit,
  type DownloadedFile,
  type HubSession,
} from './download';
import { errorText } from '../errors';
import { HubError } from './errors';
import { fileUrl, normalizeEndpoint, parseRepoSpec, type RepoRef } from './repo';
import { sha256Hex } from './sha256';

export interface HubLoadProgress {
  /** Bytes of weight files received so far (cache hits count at once). */
  loadedBytes: number;
  /**
   * The sum of the Content-Length of the weight files whose responses have arrived, so it grows
   * as each shard starts; null while any of them has no usable Content-Length.
   */
  totalBytes: number | null;
  /** The weight file being received. */
  file: string;
  /** Its position among the weight files (0-based), and how many there are. */
  fileIndex: number;
  fileCount: number;
}

export interface HubLoadOptions {
  /** `https://huggingface.co`, a mirror, or the tests' local server. */
  endpoint: string;
  fetch?: typeof fetch;
  /**
   * Reused as it is, also for a branch revision like `main` that may have moved on upstream:
   * that is what makes offline use work. Pin a commit hash when a run must be reproducible.
   */
  cache?: HubFileCache;
  /** Called on every chunk of the weight files; the caller throttles. */
  onProgress?: (progress: HubLoadProgress) => void;
  signal?: AbortSignal;
  /**
   * Called with the small files, before any weight file is requested: throw to refuse the model
   * (e.g. it will not fit this device) without downloading gigabytes first.
   */
  beforeWeights?: (files: {
    configJson: Record<string, unknown>;
    tokenizerConfig: Record<string, unknown> | null;
  }) => void | Promise<void>;
}

export interface HubFileRecord {
  name: string;
  bytes: number;
  sha256: string;
}

export interface HubModelFiles {
  repo: string;
  revision: string;
  configJson: Record<string, unknown>;
  tokenizerJson: unknown;
  tokenizerConfig: Record<string, unknown> | null;
  generationConfig: Record<string, unknown> | null;
  /**
   * The weights, each decoded from its file's bytes when its `data` is read (anew on every read).
   * A file's bytes stay alive while any of its tensors is here: `baseModelFromHubFiles` takes the
   * tensors out as it converts them.
   */
  tensors: Map<string, NamedTensor>;
  /** Every file the load used, in load order, with its SHA-256 (for results files and audits). */
  files: HubFileRecord[];
}

export const CONFIG_FILE = 'config.json';
export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
export const GENERATION_CONFIG_FILE = 'generation_config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

/** Where a file comes from: the network (with the cache in front), or a manifest-replayed cache. */
type FileSource = (
  file: string,
  limit: DownloadLimit,
  onStart?: (total: number | null) => void,
  onBytes?: (n: number) => void,
) => Promise<DownloadedFile | null>;

/** The cap on each JSON file of a model repo (Qwen's tokenizer.json is 11 MB, Gemma's 34 MB). */
export const JSON_FILE_LIMIT: DownloadLimit = {
  bytes: 50e6,
  why: 'a JSON file of a model repo',
};

/**
 * What all weight files of a model may hold together: twice its weights as float32 (the widest
 * dtype the lab reads for weights; the slack is for buffers such as GPT-NeoX's masks and a tied
 * head stored twice) plus a header's cap per file, or `MAX_DOWNLOAD` each when the config does
 * not describe a model the lab reads (that refusal comes when the model is built).
 */
function weightFilesCap(
  configJson: Record<string, unknown>,
  files: number,
): { total: number; why: string } | null {
  let weightBytes: number;
  try {
    weightBytes = 4 * parameterCount(modelConfigFromHub(configJson));
  } catch {
    return null;
  }
  return {
    total: 2 * weightBytes + files * MAX_HEADER_BYTES,
    why:
      `twice the ${formatBytes(weightBytes)} of float32 weights config.json describes, ` +
      `plus ${formatBytes(MAX_HEADER_BYTES)} of header per weight file`,
  };
}

export async function loadHubModelFiles(
  spec: string | RepoRef,
  options: HubLoadOptions,
): Promise<HubModelFiles> {
  const ref = typeof spec === 'string' ? parseRepoSpec(spec) : spec;
  const session: HubSession = {
    endpoint: options.endpoint,
    ref,
    // Called as a plain function: the global fetch called as a method of another object throws
    // "Illegal invocation" in browsers.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    cache: options.cache,
    signal: options.signal,
  };
  throwIfCancelled(session, null);

  const replayed = await replayFromCache(session, options);
  if (replayed !== null) return replayed;

  const result = await loadFrom(
    session,
    (file, limit, onStart, onBytes) => downloadHubFile(session, file, { onStart, onBytes, limit }),
    options,
  );
  if (session.cache !== undefined) {
    const manifest = new TextEncoder().encode(JSON.stringify(manifestOf(result)));
    await putCachedFile(
      session,
      manifestKey(session),
      MANIFEST_LABEL,
      manifest,
      await sha256Hex(manifest),
    );
  }
  return result;
}

async function loadFrom(
  session: HubSession,
  source: FileSource,
  options: HubLoadOptions,
): Promise<HubModelFiles> {
  const files: HubFileRecord[] = [];
  const where = (file: string | null) => ({ repo: label(session), file });
  const endpoint = normalizeEndpoint(session.endpoint);
  const record = (file: DownloadedFile) => {
    files.push({ name: file.name, bytes: file.bytes.byteLength, sha256: file.sha256 });
    throwIfCancelled(session, file.name);
    return file;
  };

  const config = await source(CONFIG_FILE, JSON_FILE_LIMIT);
  if (config === null) {
    throw new HubError(
      'not-found',
      `model ${label(session)} not found at ${endpoint} (404)`,
      where(CONFIG_FILE),
    );
  }
  const configJson = parseJsonObject(session, record(config));
  // Sizes out of range are refused before anything else downloads (the weights' cap and the
  // memory guard are computed from them).
  const outOfRange = hubConfigRangeProblem(configJson);
  if (outOfRange !== null) {
    throw new HubError(
      'corrupt',
      outOfRange.replace(/^config\.json:/, `${CONFIG_FILE} of ${label(session)}:`),
      where(CONFIG_FILE),
    );
  }

  const tokenizer = await source(TOKENIZER_FILE, JSON_FILE_LIMIT);
  if (tokenizer === null) {
    throw new HubError(
      'not-found',
      `model ${label(session)} at ${endpoint} has no ${TOKENIZER_FILE} (404)`,
      where(TOKENIZER_FILE),
    );
  }
  const tokenizerJson = parseJson(session, record(tokenizer));

  const tokenizerConfigFile = await source(TOKENIZER_CONFIG_FILE, JSON_FILE_LIMIT);
  const tokenizerConfig =
    tokenizerConfigFile === null ? null : parseJsonObject(session, record(tokenizerConfigFile));
  const generationConfigFile = await source(GENERATION_CONFIG_FILE, JSON_FILE_LIMIT);
  const generationConfig =
    generationConfigFile === null ? null : parseJsonObject(session, record(generationConfigFile));

  await options.beforeWeights?.({ configJson, tokenizerConfig });

  const indexFile = await source(WEIGHTS_INDEX_FILE, JSON_FILE_LIMIT);
  const weightMap = indexFile === null ? null : parseWeightMap(session, record(indexFile));
  const weightFiles = weightMap === null ? [WEIGHTS_FILE] : [...new Set(weightMap.values())].sort();
  const cap = weightFilesCap(configJson, weightFiles.length);
  let weightBytes = 0;

  const progress = {
    loadedBytes: 0,
    knownTotal: 0,
    totalUnknown: false,
  };
  const tensors = new Map<string, NamedTensor>();
  for (const [fileIndex, name] of weightFiles.entries()) {
    const emit = () =>
      options.onProgress?.({
        loadedBytes: progress.loadedBytes,
        totalBytes: progress.totalUnknown ? null : progress.knownTotal,
        file: name,
        fileIndex,
        fileCount: weightFiles.length,
      });
    const limit: DownloadLimit =
      cap === null
        ? MAX_DOWNLOAD
        : {
            bytes: Math.min(cap.total - weightBytes, MAX_DOWNLOAD.bytes),
            why: weightBytes === 0 ? cap.why : `what the earlier weight files left of ${cap.why}`,
          };
    const weights = await source(
      name,
      limit,
      (total) => {
        if (total === null) progress.totalUnknown = true;
        else progress.knownTotal += total;
        emit();
      },
      (bytes) => {
        progress.loadedBytes += bytes;
        emit();
      },
    );
    if (weights === null) {
      throw new HubError(
        'not-found',
        weightMap === null
          ? `model ${label(session)} at ${endpoint} has neither ${WEIGHTS_FILE} nor ` +
              `${WEIGHTS_INDEX_FILE} (404)`
          : `shard ${name} listed in ${WEIGHTS_INDEX_FILE} of ${label(session)} is missing at ` +
              `${endpoint} (404)`,
        where(name),
      );
    }
    record(weights);
    weightBytes += weights.bytes.byteLength;
    let shard: Map<string, NamedTensor>;
    const file = `${name} of ${label(session)}`;
    try {
      shard = indexSafetensors(weights.bytes, file).tensors;
    } catch (error) {
      throw new HubError(
        'corrupt',
        errorText(error).replace(`${file}: `, `${file} is corrupt: `),
        where(name),
        error,
      );
    }
    for (const [tensorName, tensor] of shard) {
      if (tensors.has(tensorName)) {
        throw new HubError(
          'corrupt',
          `tensor ${tensorName} of ${label(session)} appears in more than one weight file ` +
            `(again in ${name})`,
          where(name),
        );
      }
      tensors.set(tensorName, tensor);
    }
    if (weightMap !== null) {
      for (const [tensorName, shardName] of weightMap) {
        if (shardName === name && !shard.has(tensorName)) {
          throw new HubError(
            'corrupt',
            `tensor ${tensorName} of ${label(session)} is listed in ${WEIGHTS_INDEX_FILE} as in ` +
              `${name}, but ${name} does not contain it`,
            where(name),
          );
        }
      }
    }
  }

  return {
    repo: session.ref.repo,
    revision: session.ref.revision,
    configJson,
    tokenizerJson,
    tokenizerConfig,
    generationConfig,
    tensors,
    files,
  };
}

function parseJson(session: HubSession, file: DownloadedFile): unknown {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.bytes));
  } catch (error) {
    throw new HubError(
      'corrupt',
      `${file.name} of ${label(session)} is not valid JSON (${errorText(error)})`,
      { repo: label(session), file: file.name },
      error,
    );
  }
  // Bounded before anything walks it (the tokenizer's and the config's readers recurse).
  const problem = jsonBoundsProblem(value, HUB_JSON_LIMITS);
  if (problem !== undefined) {
    throw new HubError('corrupt', `${file.name} of ${label(session)}: ${problem}`, {
      repo: label(session),
      file: file.name,
    });
  }
  return value;
}

function parseJsonObject(session: HubSession, file: DownloadedFile): Record<string, unknown> {
  const value = parseJson(session, file);
  if (!isObject(value)) {
    throw new HubError('corrupt', `${file.name} of ${label(session)} is not a JSON object`, {
      repo: label(session),
      file: file.name,
    });
  }
  return value;
}

/** Tensor name → shard file name, from an index's `weight_map`. */
function parseWeightMap(session: HubSession, file: DownloadedFile): Map<string, string> {
  const index = parseJsonObject(session, file);
  const fail = (why: string) =>
    new HubError('corrupt', `${file.name} of ${label(session)} ${why}`, {
      repo: label(session),
      file: file.name,
    });
  if (!isObject(index.weight_map)) throw fail('has no "weight_map" object');
  const weightMap = new Map<string, string>();
  for (const [tensorName, shard] of Object.entries(index.weight_map)) {
    if (typeof shard !== 'string' || !isPlainShardName(shard)) {
      throw fail(
        `maps tensor ${tensorName} to ${JSON.stringify(shard)}, which is not a file in the repo`,
      );
    }
    weightMap.set(tensorName, shard);
  }
  if (weightMap.size === 0) throw fail('lists no tensors in "weight_map"');
  return weightMap;
}

// A shard name goes into the download URL: refuse anything that could leave the repo's folder.
function isPlainShardName(name: string): boolean {
  return (
    name.length > 0 &&
    !name.startsWith('/') &&
    !name.includes('\\') &&
    name.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- the manifest: which files a complete load consisted of ----

const MANIFEST_LABEL = 'the cached file list';

interface Manifest {
  version: 1;
  files: { name: string; sha256: string }[];
}

/** Not a Hub URL (no `resolve/`), so it can never collide with a file in the repo. */
function manifestKey(session: HubSession): string {
  return (
    `${normalizeEndpoint(session.endpoint)}/${session.ref.repo}/safetune-manifest/` +
    `${encodeURIComponent(session.ref.revision)}.json`
  );
}

function manifestOf(result: HubModelFiles): Manifest {
  return { version: 1, files: result.files.map(({ name, sha256 }) => ({ name, sha256 })) };
}

/**
 * A complete earlier load, replayed from the cache with no request at all, or null when the
 * cache has no manifest for it or lacks any file the manifest lists (the network path then still
 * reuses whatever files the cache holds, and its progress starts again from zero).
 */
async function replayFromCache(
  session: HubSession,
  options: HubLoadOptions,
): Promise<HubModelFiles | null> {
  const manifestBytes = await getCachedFile(session, manifestKey(session), MANIFEST_LABEL);
  if (manifestBytes === undefined) return null;
  const manifest = parseManifest(manifestBytes);
  if (manifest === null) return null;
  const listed = new Map(manifest.files.map((file) => [file.name, file.sha256]));

  const source: FileSource = async (file, limit, onStart, onBytes) => {
    // Files the complete load did not have were absent upstream (404): answer the same.
    const expected = listed.get(file);
    if (expected === undefined) return null;
    const bytes = await getCachedFile(session, fileUrl(session.endpoint, session.ref, file), file);
    // A file over its cap is the network path's to refuse, with the figures.
    if (bytes === undefined || bytes.byteLength > limit.bytes) throw new ReplayMiss();
    const sha256 = await sha256Hex(bytes);
    if (sha256 !== expected) throw new ReplayMiss();
    onStart?.(bytes.byteLength);
    onBytes?.(bytes.byteLength);
    return { name: file, bytes, sha256, fromCache: true };
  };
  try {
    return await loadFrom(session, source, options);
  } catch (error) {
    // Only the user's cancel ends the load here; anything else (an evicted file, a manifest that
    // does not describe a loadable model) is settled by the network path, which reports it
    // properly if it is real.
    if (error instanceof HubError && (error.kind === 'cancelled' || error.kind === 'cache')) {
      throw error;
    }
    return null;
  }
}

class ReplayMiss extends Error {}

function parseManifest(bytes: Uint8Array): Manifest | null {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  if (!isObject(value) || value.version !== 1 || !Array.isArray(value.files)) return null;
  const files = value.files.filter(
    (file): file is { name: string; sha256: string } =>
      isObject(file) && typeof file.name === 'string' && typeof file.sha256 === 'string',
  );
  return files.length === value.files.length ? { version: 1, files } : null;
}
