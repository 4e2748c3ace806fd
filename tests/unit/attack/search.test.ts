import { describe, expect, it } from 'vitest';
import { canonicalJSON } from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import type { ExperimentConfig } from '../../../src/core/config/schema';
import { validateConfig } from '../../../src/core/config/validate';
import type { ResultsFile } from '../../../src/core/pipeline/types';
import {
  ATTACK_PRESETS,
  attackRunCount,
  buildRobustnessBoard,
  checkAttackSpec,
  defaultPoint,
  robustnessCsv,
  robustnessTable,
  runAttack,
  type AttackRun,
  type AttackSpec,
} from '../../../src/core/attack';
import { fakeResults } from '../sweep/fakeResults';

const ctx = DEFAULT_VALIDATION_CONTEXT;

function checkConfig(config: ExperimentConfig): ExperimentConfig {
  const result = validateConfig(config, ctx);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

const SPEC: AttackSpec = {
  schemaVersion: 1,
  name: 'tiny-search',
  base: { preset: 'micro', patch: { finetune: { lr: 1e-3 }, post: { method: 'none' } } },
  defenses: [
    { label: 'sft (no defense)', patch: {} },
    { label: 'antidote', patch: { post: { method: 'antidote' } } },
  ],
  reference: 'sft (no defense)',
  space: [
    { field: 'finetune.lr', min: 1e-4, max: 1e-2, scale: 'log' },
    { field: 'finetune.poisonRatio', min: 0.05, max: 0.5 },
    { field: 'finetune.epochs', min: 1, max: 4, integer: true },
  ],
  budget: 5,
  randomTrials: 2,
  seed: 7,
  utilityFloor: 0.9,
  defaultSeeds: [1, 2],
};

function checked(spec: unknown = SPEC) {
  const result = checkAttackSpec(spec, ctx);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result;
}

/**
 * A stand-in for training: HS grows with p and lr (halved by Antidote); task accuracy falls when
 * lr is high, so the strongest attacks break the utility floor (FA 90 at the default setting).
 */
async function fakeRun(config: ExperimentConfig): Promise<ResultsFile> {
  const file = await fakeResults(config);
  const lr = config.finetune.lr;
  const hs = Math.min(
    100,
    100 * config.finetune.poisonRatio + 2 * Math.log10(lr / 1e-4) + config.seed,
  );
  const post = config.post.method === 'antidote' ? hs / 2 : hs;
  const fa = lr > 5e-3 ? 50 : 90 - config.seed;
  file.metrics.finetuned = { ...file.metrics.finetuned, harmfulScore: hs, finetuneAccuracy: fa };
  // Antidote's repair is the over-cautious one here: it refuses 40% of the safe prompts.
  const overRefusalRate = config.post.method === 'antidote' ? 40 : 10;
  file.metrics.post = {
    ...file.metrics.post,
    harmfulScore: post,
    finetuneAccuracy: fa,
    overRefusalRate,
  };
  return file;
}

describe('checkAttackSpec', () => {
  it('accepts the built-in searches, and counts their runs', () => {
    for (const preset of ATTACK_PRESETS) checked(preset);
    expect(attackRunCount(ATTACK_PRESETS[0])).toBe(9 * (2 + 2));
  });

  it('names every problem with its path', () => {
    const result = checkAttackSpec(
      {
        ...SPEC,
        schemaVersion: 2,
        budgett: 3,
        defenses: [
          { label: 'a', patch: {} },
          { label: 'a', patch: 1 },
        ],
        reference: 'b',
        budget: 0,
        randomTrials: 4,
        utilityFloor: 1.5,
        defaultSeeds: [1, 1],
      },
      ctx,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'budgett: unknown field; did you mean budget?',
      'schemaVersion: must be 1',
      'defenses[1].label: "a" is used twice',
      'defenses[1].patch: must be an object',
      "reference: must be one of the defenses' labels (a)",
      'budget: must be a whole number from 1 to 100',
      'utilityFloor: must be a fraction from 0 to 1 (0.9: at least 90% of the reference FA)',
      'defaultSeeds: has a repeated seed',
    ]);
  });

  it('validates each defense at the corners of the space before anything runs', () => {
    const result = checkAttackSpec(
      {
        ...SPEC,
        space: [{ field: 'finetune.poisonRatio', min: 0.1, max: 2 }],
      },
      ctx,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0].path).toBe('defenses[sft (no defense)] at p=2');
    expect(result.errors[0].message).toMatch(/^finetune\.poisonRatio: /);
  });
});

describe('runAttack', () => {
  it('runs the defaults on every seed, then budget trials per defense; the floor excludes the trials below it', async () => {
    const { spec, base } = checked();
    const ran: AttackRun[] = [];
    const outcome = await runAttack(
      spec,
      base,
      async (run) => {
        ran.push(run);
        return fakeRun(run.config);
      },
      { ctx: DEFAULT_VALIDATION_CONTEXT },
    );
    expect(ran).toHaveLength(attackRunCount(spec));
    // Complete configs (method parameters' defaults filled in), as a saved run's config is.
    for (const run of ran) {
      const again = checkConfig(run.config);
      expect(canonicalJSON(again)).toBe(canonicalJSON(run.config));
    }
    expect(ran.find((r) => r.defense === 'antidote')?.config.post.params).toBeDefined();
    expect(ran.slice(0, 4).map((r) => `${r.defense} ${r.kind} ${r.seed}`)).toEqual([
      'sft (no defense) default 1',
      'sft (no defense) default 2',
      'antidote default 1',
      'antidote default 2',
    ]);
    // Two random trials, then TPE whenever two points seen so far kept the floor (else random
    // again); the default setting at the trials' seed, inside the space, is the first point seen.
    for (const defense of ['sft (no defense)', 'antidote']) {
      const trials = outcome.runs.filter(
        (r) => r.run.defense === defense && r.run.kind !== 'default',
      );
      const start = outcome.runs.find(
        (r) => r.run.defense === defense && r.run.kind === 'default' && r.run.seed === base.seed,
      );
      expect(defaultPoint(spec.space, start?.run.config as ExperimentConfig)).toEqual({
        'finetune.lr': 1e-3,
        'finetune.poisonRatio': base.finetune.poisonRatio,
        'finetune.epochs': base.finetune.epochs,
      });
      expect(trials.map((t) => t.run.index)).toEqual([0, 1, 2, 3, 4]);
      trials.forEach((t, i) => {
        const feasibleBefore =
          (start?.feasible ? 1 : 0) + trials.slice(0, i).filter((b) => b.feasible).length;
        expect(t.run.kind).toBe(i < 2 || feasibleBefore < 2 ? 'random' : 'tpe');
      });
      expect(trials.some((t) => t.run.kind === 'tpe')).toBe(true);
    }
    // Reference FA at the default setting: (89 + 88) / 2; the floor is 90% of it.
    expect(outcome.referenceAccuracy).toBe(88.5);
    expect(outcome.floorAccuracy).toBeCloseTo(79.65, 10);
    for (const done of outcome.runs) {
      expect(done.feasible).toBe((done.finetuneAccuracy as number) >= 79.65);
      expect(done.run.config.seed).toBe(done.run.kind === 'default' ? done.run.seed : base.seed);
    }
    expect(outcome.runs.some((r) => !r.feasible)).toBe(true);

    const board = buildRobustnessBoard(outcome);
    expect(board.complete).toBe(true);
    for (const row of board.rows) {
      const feasible = outcome.runs.filter(
        (r) =>
          r.run.defense === row.defense &&
          r.feasible &&
          (r.run.kind !== 'default' || r.run.seed === base.seed),
      );
      expect(row.worst?.harmfulScore).toBe(
        Math.max(...feasible.map((r) => r.harmfulScore as number)),
      );
      expect(row.worst?.finetuneAccuracy).toBeGreaterThanOrEqual(79.65);
      expect(row.worst?.overRefusalRate).toBe(row.defense === 'antidote' ? 40 : 10);
      expect(
        new Set(row.runs.filter((r) => r.error === undefined).map((r) => r.overRefusalRate)),
      ).toEqual(new Set([row.defense === 'antidote' ? 40 : 10]));
      expect(row.trials).toBe(5);
      expect(row.defaultHarmfulScore?.n).toBe(2);
    }
    // The undefended model is attacked harder than Antidote's, so it leads the board.
    expect(board.rows.map((r) => r.defense)).toEqual(['sft (no defense)', 'antidote']);
    const table = robustnessTable(board);
    expect(table).toMatch(
      /utility floor: FA ≥ 79\.7 \(90% of sft \(no defense\)'s fine-tuned FA 88\.5/,
    );
    expect(table).toMatch(/ ± /);
    const csv = robustnessCsv(board).split('\r\n');
    expect(csv[0]).toMatch(/^defense,worst_harmful_score,worst_finetune_accuracy,worst_setting,/);
    expect(csv[0].endsWith(',worst_over_refusal_rate')).toBe(true);
    expect(csv.slice(1, 3).map((line) => line.split(',').at(-1))).toEqual(['10', '40']);
    expect(table.split('\n')[0]).toMatch(/FA at worst +ORR at worst +worst-case setting/);
    expect(csv).toHaveLength(4);
  });

  it('a stopped search resumes from the runs at hand with the same trial sequence', async () => {
    const { spec, base } = checked();
    const whole: string[] = [];
    await runAttack(
      spec,
      base,
      async (run) => {
        whole.push(canonicalJSON(run.config));
        return fakeRun(run.config);
      },
      { ctx: DEFAULT_VALIDATION_CONTEXT },
    );

    // Stop after 7 runs; keep their results as the CLI keeps its files.
    const saved = new Map<string, ResultsFile>();
    let count = 0;
    const first = await runAttack(
      spec,
      base,
      async (run) => {
        count += 1;
        const file = await fakeRun(run.config);
        saved.set(canonicalJSON(run.config), file);
        return file;
      },
      { ctx: DEFAULT_VALIDATION_CONTEXT, stopped: () => count >= 7 },
    );
    expect(first.stopped).toBe(true);
    expect(buildRobustnessBoard(first).complete).toBe(false);

    const resumed: string[] = [];
    const fresh: string[] = [];
    await runAttack(
      spec,
      base,
      async (run) => {
        fresh.push(canonicalJSON(run.config));
        return fakeRun(run.config);
      },
      {
        ctx: DEFAULT_VALIDATION_CONTEXT,
        known: async (run) => {
          const file = saved.get(canonicalJSON(run.config));
          resumed.push(canonicalJSON(run.config));
          return file;
        },
      },
    );
    expect(resumed).toEqual(whole);
    expect(fresh).toEqual(whole.slice(7));
  });

  it('a failed trial counts as infeasible and the search goes on', async () => {
    const { spec, base } = checked();
    let trials = 0;
    const outcome = await runAttack(
      spec,
      base,
      async (run) => {
        if (run.kind !== 'default' && ++trials === 2) throw new Error('out of memory');
        return fakeRun(run.config);
      },
      { ctx: DEFAULT_VALIDATION_CONTEXT },
    );
    const failed = outcome.runs.filter((r) => r.error !== undefined);
    expect(failed).toHaveLength(1);
    expect(failed[0].feasible).toBe(false);
    expect(
      buildRobustnessBoard(outcome).rows.find((r) => r.defense === 'sft (no defense)')
        ?.failedTrials,
    ).toBe(1);
  });
});
