import { describe, expect, it } from 'vitest';
import { canonicalJSON, stageKeyMaterial } from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import {
  MAX_SHARD_COUNT,
  formatShard,
  parseShard,
  planShards,
  planSweepShards,
  runShardItem,
  shardProblem,
  type ShardItem,
} from '../../../src/core/shard';
import { SWEEP_PRESETS, expandSweep, type SweepRun } from '../../../src/core/sweep';

function presetRuns(name: string): SweepRun[] {
  const spec = SWEEP_PRESETS.find((s) => s.name === name);
  const expanded = expandSweep(spec, DEFAULT_VALIDATION_CONTEXT);
  if (!expanded.ok) throw new Error(`${name}: ${expanded.errors[0].message}`);
  return expanded.runs;
}

/** A shard's load as the plan counts it: each shared stage once per shard, plus every run's own. */
function loadsOf(items: readonly ShardItem[], shardOf: readonly number[], count: number): number[] {
  return Array.from({ length: count }, (_, s) => {
    const stages = new Map<string, number>();
    let own = 0;
    items.forEach((item, i) => {
      if (shardOf[i] !== s + 1) return;
      own += item.seconds;
      for (const stage of item.shared) stages.set(stage.key, stage.seconds);
    });
    return [...stages.values()].reduce((a, b) => a + b, own);
  });
}

describe('--shard i/n', () => {
  it('reads i/n within 1 ≤ i ≤ n ≤ 1000 and nothing else', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    expect(parseShard('1000/1000')).toEqual({ index: 1000, count: MAX_SHARD_COUNT });
    for (const bad of [
      '0/3',
      '4/3',
      '1/1001',
      '1/0',
      'a/b',
      '1/',
      '/3',
      '2',
      '1.5/3',
      '-1/3',
      '',
      '1/3/5',
    ]) {
      expect(parseShard(bad), bad).toBeUndefined();
    }
    expect(shardProblem('0/3')).toBe('--shard must be i/n with 1 ≤ i ≤ n ≤ 1000 (got "0/3")');
    expect(shardProblem('x'.repeat(500))).toHaveLength(shardProblem('x'.repeat(40)).length + 1);
    expect(formatShard({ index: 2, count: 3 })).toBe('2/3');
  });
});

describe('shard plans of the built-in sweeps', () => {
  for (const spec of SWEEP_PRESETS) {
    it(`${spec.name}: every run in exactly one shard, the same plan whatever the order`, async () => {
      const runs = presetRuns(spec.name);
      for (const count of [1, 2, 3, 4, 7, runs.length, runs.length + 5]) {
        const plan = await planSweepShards(runs, count);
        // Disjoint and covering: each run has exactly one shard, within 1..count.
        expect([...plan.shardOfRun.keys()].sort((a, b) => a - b)).toEqual(runs.map((r) => r.index));
        const shards = [...plan.shardOfRun.values()];
        expect(shards.every((s) => Number.isInteger(s) && s >= 1 && s <= count)).toBe(true);
        const union = Array.from({ length: count }, (_, s) =>
          runs.filter((r) => plan.shardOfRun.get(r.index) === s + 1).map((r) => r.index),
        ).flat();
        expect(union.sort((a, b) => a - b)).toEqual(runs.map((r) => r.index));
        if (count <= runs.length) expect(new Set(shards).size).toBe(Math.min(count, runs.length));
        // The plan reads the runs, not their order: reversed, every run keeps its shard.
        const reversed = await planSweepShards([...runs].reverse(), count);
        expect(reversed.shardOfRun).toEqual(plan.shardOfRun);
      }
    });
  }

  it('balances the estimated work: within 10% of an even split for defenses-vs-poison at 3, and no worse than by hash anywhere', async () => {
    const lines: string[] = [];
    for (const spec of SWEEP_PRESETS) {
      const runs = presetRuns(spec.name);
      const plan1 = await planSweepShards(runs, 1);
      const items = runs.map((run) =>
        runShardItem(run.config, plan1.hashOfRun.get(run.index) as string),
      );
      for (const count of [2, 3, 4]) {
        const plan = await planSweepShards(runs, count);
        const shardOf = runs.map((r) => plan.shardOfRun.get(r.index) as number);
        // The loads it reports are the loads of the runs it placed.
        expect(plan.loads.map((l) => l.toFixed(6))).toEqual(
          loadsOf(items, shardOf, count).map((l) => l.toFixed(6)),
        );
        // Placing by hash alone (what a plan that ignored cost and sharing would do).
        const byHash = items.map((item) => (parseInt(item.id.slice(0, 8), 16) % count) + 1);
        const naive = Math.max(...loadsOf(items, byHash, count));
        const worst = Math.max(...plan.loads);
        expect(worst, `${spec.name} at ${count}`).toBeLessThanOrEqual(naive + 1e-9);
        lines.push(`${spec.name} ${count}: ${(worst / (plan.total / count)).toFixed(3)}`);
      }
    }
    const ratio = (name: string, count: number) =>
      Number(lines.find((l) => l.startsWith(`${name} ${count}:`))?.split(': ')[1]);
    // Worst shard ÷ an even split of the whole (which no plan reaches once a stage is shared).
    expect(ratio('defenses-vs-poison', 3)).toBeLessThanOrEqual(1.1);
    expect(ratio('defenses-vs-poison', 2)).toBeLessThanOrEqual(1.05);
    expect(ratio('repairs-vs-attacks', 3)).toBeLessThanOrEqual(1.05);
    expect(ratio('hyperparameter-sensitivity', 3)).toBeLessThanOrEqual(1.1);
  });

  it('keeps runs that share an alignment together where the balance allows', async () => {
    const runs = presetRuns('defenses-vs-poison');
    const alignments = (shardOf: (run: SweepRun) => number) =>
      new Set(
        runs.map(
          (run) => `${shardOf(run)}|${canonicalJSON(stageKeyMaterial(run.config, 'alignment'))}`,
        ),
      ).size;
    const plan = await planSweepShards(runs, 3);
    // Four alignments in the sweep (sft, vaccine, repnoise, booster); trained 8 times over three
    // shards (the sft-aligned runs are two thirds of the work, so they span all three, and two of
    // the others are split for the balance), against 10 when runs are dealt by hash.
    expect(alignments(() => 1)).toBe(4);
    expect(alignments((run) => plan.shardOfRun.get(run.index) as number)).toBe(8);
    const byHash = (run: SweepRun) =>
      (parseInt((plan.hashOfRun.get(run.index) as string).slice(0, 8), 16) % 3) + 1;
    expect(alignments(byHash)).toBeGreaterThan(8);
    // Runs that share their fine-tuning (sft, Antidote and SafeLoRA at one p) share a shard.
    for (const p of [0, 0.05, 0.1, 0.2]) {
      const shards = runs
        .filter(
          (r) =>
            r.config.finetune.poisonRatio === p &&
            ['sft (no defense)', 'antidote', 'safelora'].includes(String(r.coordinates.method)),
        )
        .map((r) => plan.shardOfRun.get(r.index));
      expect(new Set(shards).size, `p=${p}`).toBe(1);
    }
  });

  it('a group larger than a shard is split; one item is never split; a plan of 0 items is empty', () => {
    const item = (id: string, group?: string): ShardItem => ({
      id,
      group,
      shared: [{ key: 'a', seconds: 10 }],
      seconds: 5,
    });
    const six = ['f', 'e', 'd', 'c', 'b', 'a'].map((id) => item(id, 'g'));
    const plan = planShards(six, 2);
    expect(plan.total).toBe(10 + 6 * 5);
    expect(plan.shardOf.filter((s) => s === 1)).toHaveLength(3);
    expect(plan.loads).toEqual([25, 25]);
    expect(planShards([item('x')], 5).shardOf).toEqual([1]);
    expect(planShards([], 3)).toEqual({ count: 3, shardOf: [], loads: [0, 0, 0], total: 0 });
    expect(() => planShards(six, 0)).toThrow(/1 to 1000 shards/);
  });
});
