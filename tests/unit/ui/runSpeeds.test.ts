import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCost } from '../../../src/core/config';
import { evaluationGenerations } from '../../../src/core/config/duration';
import { resolvePreset } from '../../../src/core/lab';
import type { ResultsFile } from '../../../src/core/pipeline/types';
import { RunSpeeds } from '../../../src/lib/runSpeeds.svelte';

class MemoryStorage {
  #items = new Map<string, string>();
  getItem = (key: string) => this.#items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.#items.set(key, value);
}

const example = JSON.parse(
  readFileSync('public/examples/antidote-sst2.json', 'utf8'),
) as ResultsFile;
const total = example.stages.reduce((sum, s) => sum + s.seconds, 0);

describe('run speeds: the estimate before a run', () => {
  it('has none for a model nothing here has run', () => {
    const speeds = new RunSpeeds(() => new MemoryStorage() as unknown as Storage);
    expect(speeds.estimate(resolvePreset('antidote-sst2'), 'wasm')).toBeNull();
  });

  it("stands in with the example's speed, and says so", () => {
    const speeds = new RunSpeeds(() => new MemoryStorage() as unknown as Storage);
    speeds.useReference(example);
    const estimate = speeds.estimate(example.config, 'webgpu')!;
    expect(estimate.source).toBe('example');
    expect(estimate.seconds).toBeCloseTo(total, 6);
    expect(estimate.text).toMatch(/^about \d+ min on a 2-core laptop on wasm \(the example run/);
  });

  it('learns from a finished run, per model and backend, and keeps it across pages', () => {
    const store = new MemoryStorage() as unknown as Storage;
    const speeds = new RunSpeeds(() => store);
    speeds.useReference(example);
    // The same run twice as fast on this machine's webgpu.
    const fast = structuredClone(example);
    fast.environment.backend = 'webgpu';
    fast.stages = fast.stages.map((s) => ({ ...s, seconds: s.seconds / 2 }));
    speeds.remember(fast);
    const later = new RunSpeeds(() => store);
    const onWebgpu = later.estimate(example.config, 'webgpu')!;
    expect(onWebgpu.source).toBe('this-machine');
    expect(onWebgpu.seconds).toBeCloseTo(total / 2, 6);
    expect(onWebgpu.text).toContain('on this machine (from your last safetune-base run on webgpu)');
    expect(later.estimate(example.config, 'wasm')).toBeNull();
    const two = later.estimateAll([example.config, resolvePreset('micro')], 'webgpu')!;
    expect(two.seconds).toBeGreaterThan(onWebgpu.seconds);
    expect(two.text).toMatch(/^at most about /);
  });

  it('ignores a damaged record', () => {
    const store = new MemoryStorage();
    store.setItem('safetune-lab.run-speed', '{"safetune-base|wasm":{"trainSecondsPerRow":"x"}}');
    const speeds = new RunSpeeds(() => store as unknown as Storage);
    expect(speeds.estimate(example.config, 'wasm')).toBeNull();
  });

  it("scales the real-size run's speed for a Hub model of known size on wasm, and only there", () => {
    const store = new MemoryStorage() as unknown as Storage;
    const speeds = new RunSpeeds(() => store);
    const config = resolvePreset('micro');
    config.model.base = 'Owner/Model-270M@main';
    // Unknown size: nothing to scale.
    expect(speeds.estimate(config, 'wasm')).toBeNull();
    speeds.knowModels([
      { spec: 'owner/model-270m', source: 'hub', description: '', parameters: 270e6 },
    ]);
    const scaled = speeds.estimate(config, 'wasm')!;
    expect(scaled.source).toBe('scaled');
    // Twice the 135M model's work per row: 2 × (517 + 253) / 48 s per training row, and so on.
    const rows = runCost(config, null).rows;
    const generations = evaluationGenerations(config);
    expect(scaled.seconds).toBeCloseTo(
      2 * ((rows * (517 + 253)) / 48 + (generations * 204) / 360 + 72),
      6,
    );
    // A GPU's speed is not guessed; this machine's own run of the model replaces the scaled one.
    expect(speeds.estimate(config, 'webgpu')).toBeNull();
    const own = {
      ...structuredClone(example),
      config,
      environment: { ...example.environment, backend: 'wasm' },
    };
    speeds.remember(own);
    expect(speeds.estimate(config, 'wasm')!.source).toBe('this-machine');
  });

  it("measures a run nothing measured before from its first steps, in the example's proportions", () => {
    const speeds = new RunSpeeds(() => new MemoryStorage() as unknown as Storage);
    speeds.useReference(example);
    const reference = speeds.speedFor(example.config)!;
    // 2 steps of 16 rows in 8 s: 0.25 s per row; evaluation and post in the example's proportion.
    const speed = speeds.fromFirstSteps(example.config, 32, 8)!;
    expect(speed.trainSecondsPerRow).toBe(0.25);
    expect(speed.evalSecondsPerGeneration / speed.trainSecondsPerRow).toBeCloseTo(
      reference.evalSecondsPerGeneration / reference.trainSecondsPerRow,
      9,
    );
    expect(speed.postSeconds / speed.trainSecondsPerRow).toBeCloseTo(
      reference.postSeconds / reference.trainSecondsPerRow,
      9,
    );
    // A Hub model takes the real-size run's proportions: 204 s / 360 answers per 770 s / 48 rows.
    const hub = structuredClone(example.config);
    hub.model.base = 'owner/model';
    const fromHub = speeds.fromFirstSteps(hub, 16, 32)!;
    expect(fromHub.evalSecondsPerGeneration).toBeCloseTo((2 * (204 / 360)) / (770 / 48), 9);
    expect(speeds.fromFirstSteps(hub, 0, 32)).toBeNull();
  });
});
