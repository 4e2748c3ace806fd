/**
 * How every built-in generator splits and samples. A generator enumerates the slot combinations
 * of a split (its *pool*, each combination rendering a distinct prompt), and `generate` draws from
 * a seeded shuffle of that pool. Which split a combination belongs to never depends on the seed,
 * so train, eval and re-alignment prompts stay disjoint across runs with different seeds.
 */
import { createRng, type Rng } from '../random';
import type { DatasetGenerator, Example, ExampleKind, Split } from './types';
import { SPLITS } from './types';

/**
 * The split of a slot combination, from the sum of its slot indices (template index included)
 * modulo `modulus`: residue `modulus − 1` is eval, the `realignResidues` residues below it are
 * realign, the rest is train. For fixed other slots, stepping the template index through `modulus`
 * consecutive values visits every residue, so each slot value (each country, each harmful act) is
 * still seen in train, with another template, while the exact eval and realign combinations never
 * are.
 */
export function splitOf(indices: readonly number[], modulus: number, realignResidues = 1): Split {
  if (!Number.isInteger(modulus) || modulus < realignResidues + 2)
    throw new Error('splitOf: modulus must leave at least one train residue');
  const residue = indices.reduce((sum, i) => sum + i, 0) % modulus;
  if (residue === modulus - 1) return 'eval';
  if (residue >= modulus - 1 - realignResidues) return 'realign';
  return 'train';
}

/**
 * `n` items from a seeded shuffle of `pool`; past the end of the pool, a fresh shuffle is appended,
 * so every item occurs once before any repeats. Taking fewer items gives a prefix of the same list.
 */
export function drawCycled<T>(pool: readonly T[], n: number, rng: Rng): T[] {
  if (n === 0) return [];
  if (pool.length === 0) throw new Error('drawCycled: empty pool');
  const out: T[] = [];
  while (out.length < n) out.push(...rng.shuffle(pool).slice(0, n - out.length));
  return out;
}

/**
 * `n` items with every stratum equally represented (± 1): each round takes one item from each
 * stratum, in a seeded order; within a stratum, items are drawn as by `drawCycled`.
 */
export function drawStratified<T>(
  pool: readonly T[],
  n: number,
  rng: Rng,
  stratum: (item: T) => string,
): T[] {
  const groups = new Map<string, T[]>();
  for (const item of pool) {
    const key = stratum(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const keys = [...groups.keys()];
  const perRound = Math.ceil(n / Math.max(keys.length, 1));
  const drawn = keys.map((key) => drawCycled(groups.get(key) ?? [], perRound, rng.fork(key)));
  const order = keys.map((_k, i) => i);
  const out: T[] = [];
  for (let round = 0; out.length < n; round++) {
    for (const g of rng.shuffle(order)) {
      if (out.length === n) break;
      out.push(drawn[g][round]);
    }
  }
  return out;
}

/** Rejects options a caller could get wrong, naming the generator. */
export function checkGenerateOptions(
  name: string,
  split: unknown,
  n: unknown,
  seed: unknown,
): void {
  if (!SPLITS.includes(split as Split))
    throw new Error(`${name}: split must be one of ${SPLITS.join(', ')}, got ${String(split)}`);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new Error(`${name}: n must be a non-negative integer, got ${String(n)}`);
  if (typeof seed !== 'number' || !Number.isFinite(seed))
    throw new Error(`${name}: seed must be a finite number, got ${String(seed)}`);
}

export interface GeneratorSpec<T> {
  name: string;
  description: string;
  kind: ExampleKind;
  /** Every slot combination of a split, without randomness; each must render a distinct prompt. */
  enumerate(split: Split): T[];
  /** One example from a combination; `rng` may vary the wording of the response only. */
  render(item: T, rng: Rng): Example;
  /**
   * Strata drawn in equal numbers (± 1), e.g. harmful categories or topic classes, whose pools
   * differ in size. Without it, items are drawn uniformly from the whole pool.
   */
  stratum?(item: T): string;
}

/** A `DatasetGenerator` from a pool enumerator and a renderer (pools are built once, lazily). */
export function defineGenerator<T>(spec: GeneratorSpec<T>): DatasetGenerator {
  const pools = new Map<Split, readonly T[]>();
  const pool = (split: Split): readonly T[] => {
    let items = pools.get(split);
    if (items === undefined) {
      items = spec.enumerate(split);
      pools.set(split, items);
    }
    return items;
  };
  return {
    name: spec.name,
    description: spec.description,
    kind: spec.kind,
    poolSize: (split) => pool(split).length,
    generate: ({ split, n, seed }) => {
      checkGenerateOptions(spec.name, split, n, seed);
      const items = pool(split);
      if (items.length === 0 && n > 0) throw new Error(`${spec.name}: the ${split} split is empty`);
      const rng = createRng(seed).fork(`${spec.name}/${split}`);
      const order = rng.fork('order');
      const wording = rng.fork('wording');
      const drawn = spec.stratum
        ? drawStratified(items, n, order, spec.stratum)
        : drawCycled(items, n, order);
      return drawn.map((item) => spec.render(item, wording));
    },
  };
}

/** Replaces `{slot}` markers; a marker without a value is a bug in a template, so it throws. */
export function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (_m, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template slot {${key}} has no value: ${template}`);
    return value;
  });
}

/** Every index vector of a mixed-radix space, last index fastest. */
export function* combinations(dims: readonly number[]): Generator<number[]> {
  if (dims.some((d) => d <= 0)) return;
  const idx = dims.map(() => 0);
  for (;;) {
    yield idx.slice();
    let k = dims.length - 1;
    while (k >= 0 && ++idx[k] === dims[k]) idx[k--] = 0;
    if (k < 0) return;
  }
}
