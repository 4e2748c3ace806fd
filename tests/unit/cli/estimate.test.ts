/**
 * Issue 24, point 4 (CLI part): `run`, `sweep` and `attack` print a one-line cost estimate on
 * stderr before the browser starts; stdout keeps its contract.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LabRunner } from '../../../cli/browserRun';
import { main } from '../../../cli/lab';
import { type ExperimentConfig } from '../../../src/core/config';
import { resolvePreset } from '../../../src/core/lab';
import { fakeResults } from '../sweep/fakeResults';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safetune-estimate-'));
});

/**
 * The CLI with the order of what happened: each stderr line and each browser start, as they came.
 */
async function labInOrder(argv: string[]) {
  const order: string[] = [];
  let stdout = '';
  let stderr = '';
  const runLab: LabRunner = async ({ config }) => {
    order.push('browser');
    return fakeResults(config);
  };
  const status = await main(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => {
      stderr += text;
      order.push(...text.trimEnd().split('\n'));
    },
    cwd: dir,
    runLab,
    now: () => 0,
  });
  return { status, stdout, stderr, order };
}

/** Training steps of a stage as the estimate counts them: epochs × ⌈samples / batchSize⌉. */
function steps(config: ExperimentConfig, stage: 'alignment' | 'finetune'): number {
  const s = config[stage];
  return s.epochs * Math.ceil(s.samples / s.batchSize);
}

describe('the CLI prints the cost estimate first', () => {
  it('run prints a one-line estimate on stderr before the browser starts; stdout is unchanged', async () => {
    const micro = resolvePreset('micro');
    const result = await labInOrder(['run', '--preset', 'micro', '--backend', 'wasm']);
    expect(result.status).toBe(0);
    const estimates = result.order.filter((line) => line.startsWith('estimate: '));
    expect(estimates).toHaveLength(1);
    expect(result.order.indexOf(estimates[0])).toBeLessThan(result.order.indexOf('browser'));
    expect(estimates[0]).toMatch(
      new RegExp(
        `^estimate: safetune-base, 0\\.\\d\\dM parameters; alignment about ${steps(micro, 'alignment')} steps, ` +
          `finetune about ${steps(micro, 'finetune')} steps \\(≈ [\\d.]+e\\+\\d+ parameter-steps\\); ` +
          '(alignment|finetune): the whole batch of 16 rows in one pass \\(estimated [\\d.]+ [kMG]B per step on wasm\\)$',
      ),
    );
    expect(result.stdout).not.toMatch(/^estimate/m);
  });

  it('run with backend auto: the step memory at the whole batch, the backend left to the browser', async () => {
    const result = await labInOrder(['run', '--preset', 'micro']);
    expect(result.stderr).toMatch(
      /^estimate: [^\n]*; one (alignment|finetune) step of 16 rows needs about [\d.]+ [kMG]B \(the backend is chosen in the browser\)\n/,
    );
  });

  it('run of an unknown Hub model: the steps, and that its size is known only after download', async () => {
    const config = {
      ...resolvePreset('micro'),
      model: { base: 'someone/unknown-model' },
    };
    writeFileSync(join(dir, 'c.json'), JSON.stringify(config));
    const result = await labInOrder(['run', 'c.json']);
    expect(result.order[0]).toMatch(
      /^estimate: someone\/unknown-model, parameters unknown until its config\.json is downloaded; alignment about \d+ steps, finetune about \d+ steps$/,
    );
  });

  it('sweep prints one estimate line for all its runs before the first run', async () => {
    const sweep = {
      schemaVersion: 1,
      name: 'two',
      base: { preset: 'micro' },
      axes: [{ field: 'finetune.epochs', values: [1, 3] }],
    };
    writeFileSync(join(dir, 's.json'), JSON.stringify(sweep));
    const micro = resolvePreset('micro');
    // The runs share their alignment: it is trained once.
    const total = steps(micro, 'alignment') + (1 + 3) * steps(micro, 'finetune');
    const result = await labInOrder(['sweep', 's.json', '--backend', 'wasm']);
    expect(result.status).toBe(0);
    expect(result.order[0]).toMatch(
      new RegExp(
        `^estimate: 2 runs, about ${total} training steps in all \\(a stage shared by runs counted once; ≈ [\\d.]+e\\+\\d+ parameter-steps\\); ` +
          'safetune-base, 0\\.\\d\\dM parameters; the largest step: (alignment|finetune): .* per step on wasm\\)$',
      ),
    );
    expect(result.order[1]).toBe('browser');
    expect(result.stdout).not.toMatch(/^estimate/m);
  });

  it('attack prints one estimate line (trials counted at the top of the space) before the first run', async () => {
    const search = {
      schemaVersion: 1,
      name: 'tiny-search',
      base: { preset: 'micro' },
      defenses: [{ label: 'sft (no defense)', patch: {} }],
      reference: 'sft (no defense)',
      utilityFloor: 0.5,
      defaultSeeds: [1, 2],
      space: [{ field: 'finetune.epochs', min: 1, max: 4, integer: true }],
      budget: 3,
      randomTrials: 3,
      seed: 1,
    };
    writeFileSync(join(dir, 'a.json'), JSON.stringify(search));
    const micro = resolvePreset('micro');
    // An alignment per seed (the trials train at the base config's seed); a fine-tuning per run,
    // the trials' at the top of the space (4 epochs).
    const alignments = new Set([1, 2, micro.seed]).size * steps(micro, 'alignment');
    const finetunes = 2 * steps(micro, 'finetune') + 3 * 4 * steps(micro, 'finetune');
    const result = await labInOrder(['attack', 'a.json', '--backend', 'wasm']);
    expect(result.status).toBe(0);
    expect(result.order[0]).toMatch(
      new RegExp(
        `^estimate: 5 runs, at most about ${alignments + finetunes} training steps in all \\(trials counted at the top of the space; `,
      ),
    );
    expect(result.order[1]).toBe('browser');
  });

  it('sweep --dry-run also prints the estimate, and starts nothing', async () => {
    const result = await labInOrder(['sweep', '--preset', 'mask-ratio', '--dry-run']);
    expect(result.status).toBe(0);
    expect(result.order).toHaveLength(1);
    expect(result.order[0]).toMatch(/^estimate: \d+ runs, about \d+ training steps in all/);
  });
});
