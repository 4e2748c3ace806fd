import type { Checkpoint, CheckpointMetrics } from '../metrics/checkpoints';
import type { PairJudge } from '../metrics/judges';
import { LanguageModel } from '../model/languageModel';
import { checkpoint } from '../runtime/cancel';
import { finishStage, type RunContext } from './context';
import { evaluateCheckpoint, probe } from './evaluate';
import { mergedValues, type StageOutput } from './stageCache';
import type { AfterStep } from './trainStage';
import type { JudgesReport, SampleRecord } from './types';

/** The fine-tuning stage's probes: every `evaluation.probeEvery` steps, scored by the primary judge. */
export function finetuneProbes(run: RunContext, model: LanguageModel): AfterStep {
  const { config, events } = run;
  const probeEvery = config.evaluation.probeEvery;
  return async (step, keep) => {
    if (probeEvery > 0 && step % probeEvery === 0) {
      const [primary] = await run.judges();
      const result = await probe(
        model,
        run.tokenizer,
        run.sets,
        config.evaluation.maxNewTokens,
        primary,
        run.cancel,
      );
      keep(events.probe({ stage: 'finetune', step, ...result }));
    }
  };
}

/** What the evaluation of the three checkpoints adds to the results file. */
export interface Evaluation {
  metrics: Record<Checkpoint, CheckpointMetrics>;
  samples: SampleRecord[];
  judges: JudgesReport;
}

/**
 * The evaluation stage: each checkpoint's weights (adapters merged in) generate answers to the
 * held-out prompts, which `judges` score; its metrics are reported as each checkpoint is done.
 */
export async function runEvaluation(
  run: RunContext,
  outputs: Record<Checkpoint, StageOutput>,
  judges: readonly PairJudge[],
): Promise<Evaluation> {
  const { events, now, modelConfig } = run;
  const started = now();
  events.stageStart('evaluation', 3, false);
  const metrics = {} as Record<Checkpoint, CheckpointMetrics>;
  const scores = {} as JudgesReport['scores'];
  const agreement: JudgesReport['agreement'] = [];
  const samples: SampleRecord[] = [];
  let generations = 0;
  for (const name of ['aligned', 'finetuned', 'post'] as const) {
    await checkpoint(run.cancel);
    const result = await evaluateWeights(
      run,
      mergedValues(modelConfig, outputs[name]),
      name,
      judges,
    );
    metrics[name] = result.metrics;
    scores[name] = result.judgeScores;
    agreement.push(...result.agreement);
    samples.push(...result.samples);
    generations += result.generations;
    events.metrics(name, result.metrics);
  }
  finishStage(run, {
    name: 'evaluation',
    cached: false,
    seconds: (now() - started) / 1000,
    steps: generations,
  });
  return {
    metrics,
    samples,
    judges: {
      names: judges.map((judge) => judge.name),
      details: Object.fromEntries(judges.map((judge) => [judge.name, { ...judge.details }])),
      scores,
      agreement,
    },
  };
}

async function evaluateWeights(
  run: RunContext,
  values: Map<string, Float32Array>,
  name: Checkpoint,
  judges: readonly PairJudge[],
) {
  const model = LanguageModel.fromValues(run.modelConfig, values);
  try {
    return await evaluateCheckpoint(model, run.tokenizer, run.sets, {
      checkpoint: name,
      judges,
      maxNewTokens: run.config.evaluation.maxNewTokens,
      keepSamples: run.config.evaluation.keepSamples,
      cancel: run.cancel,
      onProgress: (done, total) => run.events.evalProgress(name, done, total),
    });
  } finally {
    model.dispose();
  }
}
