import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolvePreset } from '../../../src/core/lab';
import { BASE_MODELS } from '../../../src/core/model/bases';
import type { BackendInfo } from '../../../src/core/runtime/backend';
import { probeFor, rememberBackend } from '../../../src/lib/backendMemory';
import { MemoryStorage } from '../support/memoryStorage';

const measured = (probe: NonNullable<ReturnType<typeof probeFor>>): BackendInfo => ({
  requested: 'auto',
  backend: 'wasm',
  reason: 'fastest for safetune-base, measured here (wasm 142 ms/step, webgpu 310 ms/step)',
  adapter: null,
  measuredMsPerStep: { wasm: 142, webgpu: 310 },
  probe: { key: probe.key, label: probe.label, remembered: false },
});

describe('the auto backend remembered per model shape', () => {
  it("the built-in model's shape is its config.json's", () => {
    const config = JSON.parse(readFileSync('models/safetune-base/config.json', 'utf8')) as {
      safetune: unknown;
    };
    expect(BASE_MODELS['safetune-base'].shape).toEqual(config.safetune);
  });

  it('measures once: a fresh measurement is kept and handed back for the same shape', () => {
    const store = new MemoryStorage() as unknown as Storage;
    const probe = probeFor(resolvePreset('micro'), store);
    expect(probe).toMatchObject({
      key: 'safetune-base V636 d128 L2 H4 T64 B8',
      label: 'safetune-base',
      batch: 8,
      remembered: null,
    });
    rememberBackend(measured(probe!), store);
    expect(probeFor(resolvePreset('micro'), store)?.remembered).toEqual({
      backend: 'wasm',
      msPerStep: { wasm: 142, webgpu: 310 },
    });
    // A remembered or an explicit choice is nothing new to keep.
    rememberBackend(
      {
        ...measured(probe!),
        backend: 'webgpu',
        probe: { ...measured(probe!).probe!, remembered: true },
      },
      store,
    );
    rememberBackend(
      { requested: 'webgl', backend: 'webgl', reason: 'requested', adapter: null },
      store,
    );
    expect(probeFor(resolvePreset('micro'), store)?.remembered?.backend).toBe('wasm');
  });

  it('has no probe for a Hub model, and reads a damaged record as nothing remembered', () => {
    const store = new MemoryStorage();
    const config = resolvePreset('micro');
    expect(
      probeFor(
        { model: { ...config.model, base: 'HuggingFaceTB/SmolLM2-135M' } },
        store as unknown as Storage,
      ),
    ).toBeUndefined();
    store.setItem(
      'safetune-lab.auto-backend',
      '{"safetune-base V636 d128 L2 H4 T64 B8": {"backend": "tpu"}}',
    );
    expect(probeFor(config, store as unknown as Storage)?.remembered).toBeNull();
    store.setItem('safetune-lab.auto-backend', 'not json');
    expect(probeFor(config, store as unknown as Storage)?.remembered).toBeNull();
  });
});
