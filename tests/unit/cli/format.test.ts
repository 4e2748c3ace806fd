import { describe, expect, it } from 'vitest';
import {
  ProgressPrinter,
  formatMetricsTable,
  formatPresetList,
  formatStageTable,
} from '../../../cli/format';
import type { PipelineEvent } from '../../../src/core/pipeline/types';
import { validResultsFile } from './fixtures';

function printer(stepIntervalMs = 3000) {
  const lines: string[] = [];
  let clock = 0;
  const progress = new ProgressPrinter((line) => lines.push(line), {
    now: () => clock,
    stepIntervalMs,
  });
  return {
    lines,
    at(ms: number, event: PipelineEvent) {
      clock = ms;
      progress.handle(event);
    },
  };
}

const step = (n: number): PipelineEvent => ({
  type: 'step',
  stage: 'finetune',
  step: n,
  totalSteps: 300,
  loss: 0.41234,
  lr: 3e-4,
});

describe('ProgressPrinter', () => {
  it('prints a line when each stage starts and ends', () => {
    const p = printer();
    p.at(0, { type: 'stage-start', stage: 'alignment', totalSteps: 0, cached: true });
    p.at(5, {
      type: 'stage-end',
      stage: 'alignment',
      record: { name: 'alignment', cached: true, seconds: 0.04 },
    });
    p.at(6, { type: 'stage-start', stage: 'finetune', totalSteps: 120, cached: false });
    p.at(9, {
      type: 'stage-end',
      stage: 'finetune',
      record: { name: 'finetune', cached: false, seconds: 41.23 },
    });
    p.at(10, { type: 'stage-start', stage: 'evaluation', totalSteps: 3, cached: false });
    expect(p.lines).toEqual([
      '[alignment] cached …',
      '[alignment] done in 0.0 s (cached)',
      '[finetune] 120 steps …',
      '[finetune] done in 41.2 s',
      '[evaluation] 3 checkpoints …',
    ]);
  });

  it('prints at most one step line per interval, the first one at once', () => {
    const p = printer(3000);
    p.at(0, { type: 'stage-start', stage: 'finetune', totalSteps: 300, cached: false });
    for (let n = 1; n <= 80; n++) p.at(n * 100, step(n)); // one step every 0.1 s
    expect(p.lines).toEqual([
      '[finetune] 300 steps …',
      '[finetune] step 1/300 loss 0.412',
      '[finetune] step 31/300 loss 0.412',
      '[finetune] step 61/300 loss 0.412',
    ]);
  });

  it('says where a stage resumed, prints its checkpoints, and skips the replayed steps', () => {
    const p = printer(3000);
    p.at(0, { type: 'stage-start', stage: 'finetune', totalSteps: 300, cached: false });
    p.at(1, { type: 'resumed', stage: 'finetune', step: 40, totalSteps: 300 });
    for (let n = 1; n <= 40; n++) p.at(2, step(n)); // the replayed history
    p.at(3, { type: 'probe', stage: 'finetune', step: 40, harmfulScore: 50, finetuneAccuracy: 60 });
    p.at(4, step(41));
    p.at(5, { type: 'checkpoint', stage: 'finetune', step: 70, totalSteps: 300 });
    expect(p.lines).toEqual([
      '[finetune] 300 steps …',
      'resumed finetune at step 40/300',
      '[finetune] step 41/300 loss 0.412',
      '[finetune] checkpoint saved at step 70/300',
    ]);
  });

  it('prints how a training stage splits its batches, unthrottled', () => {
    const p = printer(3000);
    p.at(0, {
      type: 'micro-batch',
      stage: 'finetune',
      rows: 2,
      batchSize: 16,
      chosen: 'auto',
      backend: 'wasm',
      stepBytes: 1.9e9,
    });
    p.at(1, {
      type: 'micro-batch',
      stage: 'alignment',
      rows: 16,
      batchSize: 16,
      chosen: 'auto',
      backend: 'cpu',
      stepBytes: 41.5e6,
    });
    expect(p.lines).toEqual([
      '[finetune] micro-batch 2 of 16 rows (estimated 1.9 GB per step on wasm)',
      '[alignment] the whole batch of 16 rows in one pass (estimated 41.5 MB per step on cpu)',
    ]);
  });

  it('throttles evaluation progress the same way, and always prints probes and logs', () => {
    const p = printer(3000);
    p.at(0, { type: 'eval-progress', checkpoint: 'aligned', done: 1, total: 120 });
    p.at(1000, { type: 'eval-progress', checkpoint: 'aligned', done: 2, total: 120 });
    p.at(1001, {
      type: 'probe',
      stage: 'finetune',
      step: 40,
      harmfulScore: 12.5,
      finetuneAccuracy: 80,
    });
    p.at(1002, { type: 'log', message: 'loaded safetune-base' });
    p.at(1003, {
      type: 'metrics',
      checkpoint: 'aligned',
      metrics: {
        harmfulScore: 1,
        harmfulRefusalRate: 2,
        benignRefusalRate: 3,
        benignHelpfulness: 4,
        finetuneAccuracy: 5,
      },
    });
    expect(p.lines).toEqual([
      '[evaluation] aligned 1/120',
      '[finetune] probe at step 40: harmfulScore 12.5, finetuneAccuracy 80.0',
      '  loaded safetune-base',
    ]);
  });
});

describe('tables', () => {
  it('metrics: rows are the five scores, columns the checkpoints, one decimal', async () => {
    const { metrics } = await validResultsFile();
    expect(formatMetricsTable(metrics)).toBe(
      [
        'metric              aligned  finetuned  post',
        'harmfulScore            1.0       96.0   6.3',
        'harmfulRefusalRate     98.0        2.0  20.0',
        'benignRefusalRate       1.0        0.0   0.0',
        'benignHelpfulness      97.0       96.0  40.0',
        'finetuneAccuracy       51.0       99.0  98.5',
      ].join('\n'),
    );
  });

  it('metrics: the over-refusal rate as a sixth row when a checkpoint reports it, "—" where not', async () => {
    const { metrics } = await validResultsFile();
    metrics.finetuned.overRefusalRate = 12.5;
    metrics.post.overRefusalRate = 40;
    expect(formatMetricsTable(metrics).split('\n').slice(-2)).toEqual([
      'finetuneAccuracy       51.0       99.0  98.5',
      'overRefusalRate           —       12.5  40.0',
    ]);
  });

  it('stages: seconds per stage, cached marked, and the total', async () => {
    const { stages } = await validResultsFile();
    expect(formatStageTable(stages)).toBe(
      [
        'stage       seconds  cached',
        'alignment       0.2     yes',
        'finetune       41.3',
        'post            0.4',
        'evaluation     12.0',
        'total          53.9',
      ].join('\n'),
    );
  });

  it('presets: one line each, descriptions in one column', () => {
    const list = formatPresetList([
      { name: 'micro', description: 'A tiny run.', patch: {} },
      { name: 'antidote-sst2', description: 'The reference.', patch: {} },
    ]);
    expect(list).toBe('micro          A tiny run.\nantidote-sst2  The reference.');
  });
});
