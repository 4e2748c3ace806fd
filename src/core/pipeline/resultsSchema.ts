/**
 * The results-file contract (ARCHITECTURE.md, "Results file", `schemaVersion: 1`) as a check on
 * untrusted data: a file read back from disk, an import in the UI, or what the worker handed the
 * CLI. One `path: message` line per problem, like config validation.
 *
 * Readers are forward-compatible: fields the contract does not name (e.g. `prune`, a sample's
 * `set`) are not problems; missing or ill-typed contract fields are.
 */
import { canonicalJSON } from '../config/canonical';
import { isPlainObject } from '../config/merge';
import { BACKENDS } from '../runtime/backend';
import { CHECKPOINTS, type CheckpointMetrics, type StageRecord } from './types';

export const RESULTS_SCHEMA_VERSION = 1;

/** The five scores every checkpoint reports, each a percentage in [0, 100]. */
export const METRIC_NAMES = [
  'harmfulScore',
  'harmfulRefusalRate',
  'benignRefusalRate',
  'benignHelpfulness',
  'finetuneAccuracy',
] as const satisfies readonly (keyof CheckpointMetrics)[];

export const STAGE_NAMES = [
  'alignment',
  'finetune',
  'post',
  'evaluation',
] as const satisfies readonly StageRecord['name'][];

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** Every way `value` breaks the results-file contract; empty when it keeps it. */
export function resultsFileProblems(value: unknown): string[] {
  const problems: string[] = [];
  const fail = (path: string, message: string) => problems.push(`${path}: ${message}`);
  if (!isPlainObject(value)) return [`(root): must be a JSON object (got ${describe(value)})`];
  if (value.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    // Another version follows another schema: checking the rest against this one means nothing.
    return [
      `schemaVersion: must be ${RESULTS_SCHEMA_VERSION} (got ${describe(value.schemaVersion)})`,
    ];
  }

  const { config, configHash } = value;
  if (!isPlainObject(config)) {
    fail('config', `must be an object (got ${describe(config)})`);
  } else if (config.schemaVersion !== 1) {
    fail('config.schemaVersion', `must be 1 (got ${describe(config.schemaVersion)})`);
  }
  if (typeof configHash !== 'string' || !HASH_PATTERN.test(configHash)) {
    fail('configHash', `must be 64 lower-case hex digits (got ${describe(configHash)})`);
  } else if (isPlainObject(config)) {
    const actual = hashOfConfig(config);
    if (actual.error !== undefined) fail('config', actual.error);
    else if (actual.hash !== configHash) {
      fail('configHash', `is not the SHA-256 of the canonical config (that is ${actual.hash})`);
    }
  }

  const environment = value.environment;
  if (!isPlainObject(environment)) {
    fail('environment', `must be an object (got ${describe(environment)})`);
  } else {
    if (!(BACKENDS as readonly unknown[]).includes(environment.backend)) {
      fail(
        'environment.backend',
        `must be one of ${BACKENDS.join(', ')} (got ${describe(environment.backend)})`,
      );
    }
    for (const field of ['userAgent', 'labVersion'] as const) {
      if (typeof environment[field] !== 'string' || environment[field] === '') {
        fail(
          `environment.${field}`,
          `must be a non-empty string (got ${describe(environment[field])})`,
        );
      }
    }
    const adapter = environment.adapter;
    if (adapter !== undefined && adapter !== null && typeof adapter !== 'string') {
      fail('environment.adapter', `must be a string or null (got ${describe(adapter)})`);
    }
  }

  if (!Array.isArray(value.stages)) {
    fail('stages', `must be an array (got ${describe(value.stages)})`);
  } else {
    value.stages.forEach((stage: unknown, i) => {
      const at = `stages[${i}]`;
      if (!isPlainObject(stage)) return fail(at, `must be an object (got ${describe(stage)})`);
      if (!(STAGE_NAMES as readonly unknown[]).includes(stage.name)) {
        fail(
          `${at}.name`,
          `must be one of ${STAGE_NAMES.join(', ')} (got ${describe(stage.name)})`,
        );
      }
      if (typeof stage.cached !== 'boolean') {
        fail(`${at}.cached`, `must be a boolean (got ${describe(stage.cached)})`);
      }
      if (!isFiniteNumber(stage.seconds) || stage.seconds < 0) {
        fail(`${at}.seconds`, `must be a number ≥ 0 (got ${describe(stage.seconds)})`);
      }
    });
  }

  const metrics = value.metrics;
  if (!isPlainObject(metrics)) {
    fail('metrics', `must be an object (got ${describe(metrics)})`);
  } else {
    for (const checkpoint of CHECKPOINTS) {
      const scores = metrics[checkpoint];
      if (!isPlainObject(scores)) {
        fail(`metrics.${checkpoint}`, `must be an object (got ${describe(scores)})`);
        continue;
      }
      for (const metric of METRIC_NAMES) {
        const score = scores[metric];
        if (!isFiniteNumber(score) || score < 0 || score > 100) {
          fail(
            `metrics.${checkpoint}.${metric}`,
            `must be a number between 0 and 100 (got ${describe(score)})`,
          );
        }
      }
    }
  }

  if (!Array.isArray(value.samples)) {
    fail('samples', `must be an array (got ${describe(value.samples)})`);
  } else {
    value.samples.forEach((sample: unknown, i) => {
      const at = `samples[${i}]`;
      if (!isPlainObject(sample)) return fail(at, `must be an object (got ${describe(sample)})`);
      if (!(CHECKPOINTS as readonly unknown[]).includes(sample.checkpoint)) {
        fail(
          `${at}.checkpoint`,
          `must be one of ${CHECKPOINTS.join(', ')} (got ${describe(sample.checkpoint)})`,
        );
      }
      for (const field of ['prompt', 'output'] as const) {
        if (typeof sample[field] !== 'string') {
          fail(`${at}.${field}`, `must be a string (got ${describe(sample[field])})`);
        }
      }
      if (typeof sample.judgedHarmful !== 'boolean') {
        fail(`${at}.judgedHarmful`, `must be a boolean (got ${describe(sample.judgedHarmful)})`);
      }
    });
  }
  return problems;
}

function hashOfConfig(config: Record<string, unknown>):
  | { hash: string; error?: undefined }
  | {
      hash?: undefined;
      error: string;
    } {
  try {
    return { hash: sha256HexSync(canonicalJSON(config)) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/*
 * SHA-256 (FIPS 180-4), synchronous. `crypto.subtle.digest` is async-only, and this check is a
 * plain function that a reader calls on a parsed file; the hash it must match is `configHash`
 * from config/canonical.ts (crypto.subtle), which the unit test checks it against.
 */

const ROUND_CONSTANTS = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL_STATE = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/** Lower-case hex SHA-256 of the UTF-8 bytes of `text` (same as `sha256Hex`, but synchronous). */
export function sha256HexSync(text: string): string {
  const bytes = new TextEncoder().encode(text);
  // Message, a 1 bit, zeros, then the bit length as a 64-bit big-endian integer: whole blocks.
  const padded = new Uint8Array(Math.ceil((bytes.length + 9) / 64) * 64);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  const view = new DataView(padded.buffer);
  const bitLength = bytes.length * 8;
  view.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32));
  view.setUint32(padded.length - 4, bitLength >>> 0);

  const state = new Uint32Array(INITIAL_STATE);
  const w = new Uint32Array(64);
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(block + 4 * i);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1; // Uint32Array stores modulo 2^32
    }
    let [a, b, c, d, e, f, g, h] = state;
    for (let i = 0; i < 64; i++) {
      const t1 =
        (h +
          (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
          ((e & f) ^ (~e & g)) +
          ROUND_CONSTANTS[i] +
          w[i]) |
        0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    const round = [a, b, c, d, e, f, g, h];
    for (let i = 0; i < 8; i++) state[i] += round[i];
  }
  return Array.from(state, (word) => word.toString(16).padStart(8, '0')).join('');
}

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}
