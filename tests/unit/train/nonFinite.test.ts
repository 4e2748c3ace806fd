import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { NonFiniteTrainingError, Trainer } from '../../../src/core/train/trainer';
import { useBackend } from '../support/backend';
import { TINY, patternBatch } from '../support/tiny';

const schedule = (peakLr: number) => ({
  kind: 'constant' as const,
  peakLr,
  totalSteps: 30,
  warmupSteps: 0,
});

/** Steps until the trainer throws (or 30 steps pass); resolves to what it threw. */
async function trainUntilThrown(trainer: Trainer): Promise<unknown> {
  for (let s = 0; s < 30; s++) {
    try {
      await trainer.step(patternBatch(100 + (s % 4), 4));
    } catch (error) {
      return error;
    }
  }
  return undefined;
}

describe('a non-finite loss or gradient stops training', () => {
  beforeAll(() => useBackend('cpu'));

  it('an absurd learning rate: the loss becomes non-finite and the step throws one line naming the step and the lr', async () => {
    const before = tf.memory().numTensors;
    const model = LanguageModel.init(TINY, 1);
    const trainer = new Trainer(model, {
      schedule: schedule(1e30),
      weightDecay: 0,
      maxGradNorm: 1,
    });
    const error = await trainUntilThrown(trainer);
    expect(error).toBeInstanceOf(NonFiniteTrainingError);
    const thrown = error as NonFiniteTrainingError;
    // Step 1 trains on the initial weights (finite); the weights it leaves are ~1e30.
    expect(thrown.step).toBeGreaterThan(1);
    expect(thrown.totalSteps).toBe(30);
    expect(thrown.lr).toBe(1e30);
    expect(thrown.message).toMatch(
      /^the (loss|gradient norm) became (NaN|Infinity|-Infinity) at step \d+ of 30 \(lr 1e\+30\)$/,
    );
    expect(thrown.message).not.toContain('\n');
    // The step counter did not move past the failed step, and the failed step leaked nothing.
    expect(trainer.steps).toBe(thrown.step - 1);
    trainer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a NaN weight: the first step throws, and inStage names the stage and the field to lower', async () => {
    const values = await LanguageModel.init(TINY, 1).readValues();
    values.get('transformer.h.0.mlp.c_fc.weight')![3] = Number.NaN;
    const model = LanguageModel.fromValues(TINY, values);
    const trainer = new Trainer(model, {
      schedule: schedule(1e-2),
      weightDecay: 0,
      maxGradNorm: 1,
    });
    const error = await trainUntilThrown(trainer);
    expect(error).toBeInstanceOf(NonFiniteTrainingError);
    const thrown = error as NonFiniteTrainingError;
    expect(thrown.message).toBe('the loss became NaN at step 1 of 30 (lr 1e-2)');
    expect(thrown.inStage('finetune').message).toBe(
      'finetune: the loss became NaN at step 1 of 30 (lr 1e-2): lower finetune.lr',
    );
    trainer.dispose();
    model.dispose();
  });

  it('a finite loss with a NaN gradient (stepWithGradients) throws naming the gradient norm', async () => {
    const model = LanguageModel.init(TINY, 1);
    const trainer = new Trainer(model, {
      schedule: schedule(3e-4),
      weightDecay: 0,
      maxGradNorm: 0,
    });
    const poisoned = trainer.stepWithGradients(patternBatch(1, 4), (tensors) => {
      const { loss, grads } = trainer.gradients(() => model.loss(tensors));
      const [name] = Object.keys(grads);
      const bad = tf.fill(grads[name].shape, Number.NaN);
      grads[name].dispose();
      grads[name] = bad;
      return { loss, grads };
    });
    await expect(poisoned).rejects.toThrow(
      /^the gradient norm became NaN at step 1 of 30 \(lr 3e-4\)$/,
    );
    trainer.dispose();
    model.dispose();
  });

  it('finite steps are not affected: the loss is reported as before', async () => {
    const model = LanguageModel.init(TINY, 1);
    const trainer = new Trainer(model, {
      schedule: schedule(1e-2),
      weightDecay: 0,
      maxGradNorm: 1,
    });
    const result = await trainer.step(patternBatch(1, 4));
    expect(Number.isFinite(result.loss)).toBe(true);
    expect(result).toMatchObject({ step: 0, lr: 1e-2 });
    trainer.dispose();
    model.dispose();
  });
});
