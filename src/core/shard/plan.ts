/**
 * Shards: `shard i/n` names a disjoint, deterministic part of a sweep's runs (or a search's
 * defenses), so n machines that know only the spec and their number split the work without
 * talking to each other. Every machine computes the same plan: it reads nothing but the items'
 * estimated costs (a fixed nominal speed, never this machine's) and their ids (run hashes), and
 * breaks every tie by id.
 *
 * The plan balances estimated cost while keeping shared stages shared. A run's cost is its own
 * (post and evaluation) plus the stages it may share with others (its alignment and its
 * fine-tuning); a shard pays a shared stage once, as its stage cache trains it once. Runs that
 * share their fine-tuning form a group, placed whole while it fits in one shard's share
 * (total ÷ n); a larger group is broken up, each part paying the shared stages again. Pieces are
 * placed longest first (LPT), each preferring a shard that already holds one of its stages when it
 * fits there, else the shard it leaves least loaded.
 */

/** `shard i/n`, 1-based: `{ index: 2, count: 3 }` is the second of three. */
export interface Shard {
  index: number;
  count: number;
}

/** More shards than this is a typo, not a cluster (and a plan over them is still instant). */
export const MAX_SHARD_COUNT = 1000;

/** The one-line message for a `--shard` value that is not `i/n` within the bounds. */
export function shardProblem(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return `--shard must be i/n with 1 ≤ i ≤ n ≤ ${MAX_SHARD_COUNT} (got "${shown}")`;
}

/** `2/3` → `{ index: 2, count: 3 }`; undefined for anything else (see `shardProblem`). */
export function parseShard(text: string): Shard | undefined {
  const match = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/.exec(text);
  if (!match) return undefined;
  const index = Number(match[1]);
  const count = Number(match[2]);
  return index >= 1 && index <= count && count <= MAX_SHARD_COUNT ? { index, count } : undefined;
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** A stage that several items may share, with what it costs whoever computes it first. */
export interface SharedStage {
  /** The stage's identity (its cache key material): equal keys are one computation. */
  key: string;
  seconds: number;
}

/** One unit of work to place: a sweep's run, a search's defense. */
export interface ShardItem {
  /** Its stable identity, e.g. the run's config hash; ties are broken by it. */
  id: string;
  /** Stages it may share with other items (a run's alignment and fine-tuning). */
  shared: readonly SharedStage[];
  /** Seconds of its own work (post stage, evaluation). */
  seconds: number;
  /**
   * Items of one group are placed together while the group fits in one shard's share (a sweep's
   * runs that share their fine-tuning, and so their alignment); absent: placed alone.
   */
  group?: string;
}

export interface ShardPlan {
  count: number;
  /** The shard (1-based) of each item, in the order the items were given. */
  shardOf: number[];
  /** Estimated seconds of each shard, each shared stage counted once per shard that holds it. */
  loads: number[];
  /** Estimated seconds of all the items in one place (each shared stage counted once). */
  total: number;
}

interface Piece {
  items: number[];
  /** Shared stage key → seconds, over the piece's items. */
  stages: Map<string, number>;
  own: number;
  cost: number;
  /** The smallest id among its items (the tie-breaker). */
  first: string;
}

/**
 * Splits `items` into `count` shards; pure and deterministic. The pieces are the groups (a group
 * larger than one shard's share, total ÷ count, broken into single items or into as few chunks as
 * its cost needs), longest first. A piece goes to a shard that already holds one of its shared
 * stages, if it fits there within the share (the shard saving the most seconds; then the less
 * loaded; then the lower number); otherwise to the shard it leaves least loaded (LPT), counting
 * only the stages that shard lacks — and a group that would overflow that shard fills it to its
 * share, the rest placed anew.
 */
export function planShards(items: readonly ShardItem[], count: number): ShardPlan {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARD_COUNT) {
    throw new Error(`a plan needs 1 to ${MAX_SHARD_COUNT} shards (got ${count})`);
  }
  // Two ways to break a group larger than a shard's share, each best on some sweeps (on the
  // built-in ones, worst shard ÷ an even split: lora-mask-ratio at 3 shards 1.35 by single runs,
  // 1.75 by chunks; repairs-vs-attacks at 8, 1.41 against 1.37): the plan with the lighter worst
  // shard is kept, then the one with less work in all, then single runs.
  const [singles, chunked] = (['singles', 'chunks'] as const).map((split) =>
    greedy(items, count, split),
  );
  const worst = (plan: ShardPlan) => Math.max(...plan.loads, 0);
  const sum = (plan: ShardPlan) => plan.loads.reduce((a, b) => a + b, 0);
  return worst(chunked) < worst(singles) ||
    (worst(chunked) === worst(singles) && sum(chunked) < sum(singles))
    ? chunked
    : singles;
}

function greedy(
  items: readonly ShardItem[],
  count: number,
  split: 'singles' | 'chunks',
): ShardPlan {
  const total = pieceOf(
    items,
    items.map((_, i) => i),
  ).cost;
  const share = total / count;
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const key = item.group === undefined ? `\u0000item:${i}` : `group:${item.group}`;
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  const pieces: Piece[] = [];
  for (const group of groups.values()) {
    // By id, so the plan does not depend on the order the items came in.
    const members = [...group].sort((a, b) => compare(items[a].id, items[b].id) || a - b);
    const whole = pieceOf(items, members);
    if (members.length === 1 || whole.cost <= share) pieces.push(whole);
    else if (split === 'singles') for (const i of members) pieces.push(pieceOf(items, [i]));
    else pieces.push(...chunks(items, members, Math.ceil(whole.cost / share)));
  }

  const byCost = (a: Piece, b: Piece) => b.cost - a.cost || compare(a.first, b.first);
  const bins: Piece[] = Array.from({ length: count }, () => emptyPiece());
  pieces.sort(byCost);
  while (pieces.length > 0) {
    let piece = pieces.shift() as Piece;
    let best = -1;
    let bestSaved = 0;
    let bestLoad = Infinity;
    // A shard holding one of its stages, where it fits: the most seconds saved.
    bins.forEach((bin, b) => {
      const saved = savedIn(bin, piece);
      const load = bin.cost + piece.cost - saved;
      if (
        saved > 0 &&
        load <= share &&
        (saved > bestSaved || (saved === bestSaved && load < bestLoad))
      ) {
        best = b;
        bestSaved = saved;
        bestLoad = load;
      }
    });
    if (best === -1) {
      // Else the shard it leaves least loaded.
      bins.forEach((bin, b) => {
        const load = bin.cost + piece.cost - savedIn(bin, piece);
        if (load < bestLoad) {
          best = b;
          bestLoad = load;
        }
      });
      // A group that would overflow that shard fills it to its share; the rest is placed anew
      // (paying its shared stages again wherever it lands).
      if (bestLoad > share && piece.items.length > 1) {
        const fits: number[] = [];
        let load = bins[best].cost;
        const stages = new Set(bins[best].stages.keys());
        for (const i of piece.items) {
          let added = items[i].seconds;
          for (const stage of items[i].shared) if (!stages.has(stage.key)) added += stage.seconds;
          if (load + added > share) break;
          load += added;
          fits.push(i);
          for (const stage of items[i].shared) stages.add(stage.key);
        }
        if (fits.length > 0) {
          const rest = pieceOf(items, piece.items.slice(fits.length));
          const at = pieces.findIndex((other) => byCost(rest, other) < 0);
          pieces.splice(at === -1 ? pieces.length : at, 0, rest);
          piece = pieceOf(items, fits);
          bestLoad = load;
        }
      }
    }
    const bin = bins[best];
    bin.items.push(...piece.items);
    for (const [key, seconds] of piece.stages) bin.stages.set(key, seconds);
    bin.own += piece.own;
    bin.cost = bestLoad;
  }
  for (const bin of bins) bin.items.sort((a, b) => a - b);
  const shardOf = new Array<number>(items.length).fill(0);
  bins.forEach((bin, b) => {
    for (const i of bin.items) shardOf[i] = b + 1;
  });
  return { count, shardOf, loads: bins.map((bin) => bin.cost), total };
}

/**
 * `members` (one group) in `k` consecutive pieces of about equal own work; each pays the group's
 * shared stages again, which is why a group is split only when it is larger than a shard's share.
 */
function chunks(items: readonly ShardItem[], members: readonly number[], k: number): Piece[] {
  const parts = Math.min(k, members.length);
  const own = members.reduce((sum, i) => sum + items[i].seconds, 0);
  const out: Piece[] = [];
  let start = 0;
  let done = 0;
  for (let part = 1; part <= parts; part++) {
    // Up to the item whose end is nearest the part's end, leaving one item for each later part.
    let end = start + 1;
    let sum = done + items[members[start]].seconds;
    const goal = (own * part) / parts;
    while (
      end < members.length - (parts - part) &&
      Math.abs(sum + items[members[end]].seconds - goal) < Math.abs(sum - goal)
    ) {
      sum += items[members[end]].seconds;
      end += 1;
    }
    if (part === parts) end = members.length;
    out.push(pieceOf(items, members.slice(start, end)));
    start = end;
    done = sum;
  }
  return out;
}

/** Seconds of `piece`'s shared stages that `bin` already holds. */
function savedIn(bin: Piece, piece: Piece): number {
  let saved = 0;
  for (const [key, seconds] of piece.stages) if (bin.stages.has(key)) saved += seconds;
  return saved;
}

function pieceOf(items: readonly ShardItem[], members: readonly number[]): Piece {
  const piece = emptyPiece();
  for (const i of members) {
    const item = items[i];
    piece.items.push(i);
    for (const stage of item.shared) piece.stages.set(stage.key, stage.seconds);
    piece.own += item.seconds;
    if (piece.first === '' || compare(item.id, piece.first) < 0) piece.first = item.id;
  }
  let shared = 0;
  for (const seconds of piece.stages.values()) shared += seconds;
  piece.cost = shared + piece.own;
  return piece;
}

function emptyPiece(): Piece {
  return { items: [], stages: new Map(), own: 0, cost: 0, first: '' };
}

/** By UTF-16 code unit, as `sort()` does: the same on every engine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
