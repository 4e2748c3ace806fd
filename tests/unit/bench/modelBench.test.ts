import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { trackPeakTensorBytes, wasmHeapBytes } from '../../../src/core/bench/memoryProbe';
import { runModelBench } from '../../../src/core/bench/modelBench';
import { formatModelBenchTable, tensorTrend } from '../../../src/core/bench/modelBenchTable';
import { useBackend } from '../support/backend';
import { TINY } from '../support/tiny';

describe('peak tensor bytes', () => {
  beforeAll(() => useBackend('cpu'));

  it('sees a peak inside a tidy that sampling before and after misses, and stops cleanly', () => {
    const before = tf.memory().numBytes;
    const peak = trackPeakTensorBytes();
    tf.tidy(() => {
      tf.add(tf.ones([1000]), 1);
    });
    expect(tf.memory().numBytes).toBe(before);
    expect(peak.peak).toBeGreaterThanOrEqual(before + 8000);
    peak.reset();
    expect(peak.peak).toBe(before);
    peak.stop();
    const kept = tf.ones([10]);
    expect(tf.memory().numBytes).toBe(before + 40);
    expect(peak.peak).toBe(before);
    kept.dispose();
    expect(wasmHeapBytes()).toBeNull();
  });
});

describe('runModelBench', () => {
  beforeAll(() => useBackend('cpu'));

  it('times generation and LoRA steps, leaks nothing and reports every figure', async () => {
    const config = { ...TINY, contextLength: 16 };
    const before = tf.memory().numTensors;
    const logs: string[] = [];
    const options = {
      label: 'tiny',
      model: config,
      batch: 3,
      seqLen: 8,
      microBatch: 2,
      trainSteps: 2,
      warmupSteps: 1,
      promptTokens: 4,
      newTokens: 5,
      warmupGenerations: 1,
      seed: 1,
    };
    const report = await runModelBench(options, (line) => logs.push(line));
    // Its micro-batches are the Trainer's: the same steps as one pass of the whole batch.
    const onePass = await runModelBench({ ...options, microBatch: undefined });
    expect(onePass.train.microBatch).toBe(3);
    report.train.losses.forEach((loss, i) => expect(loss).toBeCloseTo(onePass.train.losses[i], 5));
    expect(report.numTensorsAfter).toBe(before);
    expect(report.train.error).toBeUndefined();
    expect(report.train.msPerStep).toHaveLength(3);
    expect(report.train.microBatch).toBe(2);
    expect(
      report.train.numTensorsPerStep.every((n) => n === report.train.numTensorsPerStep[0]),
    ).toBe(true);
    expect(report.train.losses.every(Number.isFinite)).toBe(true);
    expect(report.train.tokensPerSecond).toBeCloseTo((3 * 8 * 1000) / report.train.medianMsPerStep);
    expect(report.generate.tokens).toHaveLength(5);
    // 4 + 5 positions, 8 decoding steps, 7 intervals between their logits.
    expect(report.generate.msPerToken).toHaveLength(7);
    expect(report.generate.numTensorsPerRun).toHaveLength(2);
    expect(report.generate.numTensorsPerRun[0]).toBe(report.generate.numTensorsPerRun[1]);
    expect(report.trainableParameters).toBe(2 * (8 * 8 + 8 * 8 + 8 * 8 + 8 * 8 + 8 * 8 + 8 * 8));
    expect(report.memory.peakTensorBytes).toBeGreaterThan(report.memory.weightBytes);
    expect(report.memory.peakTensorBytes).toBe(
      Math.max(report.train.peakTensorBytes, report.generate.peakTensorBytes),
    );
    expect(report.memory.wasmHeapBytes).toBeNull();
    expect(report.memory.jsHeap).toBeNull();
    expect('unavailable' in report.memory.userAgentSpecific).toBe(true);
    expect(logs.some((l) => l.startsWith('tiny: training step 3/3'))).toBe(true);
  });

  it('refuses a training row longer than the context', async () => {
    await expect(
      runModelBench({
        label: 'tiny',
        model: TINY,
        batch: 1,
        seqLen: TINY.contextLength + 1,
        trainSteps: 1,
        warmupSteps: 0,
        promptTokens: 2,
        newTokens: 2,
        warmupGenerations: 0,
        seed: 1,
      }),
    ).rejects.toThrow(/exceeds the context length/);
  });
});

describe('the bench table', () => {
  it('says flat, or by how much the tensor count grows per step', () => {
    expect(tensorTrend([5, 5, 5])).toBe('flat');
    expect(tensorTrend([5, 7, 9])).toBe('+2.0/step');
    expect(tensorTrend([5])).toBe('n/a (1 step)');
  });

  it('shows a failed training step and a skipped backend as notes', () => {
    const text = formatModelBenchTable([
      { backend: 'webgpu', model: 'gpt2-124m', adapter: null, skipped: 'no WebGPU adapter' },
    ]);
    expect(text).toContain('webgpu gpt2-124m: no WebGPU adapter');
  });
});
