/**
 * One-line refusals of what the lab cannot run, named precisely: an unsupported `model_type`, a
 * setting it does not implement, a tensor that does not belong, a tokenizer it cannot read.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseModelFromHubFiles, loadHubBaseModel, loadHubModelFiles } from '../../../src/core/hub';
import { runnableFromBase } from '../../../src/core/generation/fromBase';
import { startHubServer, type HubServer } from '../../support/hubServer';

const FIXTURES = fileURLToPath(new URL('../../fixtures/hub', import.meta.url));

let server: HubServer;
beforeAll(async () => {
  server = await startHubServer(FIXTURES);
});
afterAll(() => server.close());

const files = (repo: string) => loadHubModelFiles(repo, { endpoint: server.endpoint });

describe('what the lab refuses, in one line', () => {
  it('an unsupported model_type names the ones it runs', async () => {
    const llama = await files('tiny/llama');
    await expect(
      baseModelFromHubFiles({
        ...llama,
        configJson: { ...llama.configJson, model_type: 'mistral' },
      }),
    ).rejects.toThrow(
      'config.json: model_type "mistral" is not supported (the lab runs gpt2, llama, qwen2, qwen3, gpt_neox)',
    );
  });

  it.each([
    [
      'rope_scaling',
      { rope_scaling: { rope_type: 'llama3', factor: 32 } },
      /rope_scaling .*llama3.* is not supported/,
    ],
    [
      'sliding windows',
      { use_sliding_window: true },
      /use_sliding_window true is not supported \(sliding-window attention\)/,
    ],
    [
      'another activation',
      { hidden_act: 'gelu' },
      /hidden_act "gelu" is not supported \(the lab implements silu\)/,
    ],
    [
      'a bad GQA split',
      { num_key_value_heads: 3 },
      /num_key_value_heads 3 must divide num_attention_heads 4/,
    ],
  ])('%s', async (_, patch, message) => {
    const llama = await files('tiny/llama');
    await expect(
      baseModelFromHubFiles({ ...llama, configJson: { ...llama.configJson, ...patch } }),
    ).rejects.toThrow(message);
  });

  it('a GPT-2 setting that changes the math', async () => {
    const gpt2 = await files('tiny/gpt2');
    await expect(
      baseModelFromHubFiles({
        ...gpt2,
        configJson: { ...gpt2.configJson, scale_attn_by_inverse_layer_idx: true },
      }),
    ).rejects.toThrow(/scale_attn_by_inverse_layer_idx true is not supported/);
  });

  it('a tensor the family does not have, and a missing one, are named', async () => {
    const qwen = await files('tiny/qwen2');
    const extra = new Map(qwen.tensors);
    extra.set('model.layers.0.self_attn.extra.weight', { shape: [1], data: new Float32Array(1) });
    await expect(baseModelFromHubFiles({ ...qwen, tensors: extra })).rejects.toThrow(
      'checkpoint: 1 tensor(s) a qwen2 model does not have: "model.layers.0.self_attn.extra.weight"',
    );
    const missing = new Map(qwen.tensors);
    missing.delete('lm_head.weight');
    await expect(baseModelFromHubFiles({ ...qwen, tensors: missing })).rejects.toThrow(
      'checkpoint: missing weight "lm_head.weight"',
    );
  });

  it('a tokenizer transformers.js cannot read', async () => {
    const started = await startHubServer(FIXTURES);
    try {
      // Serve tiny/llama's files with a broken tokenizer.json through a wrapping fetch.
      const broken: typeof fetch = async (input, init) => {
        const url = String(input);
        if (url.endsWith('/tokenizer.json')) return new Response('{"model": 3}', { status: 200 });
        return fetch(input, init);
      };
      const base = await loadHubBaseModel('tiny/llama', {
        endpoint: started.endpoint,
        fetch: broken,
      });
      await expect(runnableFromBase(base)).rejects.toThrow(
        /^tokenizer\.json model: must be an object, got 3$/,
      );
    } finally {
      await started.close();
    }
  });
});
