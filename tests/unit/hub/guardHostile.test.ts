/**
 * The memory guard reads a `config.json` from outside before any weight downloads: an absurd one
 * is refused by its ranges before anything is estimated, the estimate does the same work for 512
 * blocks as for 2 (no list per block, no array as wide as the model), and every backend has a
 * budget (wasm's heap, WebGPU's adapter limits, a JS-heap budget for cpu and WebGL).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as architecture from '../../../src/core/model/architecture';
import { resolvePreset } from '../../../src/core/lab';
import { checkModelFits, guardLimits } from '../../../src/core/hub/guard';
import { pipelineMemoryRun } from '../../../src/core/pipeline/microBatch';
import { checkedHubConfig } from '../../../src/core/model/checkpoint';
import { estimateMemory } from '../../../src/core/model/memory';
import type { BackendName } from '../../../src/core/runtime/backend';

vi.mock('../../../src/core/model/architecture', async (importOriginal) => {
  const original = await importOriginal<typeof architecture>();
  return {
    ...original,
    blockLinears: vi.fn(original.blockLinears),
    roleLocation: vi.fn(original.roleLocation),
  };
});

/** Calls, from other modules, of what builds one block's layers or one role's column map. */
const perBlockWork = () =>
  vi.mocked(architecture.blockLinears).mock.calls.length +
  vi.mocked(architecture.roleLocation).mock.calls.length;

beforeEach(() => {
  vi.mocked(architecture.blockLinears).mockClear();
  vi.mocked(architecture.roleLocation).mockClear();
});

const llama = (layers: number, width = 576) => ({
  model_type: 'llama',
  vocab_size: 49152,
  hidden_size: width,
  intermediate_size: (8 * width) / 3,
  num_hidden_layers: layers,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  max_position_embeddings: 8192,
  tie_word_embeddings: true,
});

const PRESET = resolvePreset('smollm2-135m-sst2');
const BACKENDS: BackendName[] = ['wasm', 'webgpu', 'webgl', 'cpu'];

function check(json: Record<string, unknown>, backend: BackendName = 'wasm'): string {
  const limits = guardLimits(backend);
  try {
    return checkModelFits(
      'evil/model',
      json,
      (model) => pipelineMemoryRun(PRESET, model, backend, limits),
      limits,
    );
  } catch (error) {
    return (error as Error).message;
  }
}

describe('the memory guard on configs from outside', () => {
  it.each([
    ['100,000 blocks', { num_hidden_layers: 100_000 }, /^config\.json: num_hidden_layers/],
    ['a width of 2^27', { hidden_size: 2 ** 27 }, /^config\.json: hidden_size/],
    ['rope_theta 1e400', { rope_theta: Infinity }, /^config\.json: rope_theta/],
  ])(
    'refuses %s by its range, before estimating anything',
    (_, patch, message) => {
      expect(check({ ...llama(30), ...patch })).toMatch(message);
      expect(perBlockWork()).toBe(0);
    },
    10_000,
  );

  it('estimates 512 blocks with the work of 2: no list per block', () => {
    const run = { batchSize: 4, seqLen: 256, lora: PRESET.finetune.lora, maxNewTokens: 32 };
    for (const lora of [run.lora, null]) {
      estimateMemory(checkedHubConfig(llama(2)), { ...run, lora });
      const shallow = perBlockWork();
      estimateMemory(checkedHubConfig(llama(512)), { ...run, lora });
      expect(perBlockWork() - shallow).toBe(shallow);
      vi.mocked(architecture.blockLinears).mockClear();
      vi.mocked(architecture.roleLocation).mockClear();
    }
    // The whole guard: a few estimates (the micro-batch search), each of one block's work; it
    // was 76,809 calls for 512 blocks when the estimate listed every block's weights.
    const verdict = check(llama(512));
    expect(perBlockWork()).toBeLessThan(200);
    expect(verdict).toMatch(/^evil\/model will not fit this device: .*over the memory budget/);
  });

  it('estimates the widest config in range without arrays as wide as it', () => {
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const sample = vi.mocked(architecture.roleLocation).getMockImplementation()!;
    vi.mocked(architecture.roleLocation).mockImplementation((...args) => {
      const location = sample(...args);
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
      return location;
    });
    const verdict = check({
      ...llama(512, 65_536),
      intermediate_size: 262_144,
      num_attention_heads: 64,
      num_key_value_heads: 8,
    });
    vi.mocked(architecture.roleLocation).mockImplementation(sample);
    expect(verdict).toMatch(/^evil\/model will not fit this device/);
    expect(peak).toBeLessThan(64 * 2 ** 20);
  });

  it.each(BACKENDS)(
    '%s: a budget applies before the weights download — SmolLM2-135M fits, a 7B model does not',
    (backend) => {
      expect(check(llama(30), backend)).toMatch(/^evil\/model: about [\d.]+ [MG]B at its peak/);
      const sevenB = {
        ...llama(28, 3584),
        vocab_size: 152064,
        intermediate_size: 18944,
        num_attention_heads: 28,
        num_key_value_heads: 4,
        tie_word_embeddings: false,
      };
      expect(check(sevenB, backend)).toMatch(
        /^evil\/model will not fit this device: .*(over the memory budget of [\d.]+ GB|over this device's)/,
      );
    },
  );

  it('uses the adapter limits a WebGPU device grants, and the smaller of its memory and the budget', () => {
    const device = {
      maxBufferSize: 2 ** 28,
      maxStorageBufferBindingSize: 2 ** 27,
      deviceMemoryBytes: 2 ** 30,
    };
    expect(guardLimits('webgpu', device)).toEqual(device);
    expect(guardLimits('wasm').deviceMemoryBytes).toBe(3.5 * 2 ** 30);
    expect(guardLimits('cpu').deviceMemoryBytes).toBe(4 * 2 ** 30);
    expect(guardLimits('webgl').deviceMemoryBytes).toBe(2 * 2 ** 30);
  });
});
