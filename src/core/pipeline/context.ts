import type { ExperimentConfig } from '../config/schema';
import type { DataSources } from '../data/sources';
import { downloadingJudges } from '../metrics/judgeNames';
import { createJudges, disposeJudges, type PairJudge } from '../metrics/judges';
import type { BaseModel } from '../model/base';
import type { ModelConfig } from '../model/config';
import type { CancelToken } from '../runtime/cancel';
import type { Tokenizer } from '../tokenizer/types';
import type { EvalSets } from './evalSets';
import type { RunEvents } from './events';
import type { PipelineDeps } from './ports';
import type { StageKeyContext } from './stageCache';
import type { StageRecord } from './types';

/** What every stage of one run reads, set up once by `runExperiment`. */
export interface RunContext {
  config: ExperimentConfig;
  deps: PipelineDeps;
  events: RunEvents;
  cancel?: CancelToken;
  now: () => number;
  base: BaseModel;
  modelConfig: ModelConfig;
  tokenizer: Tokenizer;
  /** `configHash(config)`: in the cache entries' and checkpoints' metadata and the results. */
  hash: string;
  data: DataSources;
  sets: EvalSets;
  keyContext: StageKeyContext;
  /** The stages' records so far, in order (the results file's `stages`). */
  stages: StageRecord[];
  /** The run's judges, created when first needed (a probe, or the evaluation). */
  judges: () => Promise<PairJudge[]>;
}

/** The run's judges, created on the first `get` and disposed by `dispose` (if they were). */
export function lazyJudges(
  config: ExperimentConfig,
  deps: Pick<PipelineDeps, 'judgeEnvironment'>,
  events: RunEvents,
): { get: () => Promise<PairJudge[]>; dispose: () => Promise<void> } {
  let judges: Promise<PairJudge[]> | undefined;
  return {
    get: () => {
      judges ??= (() => {
        const environment = deps.judgeEnvironment;
        const downloading = downloadingJudges(config.evaluation.judges);
        if (!environment && downloading.length > 0) {
          return Promise.reject(
            new Error(
              `the ${downloading.join(' and ')} judge needs a Hub endpoint to load its model from`,
            ),
          );
        }
        return createJudges(config.evaluation.judges, {
          endpoint: '',
          ...environment,
          classifier: config.evaluation.classifier,
          refusalClassifier: config.evaluation.refusalClassifier,
          onDownload: (progress) => events.download(progress),
        });
      })();
      return judges;
    },
    dispose: async () => {
      if (judges) await disposeJudges(await judges.catch(() => []));
    },
  };
}

/** Records a finished stage and reports it. */
export function finishStage(run: RunContext, record: StageRecord): void {
  run.stages.push(record);
  run.events.stageEnd(record);
}
