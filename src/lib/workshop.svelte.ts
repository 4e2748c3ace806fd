/**
 * The page's workshop: a sweep split into n shards, opened from a `#workshop=` link (a
 * participant) or made from the sweep panel (the presenter, whose page then holds the same
 * link). It holds the shard plan every laptop computes alike, and the shard this page suggests
 * (`suggestShard`: the link's `&shard=k`, else a random pick this browser remembers, skipping
 * the shards it has finished).
 */
import { sha256Hex, type ValidationContext } from '../core/config';
import {
  decodeWorkshop,
  encodeWorkshop,
  planSweepShards,
  suggestShard,
  type ShardMemory,
  type SweepShardPlan,
  type Workshop,
} from '../core/shard';
import type { SweepRun, SweepSpec } from '../core/sweep';
import { browserStorage } from './browserStorage';
import { workshopFromHash, workshopLinkFor } from './shareLink';

export interface OpenWorkshop extends Workshop {
  /** The link without a suggested shard: what the presenter hands out. */
  link: string;
  plan: SweepShardPlan;
  /** The shard the page suggests, and why (`suggestShard`). */
  suggestion: { shard: number; why: 'link' | 'picked' | 'random' };
}

/** localStorage key prefix; the rest is the start of the payload's SHA-256. */
const MEMORY_KEY = 'safetune-lab:workshop:';

export class WorkshopState {
  open = $state.raw<OpenWorkshop | null>(null);
  /** Why the page's `#workshop=` link could not be used (one line), when it could not. */
  linkError = $state<string | null>(null);
  /**
   * The page was opened with a workshop link (a participant's page), readable or not: the
   * workshop card, or why its link failed, comes first.
   */
  fromLink = $state(false);

  readonly #ctx: ValidationContext;
  #memoryKey = '';
  /** This browser's memory of the open workshop, kept here too where storage is blocked. */
  #memory: ShardMemory = { done: [] };

  constructor(ctx: ValidationContext) {
    this.#ctx = ctx;
  }

  /** Opens the page's `#workshop=` link, if there is one. Never throws (the link is outside input). */
  async openHash(hash: string, location: Pick<Location, 'origin' | 'pathname'>): Promise<void> {
    const found = workshopFromHash(hash);
    if (!found) return;
    this.fromLink = true;
    const decoded = await decodeWorkshop(found.payload, this.#ctx);
    if (!decoded.ok) {
      this.linkError = decoded.message;
      return;
    }
    await this.#open(decoded.workshop, found.payload, found.shard, location);
  }

  /**
   * The presenter's link for `spec` in `count` shards: opened here too, so this page suggests a
   * shard and merges like every other. Returns why it cannot be made, or null.
   */
  async create(
    spec: SweepSpec,
    runs: SweepRun[],
    count: number,
    location: Pick<Location, 'origin' | 'pathname'>,
  ): Promise<string | null> {
    const encoded = await encodeWorkshop(spec, runs.length, count);
    if (!encoded.ok) return encoded.message;
    await this.#open({ spec, runs, count }, encoded.payload, undefined, location);
    return null;
  }

  /** This browser finished `shard`: the next suggestion is a shard it has not run. */
  finished(shard: number): void {
    const open = this.open;
    if (!open) return;
    if (!this.#memory.done.includes(shard)) {
      this.#remember({ ...this.#memory, done: [...this.#memory.done, shard] });
    }
    // The link's own shard stays suggested only until it is done.
    const linked = open.suggestion.why === 'link' && open.suggestion.shard !== shard;
    this.open = {
      ...open,
      suggestion: this.#suggest(open.count, linked ? open.suggestion.shard : undefined),
    };
  }

  async #open(
    workshop: Workshop,
    payload: string,
    linked: number | undefined,
    location: Pick<Location, 'origin' | 'pathname'>,
  ): Promise<void> {
    const plan = await planSweepShards(workshop.runs, workshop.count);
    this.#memoryKey = `${MEMORY_KEY}${(await sha256Hex(payload)).slice(0, 16)}`;
    this.#memory = this.#stored();
    this.linkError = null;
    this.open = {
      ...workshop,
      link: workshopLinkFor(payload, location),
      plan,
      suggestion: this.#suggest(workshop.count, linked),
    };
  }

  #suggest(count: number, linked: number | undefined): OpenWorkshop['suggestion'] {
    const suggestion = suggestShard(count, linked, this.#memory, randomUnit);
    if (suggestion.why === 'random') this.#remember({ ...this.#memory, picked: suggestion.shard });
    return suggestion;
  }

  /** What this browser stored of the workshop; nothing when storage is blocked or garbled. */
  #stored(): ShardMemory {
    try {
      const text = browserStorage()?.getItem(this.#memoryKey);
      if (!text || text.length > 10_000) return { done: [] };
      const value: unknown = JSON.parse(text);
      if (typeof value !== 'object' || value === null) return { done: [] };
      const { picked, done } = value as { picked?: unknown; done?: unknown };
      return {
        picked: typeof picked === 'number' ? picked : undefined,
        done: Array.isArray(done) ? done.filter((k): k is number => typeof k === 'number') : [],
      };
    } catch {
      return { done: [] };
    }
  }

  #remember(memory: ShardMemory): void {
    this.#memory = memory;
    try {
      browserStorage()?.setItem(this.#memoryKey, JSON.stringify(memory));
    } catch {
      // A full or blocked storage only costs the memory across reloads: a reload picks anew.
    }
  }
}

/** A random number in [0, 1) from the browser's generator (each browser its own pick). */
function randomUnit(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32;
}
