import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePreset } from '../../../src/core/lab';
import { checkModelFits, loadHubBaseModel } from '../../../src/core/hub';
import { pipelineMemoryRun } from '../../../src/core/pipeline/microBatch';
import { curatedModel } from '../../../src/core/hub/curated';
import { startHubServer, type HubServer } from '../../support/hubServer';

const FIXTURES = fileURLToPath(new URL('../../fixtures/hub', import.meta.url));
const WASM_HEAP = {
  maxBufferSize: 2 ** 32,
  maxStorageBufferBindingSize: 2 ** 32,
  deviceMemoryBytes: 2 ** 32,
};

let server: HubServer;
beforeAll(async () => {
  server = await startHubServer(FIXTURES);
});
afterAll(() => server.close());

describe('the memory check before a Hub model downloads', () => {
  it('runs before any weight file is requested, and a refusal downloads nothing', async () => {
    const start = server.requests.length;
    await expect(
      loadHubBaseModel('tiny/llama', {
        endpoint: server.endpoint,
        beforeWeights: ({ configJson }) => {
          checkModelFits(
            'tiny/llama',
            configJson,
            () => ({ batchSize: 4, seqLen: 256, lora: null }),
            {
              maxBufferSize: 1024,
              maxStorageBufferBindingSize: 1024,
            },
          );
        },
      }),
    ).rejects.toThrow(/^tiny\/llama will not fit this device: .*maxStorageBufferBindingSize/);
    const requested = server.requests.slice(start);
    expect(requested.some((r) => r.includes('config.json'))).toBe(true);
    expect(requested.some((r) => r.includes('.safetensors'))).toBe(false);
  });

  it("takes the SmolLM2 preset on wasm's 4 GiB heap in micro-batches, refuses Qwen2.5-0.5B's with the figures, and accepts the built-in world's scale", () => {
    const smolDefault = resolvePreset('smollm2-135m-sst2');
    const smol = curatedModel('HuggingFaceTB/SmolLM2-135M-Instruct');
    expect(smol).toBeDefined();
    // A Hub model's default keeps what fits: one row per pass, and for alignment (the larger
    // step) the first 26 of 30 blocks' activations.
    const fitted = pipelineMemoryRun(smolDefault, smol!.config, 'wasm', WASM_HEAP);
    expect([fitted.batchSize, fitted.recompute, fitted.storedBlocks]).toEqual([1, true, 26]);
    // Every block recomputed: one pass of the whole batch (4 rows) fits.
    const recomputed = { ...smolDefault, runtime: { ...smolDefault.runtime, recompute: true } };
    expect(pipelineMemoryRun(recomputed, smol!.config, 'wasm', WASM_HEAP).batchSize).toBe(4);
    // Activations stored: one pass of 2 rows × 256 tokens is over the heap; one row per pass fits.
    const preset = { ...recomputed, runtime: { ...recomputed.runtime, recompute: false } };
    const run = pipelineMemoryRun(preset, smol!.config, 'wasm', WASM_HEAP);
    expect(run.batchSize).toBe(1);
    expect(() =>
      checkModelFits(
        preset.model.base,
        { ...smol!.hubConfig },
        () => ({ ...run, batchSize: 2 }),
        WASM_HEAP,
      ),
    ).toThrow(/over the memory budget of 4\.3 GB/);
    expect(
      checkModelFits(
        preset.model.base,
        { ...smol!.hubConfig },
        (m) => pipelineMemoryRun(preset, m, 'wasm', WASM_HEAP),
        WASM_HEAP,
      ),
    ).toMatch(/^HuggingFaceTB\/SmolLM2-135M-Instruct: about [\d.]+ GB at its peak/);

    const qwenDefault = resolvePreset('qwen2.5-0.5b-sst2');
    const qwenPreset = { ...qwenDefault, runtime: { ...qwenDefault.runtime, recompute: false } };
    const qwen = curatedModel('Qwen/Qwen2.5-0.5B-Instruct');
    expect(() =>
      checkModelFits(
        qwenPreset.model.base,
        { ...qwen!.hubConfig },
        (m) => pipelineMemoryRun(qwenPreset, m, 'wasm', WASM_HEAP),
        WASM_HEAP,
      ),
    ).toThrow(
      /will not fit this device: the run needs about [\d.]+ GB .* over the memory budget of 4\.3 GB/,
    );
    const tiny = checkModelFits(
      'tiny',
      {
        model_type: 'llama',
        vocab_size: 320,
        hidden_size: 32,
        intermediate_size: 64,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        num_key_value_heads: 2,
        max_position_embeddings: 256,
      },
      (m) => pipelineMemoryRun(preset, m, 'wasm', WASM_HEAP),
      WASM_HEAP,
    );
    expect(tiny).toMatch(/^tiny: about [\d.]+ MB at its peak/);
  });
});
