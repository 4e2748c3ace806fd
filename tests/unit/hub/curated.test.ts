import { describe, expect, it } from 'vitest';
import {
  CURATED_MODELS,
  FILE_DTYPE_BYTES,
  curatedModel,
  type CuratedModel,
} from '../../../src/core/hub/curated';
import { parseRepoSpec } from '../../../src/core/hub/repo';
import { modelConfigFromHub } from '../../../src/core/model/checkpoint';
import { parameterCount } from '../../../src/core/model/weights';

/**
 * Published totals (model cards, the Pythia README's table, the Hub's parameter counts). Qwen3-0.6B's
 * card gives 0.6B in all and 0.44B without the embedding; the Hub's safetensors widget says 752M
 * because the file stores the tied head a second time.
 */
const PUBLISHED: Record<string, number> = {
  'distilbert/distilgpt2': 82e6,
  'openai-community/gpt2': 124e6,
  'HuggingFaceTB/SmolLM2-135M-Instruct': 135e6,
  'HuggingFaceTB/SmolLM2-360M-Instruct': 362e6,
  'Qwen/Qwen2.5-0.5B-Instruct': 494e6,
  'Qwen/Qwen3-0.6B': 596e6,
  'EleutherAI/pythia-70m': 70_426_624,
  'EleutherAI/pythia-160m': 162_322_944,
};

const byRepo = (repo: string) => curatedModel(repo) as CuratedModel;

describe('curated Hub models', () => {
  it('lists the eight models, each repo once and a valid repo id', () => {
    expect(CURATED_MODELS.map((model) => model.repo)).toEqual(Object.keys(PUBLISHED));
    for (const model of CURATED_MODELS) {
      expect(parseRepoSpec(model.repo)).toEqual({ repo: model.repo, revision: 'main' });
      expect(model.description.length).toBeGreaterThan(10);
    }
  });

  it('every config.json parses with modelConfigFromHub, as its model_type family', () => {
    for (const model of CURATED_MODELS) {
      const config = modelConfigFromHub({ ...model.hubConfig });
      expect(config).toEqual(model.config);
      expect(config.family).toBe(model.hubConfig.model_type);
    }
  });

  it('parameter counts come from the config and land within 3 % of the published sizes', () => {
    for (const model of CURATED_MODELS) {
      expect(model.parameters).toBe(parameterCount(model.config));
      const published = PUBLISHED[model.repo];
      expect(Math.abs(model.parameters / published - 1), model.repo).toBeLessThan(0.03);
    }
  });

  it('matches the exact published counts where they are known', () => {
    expect(byRepo('openai-community/gpt2').parameters).toBe(124_439_808);
    expect(byRepo('EleutherAI/pythia-70m').parameters).toBe(70_426_624);
    expect(byRepo('EleutherAI/pythia-160m').parameters).toBe(162_322_944);
    // Qwen3-0.6B: 0.44B without the (tied) embedding, 0.75B when the head is counted again.
    const qwen3 = byRepo('Qwen/Qwen3-0.6B');
    const embedding = qwen3.config.vocabSize * qwen3.config.dModel;
    expect(Math.abs((qwen3.parameters - embedding) / 0.44e9 - 1)).toBeLessThan(0.03);
    expect(Math.abs((qwen3.parameters + embedding) / 752e6 - 1)).toBeLessThan(0.01);
  });

  it('reads the architecture each family is known for', () => {
    const gpt2 = byRepo('openai-community/gpt2').config;
    expect([gpt2.tiedEmbeddings, gpt2.positions, gpt2.contextLength]).toEqual([
      true,
      'learned',
      1024,
    ]);
    const smol = byRepo('HuggingFaceTB/SmolLM2-135M-Instruct').config;
    expect([smol.nHeads, smol.nKvHeads, smol.headDim, smol.tiedEmbeddings]).toEqual([
      9,
      3,
      64,
      true,
    ]);
    const qwen2 = byRepo('Qwen/Qwen2.5-0.5B-Instruct').config;
    expect([qwen2.bias, qwen2.nKvHeads, qwen2.ropeTheta]).toEqual([
      { qkv: true, o: false, mlp: false },
      2,
      1e6,
    ]);
    const qwen3 = byRepo('Qwen/Qwen3-0.6B').config;
    expect([qwen3.qkNorm, qwen3.headDim, qwen3.nHeads * qwen3.headDim, qwen3.dModel]).toEqual([
      true,
      128,
      2048,
      1024,
    ]);
    const pythia = byRepo('EleutherAI/pythia-70m').config;
    expect([pythia.parallelResidual, pythia.rotaryDim, pythia.headDim]).toEqual([true, 16, 64]);
    expect(pythia.tiedEmbeddings).toBe(false);
  });

  it('file dtypes and chat templates as the model cards state them', () => {
    const dtypes = Object.fromEntries(CURATED_MODELS.map((model) => [model.repo, model.fileDtype]));
    expect(dtypes).toEqual({
      'distilbert/distilgpt2': 'F32',
      'openai-community/gpt2': 'F32',
      'HuggingFaceTB/SmolLM2-135M-Instruct': 'BF16',
      'HuggingFaceTB/SmolLM2-360M-Instruct': 'BF16',
      'Qwen/Qwen2.5-0.5B-Instruct': 'BF16',
      'Qwen/Qwen3-0.6B': 'BF16',
      'EleutherAI/pythia-70m': 'F16',
      'EleutherAI/pythia-160m': 'F16',
    });
    const chat = CURATED_MODELS.filter((model) => model.chatTemplate).map((model) => model.repo);
    expect(chat).toEqual([
      'HuggingFaceTB/SmolLM2-135M-Instruct',
      'HuggingFaceTB/SmolLM2-360M-Instruct',
      'Qwen/Qwen2.5-0.5B-Instruct',
      'Qwen/Qwen3-0.6B',
    ]);
  });

  it('the download is the stored values × bytes per value of the file dtype', () => {
    for (const model of CURATED_MODELS) {
      const stored =
        model.parameters +
        (model.storesTiedHead ? model.config.vocabSize * model.config.dModel : 0);
      expect(model.downloadBytes).toBe(stored * FILE_DTYPE_BYTES[model.fileDtype]);
    }
    // GPT-2 in float32 is about half a gigabyte; Qwen3-0.6B's file is about 1.5 GB.
    expect(byRepo('openai-community/gpt2').downloadBytes).toBe(124_439_808 * 4);
    expect(Math.round(byRepo('Qwen/Qwen3-0.6B').downloadBytes / 1e8) / 10).toBe(1.5);
  });

  it('looks a model up by repo, ignoring case and a revision', () => {
    expect(curatedModel('Qwen/Qwen3-0.6B')?.repo).toBe('Qwen/Qwen3-0.6B');
    expect(curatedModel('qwen/qwen3-0.6b@main')?.repo).toBe('Qwen/Qwen3-0.6B');
    expect(curatedModel('Qwen/Qwen3-1.7B')).toBeUndefined();
    expect(curatedModel('safetune-base')).toBeUndefined();
  });
});
