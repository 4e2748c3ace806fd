import { describe, expect, it } from 'vitest';
import { DEFAULT_VALIDATION_CONTEXT, resolvePreset } from '../../../src/core/lab';
import type { ResultsFile } from '../../../src/core/pipeline/types';
import {
  buildLeaderboard,
  expandSweep,
  formatSpread,
  spread,
  leaderboardCsv,
  leaderboardRunsCsv,
  leaderboardTable,
  methodLabel,
  runSweep,
  type SweepSpec,
} from '../../../src/core/sweep';
import { fakeResults } from './fakeResults';

const SPEC: SweepSpec = {
  schemaVersion: 1,
  name: 'board',
  base: { preset: 'micro', patch: { post: { method: 'none' } } },
  axes: [
    { field: 'finetune.poisonRatio', values: [0.1, 0.2] },
    {
      name: 'method',
      variants: [
        { label: 'none, "quoted"', patch: {} },
        { label: 'antidote', patch: { post: { method: 'antidote' } } },
      ],
    },
  ],
};

function expand(spec: SweepSpec) {
  const result = expandSweep(spec, DEFAULT_VALIDATION_CONTEXT);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.runs;
}

describe('leaderboard', () => {
  it('one row per run with the post and fine-tuned scores, and stage times re-used from the run that trained them', async () => {
    const runs = expand(SPEC);
    const results = new Map<number, ResultsFile>();
    // Run 0 trains everything; run 1 finds alignment + fine-tuning cached (same p); run 2 trains
    // a new fine-tuning (new p) on the cached alignment; run 3 is failed.
    results.set(0, await fakeResults(runs[0].config, [], { alignment: 30, finetune: 20, post: 1 }));
    results.set(1, await fakeResults(runs[1].config, ['alignment', 'finetune'], { post: 2 }));
    results.set(2, await fakeResults(runs[2].config, ['alignment'], { finetune: 25, post: 1 }));
    const board = buildLeaderboard(SPEC, runs, results, new Map([[3, 'out of memory']]));
    expect(board.settingColumns).toEqual(['p']);
    expect(
      board.rows.map((r) => [
        r.method,
        r.setting,
        r.harmfulScore,
        r.finetunedHarmfulScore,
        r.trainSeconds,
        r.cachedStages,
      ]),
    ).toEqual([
      ['none, "quoted"', { p: 0.1 }, 10, 10, 51, []],
      ['antidote', { p: 0.1 }, 5, 10, 52, ['alignment', 'finetune']],
      ['none, "quoted"', { p: 0.2 }, 20, 20, 56, ['alignment']],
    ]);
    expect(board.rows[1].runSeconds).toBe(7);
    expect(board.failures).toEqual([
      { index: 3, coordinates: { p: 0.2, method: 'antidote' }, error: 'out of memory' },
    ]);

    const csv = leaderboardCsv(board).split('\r\n');
    expect(csv[0]).toBe(
      'method,p,harmful_score,finetune_accuracy,harmful_refusal_rate,benign_helpfulness,' +
        'over_refusal_rate,finetuned_harmful_score,finetuned_accuracy,train_seconds,run_seconds,cached_stages,config_hash',
    );
    expect(csv[1]).toBe(
      `"none, ""quoted""",0.1,10,90,90,50,,10,90,51,56,,${results.get(0)!.configHash}`,
    );
    expect(csv[2]).toContain(',alignment finetune,');
    expect(csv).toHaveLength(5); // header, 3 rows, final empty line

    const table = leaderboardTable(board).split('\n');
    // Files without over-refusal prompts (older ones, or 0 prompts) show "—" and an empty field.
    expect(table[0]).toMatch(/^method +p +HS +FA +refusal +ORR +HS ft +FA ft +train s$/);
    expect(table[2]).toMatch(/^antidote +0\.1 +5\.0 +90\.0 +95\.0 +— +10\.0 +90\.0 +52\.0$/);
    expect(table.at(-1)).toBe('failed: run 3 (p=0.2, method=antidote): out of memory');
  });

  it('a stage cached from outside the sweep counts with the time its cache recorded, else unknown', async () => {
    const runs = expand(SPEC);
    const file = await fakeResults(runs[1].config, ['alignment']);
    const results = new Map([[1, file]]);
    expect(buildLeaderboard(SPEC, runs, results).rows[0].trainSeconds).toBeNull();
    // …unless the cache recorded it: then the run's stage record carries it.
    file.stages[0].trainedSeconds = 30;
    expect(buildLeaderboard(SPEC, runs, results).rows[0].trainSeconds).toBe(50);
  });

  it('without a method axis, the method column names the non-baseline stage methods', () => {
    const config = resolvePreset('micro');
    expect(methodLabel({ ...config, post: { ...config.post, method: 'none' } })).toBe(
      'sft (no defense)',
    );
    expect(methodLabel({ ...config, post: { ...config.post, method: 'antidote' } })).toBe(
      'antidote',
    );
  });
});

describe('runSweep', () => {
  it('runs in grid order, records a failure and goes on, and skips runs whose results are known', async () => {
    const runs = expand(SPEC);
    const order: number[] = [];
    const known = await fakeResults(runs[2].config);
    const outcome = await runSweep(
      runs,
      async (run) => {
        order.push(run.index);
        if (run.index === 1) throw new Error('cancelled');
        return fakeResults(run.config);
      },
      { known: async (run) => (run.index === 2 ? known : undefined) },
    );
    expect(order).toEqual([0, 1, 3]);
    expect([...outcome.results.keys()]).toEqual([0, 2, 3]);
    expect(outcome.results.get(2)).toBe(known);
    expect([...outcome.failures]).toEqual([[1, 'cancelled']]);
  });

  it('stops before the next run when asked', async () => {
    const runs = expand(SPEC);
    let done = 0;
    const outcome = await runSweep(
      runs,
      async (run) => {
        done += 1;
        return fakeResults(run.config);
      },
      { stopped: () => done === 2 },
    );
    expect(outcome.results.size).toBe(2);
  });
});

describe('aggregates over seeds', () => {
  it('mean, sample std and n per method × setting, against hand computation, n = 1 without a spread', async () => {
    const spec: SweepSpec = { ...SPEC, schemaVersion: 2, seeds: [1, 2, 3] };
    const runs = expand(spec);
    const results = new Map<number, ResultsFile>();
    // Post HS by seed: 10, 20, 60 for p = 0.1 without defense (mean 30, std √700 = 26.46).
    const hs: Record<number, number> = { 1: 10, 2: 20, 3: 60 };
    for (const run of runs) {
      const file = await fakeResults(run.config);
      file.metrics.post.harmfulScore = hs[run.config.seed];
      results.set(run.index, file);
    }
    // p = 0.2 with antidote finished on seed 2 only.
    for (const run of runs) {
      if (
        run.coordinates.p === 0.2 &&
        run.coordinates.method === 'antidote' &&
        run.config.seed !== 2
      )
        results.delete(run.index);
    }
    const board = buildLeaderboard(spec, runs, results);
    expect(board.schemaVersion).toBe(2);
    expect(board.aggregatedOver).toEqual(['seed']);
    expect(board.aggregates).toHaveLength(4);
    const first = board.aggregates[0];
    expect(first.method).toBe('none, "quoted"');
    expect(first.setting).toEqual({ p: 0.1 });
    expect(first.n).toBe(3);
    expect(first.over).toEqual([{ seed: 1 }, { seed: 2 }, { seed: 3 }]);
    expect(first.metrics.harmfulScore).toEqual({ mean: 30, std: 26.46, n: 3 });
    expect(first.metrics.finetuneAccuracy).toEqual({ mean: 90, std: 0, n: 3 });
    const single = board.aggregates[3];
    expect(single.setting).toEqual({ p: 0.2 });
    expect(single.metrics.harmfulScore).toEqual({ mean: 20, std: null, n: 1 });

    const table = leaderboardTable(board);
    expect(table).toContain('30.0 ± 26.5');
    expect(table).toMatch(/mean ± sample standard deviation over seed/);
    const csv = leaderboardCsv(board).split('\r\n');
    expect(csv[0]).toMatch(/^method,p,n,harmful_score_mean,harmful_score_std,/);
    expect(csv[1]).toMatch(/^"none, ""quoted""",0.1,3,30,26.46,/);
    expect(csv[1].endsWith(',1 2 3')).toBe(true);
    expect(csv[4]).toMatch(/^antidote,0.2,1,20,,/);
  });

  it('over-refusal: the post rate per run, its own spread over the runs that measured it', async () => {
    const spec: SweepSpec = { ...SPEC, schemaVersion: 2, seeds: [1, 2, 3] };
    const runs = expand(spec);
    const results = new Map<number, ResultsFile>();
    // Post over-refusal by seed: 10 and 40; seed 3's file predates it (no field).
    const rate: Record<number, number | undefined> = { 1: 10, 2: 40, 3: undefined };
    for (const run of runs) {
      const file = await fakeResults(run.config);
      const value = rate[run.config.seed];
      if (value !== undefined) file.metrics.post.overRefusalRate = value;
      file.metrics.finetuned.overRefusalRate = 99; // never read: the board shows the post model
      results.set(run.index, file);
    }
    const board = buildLeaderboard(spec, runs, results);
    expect(board.rows.map((row) => row.overRefusalRate).slice(0, 3)).toEqual([10, 40, null]);
    const first = board.aggregates[0];
    // Mean 25, sample std √((15² + 15²) / 1) = 21.21, over the 2 runs that measured it.
    expect(first.overRefusalRate).toEqual({ mean: 25, std: 21.21, n: 2 });
    expect(first.n).toBe(3);
    expect(leaderboardTable(board)).toContain('25.0 ± 21.2');
    const csv = leaderboardCsv(board).split('\r\n');
    const header = csv[0].split(',');
    const at = header.indexOf('over_refusal_rate_mean');
    expect(header.slice(at, at + 3)).toEqual([
      'over_refusal_rate_mean',
      'over_refusal_rate_std',
      'over_refusal_rate_n',
    ]);
    // The method cell is quoted with a comma inside: one more field before the columns.
    expect(csv[1].split(',').slice(at + 1, at + 4)).toEqual(['25', '21.21', '2']);
    const runsCsv = leaderboardRunsCsv(board).split('\r\n');
    const column = runsCsv[0].split(',').indexOf('over_refusal_rate');
    expect(runsCsv.slice(1, 4).map((line) => line.split(',')[column + 1])).toEqual([
      '10',
      '40',
      '',
    ]);
  });

  it('spread(): hand-computed values, and no spread from one value', () => {
    expect(spread([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, std: 2.14, n: 8 });
    expect(spread([42])).toEqual({ mean: 42, std: null, n: 1 });
    expect(formatSpread(spread([42]))).toBe('42.0');
    expect(formatSpread(spread([1, 2]))).toBe('1.5 ± 0.7');
    expect(() => spread([])).toThrow(/at least one/);
  });
});
