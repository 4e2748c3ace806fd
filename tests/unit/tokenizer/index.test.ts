import { describe, expect, it } from 'vitest';
import {
  HuggingFaceTokenizer,
  TokenizerFormatError,
  WordLevelTokenizer,
  buildWordLevelTokenizer,
  loadTokenizer,
} from '../../../src/core/tokenizer/index';

const builtIn = buildWordLevelTokenizer(['### instruction :\nadd 2 and 3 .\n### response :\n5']);

describe('loadTokenizer', () => {
  it('loads the built-in format with the built-in implementation', () => {
    const loaded = loadTokenizer(JSON.parse(JSON.stringify(builtIn)) as object);
    expect(loaded).toBeInstanceOf(WordLevelTokenizer);
    expect(loaded.encode('add 3 and 2 .')).toEqual(builtIn.encode('add 3 and 2 .'));
  });

  it('sends a WordLevel file with another pipeline to transformers.js', () => {
    const json = builtIn.toJSON() as Record<string, unknown>;
    json.normalizer = null; // case-sensitive: only transformers.js can honour that
    const loaded = loadTokenizer(json);
    expect(loaded).toBeInstanceOf(HuggingFaceTokenizer);
    expect(loaded.encode('ADD add')).toEqual([builtIn.unkId, builtIn.encode('add')[0]]);
  });

  it('reports vocabulary errors of a built-in file as the built-in loader does', () => {
    const json = builtIn.toJSON() as { model: { vocab: Record<string, number> } };
    json.model.vocab['add'] = -1;
    expect(() => loadTokenizer(json)).toThrow(TokenizerFormatError);
    expect(() => loadTokenizer(json)).toThrow(
      'tokenizer.json model.vocab["add"]: must be an integer id',
    );
  });

  it('names the problem in a file neither path can load', () => {
    expect(() => loadTokenizer({ model: { type: 'BPE' } })).toThrow(
      'tokenizer.json model.vocab: must be an object or a list, got nothing',
    );
  });
});
