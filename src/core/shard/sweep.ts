/**
 * A sweep's shards: its runs, placed by `planShards` from each run's estimated cost and its hash.
 * The plan is made from the runs as the spec expands them (before a `--backend` override), so
 * every machine places every run alike whatever backend it runs on.
 */
import { configHash } from '../config/canonical';
import type { SweepRun } from '../sweep/spec';
import { runShardItem } from './cost';
import { planShards, type Shard } from './plan';

export interface SweepShardPlan {
  count: number;
  /** Run index → its shard (1-based). */
  shardOfRun: Map<number, number>;
  /** Run index → its hash (the config hash of the run as the spec expands it). */
  hashOfRun: Map<number, string>;
  /** Estimated seconds of each shard, at the nominal speed (`NOMINAL_SPEED`). */
  loads: number[];
  /** Estimated seconds of the whole sweep in one place. */
  total: number;
}

export async function planSweepShards(
  runs: readonly SweepRun[],
  count: number,
): Promise<SweepShardPlan> {
  const hashes = await Promise.all(runs.map((run) => configHash(run.config)));
  const plan = planShards(
    runs.map((run, i) => runShardItem(run.config, hashes[i])),
    count,
  );
  return {
    count,
    shardOfRun: new Map(runs.map((run, i) => [run.index, plan.shardOf[i]])),
    hashOfRun: new Map(runs.map((run, i) => [run.index, hashes[i]])),
    loads: plan.loads,
    total: plan.total,
  };
}

/** The runs of `shard`, in grid order. */
export function runsOfShard<R extends { index: number }>(
  runs: readonly R[],
  plan: Pick<SweepShardPlan, 'shardOfRun'>,
  shard: Shard,
): R[] {
  return runs.filter((run) => plan.shardOfRun.get(run.index) === shard.index);
}

/**
 * `shard 2/3: 12 of 36 runs, 34% of the sweep's estimated work (shards 33%, 34%, 35%; 102% in
 * all: stages trained on more than one shard)`.
 */
export function describeShardPlan(
  plan: Pick<SweepShardPlan, 'loads' | 'total' | 'count'>,
  shard: Shard,
  runs: number,
  of: number,
  what = 'runs',
): string {
  const percent = (seconds: number) => `${Math.round((100 * seconds) / plan.total)}%`;
  const sum = plan.loads.reduce((a, b) => a + b, 0);
  const shards =
    plan.count <= 12
      ? `shards ${plan.loads.map(percent).join(', ')}`
      : `largest shard ${percent(Math.max(...plan.loads))}`;
  const overlap =
    sum > plan.total * 1.005
      ? `; ${percent(sum)} in all: stages trained on more than one shard`
      : '';
  return (
    `shard ${shard.index}/${shard.count}: ${runs} of ${of} ${what}, ` +
    `${percent(plan.loads[shard.index - 1])} of the estimated work (${shards}${overlap})`
  );
}
