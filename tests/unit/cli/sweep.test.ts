import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LabRunner } from '../../../cli/browserRun';
import type { ExperimentConfig } from '../../../src/core/config';
import { listMethods } from '../../../src/core/methods/registry';
import { fakeResults } from '../sweep/fakeResults';
import { runCli } from './fixtures';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safetune-sweep-'));
});

const lab = (argv: string[], runLab: LabRunner) => runCli(argv, dir, runLab);

const SWEEP = {
  schemaVersion: 1,
  name: 'tiny',
  base: { preset: 'micro', patch: { post: { method: 'none' } } },
  axes: [
    { field: 'finetune.poisonRatio', values: [0.1, 0.3] },
    {
      name: 'method',
      variants: [
        { label: 'none', patch: {} },
        { label: 'antidote', patch: { post: { method: 'antidote' } } },
      ],
    },
  ],
};

/** A fake browser that answers each config with results following from it; fails p=0.3 antidote once. */
function fakeBrowser() {
  const seen: ExperimentConfig[] = [];
  let failed = false;
  const runner: LabRunner = async ({ config }) => {
    seen.push(config);
    if (config.finetune.poisonRatio === 0.3 && config.post.method === 'antidote' && !failed) {
      failed = true;
      throw new Error('page.evaluate: Error: the tab crashed\n    at stack');
    }
    return fakeResults(config, seen.length > 1 ? ['alignment'] : []);
  };
  return { runner, seen };
}

describe('lab sweep (with a fake browser)', () => {
  it('--threads reaches the worker of every run', async () => {
    writeFileSync(join(dir, 's.json'), JSON.stringify(SWEEP));
    const threads: (number | undefined)[] = [];
    const runner: LabRunner = async (request) => {
      threads.push(request.threads);
      return fakeResults(request.config, []);
    };
    const result = await lab(['sweep', 's.json', '--threads', '3'], runner);
    expect(result.status).toBe(0);
    expect(threads).toEqual([3, 3, 3, 3]);
  });

  it('runs every point, writes each results file and the leaderboard; a failed run is retried on the next call', async () => {
    writeFileSync(join(dir, 's.json'), JSON.stringify(SWEEP));
    const browser = fakeBrowser();
    const first = await lab(['sweep', 's.json', '--backend', 'wasm'], browser.runner);
    expect(first.status).toBe(1);
    expect(browser.seen).toHaveLength(4);
    expect(browser.seen.every((c) => c.runtime.backend === 'wasm')).toBe(true);
    expect(first.stdout).toContain('sweep: tiny, 4 runs\n[1/4] p=0.1, method=none\n');
    expect(first.stdout).toContain('failed: the tab crashed');
    expect(first.stdout).toMatch(/^antidote +0\.1 +5\.0 +90\.0 /m);
    expect(first.stdout).toContain('failed: run 3 (p=0.3, method=antidote): the tab crashed');

    const out = join(dir, 'results', 'sweeps', 'tiny');
    const board = JSON.parse(readFileSync(join(out, 'leaderboard.json'), 'utf8'));
    expect(board.rows).toHaveLength(3);
    expect(readFileSync(join(out, 'leaderboard.csv'), 'utf8').split('\r\n')[2]).toMatch(
      /^antidote,0\.1,5,90,/,
    );
    expect(JSON.parse(readFileSync(join(out, 'runs', '001.json'), 'utf8')).config.post.method).toBe(
      'antidote',
    );

    // Again: the three finished runs are read back from their files, only the failed one runs.
    const again = await lab(['sweep', 's.json', '--backend', 'wasm'], browser.runner);
    expect(again.status).toBe(0);
    expect(browser.seen).toHaveLength(5);
    expect(JSON.parse(readFileSync(join(out, 'leaderboard.json'), 'utf8')).rows).toHaveLength(4);
  });

  it('--dry-run lists the runs without starting the browser; a bad sweep exits 2 with paths', async () => {
    writeFileSync(join(dir, 's.json'), JSON.stringify(SWEEP));
    const never: LabRunner = () => {
      throw new Error('the browser must not be started');
    };
    const dry = await lab(['sweep', 's.json', '--dry-run'], never);
    expect(dry.status).toBe(0);
    expect(dry.stderr).toMatch(/^estimate: 4 runs, [^\n]*\n$/);
    expect(dry.stdout).toBe(
      'sweep: tiny, 4 runs\n  0: p=0.1, method=none\n  1: p=0.1, method=antidote\n' +
        '  2: p=0.3, method=none\n  3: p=0.3, method=antidote\n',
    );
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({ ...SWEEP, axes: [{ field: 'finetune.lr', values: [5] }] }),
    );
    const bad = await lab(['sweep', 'bad.json'], never);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^runs\[0\] \(lr=5\): finetune\.lr: must be between/);
    writeFileSync(join(dir, 'broken.json'), '{"schemaVersion": 1,');
    expect((await lab(['sweep', 'broken.json'], never)).stderr).toMatch(/^\(json\): /);
    expect((await lab(['sweep', 'missing.json'], never)).stderr).toBe(
      'error: cannot read missing.json: no such file\n',
    );
    // Bounded before it is read or walked: a 2 MB file, and an array nested 100,000 deep.
    writeFileSync(join(dir, 'huge.json'), `{"name": "${'x'.repeat(2_000_000)}"}`);
    const huge = await lab(['sweep', 'huge.json'], never);
    expect(huge.status).toBe(2);
    expect(huge.stderr).toMatch(/^error: huge\.json: .* characters long; at most \d+\n$/);
    writeFileSync(join(dir, 'deep.json'), `{"axes": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const deep = await lab(['sweep', 'deep.json'], never);
    expect(deep.status).toBe(2);
    expect(deep.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect((await lab(['sweep', '--preset', 'nope'], never)).stderr).toMatch(
      /^error: unknown sweep preset "nope" \(valid: defenses-vs-poison, /,
    );
  });

  it('methods lists every registered method with its stage', async () => {
    const never: LabRunner = () => {
      throw new Error('the browser must not be started');
    };
    const result = await lab(['methods'], never);
    expect(result.status).toBe(0);
    for (const method of listMethods()) {
      expect(result.stdout).toMatch(new RegExp(`^${method.stage} +${method.name}$`, 'm'));
    }
    // Then every attack, with the phases it acts in.
    expect(result.stdout).toMatch(/^attack +harmful-mix {2}\(data\)$/m);
    expect(result.stdout).toMatch(/^attack +jailbreak-tuning {2}\(data, evaluation\)$/m);
    expect(result.stdout).toMatch(/^attack +refusal-ablation {2}\(weights\)$/m);
    expect(result.stdout).toMatch(/^ +prefix = sure , here is how \. {2}\(one of /m);
  });
});
