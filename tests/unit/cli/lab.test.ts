import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LabRunRequest, LabRunner } from '../../../cli/browserRun';
import { DEFAULT_CONFIG, configHash, listPresets } from '../../../src/core/config';
import { resolvePreset } from '../../../src/core/lab';
import type { PipelineEvent } from '../../../src/core/pipeline/types';
import { runCli, validResultsFile } from './fixtures';

const ROOT = resolve(import.meta.dirname, '../../..');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safetune-cli-'));
});

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

/** The CLI in `dir`, with captured output and a fake browser. */
const lab = (argv: string[], runLab: LabRunner = notCalled) => runCli(argv, dir, runLab);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const notCalled: LabRunner = () => {
  throw new Error('the browser must not be started');
};

const BAD_CONFIG = JSON.stringify({
  schemaVersion: 1,
  finetune: { poisonRatio: 1.5, poisonRate: 0.2 },
  post: { method: 'antidote' },
});

describe('lab validate', () => {
  it('a valid (partial) config: exit 0, its path and the hash of the complete config', async () => {
    const path = file(
      'ok.json',
      '{"schemaVersion": 2, "name": "micro", "finetune": {"poisonRatio": 0.2}}',
    );
    const result = await lab(['validate', path]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    // The hash is that of the complete config: the defaults with the file's fields laid over them.
    const complete = {
      ...DEFAULT_CONFIG,
      name: 'micro',
      finetune: { ...DEFAULT_CONFIG.finetune, poisonRatio: 0.2 },
    };
    const hash = await configHash(complete);
    expect(result.stdout).toBe(`valid: ok.json (configHash ${hash})\n`);
  });

  it('an invalid config: exit 2, one field-path line per problem on stdout', async () => {
    const result = await lab(['validate', file('bad.json', BAD_CONFIG)]);
    expect(result.status).toBe(2);
    expect(result.lines).toEqual([
      'finetune.poisonRate: unknown field (did you mean poisonRatio?)',
      'finetune.poisonRatio: must be between 0 and 1',
    ]);
  });

  it('text that is not JSON: exit 2, one line', async () => {
    const result = await lab(['validate', file('broken.json', '{"schemaVersion": 1,')]);
    expect(result.status).toBe(2);
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatch(/^\(json\): not valid JSON/);
  });

  it.each([
    ['a missing file', 'nope.json', 'error: cannot read nope.json: no such file\n'],
    ['a directory', '.', 'error: cannot read .: it is a directory\n'],
  ])('%s: exit 2 and one line on stderr, no stack', async (_what, path, line) => {
    const result = await lab(['validate', path]);
    expect(result).toMatchObject({ status: 2, stdout: '', stderr: line });
  });
});

describe('lab presets / preset', () => {
  it('lists every preset with its description', async () => {
    const result = await lab(['presets']);
    expect(result.status).toBe(0);
    expect(result.lines).toHaveLength(listPresets().length);
    for (const [i, preset] of listPresets().entries()) {
      const needs =
        {
          'smollm2-135m-sst2':
            ' [needs a model download, fastest on a WebGPU GPU; runs on wasm too, slowly]',
          'qwen2.5-0.5b-sst2': ' [needs a model download, needs a WebGPU GPU]',
        }[preset.name] ?? '';
      expect(result.lines[i]).toMatch(
        new RegExp(`^${preset.name} +${escapeRegExp(preset.description + needs)}$`),
      );
    }
    expect(
      listPresets()
        .filter((preset) => preset.needs)
        .map((p) => p.name),
    ).toEqual(['smollm2-135m-sst2', 'qwen2.5-0.5b-sst2']);
  });

  it('prints the resolved config as 2-space JSON, and nothing else', async () => {
    const result = await lab(['preset', 'micro']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${JSON.stringify(resolvePreset('micro'), null, 2)}\n`);
    // What `npm run lab -s -- preset micro > micro.json` saves validates as is.
    const saved = file('micro.json', result.stdout);
    expect((await lab(['validate', saved])).status).toBe(0);
  });

  it('an unknown preset: exit 2, one line naming the valid ones', async () => {
    const result = await lab(['preset', 'mikro']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: unknown preset 'mikro' \(known: .*micro.*\)/);
  });
});

describe('lab help and bad arguments', () => {
  it('--help works for the tool and each command, exit 0', async () => {
    for (const argv of [
      ['--help'],
      ['run', '--help'],
      ['validate', '--help'],
      ['presets', '-h'],
      ['help', 'preset'],
    ]) {
      const result = await lab(argv);
      expect(result.status, argv.join(' ')).toBe(0);
      expect(result.stdout, argv.join(' ')).toMatch(/Usage: npm run lab -- /);
    }
  });

  it('bad arguments: exit 2, one error line', async () => {
    const result = await lab(['run', 'x.json', '--backend', 'tpu']);
    expect(result).toMatchObject({ status: 2, stdout: '' });
    expect(result.stderr).toMatch(/^error: run: --backend must be one of [^\n]*\n$/);
  });
});

describe('lab run (with a fake browser)', () => {
  /** A runner that replays events and resolves to `results` (default: the valid fixture). */
  function fakeRunner(results?: unknown, events: PipelineEvent[] = []) {
    const requests: LabRunRequest[] = [];
    const runner: LabRunner = async (request) => {
      requests.push(request);
      request.onBackend({ requested: 'wasm', backend: 'wasm', reason: 'requested', adapter: null });
      for (const event of events) request.onEvent(event);
      request.onConsole?.('[browser error] something odd');
      return results ?? (await validResultsFile());
    };
    return { runner, requests };
  }

  it("--threads reaches the run's worker", async () => {
    const { runner, requests } = fakeRunner();
    const run = await lab(
      ['run', '--preset', 'micro', '--threads', '2', '--out', 'r.json'],
      runner,
    );
    expect(run.status).toBe(0);
    expect(requests.map((r) => r.threads)).toEqual([2]);
  });

  it('prints progress, the metrics and stage tables, writes the results file, exit 0', async () => {
    const fixture = await validResultsFile();
    const { runner, requests } = fakeRunner(fixture, [
      { type: 'stage-start', stage: 'finetune', totalSteps: 7, cached: false },
      { type: 'step', stage: 'finetune', step: 1, totalSteps: 7, loss: 2.5, lr: 1e-4 },
      { type: 'step', stage: 'finetune', step: 2, totalSteps: 7, loss: 2.4, lr: 1e-4 },
      { type: 'stage-end', stage: 'finetune', record: fixture.stages[1] },
    ]);
    const result = await lab(
      ['run', '--preset', 'micro', '--backend', 'wasm', '--out', 'out/r.json'],
      runner,
    );
    // stderr: only the cost estimate, printed before the browser starts.
    expect(result.stderr).toMatch(/^estimate: [^\n]*\n$/);
    expect(result.status).toBe(0);
    expect(requests[0].config).toEqual({ ...resolvePreset('micro'), runtime: { backend: 'wasm' } });
    expect(requests[0].onConsole).toBeUndefined();
    // No --threads: the worker takes the page's default.
    expect(requests[0].threads).toBeUndefined();
    const text = result.stdout;
    expect(text).toContain(`config: micro (configHash ${await configHash(requests[0].config)})\n`);
    expect(text).toContain('backend: wasm (requested)\n');
    expect(text).toContain(
      '[finetune] 7 steps …\n[finetune] step 1/7 loss 2.500\n[finetune] done in 41.3 s\n',
    );
    expect(text).toMatch(/^metric +aligned +finetuned +post$/m);
    expect(text).toMatch(/^harmfulScore +1\.0 +96\.0 +6\.3$/m);
    expect(text).toMatch(/^total +53\.9$/m);
    expect(result.lines.at(-1)).toBe('results: out/r.json');
    expect(JSON.parse(readFileSync(join(dir, 'out/r.json'), 'utf8'))).toEqual(fixture);
  });

  it('writes to results/<configHash>.json by default', async () => {
    const fixture = await validResultsFile();
    const config = file('micro.json', JSON.stringify(resolvePreset('micro')));
    const result = await lab(['run', config], fakeRunner(fixture).runner);
    expect(result.status).toBe(0);
    const path = join('results', `${fixture.configHash}.json`);
    expect(result.lines.at(-1)).toBe(`results: ${path}`);
    expect(existsSync(join(dir, path))).toBe(true);
  });

  it('--verbose passes browser console lines to stderr', async () => {
    const result = await lab(['run', '--preset', 'micro', '--verbose'], fakeRunner().runner);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/^estimate: [^\n]*\n\[browser error\] something odd\n$/);
  });

  it('an invalid config never reaches the browser: exit 2 with field-path lines', async () => {
    const result = await lab(['run', file('bad.json', BAD_CONFIG)]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('finetune.poisonRatio: must be between 0 and 1\n');
  });

  it('an unknown --preset: exit 2', async () => {
    const result = await lab(['run', '--preset', 'nope']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error: unknown preset 'nope'/);
  });

  it('a failing run: exit 1 and one "error:" line without the page stack', async () => {
    const runner: LabRunner = () => {
      throw new Error('page.evaluate: Error: out of memory\n    at lab.worker.js:1:2\n    at x');
    };
    const result = await lab(['run', '--preset', 'micro'], runner);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^estimate: [^\n]*\nerror: out of memory\n$/);
    expect(existsSync(join(dir, 'results'))).toBe(false);
  });

  it('a config the worker rejects: exit 2 with its field-path lines', async () => {
    const runner: LabRunner = () => {
      throw new Error(
        'page.evaluate: Error: invalid config:\npost.method: unknown method\n    at x',
      );
    };
    const result = await lab(['run', '--preset', 'micro'], runner);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^estimate: [^\n]*\npost\.method: unknown method\n$/);
  });

  it('results that break the contract: exit 1 naming the problem, file kept for inspection', async () => {
    const broken = { ...(await validResultsFile()), metrics: {} };
    const result = await lab(
      ['run', '--preset', 'micro', '--out', 'r.json'],
      fakeRunner(broken).runner,
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^estimate: [^\n]*\nerror: the results file breaks its contract: metrics\.aligned: must be an object \(got nothing\) \(and 2 more problems\); written to r\.json\n$/,
    );
    expect(existsSync(join(dir, 'r.json'))).toBe(true);
  });
});

describe('the real entry point', () => {
  it('exits 2 with field-path lines for a bad config (node --import tsx cli/lab.ts)', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, BAD_CONFIG);
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'cli/lab.ts', 'validate', path], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe(
      'finetune.poisonRate: unknown field (did you mean poisonRatio?)\n' +
        'finetune.poisonRatio: must be between 0 and 1\n',
    );
    expect(child.status).toBe(2);
  });
});
