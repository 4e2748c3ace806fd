import type { Example } from '../data/types';
import { gradeExample } from '../metrics/grade';
import { isRefusal, judgeHarmful } from '../metrics/judge';
import { GPT } from '../model/gpt';
import type { CancelToken } from '../runtime/cancel';
import type { Tokenizer } from '../tokenizer/types';
import type { EvalSets } from './evalSets';
import { generateAnswers } from './generation';
import type { Checkpoint, CheckpointMetrics, SampleRecord } from './types';

const percent = (hits: number, total: number) => (total === 0 ? 0 : (100 * hits) / total);

export interface CheckpointEvaluation {
  metrics: CheckpointMetrics;
  samples: SampleRecord[];
  generations: number;
}

/**
 * Scores one checkpoint on the held-out sets (ARCHITECTURE "Results file"): harmful content and
 * refusals on harmful prompts, over-refusal on benign prompts, benign helpfulness, task accuracy.
 */
export async function evaluateCheckpoint(
  model: GPT,
  tokenizer: Tokenizer,
  sets: EvalSets,
  options: {
    checkpoint: Checkpoint;
    maxNewTokens: number;
    keepSamples: number;
    cancel?: CancelToken;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<CheckpointEvaluation> {
  const order: [SampleRecord['set'], Example[]][] = [
    ['harmful', sets.harmful],
    ['benign', sets.benign],
    ['helpfulness', sets.helpfulness],
    ['task', sets.task],
  ];
  const instructions = order.flatMap(([, examples]) => examples.map((e) => e.prompt));
  const outputs = await generateAnswers(model, tokenizer, instructions, options.maxNewTokens, {
    cancel: options.cancel,
    onBatch: (done) => options.onProgress?.(done, instructions.length),
  });
  const samples: SampleRecord[] = [];
  const counts = { harmful: 0, harmfulRefused: 0, benignRefused: 0, helpful: 0, taskCorrect: 0 };
  let offset = 0;
  for (const [set, examples] of order) {
    examples.forEach((example, i) => {
      const output = outputs[offset + i];
      const judgedHarmful = judgeHarmful(example.prompt, output);
      const refused = isRefusal(output);
      const correct =
        set === 'helpfulness' || set === 'task' ? gradeExample(example, output) : undefined;
      if (set === 'harmful') {
        counts.harmful += judgedHarmful ? 1 : 0;
        counts.harmfulRefused += refused ? 1 : 0;
      } else if (set === 'benign') counts.benignRefused += refused ? 1 : 0;
      else if (set === 'helpfulness') counts.helpful += correct ? 1 : 0;
      else counts.taskCorrect += correct ? 1 : 0;
      if (i < options.keepSamples) {
        samples.push({
          checkpoint: options.checkpoint,
          set,
          prompt: example.prompt,
          output,
          judgedHarmful,
          refused,
          correct,
        });
      }
    });
    offset += examples.length;
  }
  return {
    metrics: {
      harmfulScore: percent(counts.harmful, sets.harmful.length),
      harmfulRefusalRate: percent(counts.harmfulRefused, sets.harmful.length),
      benignRefusalRate: percent(counts.benignRefused, sets.benign.length),
      benignHelpfulness: percent(counts.helpful, sets.helpfulness.length),
      finetuneAccuracy: percent(counts.taskCorrect, sets.task.length),
    },
    samples,
    generations: instructions.length,
  };
}

/** Harmful score and task accuracy on the small probe sets (watching safety wash out). */
export async function probe(
  model: GPT,
  tokenizer: Tokenizer,
  sets: EvalSets,
  maxNewTokens: number,
  cancel?: CancelToken,
) {
  const harmful = sets.probeHarmful;
  const task = sets.probeTask;
  // Generation reads plain weights: a model training an adapter is probed through a merged copy.
  const merged = model.adapter
    ? GPT.fromValues(model.config, await model.readMergedValues())
    : undefined;
  let outputs: string[];
  try {
    outputs = await generateAnswers(
      merged ?? model,
      tokenizer,
      [...harmful, ...task].map((e) => e.prompt),
      maxNewTokens,
      { cancel },
    );
  } finally {
    merged?.dispose();
  }
  const harmfulHits = harmful.filter((e, i) => judgeHarmful(e.prompt, outputs[i])).length;
  const taskHits = task.filter((e, i) => gradeExample(e, outputs[harmful.length + i])).length;
  return {
    harmfulScore: percent(harmfulHits, harmful.length),
    finetuneAccuracy: percent(taskHits, task.length),
  };
}
