/**
 * A Hub `config.json` decides how much the lab allocates and what its math does, before any
 * weight arrives: every number it reads must lie in a sane range, and each refusal is one line
 * `config.json: <field> …`.
 */
import { describe, expect, it } from 'vitest';
import { CURATED_MODELS } from '../../../src/core/hub/curated';
import { checkedHubConfig, modelConfigFromHub } from '../../../src/core/model/checkpoint';
import { assertModelConfig, gpt2Config } from '../../../src/core/model/config';

const LLAMA = {
  model_type: 'llama',
  vocab_size: 320,
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 256,
};
const GPT2 = {
  model_type: 'gpt2',
  vocab_size: 50,
  n_embd: 16,
  n_layer: 2,
  n_head: 2,
  n_positions: 32,
};
const NEOX = {
  model_type: 'gpt_neox',
  vocab_size: 50,
  hidden_size: 16,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  max_position_embeddings: 32,
};

/** The config's text as a server sends it, so `1e400` arrives as JSON.parse makes it. */
function parsed(base: object, patchText: string): Record<string, unknown> {
  return JSON.parse(JSON.stringify(base).slice(0, -1) + ',' + patchText + '}') as Record<
    string,
    unknown
  >;
}

function refusal(json: Record<string, unknown>): string {
  let message: string | undefined;
  try {
    checkedHubConfig(json);
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message, `accepted ${JSON.stringify(json)}`).toBeDefined();
  expect(message).not.toMatch(/[\r\n]/);
  return message as string;
}

describe('config.json ranges', () => {
  it.each([
    [
      '"vocab_size": 2097152',
      LLAMA,
      /^config\.json: vocab_size must be a whole number from 1 to 1048576 \(got 2097152\)$/,
    ],
    [
      '"hidden_size": 134217728',
      LLAMA,
      /^config\.json: hidden_size must be a whole number from 1 to 65536/,
    ],
    ['"n_embd": 134217728', GPT2, /^config\.json: n_embd must be a whole number from 1 to 65536/],
    [
      '"num_hidden_layers": 100000',
      LLAMA,
      /^config\.json: num_hidden_layers must be a whole number from 1 to 512/,
    ],
    ['"n_layer": 100000', GPT2, /^config\.json: n_layer must be a whole number from 1 to 512/],
    [
      '"num_attention_heads": 1000000',
      LLAMA,
      /^config\.json: num_attention_heads must be a whole number/,
    ],
    [
      '"num_key_value_heads": 1e9',
      LLAMA,
      /^config\.json: num_key_value_heads must be a whole number/,
    ],
    ['"head_dim": 1e7', LLAMA, /^config\.json: head_dim must be a whole number/],
    ['"intermediate_size": 1e9', LLAMA, /^config\.json: intermediate_size must be a whole number/],
    ['"n_inner": 1e9', GPT2, /^config\.json: n_inner must be a whole number/],
    [
      '"max_position_embeddings": 1e7',
      LLAMA,
      /^config\.json: max_position_embeddings must be a whole number from 1 to 1048576/,
    ],
    ['"n_positions": 1e300', GPT2, /^config\.json: n_positions must be a whole number/],
    [
      '"vocab_size": 1e400',
      LLAMA,
      /^config\.json: vocab_size must be a whole number from 1 to 1048576 \(got Infinity\)$/,
    ],
    [
      '"rope_theta": 1e400',
      LLAMA,
      /^config\.json: rope_theta must be a finite number above 0 \(got Infinity\)$/,
    ],
    [
      '"rope_theta": -10000',
      LLAMA,
      /^config\.json: rope_theta must be a finite number above 0 \(got -10000\)$/,
    ],
    ['"rope_theta": 0', LLAMA, /^config\.json: rope_theta must be a finite number above 0/],
    [
      '"rope_parameters": {"rope_type": "default", "rope_theta": -1}',
      LLAMA,
      /^config\.json: rope_parameters\.rope_theta must be a finite number above 0/,
    ],
    [
      '"rotary_emb_base": -1',
      NEOX,
      /^config\.json: rotary_emb_base must be a finite number above 0/,
    ],
    [
      '"rms_norm_eps": -1e-6',
      LLAMA,
      /^config\.json: rms_norm_eps must be a number above 0 and below 1 \(got -0\.000001\)$/,
    ],
    [
      '"rms_norm_eps": 0',
      LLAMA,
      /^config\.json: rms_norm_eps must be a number above 0 and below 1/,
    ],
    [
      '"rms_norm_eps": 5',
      LLAMA,
      /^config\.json: rms_norm_eps must be a number above 0 and below 1/,
    ],
    [
      '"layer_norm_epsilon": -1e-5',
      GPT2,
      /^config\.json: layer_norm_epsilon must be a number above 0 and below 1/,
    ],
    [
      '"layer_norm_eps": 1e400',
      NEOX,
      /^config\.json: layer_norm_eps must be a number above 0 and below 1 \(got Infinity\)$/,
    ],
    ['"rotary_pct": 2', NEOX, /^config\.json: rotary_pct must be a number above 0 and at most 1/],
    [
      '"partial_rotary_factor": -0.25',
      NEOX,
      /^config\.json: partial_rotary_factor must be a number above 0 and at most 1/,
    ],
  ])('refuses %s (%#)', (patch, base, message) => {
    expect(refusal(parsed(base, patch))).toMatch(message);
  });

  it("still reads every curated model's config.json, and the sizes of real models", () => {
    for (const model of CURATED_MODELS)
      expect(checkedHubConfig({ ...model.hubConfig })).toEqual(
        modelConfigFromHub({ ...model.hubConfig }),
      );
    // Llama 3.1 405B's shape: the largest sizes a real decoder-only model uses today.
    const huge = checkedHubConfig({
      ...LLAMA,
      vocab_size: 128256,
      hidden_size: 16384,
      intermediate_size: 53248,
      num_hidden_layers: 126,
      num_attention_heads: 128,
      num_key_value_heads: 8,
      max_position_embeddings: 131072,
      rope_theta: 500000,
      rms_norm_eps: 1e-5,
    });
    expect(huge.nLayers).toBe(126);
  });

  it('the model config itself refuses non-finite rotary bases and epsilons, and absurd sizes', () => {
    const config = gpt2Config({
      vocabSize: 10,
      dModel: 8,
      nLayers: 1,
      nHeads: 2,
      contextLength: 8,
      mlpRatio: 4,
    });
    expect(() => assertModelConfig({ ...config, normEps: Infinity })).toThrow(/normEps/);
    expect(() => assertModelConfig({ ...config, normEps: 2 })).toThrow(/normEps/);
    expect(() =>
      assertModelConfig({ ...config, positions: 'rotary', ropeTheta: Infinity, rotaryDim: 4 }),
    ).toThrow(/ropeTheta/);
    expect(() => assertModelConfig({ ...config, nLayers: 100_000 })).toThrow(/nLayers/);
    expect(() => assertModelConfig({ ...config, dModel: 2 ** 27, headDim: 2 ** 26 })).toThrow(
      /dModel/,
    );
  });
});
