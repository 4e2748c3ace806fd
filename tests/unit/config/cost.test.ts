/**
 * The cost estimate a config from outside is shown before it runs (issue 24, point 4): every
 * setting at its allowed maximum is valid, and a link should not start it with one click.
 */
import { describe, expect, it } from 'vitest';
import {
  CONFIRM_WORK,
  RANGES,
  builtInParameters,
  describeCost,
  needsConfirmation,
  runCost,
} from '../../../src/core/config';
import { resolvePreset } from '../../../src/core/lab';

describe('runCost', () => {
  it("counts the antidote-sst2 preset's steps and rows on the built-in 486k-parameter model", () => {
    const config = resolvePreset('antidote-sst2');
    const parameters = builtInParameters(config.model.base);
    expect(parameters).toBe(486_400);
    // Alignment 2,000 rows in 125 batches × 2 epochs; fine-tuning 1,000 rows in 63 batches × 5.
    const cost = runCost(config, parameters);
    expect(cost).toEqual({ steps: 565, rows: 9_040, parameters, work: 9_040 * 486_400 });
    expect(needsConfirmation(cost)).toBe(false);
    expect(describeCost(cost)).toBe(
      "565 training steps (9,040 rows) on a 486k-parameter model: about 1.0× the antidote-sst2 preset's training.",
    );
  });

  it("counts benign-outliers' pool: one backward pass per scored task example", () => {
    const config = resolvePreset('antidote-sst2');
    config.attack = { method: 'benign-outliers', params: { poolFactor: 4 } };
    // 9,040 training rows and 4 × 1,000 pool examples scored one by one.
    expect(runCost(config, 1).rows).toBe(9_040 + 4_000);
    config.attack = { method: 'prefill', params: { prefix: 'sure .', tokens: 0 } };
    expect(runCost(config, 1).rows).toBe(9_040);
  });

  it('the built-in presets run without asking', () => {
    for (const name of ['antidote-sst2', 'micro', 'bench-sst2', 'full-finetune-sst2']) {
      const config = resolvePreset(name);
      expect(needsConfirmation(runCost(config, builtInParameters(config.model.base))), name).toBe(
        false,
      );
    }
  });

  it('every training setting at its allowed maximum asks first, with the estimate', () => {
    const config = resolvePreset('antidote-sst2');
    for (const stage of [config.alignment, config.finetune]) {
      stage.samples = RANGES['finetune.samples'].max;
      stage.epochs = RANGES['finetune.epochs'].max;
      stage.batchSize = RANGES['finetune.batchSize'].min;
    }
    const cost = runCost(config, builtInParameters(config.model.base));
    expect(cost.steps).toBe(2 * 100_000 * 100);
    expect(cost.work).toBeGreaterThan(CONFIRM_WORK);
    expect(needsConfirmation(cost)).toBe(true);
    expect(describeCost(cost)).toBe(
      "20,000,000 training steps (20,000,000 rows) on a 486k-parameter model: about 2,212× the antidote-sst2 preset's training.",
    );
  });

  it('a Hub model of unknown size asks first, saying so', () => {
    const config = resolvePreset('micro');
    config.model.base = 'someone/some-model';
    const cost = runCost(config, builtInParameters(config.model.base));
    expect(cost.parameters).toBeNull();
    expect(needsConfirmation(cost)).toBe(true);
    expect(describeCost(cost)).toMatch(/on a model whose size is known only once it downloads\.$/);
  });

  it('a Hub preset of known size is above the threshold (a run of hours)', () => {
    const cost = runCost(resolvePreset('smollm2-135m-sst2'), 135_000_000);
    expect(needsConfirmation(cost)).toBe(true);
    expect(describeCost(cost)).toMatch(
      /^500 training steps \(2,000 rows\) on a 135M-parameter model/,
    );
  });
});
