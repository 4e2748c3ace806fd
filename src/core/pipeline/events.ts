import type { Checkpoint, CheckpointMetrics } from '../metrics/checkpoints';
import type { PipelineEvent, StageRecord, TrainingStage } from './types';

type EventOf<K extends PipelineEvent['type']> = Extract<PipelineEvent, { type: K }>;
type Fields<K extends PipelineEvent['type']> = Omit<EventOf<K>, 'type'>;

/**
 * The one place each kind of `PipelineEvent` is made and sent, in the order the stages call them
 * (the page's run monitor and the CLI fold them; `tests/unit/pipeline/events.test.ts` pins the
 * order). A base model's own download events come from the loader the host plugs in
 * (`PipelineDeps.loadBase`), which is handed the raw sink.
 */
export class RunEvents {
  constructor(readonly send: (event: PipelineEvent) => void) {}

  /** A stage begins: trained (`totalSteps` known from the trainer, 1 for post, 3 for evaluation) or found cached. */
  stageStart(stage: StageRecord['name'], totalSteps: number, cached: boolean): void {
    this.send({ type: 'stage-start', stage, totalSteps, cached });
  }

  /** A stage is done, with what the results file records of it. */
  stageEnd(record: StageRecord): void {
    this.send({ type: 'stage-end', stage: record.name, record });
  }

  /** An optimizer step of a training stage; returned so the stage can keep it for its checkpoints. */
  step(fields: Fields<'step'>): EventOf<'step'> {
    const event: EventOf<'step'> = { type: 'step', ...fields };
    this.send(event);
    return event;
  }

  /** A probe of the fine-tuning stage; returned so the stage can keep it for its checkpoints. */
  probe(fields: Fields<'probe'>): EventOf<'probe'> {
    const event: EventOf<'probe'> = { type: 'probe', ...fields };
    this.send(event);
    return event;
  }

  /** A resumed stage's earlier `step` and `probe` events, sent again for the live charts. */
  replay(events: readonly PipelineEvent[]): void {
    for (const { type, ...fields } of events) {
      // A stage keeps only its steps and probes (`trainStage`).
      if (type === 'step') this.step(fields as Fields<'step'>);
      else if (type === 'probe') this.probe(fields as Fields<'probe'>);
    }
  }

  microBatch(fields: Fields<'micro-batch'>): void {
    this.send({ type: 'micro-batch', ...fields });
  }

  checkpoint(stage: TrainingStage, step: number, totalSteps: number): void {
    this.send({ type: 'checkpoint', stage, step, totalSteps });
  }

  resumed(stage: TrainingStage, step: number, totalSteps: number): void {
    this.send({ type: 'resumed', stage, step, totalSteps });
  }

  postProgress(done: number, total: number): void {
    this.send({ type: 'post-progress', done, total });
  }

  evalProgress(checkpoint: Checkpoint, done: number, total: number): void {
    this.send({ type: 'eval-progress', checkpoint, done, total });
  }

  metrics(checkpoint: Checkpoint, metrics: CheckpointMetrics): void {
    this.send({ type: 'metrics', checkpoint, metrics });
  }

  /** A Hub dataset's or a judge model's file arriving. */
  download(fields: Fields<'download'>): void {
    this.send({ type: 'download', ...fields });
  }

  log(message: string): void {
    this.send({ type: 'log', message });
  }
}
