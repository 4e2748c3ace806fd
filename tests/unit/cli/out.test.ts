/**
 * Issue 24, point 5 (never lose a result): `--out` is checked before the browser starts, an
 * existing results file is kept unless --force, and no mkdir can hang.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LabRunner } from '../../../cli/browserRun';
import { configHash } from '../../../src/core/config';
import { resolvePreset } from '../../../src/core/lab';
import { fakeResults } from '../sweep/fakeResults';
import { runCli, validResultsFile } from './fixtures';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safetune-out-'));
});

const notCalled: LabRunner = () => {
  throw new Error('the browser must not be started');
};

const lab = (argv: string[], runLab: LabRunner = notCalled) => runCli(argv, dir, runLab);

const fixtureRunner: LabRunner = async () => validResultsFile();

/** A refusal: exit 2, nothing on stdout but what came before the check, one line on stderr. */
function expectRefused(result: Awaited<ReturnType<typeof lab>>, pattern: RegExp) {
  expect(result.status).toBe(2);
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

const SWEEP = {
  schemaVersion: 1,
  name: 'tiny',
  base: { preset: 'micro' },
  axes: [{ field: 'finetune.poisonRatio', values: [0.1] }],
};

const SEARCH = {
  schemaVersion: 1,
  name: 'tiny-search',
  base: { preset: 'micro' },
  defenses: [{ label: 'sft (no defense)', patch: {} }],
  reference: 'sft (no defense)',
  utilityFloor: 0.5,
  defaultSeeds: [1],
  space: [{ field: 'finetune.lr', min: 1e-3, max: 1e-2, scale: 'log' }],
  budget: 1,
  randomTrials: 1,
  seed: 1,
};

describe('run --out', () => {
  it('run --out <existing directory> is refused before the browser starts', async () => {
    mkdirSync(join(dir, 'results'));
    const result = await lab(['run', '--preset', 'micro', '--out', 'results']);
    expectRefused(result, /^error: run: --out results is a directory; give a file path/);
  });

  it('run --out <path under a file> is refused before the browser starts', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const result = await lab(['run', '--preset', 'micro', '--out', 'notes.txt/r.json']);
    expectRefused(result, /^error: run: --out notes\.txt\/r\.json: notes\.txt is not a directory/);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it.each(['/proc/1/results.json', '/sys/r.json', '/dev/shm/r.json'])(
    'run --out %s (a system folder) is refused before the browser starts',
    async (path) => {
      const result = await lab(['run', '--preset', 'micro', '--out', path]);
      expectRefused(result, /^error: run: --out .* is under \/(proc|sys|dev); write results/);
    },
  );

  it('run --out <existing file> keeps it: the results go to a free name, said on stderr', async () => {
    writeFileSync(join(dir, 'r.json'), 'an earlier result');
    writeFileSync(join(dir, 'r-1.json'), 'another earlier result');
    const result = await lab(['run', '--preset', 'micro', '--out', 'r.json'], fixtureRunner);
    expect(result.status).toBe(0);
    expect(readFileSync(join(dir, 'r.json'), 'utf8')).toBe('an earlier result');
    expect(readFileSync(join(dir, 'r-1.json'), 'utf8')).toBe('another earlier result');
    expect(JSON.parse(readFileSync(join(dir, 'r-2.json'), 'utf8'))).toEqual(
      await validResultsFile(),
    );
    expect(result.stderr).toContain(
      'note: r.json exists and is kept; the results go to r-2.json\n',
    );
    expect(result.lines.at(-1)).toBe('results: r-2.json');
  });

  it('run --out <existing file> --force replaces it', async () => {
    writeFileSync(join(dir, 'r.json'), 'an earlier result');
    const result = await lab(
      ['run', '--preset', 'micro', '--out', 'r.json', '--force'],
      fixtureRunner,
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'))).toEqual(await validResultsFile());
    expect(existsSync(join(dir, 'r-1.json'))).toBe(false);
    expect(result.lines.at(-1)).toBe('results: r.json');
  });

  it('the default results/<configHash>.json of an earlier run is kept too', async () => {
    const hash = await configHash(resolvePreset('micro'));
    mkdirSync(join(dir, 'results'));
    writeFileSync(join(dir, 'results', `${hash}.json`), 'the first run');
    const result = await lab(['run', '--preset', 'micro'], fixtureRunner);
    expect(result.status).toBe(0);
    expect(readFileSync(join(dir, 'results', `${hash}.json`), 'utf8')).toBe('the first run');
    expect(result.lines.at(-1)).toBe(`results: ${join('results', `${hash}-1.json`)}`);
  });

  it('a file that appears at --out while the run trains is not overwritten', async () => {
    const runner: LabRunner = async () => {
      writeFileSync(join(dir, 'r.json'), 'written meanwhile');
      return validResultsFile();
    };
    const result = await lab(['run', '--preset', 'micro', '--out', 'r.json'], runner);
    expect(result.status).toBe(0);
    expect(readFileSync(join(dir, 'r.json'), 'utf8')).toBe('written meanwhile');
    expect(existsSync(join(dir, 'r-1.json'))).toBe(true);
    expect(result.stderr).toContain('the results go to r-1.json');
  });

  it('--help names --force and says an existing file is kept', async () => {
    const result = await lab(['run', '--help']);
    expect(result.stdout).toMatch(/--force +replace an existing --out file/);
    expect(result.stdout).toMatch(/an existing file is kept/);
  });
});

describe('sweep and attack --out', () => {
  const sweepFile = () => (writeFileSync(join(dir, 's.json'), JSON.stringify(SWEEP)), 's.json');
  const searchFile = () => (writeFileSync(join(dir, 'a.json'), JSON.stringify(SEARCH)), 'a.json');

  it('sweep --out /proc/1/x is refused at once (a recursive mkdir there hangs)', async () => {
    const result = await lab(['sweep', sweepFile(), '--out', '/proc/1/x']);
    expectRefused(result, /^error: sweep: --out \/proc\/1\/x is under \/proc; write results/);
  }, 2000);

  it('attack --out /proc/1/x is refused at once', async () => {
    const result = await lab(['attack', searchFile(), '--out', '/proc/1/x']);
    expectRefused(result, /^error: attack: --out \/proc\/1\/x is under \/proc; write results/);
  }, 2000);

  it.each(['sweep', 'attack'])(
    '%s --out <existing file> is refused before the browser starts',
    async (command) => {
      writeFileSync(join(dir, 'taken'), 'mine');
      const spec = command === 'sweep' ? sweepFile() : searchFile();
      const result = await lab([command, spec, '--out', 'taken']);
      expectRefused(result, new RegExp(`^error: ${command}: --out taken is a file, not a folder`));
      expect(readFileSync(join(dir, 'taken'), 'utf8')).toBe('mine');
    },
  );

  it.each(['sweep', 'attack'])(
    '%s --out <folder under a file> is refused before the browser starts',
    async (command) => {
      writeFileSync(join(dir, 'taken'), 'mine');
      const spec = command === 'sweep' ? sweepFile() : searchFile();
      const result = await lab([command, spec, '--out', 'taken/more/out']);
      expectRefused(
        result,
        new RegExp(`^error: ${command}: --out taken/more/out: taken is not a directory`),
      );
    },
  );

  it('sweep --out <new nested folder> is created and used', async () => {
    const result = await lab(['sweep', sweepFile(), '--out', 'a/b/c'], async ({ config }) =>
      fakeResults(config, []),
    );
    expect(result.status).toBe(0);
    expect(existsSync(join(dir, 'a/b/c/runs/000.json'))).toBe(true);
    expect(existsSync(join(dir, 'a/b/c/leaderboard.json'))).toBe(true);
  });

  it("a run file of another sweep's config in --out/runs is kept: the new one goes to a free name", async () => {
    mkdirSync(join(dir, 'out/runs'), { recursive: true });
    const other = await fakeResults(resolvePreset('micro'), []);
    writeFileSync(join(dir, 'out/runs/000.json'), JSON.stringify(other));
    const result = await lab(['sweep', sweepFile(), '--out', 'out'], async ({ config }) =>
      fakeResults(config, []),
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'out/runs/000.json'), 'utf8'))).toEqual(other);
    expect(existsSync(join(dir, 'out/runs/000-1.json'))).toBe(true);
    expect(result.stderr).toMatch(
      /note: .*000\.json exists and is kept; the results go to .*000-1\.json/,
    );
  });
});
