/**
 * The lab's built-in tokenizer: one id per lowercased word, punctuation mark, `#` run, digit or
 * newline. A tiny model trained from scratch learns faster on whole words than on sub-words, and a
 * student can read every token.
 *
 * Pre-tokenization (the regex `PRE_TOKENIZER_PATTERN`, tried left to right):
 * - `\n` is a token of its own: the prompt template `### instruction :\n…\n### response :\n` is
 *   line-structured, so the model must see line breaks;
 * - a run of `#` is one token, so the template's `###` header is one token rather than three;
 * - every digit is its own token: numbers never fall out of the vocabulary and a model can learn
 *   digit-wise arithmetic that generalises to numbers it has not seen (the ten digits are always in
 *   the vocabulary, whatever the corpus);
 * - a word is a run of letters (with combining marks), apostrophe-joined parts included, so
 *   `don't` is one token;
 * - every other visible character is a token of its own (`,` `.` `?` `:` `-` …);
 * - other whitespace only separates tokens.
 * Text matching a special token exactly (`<|eos|>` …) is that special token, as in Hugging Face
 * `tokenizers`.
 *
 * Decoding joins tokens with one space, except that no space touches a newline and adjacent digits
 * are glued. So `decode(encode(s)) === canonicalText(s)`, which equals `s` lowercased for text whose
 * words and punctuation are separated by single spaces, like the prompt template. What is lost:
 * case; runs of spaces and tabs (one space) and spaces at line ends (none); punctuation attached to
 * a word (`hello,` comes back `hello ,`); digits attached to a word or punctuation (`gpt4` comes
 * back `gpt 4`); digits separated by a space (`1 2` comes back `12`); `\r`; and words outside the
 * vocabulary, which come back as `<|unk|>`.
 *
 * `toJSON()` writes the same behaviour as a Hugging Face `tokenizer.json` (WordLevel model, Lowercase
 * normalizer, inverted Split pre-tokenizer, WordPiece + Fuse + Replace decoder sequence), readable in
 * principle by Python `tokenizers.Tokenizer.from_file` and, as the unit tests check, by
 * transformers.js with identical ids.
 */
import type { Tokenizer } from './types';
import { TokenizerFormatError, describeValue, isRecord, jsonEqual, type JsonRecord } from './json';

export const PAD_TOKEN = '<|pad|>';
export const EOS_TOKEN = '<|eos|>';
export const UNK_TOKEN = '<|unk|>';
/** Ids 0, 1, 2 in every vocabulary this module builds. */
export const SPECIAL_TOKENS: readonly string[] = [PAD_TOKEN, EOS_TOKEN, UNK_TOKEN];
export const NEWLINE_TOKEN = '\n';
export const DIGIT_TOKENS: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
/** Always in a built vocabulary, right after the special tokens, whatever the corpus holds. */
export const BASE_TOKENS: readonly string[] = [...SPECIAL_TOKENS, NEWLINE_TOKEN, ...DIGIT_TOKENS];

/**
 * Written for both engines: JavaScript (`u` flag) here and in transformers.js, Oniguruma in Python
 * `tokenizers`. `\p{White_Space}` rather than `\s`, whose meaning differs between the two.
 */
export const PRE_TOKENIZER_PATTERN =
  "\\n|#+|\\p{N}|[\\p{L}\\p{M}]+(?:['\u2019][\\p{L}\\p{M}]+)*|[^\\p{White_Space}\\p{L}\\p{M}\\p{N}]";
const NEWLINE_SPACES_PATTERN = ' ?\\n ?';
const SPACE_BETWEEN_DIGITS_PATTERN = '(?<=\\p{N}) (?=\\p{N})';

const preTokenRegex = new RegExp(PRE_TOKENIZER_PATTERN, 'gu');
const newlineSpacesRegex = new RegExp(NEWLINE_SPACES_PATTERN, 'gu');
const spaceBetweenDigitsRegex = new RegExp(SPACE_BETWEEN_DIGITS_PATTERN, 'gu');
const specialTokenRegex = new RegExp(
  `(${SPECIAL_TOKENS.map((t) => t.replace(/[|\\{}()[\]^$+*?.]/g, '\\$&')).join('|')})`,
  'u',
);

/** The `tokenizer.json` pipeline parts; a file must match them exactly to load as built-in. */
export const WORD_LEVEL_NORMALIZER = { type: 'Lowercase' } as const;
export const WORD_LEVEL_PRE_TOKENIZER = {
  type: 'Split',
  pattern: { Regex: PRE_TOKENIZER_PATTERN },
  behavior: 'Removed',
  invert: true,
} as const;
/**
 * `tokenizers` has no "join with spaces" decoder, so: WordPiece with a prefix no token can start
 * with (a space) puts a space before every token but the first, Fuse joins them, and two Replaces
 * apply the newline and digit rules to the joined text.
 */
export const WORD_LEVEL_DECODER = {
  type: 'Sequence',
  decoders: [
    { type: 'WordPiece', prefix: ' ', cleanup: false },
    { type: 'Fuse' },
    { type: 'Replace', pattern: { Regex: NEWLINE_SPACES_PATTERN }, content: '\n' },
    { type: 'Replace', pattern: { Regex: SPACE_BETWEEN_DIGITS_PATTERN }, content: '' },
  ],
} as const;

export interface BuildWordLevelOptions {
  /** Words seen fewer times than this are left out (and encode to `<|unk|>`). Default 1. */
  minCount?: number;
  /** Upper bound on the vocabulary size, base tokens included; the rarest words go first. */
  maxVocab?: number;
}

/** Splits text into pre-tokens; special tokens found verbatim come out as themselves. */
export function preTokenize(text: string): string[] {
  const pieces: string[] = [];
  text.split(specialTokenRegex).forEach((segment, i) => {
    // `split` with a capturing group puts the separators (special tokens) at odd indices.
    if (i % 2 === 1) pieces.push(segment);
    else if (segment !== '') pieces.push(...(segment.toLowerCase().match(preTokenRegex) ?? []));
  });
  return pieces;
}

/** Joins tokens the way `decode` does (see the module comment). */
export function joinTokens(tokens: readonly string[]): string {
  return tokens.join(' ').replace(newlineSpacesRegex, '\n').replace(spaceBetweenDigitsRegex, '');
}

/** What `decode(encode(text))` gives when every word is in the vocabulary. */
export function canonicalText(text: string): string {
  return joinTokens(preTokenize(text));
}

export class WordLevelTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly padId: number;
  readonly eosId: number;
  readonly unkId: number;
  /** The built-in format has no BOS. */
  readonly bosIds: readonly number[] = [];
  readonly stopIds: readonly number[];
  private readonly idToToken: readonly string[];
  private readonly tokenToId: ReadonlyMap<string, number>;

  /** `vocab[id]` is the token of `id`; it must hold the three special tokens. */
  constructor(vocab: readonly string[]) {
    const tokenToId = new Map<string, number>();
    vocab.forEach((token, id) => {
      if (tokenToId.has(token))
        throw new Error(`duplicate token ${describeValue(token)} in the vocabulary`);
      tokenToId.set(token, id);
    });
    const idOf = (token: string): number => {
      const id = tokenToId.get(token);
      if (id === undefined) throw new Error(`the vocabulary has no ${token} token`);
      return id;
    };
    this.idToToken = [...vocab];
    this.tokenToId = tokenToId;
    this.vocabSize = vocab.length;
    this.padId = idOf(PAD_TOKEN);
    this.eosId = idOf(EOS_TOKEN);
    this.unkId = idOf(UNK_TOKEN);
    // Pad too: never a training target, so a model that emits it has nothing more to say.
    this.stopIds = [this.eosId, this.padId];
  }

  encode(text: string): number[] {
    return preTokenize(text).map((token) => this.tokenToId.get(token) ?? this.unkId);
  }

  decode(ids: readonly number[]): string {
    return joinTokens(
      ids.map((id) => {
        const token = Number.isInteger(id) ? this.idToToken[id] : undefined;
        if (token === undefined)
          throw new RangeError(`token id ${id} is not in [0, ${this.vocabSize})`);
        return token;
      }),
    );
  }

  /** The token of each id, in id order. */
  get vocabulary(): readonly string[] {
    return this.idToToken;
  }

  toJSON(): JsonRecord {
    const vocab: Record<string, number> = {};
    this.idToToken.forEach((token, id) => (vocab[token] = id));
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specialAddedTokens(this.tokenToId),
      normalizer: structuredClone(WORD_LEVEL_NORMALIZER),
      pre_tokenizer: structuredClone(WORD_LEVEL_PRE_TOKENIZER),
      post_processor: null,
      decoder: structuredClone(WORD_LEVEL_DECODER),
      model: { type: 'WordLevel', vocab, unk_token: UNK_TOKEN },
    };
  }

  /** The companion `tokenizer_config.json`, for Python `transformers` and transformers.js. */
  toTokenizerConfigJSON(): JsonRecord {
    return {
      tokenizer_class: 'PreTrainedTokenizerFast',
      pad_token: PAD_TOKEN,
      eos_token: EOS_TOKEN,
      unk_token: UNK_TOKEN,
      clean_up_tokenization_spaces: false,
    };
  }
}

/** The `added_tokens` entries `tokenizers` writes for special tokens that must never be split. */
function specialAddedTokens(tokenToId: ReadonlyMap<string, number>): JsonRecord[] {
  return SPECIAL_TOKENS.map((content) => ({
    id: tokenToId.get(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  })).sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

/**
 * Builds the vocabulary from a corpus: base tokens first (specials at 0, 1, 2, then newline and the
 * ten digits), then words by count, most frequent first, ties in code-unit order, so the same
 * corpus always gives the same ids.
 */
export function buildWordLevelTokenizer(
  texts: Iterable<string>,
  opts: BuildWordLevelOptions = {},
): WordLevelTokenizer {
  const minCount = opts.minCount ?? 1;
  const maxVocab = opts.maxVocab ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(minCount) || minCount < 1) {
    throw new RangeError(`minCount must be an integer >= 1, got ${minCount}`);
  }
  if (
    maxVocab !== Number.POSITIVE_INFINITY &&
    (!Number.isInteger(maxVocab) || maxVocab < BASE_TOKENS.length)
  ) {
    throw new RangeError(
      `maxVocab must be an integer >= ${BASE_TOKENS.length} (the base tokens), got ${maxVocab}`,
    );
  }
  const base = new Set(BASE_TOKENS);
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const token of preTokenize(text)) {
      if (!base.has(token)) counts.set(token, (counts.get(token) ?? 0) + 1);
    }
  }
  const words = [...counts]
    .filter(([, count]) => count >= minCount)
    .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, maxVocab - BASE_TOKENS.length)
    .map(([word]) => word);
  return new WordLevelTokenizer([...BASE_TOKENS, ...words]);
}

/**
 * Why `json` is not a file the built-in implementation reproduces exactly (its pipeline differs),
 * or null when it is one. Vocabulary errors are left to `loadWordLevelTokenizer`.
 */
export function wordLevelPipelineMismatch(json: unknown): TokenizerFormatError | null {
  if (!isRecord(json))
    return new TokenizerFormatError('', `must be a JSON object, got ${describeValue(json)}`);
  const model = json.model;
  if (!isRecord(model))
    return new TokenizerFormatError('model', `must be an object, got ${describeValue(model)}`);
  if (model.type !== 'WordLevel') {
    return new TokenizerFormatError(
      'model.type',
      `must be "WordLevel", got ${describeValue(model.type)}`,
    );
  }
  const expected: [string, unknown][] = [
    ['normalizer', WORD_LEVEL_NORMALIZER],
    ['pre_tokenizer', WORD_LEVEL_PRE_TOKENIZER],
    ['decoder', WORD_LEVEL_DECODER],
    ['post_processor', null],
    ['truncation', null],
    ['padding', null],
  ];
  for (const [key, value] of expected) {
    if (!jsonEqual(json[key] ?? null, value)) {
      return new TokenizerFormatError(
        key,
        `differs from the built-in word-level tokenizer's (expected ${describeValue(value)}, ` +
          `got ${describeValue(json[key])}); load this file with loadHuggingFaceTokenizer instead`,
      );
    }
  }
  if (model.unk_token !== UNK_TOKEN) {
    return new TokenizerFormatError(
      'model.unk_token',
      `must be ${describeValue(UNK_TOKEN)}, got ${describeValue(model.unk_token)}`,
    );
  }
  return null;
}

/** Loads a `tokenizer.json` written by `WordLevelTokenizer.toJSON()`, checking every field it uses. */
export function loadWordLevelTokenizer(json: unknown): WordLevelTokenizer {
  const mismatch = wordLevelPipelineMismatch(json);
  if (mismatch) throw mismatch;
  // Checked by wordLevelPipelineMismatch: a record whose `model` is a record.
  const file = json as JsonRecord;
  const vocabJSON = (file.model as JsonRecord).vocab;
  if (!isRecord(vocabJSON)) {
    throw new TokenizerFormatError(
      'model.vocab',
      `must be an object of token: id, got ${describeValue(vocabJSON)}`,
    );
  }
  const entries = Object.entries(vocabJSON);
  const vocab: string[] = new Array<string>(entries.length);
  for (const [token, id] of entries) {
    const path = `model.vocab[${JSON.stringify(token)}]`;
    if (token === '') throw new TokenizerFormatError(path, 'the empty string cannot be a token');
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= entries.length) {
      throw new TokenizerFormatError(
        path,
        `must be an integer id in [0, ${entries.length}) (ids are 0..size-1), got ${describeValue(id)}`,
      );
    }
    if (vocab[id] !== undefined) {
      throw new TokenizerFormatError(
        path,
        `id ${id} is also the id of ${describeValue(vocab[id])}`,
      );
    }
    vocab[id] = token;
  }
  for (const special of SPECIAL_TOKENS) {
    if (!Object.hasOwn(vocabJSON, special)) {
      throw new TokenizerFormatError('model.vocab', `has no ${special} token`);
    }
  }
  const tokenizer = new WordLevelTokenizer(vocab);
  const expectedAdded = specialAddedTokens(new Map(vocab.map((token, id) => [token, id])));
  if (!jsonEqual(file.added_tokens, expectedAdded)) {
    throw new TokenizerFormatError(
      'added_tokens',
      `must declare exactly the special tokens ${SPECIAL_TOKENS.join(' ')} with their vocabulary ids ` +
        `(expected ${describeValue(expectedAdded)}, got ${describeValue(file.added_tokens)})`,
    );
  }
  return tokenizer;
}
