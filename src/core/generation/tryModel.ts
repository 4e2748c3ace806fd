import * as tf from '@tensorflow/tfjs';
import { batchFromSequences, disposeBatchTensors, toBatchTensors } from '../model/batch';
import type { Family } from '../model/config';
import { generateGreedy } from '../model/generate';
import type { LanguageModel } from '../model/languageModel';
import { headLogits } from '../model/matmul';
import { decodeShown } from '../tokenizer/decode';
import type { Tokenizer } from '../tokenizer/types';
import { tokenizePrompt } from '../train/tokenize';

/** A model ready to generate: the network, its tokenizer, and when to stop. */
export interface RunnableModel {
  /** What the user asked for: a built-in name or `owner/name@revision`. */
  spec: string;
  model: LanguageModel;
  parameters: number;
  /** With the model's chat template, when it has one (`renderPrompt`). */
  tokenizer: Tokenizer;
  /** Generation stops after emitting any of these. */
  eosIds: number[];
}

export interface GenerateRequest {
  /** Built-in model name or Hub repo `owner/name[@revision]`. */
  model: string;
  /** Text, rendered with the model's chat template (or the lab's own template when it has none). */
  prompt?: string;
  /** Token ids, used as they are (no template). */
  promptIds?: number[];
  maxNewTokens: number;
  /** Also return the next-token logits at the last prompt position (full vocabulary). */
  logits?: boolean;
  /**
   * Instead of the base model, a checkpoint of a run of `config` (`model` is then its
   * `model.base`), read back from the stage cache: the page's "try the model" after each stage.
   */
  checkpoint?: { config: unknown; name: 'aligned' | 'finetuned' | 'post' };
}

/** The `lab generate --json` object (ARCHITECTURE.md, "CLI"). */
export interface GenerateResult {
  model: string;
  architecture: Family;
  parameters: number;
  promptIds: number[];
  /**
   * Exactly what the model was given: the prompt ids decoded with special tokens shown (the chat
   * template's `<|im_start|>`, a BOS), so a user sees the template. Not in the contract's JSON
   * object unless asked for (`lab generate --json --show-prompt`).
   */
  promptText: string;
  /** Greedy continuation, ending with the eos id when the model emitted one. */
  generatedIds: number[];
  /** The continuation decoded, without a final eos token. */
  text: string;
  firstLogits?: number[];
}

/** Problems with a request, one line each; empty when it can run. */
export function generateRequestProblems(request: GenerateRequest): string[] {
  const problems: string[] = [];
  const hasPrompt = typeof request.prompt === 'string';
  const hasIds = Array.isArray(request.promptIds);
  if (hasPrompt === hasIds) problems.push('give exactly one of a prompt text or prompt ids');
  if (hasPrompt && request.prompt === '') problems.push('the prompt is empty');
  if (hasIds) {
    const ids = request.promptIds as unknown[];
    if (ids.length === 0) problems.push('the prompt ids are empty');
    ids.forEach((id, i) => {
      if (!Number.isInteger(id) || (id as number) < 0) {
        problems.push(`prompt id ${i + 1} must be a non-negative integer (got ${String(id)})`);
      }
    });
  }
  if (!Number.isInteger(request.maxNewTokens) || request.maxNewTokens < 1) {
    problems.push(
      `max new tokens must be a positive integer (got ${String(request.maxNewTokens)})`,
    );
  }
  return problems;
}

/** The prompt's token ids: the ids as given, or the text through the model's template and tokenizer. */
export function promptIdsOf(runnable: RunnableModel, request: GenerateRequest): number[] {
  if (request.promptIds) {
    const V = runnable.model.config.vocabSize;
    const bad = request.promptIds.find((id) => id >= V);
    if (bad !== undefined) throw new Error(`prompt id ${bad} is outside the vocabulary [0, ${V})`);
    return [...request.promptIds];
  }
  // As evaluation prompts are made: the chat template, or the lab's own template.
  return tokenizePrompt(request.prompt as string, runnable.tokenizer);
}

/** Greedy generation, as `lab generate` and the page's "try the model" box run it. */
export async function tryModel(
  runnable: RunnableModel,
  request: GenerateRequest,
  options: { checkCancelled?: () => void } = {},
): Promise<GenerateResult> {
  const problems = generateRequestProblems(request);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const { model } = runnable;
  const promptIds = promptIdsOf(runnable, request);
  if (promptIds.length >= model.config.contextLength) {
    throw new Error(
      `the prompt has ${promptIds.length} tokens; the model's context holds ${model.config.contextLength}`,
    );
  }
  const [generatedIds] = await generateGreedy(model, [promptIds], {
    maxNewTokens: request.maxNewTokens,
    stopIds: runnable.eosIds,
    includeStop: true,
    checkCancelled: options.checkCancelled,
  });
  const stops = new Set(runnable.eosIds);
  const shown =
    generatedIds.length > 0 && stops.has(generatedIds[generatedIds.length - 1])
      ? generatedIds.slice(0, -1)
      : generatedIds;
  const result: GenerateResult = {
    model: runnable.spec,
    architecture: model.config.family,
    parameters: runnable.parameters,
    promptIds,
    // decodeShown, not decode: ids given by hand may be embedding rows past the tokenizer's vocabulary.
    promptText: decodeShown(runnable.tokenizer, promptIds),
    generatedIds,
    text: decodeShown(runnable.tokenizer, shown),
  };
  if (request.logits) result.firstLogits = await lastPromptLogits(model, promptIds);
  return result;
}

/** Next-token logits after the prompt, from one full forward pass over it. */
async function lastPromptLogits(model: LanguageModel, promptIds: number[]): Promise<number[]> {
  const batch = toBatchTensors(batchFromSequences([promptIds], promptIds.length, 0));
  try {
    // The last position's hidden state alone goes through the head: one row of logits, not a
    // [prompt, vocab] matrix.
    const last = tf.tidy(() => {
      const hidden = model.hidden(batch);
      const row = tf.slice(hidden, [promptIds.length - 1, 0], [1, model.config.dModel]);
      return headLogits(row as tf.Tensor2D, model.head);
    });
    const data = Array.from(await last.data());
    last.dispose();
    return data;
  } finally {
    disposeBatchTensors(batch);
  }
}
