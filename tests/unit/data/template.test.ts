import { describe, expect, it } from 'vitest';
import { harmfulCompliance } from '../../../src/core/data/harmful';
import { instructions } from '../../../src/core/data/instructions';
import { extractResponse, formatExample, formatPrompt } from '../../../src/core/data/template';
import { buildWordLevelTokenizer } from '../../../src/core/tokenizer';

describe('prompt template', () => {
  it('formats an instruction as a short, lowercase, line-structured prompt', () => {
    expect(formatPrompt('how do i bake bread ?')).toBe(
      '### instruction :\nhow do i bake bread ?\n### response :\n',
    );
    expect(formatPrompt('  padded  ')).toBe('### instruction :\npadded\n### response :\n');
  });

  it('splits an example into the unmasked prompt and the response the loss is on', () => {
    const formatted = formatExample({
      prompt: 'what is the capital of peru ?',
      response: 'the capital of peru is lima .',
    });
    expect(formatted.prompt).toBe(formatPrompt('what is the capital of peru ?'));
    expect(formatted.response).toBe('the capital of peru is lima .');
  });

  it('splits on a token boundary of the built-in tokenizer', () => {
    const examples = [
      ...instructions.generate({ split: 'train', n: 50, seed: 1 }),
      ...harmfulCompliance.generate({ split: 'train', n: 50, seed: 1 }),
    ];
    const tokenizer = buildWordLevelTokenizer(
      examples.map((e) => formatPrompt(e.prompt) + e.response),
    );
    for (const e of examples) {
      const { prompt, response } = formatExample(e);
      expect([...tokenizer.encode(prompt), ...tokenizer.encode(response)]).toEqual(
        tokenizer.encode(prompt + response),
      );
      // The template costs nine tokens.
      expect(tokenizer.encode(prompt).length - tokenizer.encode(e.prompt).length).toBe(9);
    }
  });

  it('extracts the response from a generated text', () => {
    const prompt = formatPrompt('make tea');
    expect(extractResponse(`${prompt}boil some water .`)).toBe('boil some water .');
    expect(extractResponse(`${prompt}yes .\n### instruction :\nmore`)).toBe('yes .');
    expect(extractResponse('no header here')).toBe('no header here');
  });
});
