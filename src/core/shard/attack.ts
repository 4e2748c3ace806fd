/**
 * An attacker search's shards: by defense. The search proposes each defense's next trial from
 * that defense's trials so far (TPE), so a defense's whole search stays on one shard; a machine
 * that has its shard's results files proposes the same trials as the one that started it. What
 * every shard shares is the utility floor, set by the reference defense's default-setting runs:
 * each shard runs those itself (`hooks.defenses` in `runAttack`), and a merge folds the copies.
 */
import type { ValidationContext } from '../config/context';
import { canonicalJSON, stageKeyMaterial } from '../config/canonical';
import type { ExperimentConfig } from '../config/schema';
import { validateConfig } from '../config/validate';
import { trialConfig, type AttackSpec } from '../attack/spec';
import { runShardItem } from './cost';
import { planShards, type ShardItem, type Shard } from './plan';

export interface AttackShardPlan {
  count: number;
  /** Defense label → its shard (1-based). */
  shardOfDefense: Map<string, number>;
  /** Estimated seconds of each shard (the reference's default runs, which every shard makes, left out). */
  loads: number[];
  total: number;
}

/**
 * Each defense is one item: its alignment on each seed it runs on is a stage it may share with
 * the defenses aligned alike; its own work is its default runs and its trials, each trial
 * estimated as a default-setting run (the trials' settings are known only as the search goes).
 * Its id is its label, unique within a search.
 */
export function planAttackShards(
  spec: AttackSpec,
  base: ExperimentConfig,
  ctx: ValidationContext,
  count: number,
): AttackShardPlan {
  const items: ShardItem[] = spec.defenses.map((defense) => {
    const seeds = [base.seed, ...spec.defaultSeeds.filter((seed) => seed !== base.seed)];
    const configs = seeds.map((seed) => {
      const config = trialConfig(spec, base, defense, {}, seed);
      const checked = validateConfig(config, ctx);
      return checked.ok ? checked.config : config;
    });
    const perRun = runShardItem(configs[0], defense.label);
    const runs = spec.defaultSeeds.length + spec.budget;
    return {
      id: defense.label,
      shared: configs.map((config) => ({
        key: `alignment:${canonicalJSON(stageKeyMaterial(config, 'alignment'))}`,
        seconds: runShardItem(config, defense.label).shared[0].seconds,
      })),
      seconds: runs * ((perRun.shared[1]?.seconds ?? 0) + perRun.seconds),
    };
  });
  const plan = planShards(items, count);
  return {
    count,
    shardOfDefense: new Map(spec.defenses.map((d, i) => [d.label, plan.shardOf[i]])),
    loads: plan.loads,
    total: plan.total,
  };
}

/** The labels of `shard`'s defenses, in the spec's order. */
export function defensesOfShard(spec: AttackSpec, plan: AttackShardPlan, shard: Shard): string[] {
  return spec.defenses
    .map((d) => d.label)
    .filter((label) => plan.shardOfDefense.get(label) === shard.index);
}
