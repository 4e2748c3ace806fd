import { describe, expect, it } from 'vitest';
import { HuggingFaceTokenizer } from '../../../src/core/tokenizer/huggingface';
import {
  TokenizerFormatError,
  WordLevelTokenizer,
  buildWordLevelTokenizer,
  loadTokenizer,
} from '../../../src/core/tokenizer/index';

const builtIn = buildWordLevelTokenizer(['### instruction :\nadd 2 and 3 .\n### response :\n5']);

describe('loadTokenizer', () => {
  it('loads the built-in format with the built-in implementation', async () => {
    const loaded = await loadTokenizer(JSON.parse(JSON.stringify(builtIn)) as object);
    expect(loaded).toBeInstanceOf(WordLevelTokenizer);
    expect(loaded.encode('add 3 and 2 .')).toEqual(builtIn.encode('add 3 and 2 .'));
  });

  it('sends a WordLevel file with another pipeline to transformers.js', async () => {
    const json = builtIn.toJSON() as Record<string, unknown>;
    json.normalizer = null; // case-sensitive: only transformers.js can honour that
    const loaded = await loadTokenizer(json);
    expect(loaded).toBeInstanceOf(HuggingFaceTokenizer);
    expect(loaded.encode('ADD add')).toEqual([builtIn.unkId, builtIn.encode('add')[0]]);
  });

  it('reports vocabulary errors of a built-in file as the built-in loader does', async () => {
    const json = builtIn.toJSON() as { model: { vocab: Record<string, number> } };
    json.model.vocab['add'] = -1;
    await expect(loadTokenizer(json)).rejects.toThrow(TokenizerFormatError);
    await expect(loadTokenizer(json)).rejects.toThrow(
      'tokenizer.json model.vocab["add"]: must be an integer id',
    );
  });

  it('names the problem in a file neither path can load', async () => {
    await expect(loadTokenizer({ model: { type: 'BPE' } })).rejects.toThrow(
      'tokenizer.json model.vocab: must be an object or a list, got nothing',
    );
  });
});
