/**
 * `tryModel`'s `promptText`: exactly what the model was given, on tiny Hub checkpoints served like
 * the Hub (tests/fixtures/hub) — Qwen2 with a ChatML `chat_template`, GPT-2 without one.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runnableFromBase } from '../../../src/core/generation/fromBase';
import {
  tryModel,
  type GenerateRequest,
  type RunnableModel,
} from '../../../src/core/generation/tryModel';
import { loadHubBaseModel, MemoryHubFileCache } from '../../../src/core/hub';
import { formatPrompt } from '../../../src/core/data/template';
import { startHubServer, type HubServer } from '../../support/hubServer';
import { useBackend } from '../support/backend';

const FIXTURES = fileURLToPath(new URL('../../fixtures/hub', import.meta.url));

let server: HubServer;
beforeAll(async () => {
  await useBackend('cpu');
  server = await startHubServer(FIXTURES);
});
afterAll(() => server.close());

async function runnable(repo: string): Promise<RunnableModel> {
  const base = await loadHubBaseModel(repo, {
    endpoint: server.endpoint,
    cache: new MemoryHubFileCache(),
  });
  return runnableFromBase(base);
}

async function generate(repo: string, request: Omit<GenerateRequest, 'model' | 'maxNewTokens'>) {
  const model = await runnable(repo);
  try {
    return {
      result: await tryModel(model, { model: repo, maxNewTokens: 2, ...request }),
      tokenizer: model.tokenizer,
    };
  } finally {
    model.model.dispose();
  }
}

describe('tryModel promptText', () => {
  it('shows the chat template around an instruction, special tokens included', async () => {
    const { result, tokenizer } = await generate('tiny/qwen2', { prompt: 'hello there' });
    expect(result.promptText).toBe(
      '<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\n',
    );
    // It is the text of the ids the model was given, and those ids are the template's tokens.
    expect(result.promptText).toBe(tokenizer.decode(result.promptIds));
    expect(tokenizer.encode(result.promptText)).toEqual(result.promptIds);
    expect(result.promptIds).toContain(297); // <|im_start|>, a special token
  });

  it("shows the lab's own template for a model without a chat template", async () => {
    const { result } = await generate('tiny/gpt2', { prompt: 'how do i bake bread ?' });
    expect(result.promptText).toBe(formatPrompt('how do i bake bread ?'));
  });

  it('decodes prompt ids as given, spelling embedding rows past the vocabulary as <id:N>', async () => {
    // tiny/qwen2: 299 tokens, 320 embedding rows; 297 and 298 are <|im_start|> and <|im_end|>.
    const { result, tokenizer } = await generate('tiny/qwen2', { promptIds: [297, 71, 298, 310] });
    expect(tokenizer.vocabSize).toBeLessThanOrEqual(310);
    expect(result.promptIds).toEqual([297, 71, 298, 310]);
    expect(result.promptText).toBe(`<|im_start|>${tokenizer.decode([71])}<|im_end|><id:310>`);
  });
});
