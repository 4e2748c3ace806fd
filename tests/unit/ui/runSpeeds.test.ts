import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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
});
