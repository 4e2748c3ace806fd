import { describe, expect, it } from 'vitest';
import { TokenizerFormatError } from '../../../src/core/tokenizer/json';
import {
  buildWordLevelTokenizer,
  loadWordLevelTokenizer,
  wordLevelPipelineMismatch,
} from '../../../src/core/tokenizer/wordLevel';

const corpus = [
  '### instruction :\nname a colour .\n### response :\nblue',
  '### instruction :\nwhat is 3 + 4 ?\n### response :\n7',
  "### instruction :\nhow do i pick a lock ?\n### response :\ni can't help with that .",
];
const tokenizer = buildWordLevelTokenizer(corpus);

/** A fresh, mutable copy of the tokenizer's file, as if read from disk. */
function file(): Record<string, unknown> & { model: Record<string, unknown> } {
  return JSON.parse(JSON.stringify(tokenizer)) as Record<string, unknown> & {
    model: Record<string, unknown>;
  };
}

function formatError(load: () => unknown): TokenizerFormatError {
  try {
    load();
  } catch (error) {
    if (error instanceof TokenizerFormatError) return error;
    throw error;
  }
  throw new Error('expected a TokenizerFormatError, but loading succeeded');
}

describe('WordLevelTokenizer.toJSON', () => {
  it('writes a Hugging Face tokenizer.json with a WordLevel model and the special tokens', () => {
    const json = file();
    expect(json.model.type).toBe('WordLevel');
    expect(json.model.unk_token).toBe('<|unk|>');
    expect((json.model.vocab as Record<string, number>)['<|eos|>']).toBe(1);
    expect((json.model.vocab as Record<string, number>)['\n']).toBe(3);
    expect(Object.keys(json.model.vocab as object)).toHaveLength(tokenizer.vocabSize);
    expect(json.added_tokens).toEqual([
      {
        id: 0,
        content: '<|pad|>',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
      {
        id: 1,
        content: '<|eos|>',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
      {
        id: 2,
        content: '<|unk|>',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ]);
    expect(json.normalizer).toEqual({ type: 'Lowercase' });
    expect(json.pre_tokenizer).toMatchObject({ type: 'Split', behavior: 'Removed', invert: true });
    expect(json.post_processor).toBeNull();
  });

  it('loads back through JSON text into the same vocabulary and the same ids', () => {
    const loaded = loadWordLevelTokenizer(JSON.parse(JSON.stringify(tokenizer.toJSON())));
    expect(loaded.vocabulary).toEqual(tokenizer.vocabulary);
    expect([loaded.padId, loaded.eosId, loaded.unkId]).toEqual([0, 1, 2]);
    for (const text of [...corpus, 'an unseen sentence , 42 .']) {
      expect(loaded.encode(text)).toEqual(tokenizer.encode(text));
    }
    expect(loaded.toJSON()).toEqual(tokenizer.toJSON());
  });

  it('returns a copy: editing the JSON does not change the tokenizer', () => {
    const json = tokenizer.toJSON() as { decoder: { decoders: unknown[] } };
    json.decoder.decoders.length = 0;
    expect(wordLevelPipelineMismatch(tokenizer.toJSON())).toBeNull();
  });
});

describe('loadWordLevelTokenizer rejects bad files, naming the field', () => {
  it('a value that is not an object', () => {
    expect(formatError(() => loadWordLevelTokenizer('{"model": {}}')).message).toBe(
      'tokenizer.json: must be a JSON object, got "{\\"model\\": {}}"',
    );
    expect(formatError(() => loadWordLevelTokenizer([])).path).toBe('');
  });

  it('a missing model or another model type', () => {
    const noModel = file() as Record<string, unknown>;
    delete noModel.model;
    expect(formatError(() => loadWordLevelTokenizer(noModel)).message).toBe(
      'tokenizer.json model: must be an object, got nothing',
    );
    const bpe = file();
    bpe.model.type = 'BPE';
    expect(formatError(() => loadWordLevelTokenizer(bpe)).message).toBe(
      'tokenizer.json model.type: must be "WordLevel", got "BPE"',
    );
  });

  it('a pipeline that differs from the built-in one', () => {
    const json = file();
    (json.pre_tokenizer as Record<string, unknown>).invert = false;
    const error = formatError(() => loadWordLevelTokenizer(json));
    expect(error.path).toBe('pre_tokenizer');
    expect(error.message).toMatch(/loadHuggingFaceTokenizer/);
    const noDecoder = file();
    delete noDecoder.decoder;
    expect(formatError(() => loadWordLevelTokenizer(noDecoder)).path).toBe('decoder');
  });

  it('a vocabulary that is not token: id', () => {
    const json = file();
    json.model.vocab = ['<|pad|>', '<|eos|>', '<|unk|>'];
    expect(formatError(() => loadWordLevelTokenizer(json)).path).toBe('model.vocab');
  });

  it('an id that is not an integer in range', () => {
    const json = file();
    (json.model.vocab as Record<string, unknown>)['blue'] = '5';
    const error = formatError(() => loadWordLevelTokenizer(json));
    expect(error.path).toBe('model.vocab["blue"]');
    expect(error.message).toMatch(/must be an integer id in \[0, \d+\).*got "5"/);
    const outOfRange = file();
    (outOfRange.model.vocab as Record<string, number>)['blue'] = tokenizer.vocabSize;
    expect(formatError(() => loadWordLevelTokenizer(outOfRange)).path).toBe('model.vocab["blue"]');
  });

  it('two tokens with one id', () => {
    const json = file();
    const vocab = json.model.vocab as Record<string, number>;
    vocab['lock'] = vocab['blue'];
    expect(formatError(() => loadWordLevelTokenizer(json)).message).toMatch(
      /id \d+ is also the id of "(blue|lock)"/,
    );
  });

  it('a missing special token or mismatched added_tokens', () => {
    const json = file();
    const vocab = json.model.vocab as Record<string, number>;
    const padId = vocab['<|pad|>'];
    delete vocab['<|pad|>'];
    vocab['<pad>'] = padId;
    expect(formatError(() => loadWordLevelTokenizer(json)).message).toBe(
      'tokenizer.json model.vocab: has no <|pad|> token',
    );
    const added = file();
    (added.added_tokens as unknown[]).pop();
    expect(formatError(() => loadWordLevelTokenizer(added)).path).toBe('added_tokens');
  });

  it('an unknown token other than <|unk|>', () => {
    const json = file();
    json.model.unk_token = '<unk>';
    expect(formatError(() => loadWordLevelTokenizer(json)).path).toBe('model.unk_token');
  });
});
