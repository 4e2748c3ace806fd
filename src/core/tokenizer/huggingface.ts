/**
 * Any Hugging Face `tokenizer.json` (BPE, WordPiece, Unigram, …) through transformers.js, built
 * from in-memory objects: nothing is fetched from the hub.
 *
 * transformers.js (v4, via `@huggingface/tokenizers` 0.2) has no `WordLevel` model class: a
 * WordLevel file falls through to its `Legacy` model, which looks pre-tokens up in the vocabulary
 * as they are, exactly as WordLevel does, but yields no id for a word outside it. `encode` maps
 * such a word to `unkId` (the model's `unk_token`), which makes WordLevel files encode as Python
 * `tokenizers` would; the unit tests check this against the built-in implementation.
 */
import * as transformers from '@huggingface/transformers';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import type { ChatTemplate, SpecialTokenRole, Tokenizer } from './types';
import { TokenizerFormatError, describeValue, isRecord, type JsonRecord } from './json';
import { errorText } from '../errors';

export interface HuggingFaceTokenizerOptions {
  /** Choose the special tokens by their text, overriding `tokenizer_config.json` and the defaults. */
  padToken?: string;
  eosToken?: string;
  unkToken?: string;
  /**
   * A model without a pad or unk token (GPT-2, byte-level BPEs) gets its eos id in those roles
   * instead of an error, and pad may equal eos. Safe in the lab: its loss mask and attention are
   * built from the data's structure, never from token ids, and a byte-level BPE never needs unk.
   */
  fallBackToEos?: boolean;
  /** The end-of-sequence id from the model's config, used when the tokenizer names no eos token. */
  eosId?: number;
  /** The model's own end ids (`generation_config.json`'s `eos_token_id`): generation stops on them too. */
  stopIds?: readonly number[];
  /**
   * Render a template that reads `enable_thinking` (Qwen3) in thinking mode. Off by default: the
   * lab trains and judges direct answers, so the empty `<think></think>` block of the
   * non-thinking mode is part of the prompt, as the model was trained to answer.
   */
  thinking?: boolean;
  /** Who the files belong to (a repo id), for error messages. */
  owner?: string;
}

/** Names tried, in order, when neither the options nor `tokenizer_config.json` name a token. */
const CONVENTIONAL_TOKENS: Record<SpecialTokenRole, readonly string[]> = {
  pad: ['<|pad|>', '<pad>', '[PAD]', '<|padding|>'],
  eos: ['<|eos|>', '</s>', '<eos>', '<|endoftext|>', '<|end_of_text|>'],
  unk: ['<|unk|>', '<unk>', '[UNK]'],
};

const OPTION_NAMES: Record<SpecialTokenRole, 'padToken' | 'eosToken' | 'unkToken'> = {
  pad: 'padToken',
  eos: 'eosToken',
  unk: 'unkToken',
};

type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

export class HuggingFaceTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly padId: number;
  readonly eosId: number;
  readonly unkId: number;
  readonly bosIds: readonly number[];
  readonly stopIds: readonly number[];
  readonly chat?: ChatTemplate;
  private readonly cleanUpTokenizationSpaces: boolean;

  constructor(
    private readonly hf: PreTrainedTokenizer,
    private readonly tokenizerJSON: JsonRecord,
    ids: Record<SpecialTokenRole, number>,
    settings: {
      vocabSize: number;
      cleanUpTokenizationSpaces: boolean;
      bosIds: readonly number[];
      stopIds: readonly number[];
      thinking: boolean;
      owner: string;
    },
  ) {
    this.vocabSize = settings.vocabSize;
    this.padId = ids.pad;
    this.eosId = ids.eos;
    this.unkId = ids.unk;
    this.bosIds = settings.bosIds;
    this.cleanUpTokenizationSpaces = settings.cleanUpTokenizationSpaces;
    const stops = new Set([ids.eos, ...settings.stopIds]);
    if (this.hasChatTemplate) {
      const render = (messages: ChatMessage[]) => this.renderChat(messages, settings.thinking);
      const endOfTurnId = this.endOfTurnOf(render, settings.owner);
      stops.add(endOfTurnId);
      this.chat = {
        renderPrompt: (instruction) => render([{ role: 'user', content: instruction }]),
        renderConversation: (instruction, response) =>
          render([
            { role: 'user', content: instruction },
            { role: 'assistant', content: response },
          ]),
        endOfTurnId,
        owner: settings.owner,
      };
    }
    this.stopIds = [...stops];
  }

  encode(text: string): number[] {
    // transformers.js yields no id for a piece its model cannot represent and has no unknown token
    // for: every unknown word of a WordLevel file (see the module comment), rare for other models.
    const ids: (number | undefined)[] = this.hf.encode(text, { add_special_tokens: false });
    return ids.map((id) => id ?? this.unkId);
  }

  decode(ids: readonly number[]): string {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new RangeError(`token id ${id} is not in [0, ${this.vocabSize})`);
      }
    }
    // transformers.js refuses an empty list rather than returning the empty string.
    if (ids.length === 0) return '';
    return this.hf.decode([...ids], {
      skip_special_tokens: false,
      clean_up_tokenization_spaces: this.cleanUpTokenizationSpaces,
    });
  }

  toJSON(): JsonRecord {
    return structuredClone(this.tokenizerJSON);
  }

  /** Whether `tokenizer_config.json` has a `chat_template`. */
  get hasChatTemplate(): boolean {
    return typeof this.hf.chat_template === 'string' && this.hf.chat_template !== '';
  }

  /**
   * The chat template rendered for `messages` as `transformers`' `apply_chat_template` renders
   * it: with the generation prompt unless the last turn is the assistant's. `enable_thinking`
   * is passed to every template; one that does not read it ignores it.
   */
  renderChat(messages: ChatMessage[], thinking = false): string {
    // transformers.js passes options it does not know on to the template, as `transformers`
    // passes `apply_chat_template`'s extra keyword arguments; its types do not list them.
    const options = {
      tokenize: false as const,
      add_generation_prompt: messages[messages.length - 1]?.role !== 'assistant',
      enable_thinking: thinking,
    };
    return this.hf.apply_chat_template(messages, options) as string;
  }

  /**
   * The special token the template closes an assistant turn with, found by rendering a probe
   * conversation: the first special token after the answer. Refuses a template whose rendering
   * of `[user, assistant]` does not start with its rendering of `[user]` plus the generation
   * prompt (the loss could not start where generation does), or that closes a turn with no
   * special token (nothing would tell where an answer ends).
   */
  private endOfTurnOf(render: (messages: ChatMessage[]) => string, owner: string): number {
    const instruction = 'What is the capital of France?';
    const answer = 'The capital of France is Paris.';
    let prompt: string;
    let conversation: string;
    try {
      prompt = render([{ role: 'user', content: instruction }]);
      conversation = render([
        { role: 'user', content: instruction },
        { role: 'assistant', content: answer },
      ]);
    } catch (error) {
      const reason = errorText(error);
      throw new TokenizerFormatError(
        '',
        `${owner}: its chat template cannot be rendered: ${reason}`,
      );
    }
    if (!conversation.startsWith(prompt)) {
      throw new TokenizerFormatError(
        '',
        `${owner}: its chat template renders a conversation that does not begin with the prompt ` +
          'it renders for generation, so the lab cannot tell where the answer starts',
      );
    }
    const at = conversation.indexOf(answer, prompt.length);
    const special = specialIds(this.tokenizerJSON);
    const closing = at < 0 ? [] : this.encode(conversation.slice(at + answer.length));
    const endOfTurn = closing.find((id) => special.has(id));
    if (endOfTurn === undefined) {
      throw new TokenizerFormatError(
        '',
        `${owner}: its chat template closes an assistant turn with no special token, so the lab ` +
          'cannot tell where an answer ends',
      );
    }
    return endOfTurn;
  }
}

/** The ids of `added_tokens` marked special. */
function specialIds(json: JsonRecord): Set<number> {
  const ids = new Set<number>();
  for (const token of json.added_tokens as unknown[]) {
    if (isRecord(token) && token.special === true && typeof token.id === 'number')
      ids.add(token.id);
  }
  return ids;
}

/**
 * Wraps `tokenizer.json` (+ optional `tokenizer_config.json`) in the lab's `Tokenizer`. The pad,
 * eos and unk tokens come from `options`, else the config's `pad_token`/`eos_token`/`unk_token`,
 * else the model's `unk_token`, else a conventional name (`<pad>`, `</s>`, `<unk>`, …). A missing
 * one, or pad equal to eos (the loss would then never teach the model to stop), is an error that
 * says which option to pass. The tokenizer class is chosen from `tokenizer_class` like
 * `AutoTokenizer` does. Decoding cleans up tokenization spaces only if the config asks to.
 */
export function loadHuggingFaceTokenizer(
  tokenizerJSON: unknown,
  tokenizerConfig: unknown = null,
  options: HuggingFaceTokenizerOptions = {},
): HuggingFaceTokenizer {
  const json = checkTokenizerJSON(tokenizerJSON);
  tokenizerConfig ??= {};
  if (!isRecord(tokenizerConfig)) {
    throw new TokenizerFormatError(
      '',
      `tokenizer_config.json must be a JSON object, got ${describeValue(tokenizerConfig)}`,
    );
  }
  const model = json.model as JsonRecord;
  const config: JsonRecord = { ...tokenizerConfig };

  let hf: PreTrainedTokenizer;
  try {
    hf = new (tokenizerClass(config.tokenizer_class))(json, config);
  } catch (error) {
    const reason = errorText(error);
    throw new TokenizerFormatError('', `transformers.js cannot load it: ${reason}`);
  }
  const vocab = hf.get_vocab();
  const ids = {} as Record<SpecialTokenRole, number>;
  for (const role of ['eos', 'pad', 'unk'] as const) {
    try {
      ids[role] = findSpecialId(role, vocab, config, model, options);
    } catch (error) {
      if (role === 'eos' && options.eosId !== undefined) ids.eos = options.eosId;
      else if (role !== 'eos' && options.fallBackToEos) ids[role] = ids.eos;
      else throw error;
    }
  }
  if (ids.pad === ids.eos && !options.fallBackToEos) {
    throw new TokenizerFormatError(
      '',
      `the pad and eos tokens are the same (id ${ids.pad}); the loss mask would hide every eos, so pass a ` +
        'different padToken (any token the data never uses)',
    );
  }
  // A loop, not `Math.max(...ids)`: 128k–152k arguments overflow V8's stack.
  let largest = -1;
  for (const id of vocab.values()) if (id > largest) largest = id;
  return new HuggingFaceTokenizer(hf, json, ids, {
    vocabSize: largest + 1,
    cleanUpTokenizationSpaces: config.clean_up_tokenization_spaces === true,
    bosIds: bosIdsOf(hf, config, vocab),
    stopIds: options.stopIds ?? [],
    thinking: options.thinking === true,
    owner: options.owner ?? 'the tokenizer',
  });
}

/**
 * The ids the tokenizer puts before a text: what its post-processor adds in front (a
 * `TemplateProcessing` BOS), overridden by `add_bos_token` where the config sets it, as
 * `transformers`' Llama tokenizers rebuild their post-processor from it.
 */
function bosIdsOf(
  hf: PreTrainedTokenizer,
  config: JsonRecord,
  vocab: ReadonlyMap<string, number>,
): number[] {
  const probe = 'a';
  const plain: number[] = hf.encode(probe, { add_special_tokens: false });
  const withSpecials: number[] = hf.encode(probe, { add_special_tokens: true });
  let prefix = 0;
  while (prefix < withSpecials.length && withSpecials[prefix] !== plain[0]) prefix += 1;
  const added = withSpecials.slice(0, prefix);
  if (config.add_bos_token === false) return [];
  if (config.add_bos_token === true && added.length === 0) {
    const bos = configToken(config.bos_token);
    const id = bos === null ? undefined : vocab.get(bos);
    if (id !== undefined) return [id];
  }
  return added;
}

/** The fields transformers.js reads without checking, checked here so errors name the field. */
function checkTokenizerJSON(value: unknown): JsonRecord {
  if (!isRecord(value))
    throw new TokenizerFormatError('', `must be a JSON object, got ${describeValue(value)}`);
  const model = value.model;
  if (!isRecord(model))
    throw new TokenizerFormatError('model', `must be an object, got ${describeValue(model)}`);
  if (!isRecord(model.vocab) && !Array.isArray(model.vocab)) {
    throw new TokenizerFormatError(
      'model.vocab',
      `must be an object or a list, got ${describeValue(model.vocab)}`,
    );
  }
  if (!Array.isArray(value.added_tokens)) {
    throw new TokenizerFormatError(
      'added_tokens',
      `must be a list, got ${describeValue(value.added_tokens)}`,
    );
  }
  // transformers.js requires the pipeline keys to be present; `null` means "none".
  for (const key of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) {
    if (!(key in value)) throw new TokenizerFormatError(key, 'is missing (use null for none)');
  }
  return value;
}

/** The tokenizer class `tokenizer_class` names, as `AutoTokenizer` picks it; the base class otherwise. */
function tokenizerClass(name: unknown): typeof PreTrainedTokenizer {
  if (typeof name !== 'string') return PreTrainedTokenizer;
  const candidate: unknown = (transformers as Record<string, unknown>)[name.replace(/Fast$/, '')];
  if (
    typeof candidate === 'function' &&
    (candidate === PreTrainedTokenizer || candidate.prototype instanceof PreTrainedTokenizer)
  ) {
    return candidate as typeof PreTrainedTokenizer;
  }
  return PreTrainedTokenizer;
}

function findSpecialId(
  role: SpecialTokenRole,
  vocab: ReadonlyMap<string, number>,
  config: JsonRecord,
  model: JsonRecord,
  options: HuggingFaceTokenizerOptions,
): number {
  const option = OPTION_NAMES[role];
  const lookup = (token: string, source: string): number => {
    const id = vocab.get(token);
    if (id === undefined) {
      throw new TokenizerFormatError(
        '',
        `the ${role} token ${describeValue(token)} (from ${source}) is not in the vocabulary`,
      );
    }
    return id;
  };
  const fromOption = options[option];
  if (typeof fromOption === 'string') return lookup(fromOption, `option ${option}`);
  const fromConfig = configToken(config[`${role}_token`]);
  if (fromConfig !== null) return lookup(fromConfig, `tokenizer_config.json ${role}_token`);
  if (role === 'unk' && typeof model.unk_token === 'string')
    return lookup(model.unk_token, 'model.unk_token');
  for (const token of CONVENTIONAL_TOKENS[role]) {
    const id = vocab.get(token);
    if (id !== undefined) return id;
  }
  throw new TokenizerFormatError(
    '',
    `no ${role} token: tokenizer_config.json has no ${role}_token and the vocabulary has none of ` +
      `${CONVENTIONAL_TOKENS[role].join(', ')}; pass { ${option}: '…' } naming one of its tokens`,
  );
}

/** A special token in `tokenizer_config.json` is a string or an `AddedToken` object. */
function configToken(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.content === 'string') return value.content;
  return null;
}
