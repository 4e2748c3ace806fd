/**
 * Seeded pseudo-random numbers. Everything random in the lab (weight init, batching, data
 * generation, poison mixing) draws from one of these so a config's `seed` fully determines a run,
 * identically on every backend (the numbers are made in JavaScript, never on the device).
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent stream derived from this one and a label, e.g. `rng.fork('poison')`. */
  fork(label: string): Rng;
  /** Where the stream stands, to continue it later with `restoreRng` (a resumed training run). */
  save(): RngState;
}

/** A stream's position: mulberry32's state and Box–Muller's spare normal. */
export interface RngState {
  state: number;
  spareNormal: number | null;
}

/** 32-bit FNV-1a, used to turn labels into seeds. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: small, fast, and good enough for shuffling and initialisation. */
export function createRng(seed: number): Rng {
  return restoreRng({ state: seed >>> 0, spareNormal: null });
}

/** The stream `saved` describes, continuing exactly where `rng.save()` was called. */
export function restoreRng(saved: RngState): Rng {
  let state = saved.state >>> 0;
  let spareNormal: number | null = saved.spareNormal;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      if (spareNormal !== null) {
        const z = spareNormal;
        spareNormal = null;
        return z;
      }
      const u = 1 - next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    pick: (items) => {
      if (items.length === 0) throw new Error('pick() from an empty list');
      return items[Math.floor(next() * items.length)];
    },
    shuffle: (items) => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
    fork: (label) => createRng((hashString(label) ^ Math.imul(state, 0x9e3779b1)) >>> 0),
    save: () => ({ state, spareNormal }),
  };
  return rng;
}
