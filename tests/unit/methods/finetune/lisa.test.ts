import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  lisaSchedule,
  lisaStates,
  withProximal,
} from '../../../../src/core/methods/finetune/lisa/lisa';
import { getTrainMethod } from '../../../../src/core/methods/registry';
import { LanguageModel } from '../../../../src/core/model/languageModel';
import { CancelToken, CancelledError } from '../../../../src/core/runtime/cancel';
import { countBatches } from '../../../../src/core/train/batching';
import { trainSupervised } from '../../../../src/core/train/loop';
import { Trainer } from '../../../../src/core/train/trainer';
import { toBatchTensors, disposeBatchTensors } from '../../../../src/core/model/batch';
import { useBackend } from '../../support/backend';
import { TINY, patternBatch } from '../../support/tiny';
import { PAD_ID, finetuneContext, maxDifference } from './context';

const DEFAULTS = { alignmentFraction: 0.1, rounds: 20, rho: 1, proximalStartFraction: 0.1 };
const lisa = getTrainMethod('finetune', 'lisa');

describe('lisaSchedule', () => {
  it("splits one round as the paper's 100 alignment + 900 fine-tuning steps", () => {
    expect(lisaSchedule(1000, 0.1, 1)).toEqual([
      { state: 'alignment', steps: 100 },
      { state: 'finetune', steps: 900 },
    ]);
  });

  it('runs the official script as 20 rounds of 100 + 900 steps', () => {
    const phases = lisaSchedule(20000, 0.1, 20);
    expect(phases).toHaveLength(40);
    phases.forEach((phase, i) =>
      expect(phase).toEqual(
        i % 2 === 0 ? { state: 'alignment', steps: 100 } : { state: 'finetune', steps: 900 },
      ),
    );
  });

  it('caps the rounds of a short run so each round keeps an alignment step', () => {
    const phases = lisaSchedule(50, 0.1, 20);
    expect(phases).toEqual(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0 ? { state: 'alignment', steps: 1 } : { state: 'finetune', steps: 9 },
      ),
    );
  });

  it('keeps the total, alternates states, and merges empty phases away', () => {
    for (const [total, fraction, rounds] of [
      [7, 0.3, 3],
      [105, 0.1, 20],
      [33, 0.25, 4],
      [12, 0, 5],
      [9, 0.9, 2],
    ] as const) {
      const phases = lisaSchedule(total, fraction, rounds);
      const states = lisaStates(phases);
      expect(states).toHaveLength(total);
      expect(phases.every((p) => p.steps > 0)).toBe(true);
      phases.slice(1).forEach((p, i) => expect(p.state).not.toBe(phases[i].state));
      const alignment = states.filter((s) => s === 'alignment').length;
      expect(Math.abs(alignment - fraction * total)).toBeLessThanOrEqual(rounds / 2 + 0.5);
    }
    expect(lisaSchedule(12, 0, 5)).toEqual([{ state: 'finetune', steps: 12 }]);
  });
});

describe.each(['cpu', 'wasm'] as const)('Lisa on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('adds exactly ρ·(θ − θ_anchor) to every gradient and ρ/2·‖θ − θ_anchor‖² to the loss', async () => {
    const model = LanguageModel.init(TINY, 1);
    const anchorModel = LanguageModel.init(TINY, 2);
    const anchorValues = await anchorModel.readValues();
    const anchor = new Map([...anchorModel.weights].map(([n, w]) => [n, w as tf.Tensor]));
    const trainer = new Trainer(model, {
      schedule: { kind: 'constant', peakLr: 1e-3, totalSteps: 1, warmupSteps: 0 },
      weightDecay: 0,
      maxGradNorm: 0,
    });
    const tensors = toBatchTensors(patternBatch(5));
    const rho = 0.7;
    const plain = trainer.gradients(() => model.loss(tensors));
    const plainLoss = (await plain.loss.data())[0];
    const plainGrads = new Map<string, Float32Array>();
    for (const [name, grad] of Object.entries(plain.grads)) {
      plainGrads.set(name, (await grad.data()) as Float32Array);
    }
    const before = tf.memory().numTensors;
    const proximal = withProximal(plain, model.weights, anchor, rho);
    // `plain` is disposed, its replacement holds the same number of tensors.
    expect(tf.memory().numTensors).toBe(before);

    const theta = await model.readValues();
    let squared = 0;
    for (const [name, values] of theta) {
      const got = await proximal.grads[name].data();
      const anchorData = anchorValues.get(name)!;
      const expected = Array.from(
        values,
        (v, i) => plainGrads.get(name)![i] + rho * (v - anchorData[i]),
      );
      Array.from(got).forEach((g, i) => expect(g).toBeCloseTo(expected[i], 6));
      values.forEach((v, i) => (squared += (v - anchorData[i]) ** 2));
    }
    expect((await proximal.loss.data())[0]).toBeCloseTo(plainLoss + (rho / 2) * squared, 5);

    tf.dispose([proximal.loss, ...Object.values(proximal.grads)]);
    disposeBatchTensors(tensors);
    trainer.dispose();
    model.dispose();
    anchorModel.dispose();
  });

  it('with no alignment steps and ρ = 0 is exactly plain SFT', async () => {
    const [a, b] = [LanguageModel.init(TINY, 4), LanguageModel.init(TINY, 4)];
    const sftContext = await finetuneContext(a);
    await getTrainMethod('finetune', 'sft').train(sftContext);
    const lisaContext = await finetuneContext(b, {
      params: { ...DEFAULTS, alignmentFraction: 0, rho: 0 },
    });
    const report = await lisa.train(lisaContext);
    expect(maxDifference(await a.readValues(), await b.readValues())).toBe(0);
    expect(lisaContext.steps.map((s) => s.result.loss)).toEqual(
      sftContext.steps.map((s) => s.result.loss),
    );
    expect(report.steps).toBe(sftContext.steps.length);
    a.dispose();
    b.dispose();
  });

  it('takes as many steps as SFT, differs from it, and pulls toward the parent first', async () => {
    const [a, b] = [LanguageModel.init(TINY, 5), LanguageModel.init(TINY, 5)];
    const sftContext = await finetuneContext(a);
    const sft = await getTrainMethod('finetune', 'sft').train(sftContext);
    const params = { ...DEFAULTS, alignmentFraction: 0.25, rounds: 2, proximalStartFraction: 0 };
    const lisaContext = await finetuneContext(b, { params });
    const report = await lisa.train(lisaContext);
    const total = countBatches(lisaContext.examples, {
      seed: lisaContext.seed,
      epochs: 1,
      batchSize: 2,
      seqLen: TINY.contextLength,
    });
    expect(report.steps).toBe(total);
    expect(sft.steps).toBe(total);
    expect(lisaContext.steps.map((s) => [s.result.step, s.totalSteps])).toEqual(
      Array.from({ length: total }, (_, i) => [i, total]),
    );
    expect(maxDifference(await a.readValues(), await b.readValues())).toBeGreaterThan(1e-4);
    // The first step is an alignment step: its loss is the alignment batch's, not the user's.
    expect(lisaContext.steps[0].result.loss).not.toBeCloseTo(sftContext.steps[0].result.loss, 4);
    a.dispose();
    b.dispose();
  });

  it('anchors the first phase to the parent weights, not to where the model starts', async () => {
    const params = { ...DEFAULTS, alignmentFraction: 0, rho: 2, proximalStartFraction: 0 };
    const parent = LanguageModel.init(TINY, 7);
    const parentValues = await parent.readValues();
    const anchor = new Map([...parent.weights].map(([n, w]) => [n, w as tf.Tensor]));
    const [a, b] = [LanguageModel.init(TINY, 6), LanguageModel.init(TINY, 6)];
    const context = await finetuneContext(a, { params, parentValues });
    await lisa.train(context);
    // The same run written out: plain SFT plus, after the first step (the official code's strict
    // `steps > start`), the proximal pull toward the parent.
    await trainSupervised(b, context.examples, {
      ...context.settings,
      seed: context.seed,
      padId: PAD_ID,
      gradients: (trainer, tensors) => {
        const plain = trainer.gradients(() => b.loss(tensors));
        return trainer.steps > 0 ? withProximal(plain, b.weights, anchor, 2) : plain;
      },
    });
    expect(maxDifference(await a.readValues(), await b.readValues())).toBe(0);
    [parent, a, b].forEach((m) => m.dispose());
  });

  it('leaks no tensors across steps nor after training, and stops on cancel', async () => {
    const model = LanguageModel.init(TINY, 8);
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const context = await finetuneContext(model, {
      params: { ...DEFAULTS, alignmentFraction: 0.3, rounds: 3, proximalStartFraction: 0 },
      onStep: async () => void counts.push(tf.memory().numTensors),
    });
    await lisa.train(context);
    expect(counts.length).toBeGreaterThan(4);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);

    const cancel = new CancelToken();
    cancel.cancel();
    await expect(
      lisa.train(await finetuneContext(model, { params: DEFAULTS, cancel })),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
