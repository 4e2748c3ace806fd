import { describe, expect, it } from 'vitest';
import {
  BASE_TOKENS,
  WordLevelTokenizer,
  buildWordLevelTokenizer,
  canonicalText,
  preTokenize,
} from '../../../src/core/tokenizer/wordLevel';

const TEMPLATE_EXAMPLE = '### instruction :\nwhat is 12 + 7 ?\n### response :\n19';

describe('preTokenize', () => {
  it('splits the prompt template into headers, words, punctuation, digits and newlines', () => {
    expect(preTokenize(TEMPLATE_EXAMPLE)).toEqual([
      '###',
      'instruction',
      ':',
      '\n',
      'what',
      'is',
      '1',
      '2',
      '+',
      '7',
      '?',
      '\n',
      '###',
      'response',
      ':',
      '\n',
      '1',
      '9',
    ]);
  });

  it('lowercases, keeps contractions whole and isolates each punctuation mark', () => {
    expect(preTokenize("Don't STOP... (ok)")).toEqual([
      "don't",
      'stop',
      '.',
      '.',
      '.',
      '(',
      'ok',
      ')',
    ]);
  });

  it('keeps accented letters inside words and drops spaces, tabs and \\r', () => {
    expect(preTokenize('Café  au\tlait\r\nÉté')).toEqual(['café', 'au', 'lait', '\n', 'été']);
  });

  it('recognises special tokens written verbatim, but only in their exact spelling', () => {
    expect(preTokenize('stop<|eos|>')).toEqual(['stop', '<|eos|>']);
    expect(preTokenize('<|EOS|>')).toEqual(['<', '|', 'eos', '|', '>']);
  });
});

describe('buildWordLevelTokenizer', () => {
  const corpus = ['the cat sat .', 'the dog sat !', 'a cat , the end'];

  it('orders the vocabulary: base tokens, then by count, ties in code-unit order', () => {
    const tokenizer = buildWordLevelTokenizer(corpus);
    expect(tokenizer.vocabulary).toEqual([
      ...BASE_TOKENS,
      'the', // 3
      'cat', // 2
      'sat', // 2
      '!',
      ',',
      '.',
      'a',
      'dog',
      'end',
    ]);
  });

  it('gives the same ids whatever the order of the corpus', () => {
    const forward = buildWordLevelTokenizer(corpus).vocabulary;
    const reversed = buildWordLevelTokenizer([...corpus].reverse()).vocabulary;
    const fromGenerator = buildWordLevelTokenizer(
      (function* () {
        yield* [corpus[2], corpus[0], corpus[1]];
      })(),
    ).vocabulary;
    expect(reversed).toEqual(forward);
    expect(fromGenerator).toEqual(forward);
  });

  it('puts <|pad|>, <|eos|>, <|unk|> at 0, 1, 2 and always holds newline and the ten digits', () => {
    const tokenizer = buildWordLevelTokenizer(['no digits here']);
    expect([tokenizer.padId, tokenizer.eosId, tokenizer.unkId]).toEqual([0, 1, 2]);
    expect(tokenizer.encode('\n0123456789')).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('drops words rarer than minCount and the rarest beyond maxVocab', () => {
    expect(
      buildWordLevelTokenizer(corpus, { minCount: 2 }).vocabulary.slice(BASE_TOKENS.length),
    ).toEqual(['the', 'cat', 'sat']);
    const capped = buildWordLevelTokenizer(corpus, { maxVocab: BASE_TOKENS.length + 2 });
    expect(capped.vocabSize).toBe(BASE_TOKENS.length + 2);
    expect(capped.vocabulary.slice(BASE_TOKENS.length)).toEqual(['the', 'cat']);
  });

  it('rejects options that cannot make a vocabulary', () => {
    expect(() => buildWordLevelTokenizer(corpus, { minCount: 0 })).toThrow(/minCount/);
    expect(() => buildWordLevelTokenizer(corpus, { maxVocab: 5 })).toThrow(
      /maxVocab must be an integer >= 14/,
    );
  });
});

describe('WordLevelTokenizer', () => {
  const tokenizer = buildWordLevelTokenizer([
    TEMPLATE_EXAMPLE,
    "i can't help with that .",
    'sure , here is how : first , mix the two .',
  ]);

  it('round-trips text made of words and spaced punctuation', () => {
    for (const text of [
      TEMPLATE_EXAMPLE,
      "### instruction :\ni can't help with that .\n### response :\nsure , here is how : first , mix the two .",
      'what is 7 + 12 ?\n\n19',
    ]) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
  });

  it('round-trips to the canonical text, losing what the documentation says it loses', () => {
    const text = 'What  is 12+7?\t \nHow , Sure  \n19';
    expect(canonicalText(text)).toBe('what is 12 + 7 ?\nhow , sure\n19');
    expect(tokenizer.decode(tokenizer.encode(text))).toBe('what is 12 + 7 ?\nhow , sure\n19');
    expect(canonicalText('1 2 gpt4')).toBe('12 gpt 4');
  });

  it('encodes unknown words as unk and renders special tokens as their text', () => {
    const ids = tokenizer.encode('mix the zebra<|eos|>');
    expect(ids).toEqual([
      tokenizer.vocabulary.indexOf('mix'),
      tokenizer.vocabulary.indexOf('the'),
      tokenizer.unkId,
      tokenizer.eosId,
    ]);
    expect(tokenizer.decode(ids)).toBe('mix the <|unk|> <|eos|>');
  });

  it('encodes empty and whitespace-only text to no ids, and decodes no ids to ""', () => {
    expect(tokenizer.encode('')).toEqual([]);
    expect(tokenizer.encode('  \t ')).toEqual([]);
    expect(tokenizer.decode([])).toBe('');
  });

  it('refuses ids outside the vocabulary', () => {
    expect(() => tokenizer.decode([0, tokenizer.vocabSize])).toThrow(RangeError);
    expect(() => tokenizer.decode([-1])).toThrow(/token id -1 is not in \[0, /);
    expect(() => tokenizer.decode([1.5])).toThrow(RangeError);
  });

  it('needs the three special tokens and unique tokens', () => {
    expect(() => new WordLevelTokenizer(['<|pad|>', '<|eos|>', 'x'])).toThrow(/no <\|unk\|> token/);
    expect(() => new WordLevelTokenizer(['<|pad|>', '<|eos|>', '<|unk|>', 'x', 'x'])).toThrow(
      /duplicate token "x"/,
    );
  });

  it('finds special ids by their text, wherever they are', () => {
    const tokenizer = new WordLevelTokenizer(['hello', '<|unk|>', '<|eos|>', '<|pad|>']);
    expect([tokenizer.padId, tokenizer.eosId, tokenizer.unkId]).toEqual([3, 2, 1]);
  });
});
