/**
 * A shard's manifest, `shard.json` beside its `runs/` folder: the spec it ran, which shard of how
 * many, and what it was given to run. Written before the first run, so a merge knows what a shard
 * was meant to produce even when it died half-way, and names each missing run with its shard.
 */
import { BACKENDS, type Backend } from '../config/schema';
import { isPlainObject } from '../config/merge';
import type { FieldValue } from '../sweep/spec';
import { MAX_SHARD_COUNT, type Shard } from './plan';

export const SHARD_MANIFEST_SCHEMA_VERSION = 1;
export const SHARD_MANIFEST_KIND = 'safetune-lab/shard';
export const SHARD_MANIFEST_FILE = 'shard.json';

export interface ShardManifest {
  schemaVersion: 1;
  kind: typeof SHARD_MANIFEST_KIND;
  command: 'sweep' | 'attack';
  /** The sweep's or the search's spec as it was checked (a preset's, or the file's). */
  spec: Record<string, unknown>;
  shard: Shard;
  /** `--backend` as given; null: each run's own `runtime.backend`. */
  backend: Backend | null;
  /**
   * The shard's runs (a sweep): grid index, hash (the config hash of the run as the spec expands
   * it, before `--backend`) and coordinates.
   */
  runs?: { index: number; hash: string; coordinates: Record<string, FieldValue> }[];
  /** The defenses whose search the shard runs (a search). */
  defenses?: string[];
  labVersion: string;
}

/** A manifest from outside (a file), checked; one line saying what is wrong otherwise. */
export function checkManifest(
  value: unknown,
): { ok: true; manifest: ShardManifest } | { ok: false; message: string } {
  const fail = (message: string) => ({ ok: false as const, message });
  if (!isPlainObject(value) || value.kind !== SHARD_MANIFEST_KIND) {
    return fail(`not a shard manifest (kind must be "${SHARD_MANIFEST_KIND}")`);
  }
  if (value.schemaVersion !== SHARD_MANIFEST_SCHEMA_VERSION) {
    return fail(`schemaVersion: must be ${SHARD_MANIFEST_SCHEMA_VERSION}`);
  }
  if (value.command !== 'sweep' && value.command !== 'attack') {
    return fail('command: must be "sweep" or "attack"');
  }
  if (!isPlainObject(value.spec)) return fail('spec: must be the sweep or search (an object)');
  const shard = value.shard;
  if (
    !isPlainObject(shard) ||
    !Number.isInteger(shard.index) ||
    !Number.isInteger(shard.count) ||
    (shard.index as number) < 1 ||
    (shard.index as number) > (shard.count as number) ||
    (shard.count as number) > MAX_SHARD_COUNT
  ) {
    return fail(`shard: must be {"index": i, "count": n} with 1 ≤ i ≤ n ≤ ${MAX_SHARD_COUNT}`);
  }
  if (value.backend !== null && !(BACKENDS as readonly unknown[]).includes(value.backend)) {
    return fail(`backend: must be null or one of ${BACKENDS.join(', ')}`);
  }
  if (typeof value.labVersion !== 'string' || value.labVersion.length > 40) {
    return fail('labVersion: must be a short text');
  }
  if (value.command === 'sweep') {
    if (!Array.isArray(value.runs)) return fail('runs: must be a list (a sweep shard)');
    for (const [i, run] of value.runs.entries()) {
      if (
        !isPlainObject(run) ||
        !Number.isInteger(run.index) ||
        (run.index as number) < 0 ||
        typeof run.hash !== 'string' ||
        !/^[0-9a-f]{64}$/.test(run.hash) ||
        !isPlainObject(run.coordinates)
      ) {
        return fail(`runs[${i}]: must be {"index", "hash" (64 hex digits), "coordinates"}`);
      }
    }
  } else if (
    !Array.isArray(value.defenses) ||
    !value.defenses.every((label) => typeof label === 'string')
  ) {
    return fail('defenses: must be a list of defense labels (a search shard)');
  }
  return { ok: true, manifest: value as unknown as ShardManifest };
}
