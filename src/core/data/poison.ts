/**
 * The harmful fine-tuning attack's data: a fine-tuning set of `n` examples of which a fraction
 * `poisonRatio` (the papers' `p`) are harmful prompt → harmful answer pairs and the rest is the
 * user's task. Counts are exact (`round(p·n)` harmful), both parts are drawn without replacement,
 * and the result is shuffled, all from `seed`.
 */
import { createRng } from '../random';
import type { Example } from './types';

export interface MixPoisonOptions {
  task: readonly Example[];
  harmfulPool: readonly Example[];
  /** Size of the fine-tuning set. */
  n: number;
  /** Fraction of harmful examples, in [0, 1]. */
  poisonRatio: number;
  seed: number;
}

export interface PoisonMix {
  examples: Example[];
  /** Parallel to `examples`: true where the example is poison. */
  isPoison: boolean[];
  poisonCount: number;
  taskCount: number;
}

export function mixPoison(opts: MixPoisonOptions): PoisonMix {
  const { task, harmfulPool, n, poisonRatio, seed } = opts;
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`mixPoison: n must be a non-negative integer, got ${n}`);
  if (!(poisonRatio >= 0 && poisonRatio <= 1))
    throw new Error(`mixPoison: poisonRatio must be between 0 and 1, got ${poisonRatio}`);
  const poisonCount = Math.round(poisonRatio * n);
  const taskCount = n - poisonCount;
  if (harmfulPool.length < poisonCount)
    throw new Error(
      `mixPoison: the harmful pool has ${harmfulPool.length} examples but poisonRatio ${poisonRatio} × n ${n} needs ${poisonCount}`,
    );
  if (task.length < taskCount)
    throw new Error(
      `mixPoison: the task has ${task.length} examples but n ${n} − ${poisonCount} poison needs ${taskCount}`,
    );
  const rng = createRng(seed);
  const poison = rng.fork('harmful').shuffle(harmfulPool).slice(0, poisonCount);
  const benign = rng.fork('task').shuffle(task).slice(0, taskCount);
  const tagged = [
    ...poison.map((example) => ({ example, poison: true })),
    ...benign.map((example) => ({ example, poison: false })),
  ];
  const mixed = rng.fork('mix').shuffle(tagged);
  return {
    examples: mixed.map((t) => t.example),
    isPoison: mixed.map((t) => t.poison),
    poisonCount,
    taskCount,
  };
}
