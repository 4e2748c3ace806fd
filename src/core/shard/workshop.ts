/**
 * Workshop links: one link carries a sweep and the count of shards it is split into, so every
 * laptop in a room that opens it makes the same shard plan (`planSweepShards`, from the spec
 * alone) and runs exactly the runs `shard i/n` names — the runs `lab sweep --shard i/n` runs.
 * There is no server: nothing coordinates who takes which shard, so the page suggests one
 * (`suggestShard`) and the merge names what is still missing, shard by shard.
 *
 * The payload is the share links' encoding (`config/url.ts`: base64url(deflate-raw(canonical
 * JSON)), at most 32 KiB of link and 1 MiB inflated) of `{kind, schemaVersion, sweep, shards}`;
 * decoding bounds it, checks it and expands the sweep, and says what is wrong in one line.
 */
import { SPEC_LIMITS, oneLine, parseBoundedJSON } from '../config/bounds';
import type { ValidationContext } from '../config/context';
import { isPlainObject } from '../config/merge';
import { MAX_LINK_CHARS, encodeJSONForUrl, inflateUrlPayload } from '../config/url';
import { errorText } from '../errors';
import { expandSweep, type SweepRun, type SweepSpec } from '../sweep/spec';
import { MAX_SHARD_COUNT } from './plan';

export const WORKSHOP_KIND = 'safetune-lab/workshop';
export const WORKSHOP_SCHEMA_VERSION = 1;

/** What a workshop link carries. */
export interface WorkshopPayload {
  kind: typeof WORKSHOP_KIND;
  schemaVersion: typeof WORKSHOP_SCHEMA_VERSION;
  /** The sweep, as `expandSweep` checked it. */
  sweep: SweepSpec;
  /** How many shards it is split into (1 ≤ shards ≤ its runs). */
  shards: number;
}

/** A workshop as the page uses it: the sweep, its runs as the spec expands them, the count. */
export interface Workshop {
  spec: SweepSpec;
  runs: SweepRun[];
  count: number;
}

export type WorkshopResult = { ok: true; workshop: Workshop } | { ok: false; message: string };

/**
 * Why `count` shards cannot split a sweep of `runs` runs, or undefined. More shards than runs
 * would leave laptops with nothing to do, and a merge would wait for bundles that never come.
 */
export function workshopCountProblem(count: number, runs: number): string | undefined {
  const most = Math.min(MAX_SHARD_COUNT, runs);
  return Number.isInteger(count) && count >= 1 && count <= most
    ? undefined
    : `the shard count must be a whole number from 1 to ${most} (the sweep has ${runs} runs)`;
}

/**
 * The payload of a workshop link for `spec` in `count` shards: the text after `#workshop=`.
 * A sweep too large for a link (more than `MAX_LINK_CHARS` encoded) is a message instead: share
 * the sweep file and the count then.
 */
export async function encodeWorkshop(
  spec: SweepSpec,
  runs: number,
  count: number,
): Promise<{ ok: true; payload: string } | { ok: false; message: string }> {
  const problem = workshopCountProblem(count, runs);
  if (problem !== undefined) return { ok: false, message: problem };
  const payload: WorkshopPayload = {
    kind: WORKSHOP_KIND,
    schemaVersion: WORKSHOP_SCHEMA_VERSION,
    sweep: spec,
    shards: count,
  };
  const text = await encodeJSONForUrl(payload);
  if (text.length > MAX_LINK_CHARS) {
    return {
      ok: false,
      message: `this sweep makes a link of ${text.length} characters, at most ${MAX_LINK_CHARS}: share the sweep file and the shard count instead`,
    };
  }
  return { ok: true, payload: text };
}

/**
 * The workshop a link's payload carries, checked and expanded against `ctx`. Never throws: a
 * link is outside input, and the page's start-up goes on whatever it holds.
 */
export async function decodeWorkshop(
  text: string,
  ctx: ValidationContext,
): Promise<WorkshopResult> {
  const fail = (message: string): WorkshopResult => ({
    ok: false,
    message: oneLine(message, 300),
  });
  try {
    const inflated = await inflateUrlPayload(text, 'workshop');
    if (!inflated.ok) return fail(inflated.message);
    const parsed = parseBoundedJSON(inflated.json, { ...SPEC_LIMITS, what: 'a workshop link' });
    if (!parsed.ok) return fail(`this workshop link is damaged: ${parsed.message}`);
    const value = parsed.value;
    if (!isPlainObject(value) || value.kind !== WORKSHOP_KIND) {
      return fail('this is not a workshop link (it carries no workshop)');
    }
    if (value.schemaVersion !== WORKSHOP_SCHEMA_VERSION) {
      return fail(
        `this workshop link is of version ${oneLine(JSON.stringify(value.schemaVersion) ?? 'none', 20)}; this lab reads version ${WORKSHOP_SCHEMA_VERSION}`,
      );
    }
    const expanded = expandSweep(value.sweep, ctx);
    if (!expanded.ok) {
      const [first] = expanded.errors;
      const more = expanded.errors.length > 1 ? ` (and ${expanded.errors.length - 1} more)` : '';
      return fail(`this workshop's sweep cannot run: ${first.path}: ${first.message}${more}`);
    }
    const count = value.shards;
    const problem = workshopCountProblem(
      typeof count === 'number' ? count : NaN,
      expanded.runs.length,
    );
    if (problem !== undefined) return fail(`this workshop link's shards: ${problem}`);
    return {
      ok: true,
      workshop: { spec: expanded.spec, runs: expanded.runs, count: count as number },
    };
  } catch (error) {
    return fail(`this workshop link could not be read (${errorText(error)})`);
  }
}

/** What this browser remembers of a workshop: the shard it picked, the shards it finished. */
export interface ShardMemory {
  picked?: number;
  done: number[];
}

/**
 * The shard the page suggests, and why. Without a server no page knows what the others took, so:
 * the shard the link names (`&shard=k`, a presenter handing each seat its own link) comes first;
 * else the shard this browser picked at random before, unless it finished it; else a new random
 * pick among the shards this browser has not finished. n laptops picking at random collide
 * (20 laptops among 20 shards leave about 7 shards untaken), which is why the merge names every
 * missing shard and a shard run twice is folded.
 */
export function suggestShard(
  count: number,
  linked: number | undefined,
  memory: ShardMemory,
  random: () => number,
): { shard: number; why: 'link' | 'picked' | 'random' } {
  const valid = (k: number | undefined): k is number =>
    k !== undefined && Number.isInteger(k) && k >= 1 && k <= count;
  if (valid(linked)) return { shard: linked, why: 'link' };
  const done = new Set(memory.done.filter(valid));
  if (valid(memory.picked) && !done.has(memory.picked)) {
    return { shard: memory.picked, why: 'picked' };
  }
  const open = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !done.has(k));
  const pool = open.length > 0 ? open : Array.from({ length: count }, (_, i) => i + 1);
  const at = Math.min(pool.length - 1, Math.floor(random() * pool.length));
  return { shard: pool[at], why: 'random' };
}
