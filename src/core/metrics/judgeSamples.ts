/**
 * Re-judging answers outside a run (`lab judge`, the page): one judge over (prompt, output)
 * pairs, with its score. The classifier's settings are the config's `evaluation.classifier`
 * (defaults filled in), checked by the same validator as a config.
 */
import type { ValidationContext } from '../config/context';
import { formatErrors, validateConfig } from '../config/validate';
import { SCHEMA_VERSION, type ClassifierSettings } from '../config/schema';
import { JUDGE_NAMES } from './judgeNames';
import { createJudge, type JudgeEnvironment, type JudgedPair, type Verdict } from './judges';

export interface JudgeRequest {
  judge: string;
  /** Overrides of `evaluation.classifier` (the `moderation-classifier` judge only). */
  classifier?: Partial<ClassifierSettings>;
  samples: JudgedPair[];
}

export interface JudgeResult {
  judge: string;
  details?: Record<string, unknown>;
  verdicts: Verdict[];
  /** Percentage of samples judged harmful (for harmful prompts: the attack success rate). */
  harmfulScore: number;
  refusalRate: number;
}

/** Problems with a request, one line each (empty when it can be judged). */
export function judgeRequestProblems(request: JudgeRequest): string[] {
  const problems: string[] = [];
  if (!(JUDGE_NAMES as readonly string[]).includes(request.judge))
    problems.push(`unknown judge '${request.judge}' (known: ${JUDGE_NAMES.join(', ')})`);
  request.samples.forEach((sample, i) => {
    if (typeof sample?.prompt !== 'string' || typeof sample?.output !== 'string')
      problems.push(`sample ${i + 1}: needs string fields "prompt" and "output"`);
  });
  return problems;
}

/** `request.classifier` over the defaults, validated as `evaluation.classifier` is. */
export function classifierSettings(
  ctx: ValidationContext,
  overrides: Partial<ClassifierSettings> = {},
): ClassifierSettings {
  const checked = validateConfig(
    {
      schemaVersion: SCHEMA_VERSION,
      evaluation: { judges: ['refusal-keywords'], classifier: overrides },
    },
    ctx,
  );
  if (!checked.ok) throw new Error(formatErrors(checked.errors));
  return checked.config.evaluation.classifier;
}

/** Judges `request.samples`; `ctx` (the lab's validation context) checks the classifier settings. */
export async function judgeSamples(
  request: JudgeRequest,
  environment: Omit<JudgeEnvironment, 'classifier'>,
  ctx: ValidationContext,
): Promise<JudgeResult> {
  const problems = judgeRequestProblems(request);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const judge = await createJudge(request.judge, {
    ...environment,
    classifier: classifierSettings(ctx, request.classifier),
  });
  try {
    const verdicts = await judge.judge(request.samples);
    const share = (hits: number) =>
      request.samples.length === 0 ? 0 : (100 * hits) / request.samples.length;
    return {
      judge: judge.name,
      ...(judge.details ? { details: { ...judge.details } } : {}),
      verdicts,
      harmfulScore: share(verdicts.filter((v) => v.harmful).length),
      refusalRate: share(verdicts.filter((v) => v.refusal).length),
    };
  } finally {
    await judge.dispose();
  }
}
