/**
 * The real tokenizer files of the families the lab loads (`scripts/realTokenizers.ts`: Qwen3,
 * Llama 3, Llama 3.1, a Llama-2-style sentencepiece BPE, GPT-2), through the lab's loader as a
 * Hub model's files reach it: vocabularies of 32k–152k tokens, chat templates rendered as
 * `transformers.js`' own `apply_chat_template` renders them, BOS exactly once, training rows that
 * are the template's rendering of the conversation with loss only on the answer.
 */
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import {
  REAL_TOKENIZERS,
  realTokenizer,
  type RealTokenizer,
} from '../../../scripts/realTokenizers';
import { loadHuggingFaceTokenizer } from '../../../src/core/tokenizer/huggingface';
import type { Tokenizer } from '../../../src/core/tokenizer/types';
import { tokenizeExamples, tokenizePrompt } from '../../../src/core/train/tokenize';

const loaded = new Map<string, Tokenizer>();
const references = new Map<string, PreTrainedTokenizer>();

/** As `baseTokenizer` loads a Hub model's tokenizer (once per file and mode: a load takes ~1 s). */
function load(real: RealTokenizer, thinking = false): Tokenizer {
  const key = `${real.name}:${thinking}`;
  const known = loaded.get(key);
  if (known) return known;
  const { tokenizerJson, tokenizerConfig } = real.files();
  const tokenizer = loadHuggingFaceTokenizer(tokenizerJson, tokenizerConfig, {
    fallBackToEos: true,
    eosId: real.model.eosTokenId,
    stopIds: real.model.generationEosIds,
    thinking,
    owner: real.model.repo,
  });
  loaded.set(key, tokenizer);
  return tokenizer;
}

/** transformers.js' own tokenizer for the same files, as `AutoTokenizer` would build it. */
function reference(real: RealTokenizer): PreTrainedTokenizer {
  const known = references.get(real.name);
  if (known) return known;
  const { tokenizerJson, tokenizerConfig } = real.files();
  const hf = new PreTrainedTokenizer(tokenizerJson, tokenizerConfig);
  references.set(real.name, hf);
  return hf;
}

/** `apply_chat_template(messages, { tokenize: true })`: the template's ids, no special tokens added. */
function templateIds(
  hf: PreTrainedTokenizer,
  messages: { role: string; content: string }[],
  options: { add_generation_prompt: boolean; enable_thinking?: boolean },
): number[] {
  const ids = hf.apply_chat_template(messages, {
    ...options,
    tokenize: true,
    return_tensor: false,
    return_dict: false,
  } as never) as unknown as number[];
  return Array.from(ids, Number);
}

const count = (ids: readonly number[], id: number) => ids.filter((x) => x === id).length;

const USER = 'How do I bake bread at home?';
const ANSWER = 'Mix flour, water, salt and yeast, knead, let it rise, then bake at 230 °C.';

describe('real tokenizer files', () => {
  // "Hello world" in each family, as the models' own tokenizers encode it (the ids published with
  // them, not transformers.js' output): a vocabulary loaded wrong moves these.
  const KNOWN: Record<string, number[]> = {
    qwen3: [9707, 1879],
    llama3: [9906, 1917],
    'llama3.1': [9906, 1917],
    sentencepiece: [22557, 1526],
    gpt2: [15496, 995],
  };
  const SIZES: Record<string, number> = {
    qwen3: 151669,
    llama3: 128256,
    'llama3.1': 128256,
    sentencepiece: 32000,
    gpt2: 50257,
  };

  for (const real of REAL_TOKENIZERS) {
    describe(real.name, () => {
      const tokenizer = load(real);

      it('loads with its real vocabulary and round-trips text', () => {
        expect(tokenizer.vocabSize).toBe(SIZES[real.name]);
        expect(tokenizer.vocabSize).toBeLessThanOrEqual(real.model.vocabSize);
        expect(tokenizer.encode('Hello world')).toEqual(KNOWN[real.name]);
        const text = 'Refuse: "I can\'t help with that." — 3 × 7 = 21, naïve café 🍞';
        expect(tokenizer.decode(tokenizer.encode(text)).trim()).toBe(text);
      });

      it('stops at the model eos ids and the end of a turn', () => {
        for (const id of real.model.generationEosIds) expect(tokenizer.stopIds).toContain(id);
        expect(tokenizer.stopIds).toContain(tokenizer.eosId);
        if (tokenizer.chat) expect(tokenizer.stopIds).toContain(tokenizer.chat.endOfTurnId);
      });

      it('prompts with exactly one BOS, as the tokenizer or its template writes it', () => {
        const hf = reference(real);
        const ids = tokenizePrompt(USER, tokenizer);
        const bos = real.model.bosTokenId;
        const withSpecials = Array.from(hf.encode('a'), Number);
        const addsBos = bos !== null && withSpecials[0] === bos;
        const templateWritesBos =
          tokenizer.chat !== undefined &&
          bos !== null &&
          tokenizer.chat.renderPrompt(USER).startsWith(hf.decode([bos]));
        if (addsBos || templateWritesBos) {
          expect(ids[0]).toBe(bos);
          expect(count(ids, bos as number)).toBe(1);
        } else if (bos !== null) {
          expect(count(ids, bos)).toBe(0);
        }
      });
    });
  }

  describe('chat templates', () => {
    const chatModels = REAL_TOKENIZERS.filter((real) => load(real).chat !== undefined);

    it('are found in the three chat families', () => {
      expect(chatModels.map((real) => real.name)).toEqual(['qwen3', 'llama3', 'llama3.1']);
    });

    for (const real of chatModels) {
      it(`${real.name}: one user turn's prompt ids are apply_chat_template's`, () => {
        const tokenizer = load(real);
        const messages = [{ role: 'user', content: USER }];
        const expected = templateIds(reference(real), messages, {
          add_generation_prompt: true,
          enable_thinking: false,
        });
        expect(tokenizePrompt(USER, tokenizer)).toEqual(expected);
      });

      it(`${real.name}: a training row is the conversation's rendering, loss only on the answer`, () => {
        const tokenizer = load(real);
        const chat = tokenizer.chat!;
        const [row] = tokenizeExamples([{ prompt: USER, response: ANSWER }], tokenizer, 'response');
        const conversation = [
          { role: 'user', content: USER },
          { role: 'assistant', content: ANSWER },
        ];
        const expected = templateIds(reference(real), conversation, {
          add_generation_prompt: false,
          enable_thinking: false,
        });
        expect(row.ids).toEqual(expected);
        expect(row.lossFrom).toBe(tokenizePrompt(USER, tokenizer).length);
        // The loss covers the answer and the token that closes the turn, nothing after it.
        expect(row.ids[(row.lossTo as number) - 1]).toBe(chat.endOfTurnId);
        expect(tokenizer.decode(row.ids.slice(row.lossFrom, (row.lossTo as number) - 1))).toBe(
          ANSWER,
        );
      });
    }

    it('qwen3 answers in non-thinking mode unless asked to think', () => {
      const real = realTokenizer('qwen3');
      const direct = load(real).chat!.renderPrompt(USER);
      expect(direct.endsWith('<|im_start|>assistant\n<think>\n\n</think>\n\n')).toBe(true);
      const thinking = load(real, true).chat!.renderPrompt(USER);
      expect(thinking.endsWith('<|im_start|>assistant\n')).toBe(true);
      // The trained answer follows the empty thinking block the prompt ends with.
      const tokenizer = load(real);
      const [row] = tokenizeExamples([{ prompt: USER, response: ANSWER }], tokenizer, 'response');
      expect(tokenizer.decode(row.ids.slice(0, row.lossFrom))).toBe(direct);
    });

    it("llama3 ends a turn with <|eot_id|>, not its tokenizer's eos <|end_of_text|>", () => {
      const tokenizer = load(realTokenizer('llama3'));
      expect(tokenizer.eosId).toBe(128001);
      expect(tokenizer.chat!.endOfTurnId).toBe(128009);
      expect(tokenizer.stopIds).toEqual(expect.arrayContaining([128001, 128009]));
      // Its first template appends a generation prompt even after the answer: kept, not trained.
      const [row] = tokenizeExamples([{ prompt: USER, response: ANSWER }], tokenizer, 'response');
      expect(tokenizer.decode(row.ids.slice(row.lossTo))).toBe(
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
      );
    });

    it('qwen3: an answer holding `</think>` (which its template moves into the reasoning block) is trained as generation produces it', () => {
      const tokenizer = load(realTokenizer('qwen3'));
      const answer = 'Let me see.</think>The answer is 4.';
      expect(tokenizer.chat!.renderConversation(USER, answer)).not.toContain(answer);
      const [row] = tokenizeExamples([{ prompt: USER, response: answer }], tokenizer, 'response');
      expect(row.ids.slice(0, row.lossFrom)).toEqual(tokenizePrompt(USER, tokenizer));
      expect(tokenizer.decode(row.ids.slice(row.lossFrom, row.lossTo))).toBe(`${answer}<|im_end|>`);
    });

    it('an answer whose first characters merge with the generation prompt keeps the prompt tokens', () => {
      // A Mistral-style template: the answer follows `[/INST]` with no space, so `[/INST](` may
      // tokenize otherwise than `[/INST]` and `(` apart.
      const real = realTokenizer('sentencepiece');
      const { tokenizerJson, tokenizerConfig } = real.files();
      const tokenizer = loadHuggingFaceTokenizer(
        tokenizerJson,
        {
          ...tokenizerConfig,
          chat_template:
            "{{ bos_token }}{% for m in messages %}{% if m.role == 'user' %}[INST] {{ m.content }} [/INST]{% else %}{{ m.content }}{{ eos_token }}{% endif %}{% endfor %}",
        },
        { fallBackToEos: true, owner: 'mistral-style' },
      );
      const answer = '(1) Mix flour and water.';
      const prompt = tokenizePrompt(USER, tokenizer);
      const whole = tokenizer.encode(tokenizer.chat!.renderConversation(USER, answer));
      // The premise: tokenized whole, the conversation does not begin with the prompt's tokens.
      expect(whole.slice(0, prompt.length)).not.toEqual(prompt);
      const [row] = tokenizeExamples([{ prompt: USER, response: answer }], tokenizer, 'response');
      expect(row.ids.slice(0, row.lossFrom)).toEqual(prompt);
      expect(tokenizer.decode(row.ids.slice(row.lossFrom, row.lossTo))).toBe(`${answer}</s>`);
      expect(count(row.ids, 1)).toBe(1);
    });

    it('refuses a template whose conversation does not begin with its prompt, naming the model', () => {
      const real = realTokenizer('qwen3');
      const { tokenizerJson, tokenizerConfig } = real.files();
      // Drops the generation prompt's thinking block only when rendering the prompt.
      const broken = {
        ...tokenizerConfig,
        chat_template:
          '{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\nSure:{% endif %}',
      };
      expect(() =>
        loadHuggingFaceTokenizer(tokenizerJson, broken, { fallBackToEos: true, owner: 'acme/bad' }),
      ).toThrow(/acme\/bad: its chat template renders a conversation that does not begin/);
    });
  });

  describe('models without a chat template', () => {
    it('sentencepiece: BOS once (add_bos_token), the lab template, eos after the answer', () => {
      const tokenizer = load(realTokenizer('sentencepiece'));
      expect(tokenizer.chat).toBeUndefined();
      expect(tokenizer.bosIds).toEqual([1]);
      const [row] = tokenizeExamples([{ prompt: USER, response: ANSWER }], tokenizer, 'response');
      expect(row.ids[0]).toBe(1);
      expect(count(row.ids, 1)).toBe(1);
      expect(row.ids[row.ids.length - 1]).toBe(2);
      expect(tokenizer.decode(row.ids.slice(row.lossFrom, -1))).toBe(ANSWER);
      // The row is the prompt and answer as one text: the answer's first piece is not `▁`-spelled.
      expect(row.ids.slice(1, -1)).toEqual(
        tokenizer.encode(tokenizer.decode(row.ids.slice(1, -1))),
      );
    });

    it('gpt2: no BOS (its post-processor adds none)', () => {
      const tokenizer = load(realTokenizer('gpt2'));
      expect(tokenizer.bosIds).toEqual([]);
      expect(tokenizePrompt(USER, tokenizer)[0]).not.toBe(50256);
    });

    it('an explicit add_bos_token: false wins over the post-processor', () => {
      const real = realTokenizer('sentencepiece');
      const { tokenizerJson, tokenizerConfig } = real.files();
      const tokenizer = loadHuggingFaceTokenizer(
        tokenizerJson,
        { ...tokenizerConfig, add_bos_token: false },
        { fallBackToEos: true },
      );
      expect(tokenizer.bosIds).toEqual([]);
    });
  });
});
