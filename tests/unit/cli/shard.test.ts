import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LabRunner } from '../../../cli/browserRun';
import { canonicalJSON, type ExperimentConfig } from '../../../src/core/config';
import { fakeResults } from '../sweep/fakeResults';
import { runCli } from './fixtures';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safetune-shard-'));
});

const lab = (argv: string[], runLab: LabRunner) => runCli(argv, dir, runLab);
const read = (path: string) => readFileSync(join(dir, path), 'utf8');

const SWEEP = {
  schemaVersion: 2,
  name: 'tiny-shards',
  base: { preset: 'micro', patch: { post: { method: 'none' } } },
  axes: [
    { field: 'finetune.poisonRatio', values: [0.1, 0.2, 0.3] },
    {
      name: 'method',
      variants: [
        { label: 'none', patch: {} },
        { label: 'antidote', patch: { post: { method: 'antidote' } } },
        { label: 'vaccine', patch: { alignment: { method: 'vaccine' } } },
      ],
    },
  ],
  seeds: [1, 2],
};

/**
 * A fake browser whose results follow from the config alone (never from what ran before it), as
 * a real run's numbers do; `limit` ends it after that many runs, `bump` changes one run's numbers.
 */
function fakeBrowser(options: { limit?: number; bump?: (c: ExperimentConfig) => boolean } = {}) {
  const seen: ExperimentConfig[] = [];
  const runner: LabRunner = async ({ config }) => {
    if (seen.length >= (options.limit ?? Infinity)) throw new Error('Target closed');
    seen.push(config);
    const results = await fakeResults(config);
    if (options.bump?.(config)) results.metrics.post.harmfulScore += 0.5;
    return results;
  };
  return { runner, seen };
}

describe('lab sweep --shard and lab merge (with a fake browser)', () => {
  it('three shards cover the sweep once, and their merge is the unsharded leaderboard byte for byte', async () => {
    writeFileSync(join(dir, 's.json'), JSON.stringify(SWEEP));
    const whole = fakeBrowser();
    expect((await lab(['sweep', 's.json', '--out', 'whole'], whole.runner)).status).toBe(0);

    const ran: string[][] = [];
    for (const k of [1, 2, 3]) {
      const browser = fakeBrowser();
      const result = await lab(
        ['sweep', 's.json', '--shard', `${k}/3`, '--out', `shards/shard-${k}`],
        browser.runner,
      );
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(`^shard ${k}/3: \\d+ of 18 runs, \\d+% of the estimated work \\(shards `, 'm'),
      );
      ran.push(browser.seen.map((c) => canonicalJSON(c)));
      const manifest = JSON.parse(read(`shards/shard-${k}/shard.json`));
      expect(manifest).toMatchObject({
        schemaVersion: 1,
        kind: 'safetune-lab/shard',
        command: 'sweep',
        shard: { index: k, count: 3 },
        backend: null,
      });
      expect(manifest.runs.map((r: { index: number }) => r.index).sort()).toEqual(
        readdirSync(join(dir, `shards/shard-${k}/runs`))
          .map((f) => Number(f.slice(0, 3)))
          .sort(),
      );
    }
    // Disjoint, and together every run of the sweep, each once.
    const all = ran.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(whole.seen.map((c) => canonicalJSON(c)).sort());

    const merged = await lab(['merge', 'shards', '--out', 'merged'], fakeBrowser().runner);
    expect(merged.stderr).toBe('');
    expect(merged.status).toBe(0);
    expect(merged.stdout).toMatch(
      /^merge: sweep tiny-shards, 3 shards \(manifests of 1, 2, 3\); 18 results files read, 0 duplicates with identical metrics folded$/m,
    );
    for (const file of ['leaderboard.json', 'leaderboard.csv', 'leaderboard-runs.csv']) {
      expect(read(`merged/${file}`), file).toBe(read(`whole/${file}`));
    }
    expect(readdirSync(join(dir, 'merged/runs'))).toEqual(readdirSync(join(dir, 'whole/runs')));

    // Merging again, with the whole sweep's folder too: every run twice, folded; same files.
    const again = await lab(['merge', 'shards', 'whole', '--out', 'merged'], fakeBrowser().runner);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(
      '36 results files read, 18 duplicates with identical metrics folded',
    );
    expect(read('merged/leaderboard.json')).toBe(read('whole/leaderboard.json'));
    expect(readdirSync(join(dir, 'merged/runs'))).toHaveLength(18);
  });

  it('a missing shard is named run by run; a conflicting copy is shown with both values; both exit 1', async () => {
    writeFileSync(join(dir, 's.json'), JSON.stringify({ ...SWEEP, seeds: undefined }));
    for (const k of [1, 2, 3]) {
      await lab(
        ['sweep', 's.json', '--shard', `${k}/3`, '--out', `shards/shard-${k}`],
        fakeBrowser().runner,
      );
    }
    const manifest2 = JSON.parse(read('shards/shard-2/shard.json'));
    rmSync(join(dir, 'shards/shard-2'), { recursive: true });
    const missing = await lab(['merge', 'shards', '--out', 'm1'], fakeBrowser().runner);
    expect(missing.status).toBe(1);
    const lines = missing.stderr.trimEnd().split('\n');
    for (const run of manifest2.runs as { index: number; coordinates: Record<string, unknown> }[]) {
      const where = Object.entries(run.coordinates)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', ');
      expect(lines).toContain(
        `missing: run ${run.index} (${where}) (shard 2/3; its shard.json is not among the inputs)`,
      );
    }
    expect(lines.at(-1)).toBe(
      `merge: 0 in conflict, ${manifest2.runs.length} missing: the leaderboard lists them as failures`,
    );
    const board = JSON.parse(read('m1/leaderboard.json'));
    expect(board.failures.map((f: { index: number }) => f.index)).toEqual(
      manifest2.runs.map((r: { index: number }) => r.index),
    );
    expect(board.failures[0].error).toBe(
      'no results file (shard 2/3; its shard.json is not among the inputs)',
    );

    // Shard 1 run again elsewhere, one run's numbers different: a conflict, with both values.
    const bumped = (c: ExperimentConfig) => c.finetune.poisonRatio === 0.1;
    const other = fakeBrowser({ bump: bumped });
    await lab(['sweep', 's.json', '--shard', '1/3', '--out', 'again/shard-1'], other.runner);
    cpSync(join(dir, 'shards/shard-1'), join(dir, 'again/shard-1-copy'), { recursive: true });
    const conflict = await lab(['merge', 'shards', 'again', '--out', 'm2'], fakeBrowser().runner);
    expect(conflict.status).toBe(1);
    const bumpedRuns = other.seen.filter(bumped).length;
    const conflicts = conflict.stderr.split('\n').filter((l) => l.startsWith('conflict: '));
    expect(conflicts).toHaveLength(bumpedRuns);
    // Both values (the bumped copy sorts second by name).
    expect(conflicts[0]).toMatch(
      /^conflict: run \d+ \(p=0\.1, method=\w+\): again\/shard-1-copy\/runs\/\d{3}\.json has post\.harmfulScore 10; again\/shard-1\/runs\/\d{3}\.json has post\.harmfulScore 10\.5$/,
    );
  });

  it('--shard is checked with one line; hostile merge inputs get one line each and exit 2', async () => {
    writeFileSync(join(dir, 's.json'), JSON.stringify(SWEEP));
    const never: LabRunner = () => {
      throw new Error('the browser must not be started');
    };
    for (const bad of ['0/3', '4/3', '1/1001', 'two/3', '']) {
      const result = await lab(['sweep', 's.json', '--shard', bad], never);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        `error: sweep: --shard must be i/n with 1 ≤ i ≤ n ≤ 1000 (got "${bad}")\n`,
      );
    }
    expect(
      (await lab(['attack', '--preset', 'worst-case-defenses', '--shard', '3/2'], never)).stderr,
    ).toBe('error: attack: --shard must be i/n with 1 ≤ i ≤ n ≤ 1000 (got "3/2")\n');
    expect((await lab(['merge'], never)).stderr).toBe(
      "error: merge: give the shards' folders or results files to merge\n",
    );

    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in/deep.json'), `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    writeFileSync(join(dir, 'in/broken.json'), '{"schemaVersion": 1,');
    writeFileSync(join(dir, 'in/other.json'), '{"hello": "world"}');
    writeFileSync(
      join(dir, 'in/shard.json'),
      JSON.stringify({
        kind: 'safetune-lab/shard',
        schemaVersion: 1,
        command: 'sweep',
        spec: {},
        shard: { index: 4, count: 3 },
      }),
    );
    const hostile = await lab(['merge', 'in'], never);
    expect(hostile.status).toBe(2);
    expect(hostile.stdout).toBe('');
    const hostileLines = hostile.stderr.trimEnd().split('\n');
    // Node words the JSON error its own way; the rest is the lab's.
    expect(hostileLines[0]).toMatch(/^error: in\/broken\.json: not valid JSON \([^\n]+\)$/);
    expect(hostileLines.slice(1)).toEqual([
      'error: in/deep.json: a results file is nested more than 32 levels deep',
      'error: in/other.json: not a results file, a shard manifest (shard.json) or a leaderboard (leaderboard.json, robustness.json)',
      'error: in/shard.json: shard manifest: shard: must be {"index": i, "count": n} with 1 ≤ i ≤ n ≤ 1000',
    ]);
    // Too many files: refused before any is read.
    mkdirSync(join(dir, 'many'));
    for (let i = 0; i <= 2000; i++) writeFileSync(join(dir, `many/${i}.json`), '{}');
    const many = await lab(['merge', 'many'], never);
    expect(many.status).toBe(2);
    expect(many.stderr).toBe(
      'error: merge: more than 2000 JSON files under many; merge fewer at once\n',
    );
    // No spec: results files alone cannot say which sweep they belong to.
    await lab(['sweep', 's.json', '--out', 'whole'], fakeBrowser({ limit: 2 }).runner);
    const noSpec = await lab(['merge', 'whole/runs'], never);
    expect(noSpec.status).toBe(2);
    expect(noSpec.stderr).toMatch(/^error: merge: no spec among the inputs: /);
    expect((await lab(['merge', 'nowhere'], never)).stderr).toBe(
      'error: merge: cannot read nowhere: no such file\n',
    );
  });
});

const SEARCH = {
  schemaVersion: 1,
  name: 'tiny-attack',
  base: { preset: 'micro', patch: { post: { method: 'none' } } },
  defenses: [
    { label: 'sft (no defense)', patch: {} },
    { label: 'antidote', patch: { post: { method: 'antidote' } } },
    { label: 'vaccine', patch: { alignment: { method: 'vaccine' } } },
  ],
  reference: 'sft (no defense)',
  space: [
    { field: 'finetune.poisonRatio', min: 0.05, max: 0.5 },
    { field: 'finetune.epochs', min: 1, max: 3, integer: true },
  ],
  budget: 4,
  randomTrials: 2,
  seed: 3,
  utilityFloor: 0.9,
  defaultSeeds: [1, 2],
};

describe('lab attack --shard (with a fake browser)', () => {
  it('shards by defense; each shard proposes the unsharded trials; the merge is the unsharded board', async () => {
    writeFileSync(join(dir, 's.json'), JSON.stringify(SEARCH));
    const whole = fakeBrowser();
    expect((await lab(['attack', 's.json', '--out', 'whole'], whole.runner)).status).toBe(0);
    const wholeSeen = whole.seen.map((c) => canonicalJSON(c));

    const defenses: string[][] = [];
    for (const k of [1, 2]) {
      const browser = fakeBrowser();
      const result = await lab(
        ['attack', 's.json', '--shard', `${k}/2`, '--out', `shards/shard-${k}`],
        browser.runner,
      );
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(
        "sharded by defense (each defense's search on one shard, as TPE proposes from its own trials)",
      );
      const manifest = JSON.parse(read(`shards/shard-${k}/shard.json`));
      expect(manifest).toMatchObject({ command: 'attack', shard: { index: k, count: 2 } });
      defenses.push(manifest.defenses);
      // Every run it made is one the unsharded search made (the same trials), plus nothing else.
      for (const config of browser.seen) expect(wholeSeen).toContain(canonicalJSON(config));
      // The reference's default runs (the floor) on every shard; the rest only for its defenses.
      const floor = browser.seen.filter((c) =>
        c.name.startsWith('tiny-attack sft (no defense) default'),
      );
      expect(floor).toHaveLength(2);
      const others = browser.seen.filter((c) => !floor.includes(c));
      expect(others).toHaveLength(
        manifest.defenses.length * (SEARCH.defaultSeeds.length + SEARCH.budget) -
          (manifest.defenses.includes(SEARCH.reference) ? 2 : 0),
      );
      for (const config of others) {
        expect(
          manifest.defenses.some((d: string) => config.name.startsWith(`tiny-attack ${d} `)),
        ).toBe(true);
      }
    }
    expect(defenses.flat().sort()).toEqual(SEARCH.defenses.map((d) => d.label).sort());
    expect(defenses.every((d) => d.length > 0)).toBe(true);

    const merged = await lab(['merge', 'shards', '--out', 'merged'], fakeBrowser().runner);
    expect(merged.stderr).toBe('');
    expect(merged.status).toBe(0);
    // The reference's two default runs were made on both shards: folded.
    expect(merged.stdout).toContain('2 duplicates with identical metrics folded');
    expect(read('merged/robustness.json')).toBe(read('whole/robustness.json'));
    expect(read('merged/robustness.csv')).toBe(read('whole/robustness.csv'));
    expect(readdirSync(join(dir, 'merged/runs'))).toEqual(readdirSync(join(dir, 'whole/runs')));
  });

  it('a shard cut short, its files copied to another machine, resumes with the same proposals', async () => {
    writeFileSync(join(dir, 's.json'), JSON.stringify(SEARCH));
    const whole = fakeBrowser();
    await lab(['attack', 's.json', '--shard', '1/2', '--out', 'first'], whole.runner);

    // Machine A stops after 5 runs (mid-search: the floor's runs, a default, a few trials).
    const cut = fakeBrowser({ limit: 5 });
    await lab(['attack', 's.json', '--shard', '1/2', '--out', 'a'], cut.runner);
    expect(cut.seen).toHaveLength(5);
    // Machine B gets A's results files (not its browser profile) and goes on.
    mkdirSync(join(dir, 'b'));
    cpSync(join(dir, 'a/runs'), join(dir, 'b/runs'), { recursive: true });
    const rest = fakeBrowser();
    const resumed = await lab(['attack', 's.json', '--shard', '1/2', '--out', 'b'], rest.runner);
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toContain('re-used 5 results files');
    expect([...cut.seen, ...rest.seen].map((c) => canonicalJSON(c))).toEqual(
      whole.seen.map((c) => canonicalJSON(c)),
    );
    expect(read('b/robustness.json')).toBe(read('first/robustness.json'));
  });

  it('a merged search names a missing trial, leaves the trials after it unknown, and has no board without the floor', async () => {
    writeFileSync(join(dir, 's.json'), JSON.stringify(SEARCH));
    for (const k of [1, 2]) {
      await lab(
        ['attack', 's.json', '--shard', `${k}/2`, '--out', `shards/shard-${k}`],
        fakeBrowser().runner,
      );
    }
    const manifest = JSON.parse(read('shards/shard-2/shard.json'));
    const defense = manifest.defenses[0] as string;
    const slug = defense.replace(/[^\w.-]+/g, '-').replace(/^-|-$/g, '');
    rmSync(join(dir, `shards/shard-2/runs/${slug}-trial02.json`));
    const missing = await lab(['merge', 'shards', '--out', 'm1'], fakeBrowser().runner);
    expect(missing.status).toBe(1);
    expect(missing.stderr.split('\n')).toEqual(
      expect.arrayContaining([
        `missing: ${defense} trial 2 (shard 2/2)`,
        `missing: ${defense}: its later trials cannot be known (they follow ${defense} trial 2, which is missing)`,
      ]),
    );
    const row = JSON.parse(read('m1/robustness.json')).rows.find(
      (r: { defense: string }) => r.defense === defense,
    );
    expect(row.failedTrials).toBe(SEARCH.budget - 1);
    expect(row.runs.at(-1).error).toBe(
      `not known: they follow ${defense} trial 2, which is missing`,
    );

    // Without the reference's default runs on any shard there is no floor, so no board.
    for (const k of [1, 2])
      rmSync(join(dir, `shards/shard-${k}/runs/sft-no-defense-default-seed1.json`));
    const noFloor = await lab(['merge', 'shards', '--out', 'm2'], fakeBrowser().runner);
    expect(noFloor.status).toBe(1);
    expect(noFloor.stderr).toContain(
      'missing: sft (no defense) default run, seed 1 (every shard runs it)\n',
    );
    expect(noFloor.stderr).toContain(
      'missing: no board: the utility floor needs sft (no defense) default run, seed 1',
    );
    expect(noFloor.stdout).toContain('no leaderboard: the utility floor is not known');
  });

  it('a shard with nothing to do (more shards than runs or defenses) says so, writes its manifest and exits 0', async () => {
    writeFileSync(join(dir, 's.json'), JSON.stringify(SEARCH));
    writeFileSync(join(dir, 'w.json'), JSON.stringify(SWEEP));
    const never: LabRunner = () => {
      throw new Error('the browser must not be started');
    };
    const search = await lab(['attack', 's.json', '--shard', '5/5', '--out', 'a5'], never);
    expect(search.status).toBe(0);
    expect(search.stdout).toContain('shard 5/5: 0 of 3 defenses, 0% of the estimated work');
    expect(search.stdout).toContain('  this shard: none; 0 runs\n');
    expect(JSON.parse(read('a5/shard.json')).defenses).toEqual([]);
    expect(JSON.parse(read('a5/robustness.json')).rows).toEqual([]);
    const sweep = await lab(['sweep', 'w.json', '--shard', '30/30', '--out', 'w30'], never);
    expect(sweep.status).toBe(0);
    expect(sweep.stdout).toContain('shard 30/30: 0 of 18 runs, 0% of the estimated work');
    expect(JSON.parse(read('w30/shard.json')).runs).toEqual([]);
  });
});
