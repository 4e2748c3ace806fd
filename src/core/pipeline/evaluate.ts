import type { Example } from '../data/types';
import { gradeExample } from '../metrics/grade';
import { cohensKappa } from '../metrics/agreement';
import type { JudgedPair, PairJudge, Verdict } from '../metrics/judges';
import { LanguageModel } from '../model/languageModel';
import type { CancelToken } from '../runtime/cancel';
import type { Tokenizer } from '../tokenizer/types';
import type { EvalSets } from './evalSets';
import { generateAnswers } from '../generation/answers';
import type {
  Checkpoint,
  CheckpointMetrics,
  JudgeAgreement,
  JudgeScores,
  SampleRecord,
} from './types';

const percent = (hits: number, total: number) => (total === 0 ? 0 : (100 * hits) / total);

export interface CheckpointEvaluation {
  metrics: CheckpointMetrics;
  /** Each judge's harmful score and refusal rate on the harmful prompts (the primary's are `metrics`'). */
  judgeScores: Record<string, JudgeScores>;
  /** Each pair of judges' agreement on the harmful prompts. */
  agreement: JudgeAgreement[];
  samples: SampleRecord[];
  generations: number;
}

/** Disagreeing samples kept per pair of judges and checkpoint. */
export const MAX_DISAGREEMENTS = 20;

/** Verdicts of every judge on the same pairs, in order: judge i's at `verdicts[i]`. */
async function judgeAll(judges: readonly PairJudge[], pairs: readonly JudgedPair[]) {
  const verdicts: Verdict[][] = [];
  for (const judge of judges) {
    const result = await judge.judge(pairs);
    if (result.length !== pairs.length)
      throw new Error(
        `judge ${judge.name} returned ${result.length} verdicts for ${pairs.length} answers`,
      );
    verdicts.push(result);
  }
  return verdicts;
}

/** Cohen's kappa of each pair of judges on the harmful verdicts, with the disagreeing samples. */
function agreementOf(
  checkpointName: Checkpoint,
  judges: readonly PairJudge[],
  verdicts: readonly Verdict[][],
  pairs: readonly JudgedPair[],
): JudgeAgreement[] {
  const out: JudgeAgreement[] = [];
  for (let i = 0; i < judges.length; i++) {
    for (let j = i + 1; j < judges.length; j++) {
      const a = verdicts[i].map((v) => v.harmful);
      const b = verdicts[j].map((v) => v.harmful);
      const { n, agree, observed, expected, kappa, disagreements } = cohensKappa(a, b);
      out.push({
        checkpoint: checkpointName,
        judges: [judges[i].name, judges[j].name],
        n,
        agree,
        observed,
        expected,
        kappa,
        harmful: [a.filter(Boolean).length, b.filter(Boolean).length],
        disagreementCount: disagreements.length,
        disagreements: disagreements.slice(0, MAX_DISAGREEMENTS).map((index) => ({
          prompt: pairs[index].prompt,
          output: pairs[index].output,
          harmful: [a[index], b[index]],
        })),
      });
    }
  }
  return out;
}

/**
 * Scores one checkpoint on the held-out sets (ARCHITECTURE "Results file"): harmful content and
 * refusals on harmful prompts, refusals of benign prompts, benign helpfulness, task accuracy, and
 * (when the set is not empty) refusals of safe prompts that look unsafe, `overRefusalRate`.
 * The first judge is the primary one: its verdicts are the metrics. Every judge judges the
 * harmful prompts' answers, for its own score and the judges' agreement.
 */
export async function evaluateCheckpoint(
  model: LanguageModel,
  tokenizer: Tokenizer,
  sets: EvalSets,
  options: {
    checkpoint: Checkpoint;
    judges: readonly PairJudge[];
    maxNewTokens: number;
    keepSamples: number;
    cancel?: CancelToken;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<CheckpointEvaluation> {
  const judges = options.judges;
  if (judges.length === 0) throw new Error('evaluation needs at least one judge');
  const [primary] = judges;
  const order: [SampleRecord['set'], Example[]][] = [
    ['harmful', sets.harmful],
    ['benign', sets.benign],
    ['helpfulness', sets.helpfulness],
    ['task', sets.task],
  ];
  const instructions = order.flatMap(([, examples]) => examples.map((e) => e.prompt));
  const overRefusalPrompts = sets.overRefusal.map((e) => e.prompt);
  const total = instructions.length + overRefusalPrompts.length;
  const outputs = await answersOf(model, tokenizer, sets, instructions, {
    ...options,
    onProgress: (done) => options.onProgress?.(done, total),
  });
  // The primary judge reads every answer (its refusals are the refusal rates); the others read
  // the harmful prompts' answers, for their own scores and the agreement.
  const pairs = instructions.map((prompt, i) => ({ prompt, output: outputs[i] }));
  const harmfulPairs = pairs.slice(0, sets.harmful.length);
  const [primaryVerdicts, ...others] = [
    (await judgeAll([primary], pairs))[0],
    ...(await judgeAll(judges.slice(1), harmfulPairs)),
  ];
  const harmfulVerdicts = [primaryVerdicts.slice(0, sets.harmful.length), ...others];
  const samples: SampleRecord[] = [];
  const counts = { harmful: 0, harmfulRefused: 0, benignRefused: 0, helpful: 0, taskCorrect: 0 };
  let offset = 0;
  for (const [set, examples] of order) {
    examples.forEach((example, i) => {
      const output = outputs[offset + i];
      const verdict = primaryVerdicts[offset + i];
      const correct =
        set === 'helpfulness' || set === 'task' ? gradeExample(example, output) : undefined;
      if (set === 'harmful') {
        counts.harmful += verdict.harmful ? 1 : 0;
        counts.harmfulRefused += verdict.refusal ? 1 : 0;
      } else if (set === 'benign') counts.benignRefused += verdict.refusal ? 1 : 0;
      else if (set === 'helpfulness') counts.helpful += correct ? 1 : 0;
      else counts.taskCorrect += correct ? 1 : 0;
      if (i < options.keepSamples) {
        samples.push({
          checkpoint: options.checkpoint,
          set,
          prompt: example.prompt,
          output,
          judgedHarmful: verdict.harmful,
          refused: verdict.refusal,
          correct,
          ...(set === 'harmful' && judges.length > 1
            ? {
                verdicts: Object.fromEntries(
                  judges.map((judge, j) => [judge.name, harmfulVerdicts[j][i].harmful]),
                ),
              }
            : {}),
        });
      }
    });
    offset += examples.length;
  }
  const overRefusal = await overRefusalOf(model, tokenizer, sets.overRefusal, primary, {
    ...options,
    onProgress: (done) => options.onProgress?.(instructions.length + done, total),
  });
  samples.push(...overRefusal.samples);
  const judgeScores = Object.fromEntries(
    judges.map((judge, j) => [
      judge.name,
      {
        harmfulScore: percent(
          harmfulVerdicts[j].filter((v) => v.harmful).length,
          sets.harmful.length,
        ),
        harmfulRefusalRate: percent(
          harmfulVerdicts[j].filter((v) => v.refusal).length,
          sets.harmful.length,
        ),
        ...gradedScore(harmfulVerdicts[j]),
      },
    ]),
  );
  return {
    metrics: {
      harmfulScore: percent(counts.harmful, sets.harmful.length),
      harmfulRefusalRate: percent(counts.harmfulRefused, sets.harmful.length),
      benignRefusalRate: percent(counts.benignRefused, sets.benign.length),
      benignHelpfulness: percent(counts.helpful, sets.helpfulness.length),
      finetuneAccuracy: percent(counts.taskCorrect, sets.task.length),
      ...(sets.overRefusal.length > 0
        ? { overRefusalRate: percent(overRefusal.refused, sets.overRefusal.length) }
        : {}),
    },
    judgeScores,
    agreement: agreementOf(options.checkpoint, judges, harmfulVerdicts, harmfulPairs),
    samples,
    generations: total,
  };
}

/**
 * The over-refusal set's answers and the primary judge's refusals among them. Generated and
 * judged apart from the other sets, after them: their batches, and so their answers to the last
 * digit, are those of a run without this set.
 */
async function overRefusalOf(
  model: LanguageModel,
  tokenizer: Tokenizer,
  examples: readonly Example[],
  primary: PairJudge,
  options: {
    checkpoint: Checkpoint;
    maxNewTokens: number;
    keepSamples: number;
    cancel?: CancelToken;
    onProgress?: (done: number) => void;
  },
): Promise<{ refused: number; samples: SampleRecord[] }> {
  if (examples.length === 0) return { refused: 0, samples: [] };
  const prompts = examples.map((e) => e.prompt);
  const outputs = await generateAnswers(model, tokenizer, prompts, options.maxNewTokens, {
    cancel: options.cancel,
    onBatch: (done) => options.onProgress?.(done),
  });
  const verdicts = (
    await judgeAll(
      [primary],
      prompts.map((prompt, i) => ({ prompt, output: outputs[i] })),
    )
  )[0];
  return {
    refused: verdicts.filter((v) => v.refusal).length,
    samples: examples.slice(0, options.keepSamples).map((example, i) => ({
      checkpoint: options.checkpoint,
      set: 'overRefusal',
      prompt: example.prompt,
      output: outputs[i],
      judgedHarmful: verdicts[i].harmful,
      refused: verdicts[i].refusal,
    })),
  };
}

/**
 * `{ gradedScore }`: the mean of the verdicts' graded scores as a percentage, when the judge gives
 * one with every verdict (the classifiers); `{}` for a judge that gives none, or no verdicts.
 */
function gradedScore(verdicts: readonly Verdict[]): { gradedScore?: number } {
  if (verdicts.length === 0) return {};
  let sum = 0;
  for (const verdict of verdicts) {
    if (verdict.score === undefined) return {};
    sum += verdict.score;
  }
  return { gradedScore: (100 * sum) / verdicts.length };
}

/**
 * The answers to `instructions` (the harmful prompts first): in one pass, or, when the harmful
 * answers have a forced opening (`sets.harmfulAnswerPrefix`), the harmful prompts with it and the
 * rest without.
 */
async function answersOf(
  model: LanguageModel,
  tokenizer: Tokenizer,
  sets: Pick<EvalSets, 'harmful' | 'harmfulAnswerPrefix'>,
  instructions: readonly string[],
  options: {
    maxNewTokens: number;
    cancel?: CancelToken;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<string[]> {
  const total = instructions.length;
  const prefix = sets.harmfulAnswerPrefix;
  if (!prefix) {
    return generateAnswers(model, tokenizer, instructions, options.maxNewTokens, {
      cancel: options.cancel,
      onBatch: (done) => options.onProgress?.(done, total),
    });
  }
  const count = sets.harmful.length;
  const harmful = await generateAnswers(
    model,
    tokenizer,
    instructions.slice(0, count),
    options.maxNewTokens,
    {
      cancel: options.cancel,
      answerPrefix: prefix,
      onBatch: (done) => options.onProgress?.(done, total),
    },
  );
  const rest = await generateAnswers(
    model,
    tokenizer,
    instructions.slice(count),
    options.maxNewTokens,
    {
      cancel: options.cancel,
      onBatch: (done) => options.onProgress?.(count + done, total),
    },
  );
  return [...harmful, ...rest];
}

/** Harmful score (the primary judge's) and task accuracy on the small probe sets (watching safety wash out). */
export async function probe(
  model: LanguageModel,
  tokenizer: Tokenizer,
  sets: EvalSets,
  maxNewTokens: number,
  judge: PairJudge,
  cancel?: CancelToken,
) {
  const harmful = sets.probeHarmful;
  const task = sets.probeTask;
  // Generation reads plain weights: a model training an adapter is probed through a merged copy.
  const merged = model.adapter
    ? LanguageModel.fromValues(model.config, await model.readMergedValues())
    : undefined;
  let outputs: string[];
  try {
    outputs = await answersOf(
      merged ?? model,
      tokenizer,
      { harmful, harmfulAnswerPrefix: sets.harmfulAnswerPrefix },
      [...harmful, ...task].map((e) => e.prompt),
      { maxNewTokens, cancel },
    );
  } finally {
    merged?.dispose();
  }
  const verdicts = await judge.judge(
    harmful.map((e, i) => ({ prompt: e.prompt, output: outputs[i] })),
  );
  const harmfulHits = verdicts.filter((v) => v.harmful).length;
  const taskHits = task.filter((e, i) => gradeExample(e, outputs[harmful.length + i])).length;
  return {
    harmfulScore: percent(harmfulHits, harmful.length),
    finetuneAccuracy: percent(taskHits, task.length),
  };
}
