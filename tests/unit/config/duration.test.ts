import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  estimateSeconds,
  estimateStageSeconds,
  evaluationGenerations,
  formatDuration,
  speedOf,
  type TimedRun,
} from '../../../src/core/config/duration';
import { runCost } from '../../../src/core/config/cost';
import { resolvePreset } from '../../../src/core/lab';
import type { ResultsFile } from '../../../src/core/pipeline/types';

const example = JSON.parse(
  readFileSync('public/examples/antidote-sst2.json', 'utf8'),
) as ResultsFile;

const timed = (seconds: [number, number, number, number], cached = false): TimedRun => ({
  config: resolvePreset('antidote-sst2'),
  stages: (['alignment', 'finetune', 'post', 'evaluation'] as const).map((name, i) => ({
    name,
    cached,
    seconds: seconds[i],
  })),
});

describe('run duration estimates', () => {
  it('a finished run estimates itself: its own seconds, stage by stage', () => {
    const speed = speedOf(example)!;
    const total = example.stages.reduce((sum, s) => sum + s.seconds, 0);
    expect(estimateSeconds(example.config, speed)).toBeCloseTo(total, 6);
  });

  it('scales with the training rows and the evaluation prompts', () => {
    const config = resolvePreset('antidote-sst2');
    const speed = speedOf(timed([40, 60, 5, 30]))!;
    const rows = runCost(config, null).rows;
    expect(speed.trainSecondsPerRow).toBeCloseTo(100 / rows, 12);
    expect(speed.evalSecondsPerGeneration).toBeCloseTo(30 / evaluationGenerations(config), 12);
    const twice = structuredClone(config);
    twice.finetune.samples *= 2;
    twice.alignment.samples *= 2;
    // About twice the rows (each epoch is rounded up to whole batches): about twice the training.
    const rows2 = runCost(twice, null).rows;
    expect(rows2 / rows).toBeCloseTo(2, 1);
    expect(estimateSeconds(twice, speed)).toBeCloseTo((100 * rows2) / rows + 5 + 30, 6);
    const noPost = structuredClone(config);
    noPost.post.method = 'none';
    expect(estimateSeconds(noPost, speed)).toBeCloseTo(100 + 30, 6);
  });

  it('stage by stage, the parts add up to the whole', () => {
    const speed = speedOf(timed([40, 60, 5, 30]))!;
    const config = resolvePreset('antidote-sst2');
    const stages = estimateStageSeconds(config, speed);
    expect(stages.alignment + stages.finetune).toBeCloseTo(100, 6);
    expect(stages.post).toBe(5);
    expect(stages.evaluation).toBeCloseTo(30, 6);
    expect(stages.alignment + stages.finetune + stages.post + stages.evaluation).toBeCloseTo(
      estimateSeconds(config, speed),
      9,
    );
  });

  it('the micro preset is estimated far below the default', () => {
    const speed = speedOf(example)!;
    const micro = estimateSeconds(resolvePreset('micro'), speed);
    expect(micro).toBeLessThan(estimateSeconds(resolvePreset('antidote-sst2'), speed) / 4);
  });

  it('cannot tell from a run whose cached stages lack their training time', () => {
    expect(speedOf(timed([40, 60, 5, 30], true))).toBeNull();
    const known = timed([0.1, 0.1, 0.1, 30], true);
    known.stages = known.stages.map((s) => ({ ...s, trainedSeconds: 50 }));
    expect(speedOf(known)?.trainSecondsPerRow).toBeCloseTo(
      100 / runCost(known.config, null).rows,
      12,
    );
  });

  it('rounds as an estimate', () => {
    expect(formatDuration(3)).toBe('about 5 s');
    expect(formatDuration(44)).toBe('about 45 s');
    expect(formatDuration(137)).toBe('about 2 min');
    expect(formatDuration(4200)).toBe('about 1 h 10 min');
    expect(formatDuration(3600)).toBe('about 1 h');
    expect(formatDuration(Number.NaN)).toBe('unknown');
  });
});
