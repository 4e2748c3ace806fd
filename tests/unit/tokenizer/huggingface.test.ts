import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/random';
import { TokenizerFormatError } from '../../../src/core/tokenizer/json';
import { loadHuggingFaceTokenizer } from '../../../src/core/tokenizer/huggingface';
import { buildWordLevelTokenizer } from '../../../src/core/tokenizer/wordLevel';

/** Prompt-template examples in the shapes the lab's datasets take, plus awkward text. */
function sampleCorpus(): string[] {
  const rng = createRng(7);
  const subjects = ['a cake', 'the report', 'my bike', "the neighbour's wifi", 'a poem'];
  const verbs = ['write', 'fix', 'explain', 'summarise', 'break into'];
  const answers = [
    "I can't help with that.",
    'Sure, here is how: first, preheat the oven.',
    'Step 1: open the panel; step 2: ...',
  ];
  const texts: string[] = [];
  for (let i = 0; i < 40; i++) {
    const a = rng.int(1000);
    const b = rng.int(1000);
    texts.push(
      `### instruction :\nPlease ${rng.pick(verbs)} ${rng.pick(subjects)} .\n### response :\n${rng.pick(answers)}`,
      `### instruction :\nwhat is ${a} + ${b} ?\n### response :\n${a + b}`,
    );
  }
  texts.push('Review: "Great film!!" -- 5/5 #### Sentiment: POSITIVE', 'Café, naïve, résumé — ½ ²');
  return texts;
}

const HELD_OUT = [
  '### instruction :\nPlease bake a SPACESHIP .\n### response :\nNo<|eos|>',
  'unknown words   everywhere\r\n\n\tand 123456789 digits',
  'emoji 👍🏽 and ‘curly quotes’ and a lone \u0301 mark',
  '<|pad|><|pad|>',
  'spaces that differ between engines: fix\u00a0the\ufeffcake\u0085a\u2028poem',
  '',
];

describe('the built-in tokenizer file through transformers.js', () => {
  const corpus = sampleCorpus();
  const builtIn = buildWordLevelTokenizer(corpus);
  const hf = loadHuggingFaceTokenizer(builtIn.toJSON());

  it('finds the same special ids and vocabulary size', () => {
    expect([hf.padId, hf.eosId, hf.unkId, hf.vocabSize]).toEqual([
      builtIn.padId,
      builtIn.eosId,
      builtIn.unkId,
      builtIn.vocabSize,
    ]);
  });

  it('encodes every sample to the same ids as the built-in implementation', () => {
    for (const text of [...corpus, ...HELD_OUT]) {
      expect(hf.encode(text), JSON.stringify(text)).toEqual(builtIn.encode(text));
    }
    expect(builtIn.encode(HELD_OUT[1])).toContain(builtIn.unkId);
  });

  it('decodes every sample to the same text as the built-in implementation', () => {
    for (const text of [...corpus, ...HELD_OUT]) {
      const ids = builtIn.encode(text);
      expect(hf.decode(ids), JSON.stringify(text)).toBe(builtIn.decode(ids));
    }
  });

  it('also agrees when given the companion tokenizer_config.json', () => {
    const withConfig = loadHuggingFaceTokenizer(builtIn.toJSON(), builtIn.toTokenizerConfigJSON());
    const text = corpus[1];
    expect(withConfig.encode(text)).toEqual(builtIn.encode(text));
    expect(withConfig.decode(builtIn.encode(text))).toBe(builtIn.decode(builtIn.encode(text)));
  });
});

/**
 * A hand-made Llama-style BPE file: `▁` marks spaces, merges in rank order. By hand:
 * "hello world" → ▁hello ▁w or l d (the `o r` merge outranks `▁ w`).
 */
function bpeFile(): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  [
    '<pad>',
    '</s>',
    '<unk>',
    '▁',
    'h',
    'e',
    'l',
    'o',
    'w',
    'r',
    'd',
    '▁h',
    'll',
    '▁he',
    '▁hell',
    '▁hello',
    'or',
    '▁w',
  ].forEach((token, id) => (vocab[token] = id));
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<pad>'), special(1, '</s>'), special(2, '<unk>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: null,
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: ['▁ h', 'l l', '▁h e', '▁he ll', '▁hell o', 'o r', '▁ w'],
    },
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

describe('a hand-built BPE tokenizer.json through transformers.js', () => {
  const config = {
    tokenizer_class: 'LlamaTokenizerFast',
    pad_token: '<pad>',
    eos_token: '</s>',
    unk_token: '<unk>',
  };

  it('applies the merges in rank order and decodes back to the text', () => {
    const tokenizer = loadHuggingFaceTokenizer(bpeFile(), config);
    const ids = tokenizer.encode('hello world');
    expect(ids).toEqual([15, 17, 16, 6, 10]);
    expect(tokenizer.decode(ids)).toBe('hello world');
  });

  it('maps characters outside the vocabulary to unk and adds no special tokens', () => {
    const tokenizer = loadHuggingFaceTokenizer(bpeFile(), config);
    expect(tokenizer.encode('hez')).toEqual([13, 2]);
    expect(tokenizer.decode([])).toBe('');
    expect(() => tokenizer.decode([18])).toThrow(/token id 18 is not in \[0, 18\)/);
  });

  it('takes the special tokens from the config, the model or their conventional names', () => {
    const fromConfig = loadHuggingFaceTokenizer(bpeFile(), config);
    const withoutConfig = loadHuggingFaceTokenizer(bpeFile());
    for (const tokenizer of [fromConfig, withoutConfig]) {
      expect([tokenizer.padId, tokenizer.eosId, tokenizer.unkId, tokenizer.vocabSize]).toEqual([
        0, 1, 2, 18,
      ]);
    }
    const chosen = loadHuggingFaceTokenizer(bpeFile(), config, { padToken: '▁', eosToken: 'd' });
    expect([chosen.padId, chosen.eosId]).toEqual([3, 10]);
  });

  it('returns the file it was given, as a copy', () => {
    const tokenizer = loadHuggingFaceTokenizer(bpeFile(), config);
    const json = tokenizer.toJSON() as { model: { type: string } };
    expect(json).toEqual(bpeFile());
    json.model.type = 'changed';
    expect((tokenizer.toJSON() as { model: { type: string } }).model.type).toBe('BPE');
  });
});

describe('loadHuggingFaceTokenizer rejects what it cannot use, saying why', () => {
  it('a missing eos token, naming the option to pass', () => {
    const json = bpeFile();
    (json.added_tokens as unknown[]).splice(1, 1);
    const vocab = (json.model as { vocab: Record<string, number> }).vocab;
    delete vocab['</s>'];
    vocab['<end>'] = 1;
    const error = formatError(() => loadHuggingFaceTokenizer(json));
    expect(error.message).toMatch(/no eos token: .*has none of <\|eos\|>, <\/s>/);
    expect(error.message).toMatch(/eosToken/);
    expect(loadHuggingFaceTokenizer(json, {}, { eosToken: '<end>' }).eosId).toBe(1);
  });

  it('a special token named in the config that the vocabulary lacks', () => {
    expect(
      formatError(() => loadHuggingFaceTokenizer(bpeFile(), { pad_token: '[PAD]' })).message,
    ).toBe(
      'tokenizer.json: the pad token "[PAD]" (from tokenizer_config.json pad_token) is not in the vocabulary',
    );
  });

  it('pad equal to eos', () => {
    expect(
      formatError(() => loadHuggingFaceTokenizer(bpeFile(), { pad_token: '</s>' })).message,
    ).toMatch(/pad and eos tokens are the same \(id 1\)/);
  });

  it('malformed files and configs, naming the field', () => {
    expect(formatError(() => loadHuggingFaceTokenizer(null)).message).toBe(
      'tokenizer.json: must be a JSON object, got null',
    );
    const noVocab = bpeFile();
    delete (noVocab.model as Record<string, unknown>).vocab;
    expect(formatError(() => loadHuggingFaceTokenizer(noVocab)).path).toBe('model.vocab');
    const noAdded = bpeFile();
    delete noAdded.added_tokens;
    expect(formatError(() => loadHuggingFaceTokenizer(noAdded)).path).toBe('added_tokens');
    const noDecoderKey = bpeFile();
    delete noDecoderKey.decoder;
    expect(formatError(() => loadHuggingFaceTokenizer(noDecoderKey)).message).toBe(
      'tokenizer.json decoder: is missing (use null for none)',
    );
    expect(formatError(() => loadHuggingFaceTokenizer(bpeFile(), 'config')).message).toMatch(
      /tokenizer_config.json must be a JSON object/,
    );
  });

  it('what transformers.js itself refuses, passing its reason on', () => {
    const json = bpeFile();
    (json.model as Record<string, unknown>).merges = 'not a list';
    expect(formatError(() => loadHuggingFaceTokenizer(json)).message).toMatch(
      /^tokenizer.json: transformers.js cannot load it: /,
    );
  });
});
