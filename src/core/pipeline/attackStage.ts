/**
 * The attack's part in a run (`methods/attack/`): the fine-tuning set of a `data` attack, the
 * weight edit of a `weights` attack (both inside the fine-tuning stage, whose output is the
 * attacked model), and the harmful prompts as an `evaluation` attack puts them.
 */
import type { LoadedAttack } from '../methods/attack/registry';
import type { Example } from '../data/types';
import type { LanguageModel } from '../model/languageModel';
import type { RunContext } from './context';
import type { EvalSets } from './evalSets';
import type { StageResume } from './resume';
import { finetuneMix } from './stageData';
import { trainStage, type AfterStep } from './trainStage';
import type { StageRecord } from './types';

/**
 * The fine-tuning set: a `data` attack's own, else p-mixing's at `finetune.poisonRatio` (what an
 * attack without a data phase fine-tunes on, `harmful-mix`'s set).
 */
export async function attackFinetuneExamples(
  run: RunContext,
  attack: LoadedAttack,
  aligned: Map<string, Float32Array>,
): Promise<Example[]> {
  const { config, data } = run;
  const build = attack.impl.finetuneExamples;
  if (!attack.meta.phases.includes('data') || !build) return finetuneMix(config, data).examples;
  return build({
    config,
    params: config.attack.params,
    data,
    mix: (poisonRatio) =>
      finetuneMix({ ...config, finetune: { ...config.finetune, poisonRatio } }, data),
    tokenizer: run.tokenizer,
    modelConfig: run.modelConfig,
    aligned,
    cancel: run.cancel,
    // Scoring before training can take a while (benign-outliers): say when it starts and ends.
    onProgress: (done, total) => {
      if (done === 1) run.events.log(`${config.attack.method}: scoring ${total} examples`);
      if (done === total) run.events.log(`${config.attack.method}: scored ${total} examples`);
    },
  });
}

/**
 * The fine-tuning stage's work under the attack: training on the attack's set (unless the attack
 * needs none), then its weight edit.
 */
export async function attackedFinetune(
  run: RunContext,
  attack: LoadedAttack,
  model: LanguageModel,
  aligned: Map<string, Float32Array>,
  resume: StageResume | undefined,
  afterStep: AfterStep,
): Promise<Partial<StageRecord>> {
  const { config, events } = run;
  let record: Partial<StageRecord> = { steps: 0, tokens: 0 };
  if (attack.meta.trains) {
    const examples = await attackFinetuneExamples(run, attack, aligned);
    record = await trainStage(run, model, 'finetune', examples, aligned, resume, afterStep);
  } else {
    events.stageStart('finetune', 1, false);
    events.log(`${config.attack.method}: no fine-tuning; the attack edits the aligned weights`);
  }
  const edit = attack.impl.editWeights;
  if (attack.meta.phases.includes('weights') && edit) {
    await edit({
      model,
      config,
      params: config.attack.params,
      data: run.data,
      tokenizer: run.tokenizer,
      cancel: run.cancel,
    });
  }
  return record;
}

/**
 * The evaluation sets as an `evaluation` attack puts the harmful prompts (probes included): each
 * in its format, and/or with the answer's forced opening. Other attacks leave them as they are.
 */
export function attackedEvalSets(
  sets: EvalSets,
  attack: LoadedAttack,
  params: Record<string, unknown>,
): EvalSets {
  if (!attack.meta.phases.includes('evaluation')) return sets;
  const { harmfulPrompt, answerPrefix } = attack.impl;
  const harmful = harmfulPrompt
    ? sets.harmful.map((example) => ({ ...example, prompt: harmfulPrompt(example.prompt, params) }))
    : sets.harmful;
  return {
    ...sets,
    harmful,
    probeHarmful: harmful.slice(0, sets.probeHarmful.length),
    ...(answerPrefix ? { harmfulAnswerPrefix: answerPrefix(params) } : {}),
  };
}
