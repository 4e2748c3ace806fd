/**
 * What the run monitor shows, folded from the pipeline's events: per stage a status, step counts
 * and timings (for progress bars and ETA), a Hub base model's download, the loss curve, the
 * probes and each checkpoint's metrics as they arrive.
 */
import type {
  Checkpoint,
  CheckpointMetrics,
  PipelineEvent,
  StageRecord,
} from '../core/pipeline/types';
import { CHECKPOINTS } from '../core/pipeline/types';
import { describeMicroBatch } from '../core/train/microBatch';
import { recordDownload, type DownloadState } from './downloadProgress';

export type StageName = StageRecord['name'];
/** `stopped`: the run failed or was cancelled while the stage was in progress. */
export type StageStatus = 'pending' | 'running' | 'cached' | 'done' | 'stopped';

export interface StageProgress {
  name: StageName;
  label: string;
  status: StageStatus;
  /** Work done and total, in the stage's unit (optimizer steps, generations). */
  done: number;
  total: number;
  unit: string;
  startedAt?: number;
  endedAt?: number;
  /** The checkpoint being evaluated (evaluation stage only). */
  checkpoint?: Checkpoint;
  /** A training stage that went on from an interrupted run's checkpoint: the step it resumed at. */
  resumedAt?: number;
  /** The last training checkpoint written (a reload goes on from this step). */
  savedAt?: number;
}

export interface LossPoint {
  stage: 'alignment' | 'finetune';
  step: number;
  loss: number;
}

export interface ProbePoint {
  step: number;
  harmfulScore: number;
  finetuneAccuracy: number;
}

const STAGE_LABELS: Record<StageName, string> = {
  alignment: 'Alignment',
  finetune: 'Fine-tuning',
  post: 'Post-fine-tuning',
  evaluation: 'Evaluation',
};

export class RunProgress {
  stages = $state<StageProgress[]>(
    (['alignment', 'finetune', 'post', 'evaluation'] as const).map((name) => ({
      name,
      label: STAGE_LABELS[name],
      status: 'pending',
      done: 0,
      total: 0,
      unit: name === 'evaluation' ? 'generations' : 'steps',
    })),
  );
  losses = $state<LossPoint[]>([]);
  probes = $state<ProbePoint[]>([]);
  metrics = $state<Partial<Record<Checkpoint, CheckpointMetrics>>>({});
  log = $state<string[]>([]);
  /** One per Hub repo the run downloads (its base model), in the order they started. */
  downloads = $state<DownloadState[]>([]);
  /**
   * True from a download event until the pipeline moves on (any stage event): a total that stays
   * unknown never says by itself that the download is over.
   */
  downloading = $state(false);
  #evalDone: Partial<Record<Checkpoint, { done: number; total: number }>> = {};

  /** `task`: the run's `finetune.task`, so the charts can draw its chance level. */
  constructor(
    readonly startedAt: number,
    readonly task?: string,
  ) {
    // Training stages announce themselves with their first step: until then the next stage is
    // shown as preparing (loading, building batches, compiling GPU kernels).
    this.stages[0].status = 'running';
    this.stages[0].startedAt = startedAt;
  }

  apply(event: PipelineEvent, now: number): void {
    if (event.type !== 'download' && event.type !== 'log') this.downloading = false;
    switch (event.type) {
      case 'stage-start': {
        const stage = this.#stage(event.stage);
        stage.status = event.cached ? 'cached' : 'running';
        stage.startedAt ??= now;
        if (event.stage !== 'evaluation') stage.total = event.totalSteps;
        break;
      }
      case 'step': {
        const stage = this.#stage(event.stage);
        stage.done = event.step;
        stage.total = event.totalSteps;
        this.losses.push({ stage: event.stage, step: event.step, loss: event.loss });
        break;
      }
      case 'resumed': {
        const stage = this.#stage(event.stage);
        stage.status = 'running';
        stage.resumedAt = event.step;
        // Its time and pace (the ETA) count from here: the steps before were trained earlier.
        stage.startedAt = now;
        stage.savedAt = event.step;
        stage.total = event.totalSteps;
        break;
      }
      case 'checkpoint':
        this.#stage(event.stage).savedAt = event.step;
        break;
      case 'probe':
        this.probes.push({
          step: event.step,
          harmfulScore: event.harmfulScore,
          finetuneAccuracy: event.finetuneAccuracy,
        });
        break;
      case 'post-progress': {
        const stage = this.#stage('post');
        stage.done = event.done;
        stage.total = event.total;
        break;
      }
      case 'eval-progress': {
        this.#evalDone[event.checkpoint] = { done: event.done, total: event.total };
        const stage = this.#stage('evaluation');
        stage.checkpoint = event.checkpoint;
        // Checkpoints not reached yet are assumed as large as the current one.
        const totals = CHECKPOINTS.map((c) => this.#evalDone[c]?.total ?? event.total);
        stage.total = totals.reduce((a, b) => a + b, 0);
        stage.done = CHECKPOINTS.reduce((sum, c) => sum + (this.#evalDone[c]?.done ?? 0), 0);
        break;
      }
      case 'stage-end': {
        const stage = this.#stage(event.stage);
        stage.status = event.record.cached ? 'cached' : 'done';
        stage.endedAt = now;
        if (stage.total > 0) stage.done = stage.total;
        const next = this.stages.find((s) => s.status === 'pending');
        if (next) {
          next.status = 'running';
          next.startedAt = now;
        }
        break;
      }
      case 'metrics':
        this.metrics[event.checkpoint] = event.metrics;
        break;
      case 'download': {
        const index = this.downloads.findIndex((d) => d.repo === event.repo);
        const next = recordDownload(index === -1 ? null : this.downloads[index], event, now);
        if (index === -1) this.downloads.push(next);
        else this.downloads[index] = next;
        this.downloading = true;
        break;
      }
      case 'log':
        this.log.push(event.message);
        break;
      case 'micro-batch':
        this.log.push(`${event.stage}: ${describeMicroBatch(event)}`);
        break;
      default: {
        // Every event the pipeline sends is handled above: a new one fails to compile here.
        const unhandled: never = event;
        void unhandled;
      }
    }
  }

  /**
   * The run ended without finishing (failed, cancelled): the stage in progress stops where it was,
   * so it no longer says it is preparing or running, and a download in flight is over.
   */
  halt(now: number): void {
    this.downloading = false;
    for (const stage of this.stages) {
      if (stage.status !== 'running') continue;
      stage.status = 'stopped';
      stage.endedAt = now;
    }
  }

  #stage(name: StageName): StageProgress {
    const stage = this.stages.find((s) => s.name === name);
    if (!stage) throw new Error(`unknown stage ${name}`);
    return stage;
  }
}

/** Fraction of a stage done, 0..1 (a finished or cached stage is 1). */
export function stageFraction(stage: StageProgress): number {
  if (stage.status === 'done' || stage.status === 'cached') return 1;
  return stage.total > 0 ? Math.min(1, stage.done / stage.total) : 0;
}

/** Seconds spent in a stage so far. */
export function stageElapsed(stage: StageProgress, now: number): number {
  if (stage.startedAt === undefined) return 0;
  return ((stage.endedAt ?? now) - stage.startedAt) / 1000;
}

/** Seconds left at the stage's average pace so far; undefined before the first unit of work. */
export function stageEta(stage: StageProgress, now: number): number | undefined {
  // A resumed stage's pace counts only the steps trained since it resumed.
  const done = stage.done - (stage.resumedAt ?? 0);
  if (stage.status !== 'running' || done <= 0 || stage.total <= 0) return undefined;
  const elapsed = stageElapsed(stage, now);
  return (elapsed / done) * Math.max(0, stage.total - stage.done);
}

/** "42 s", "3 min 05 s", "1 h 02 min". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** "1 step", "2 steps", "1 generation": a count with its unit, singular for one. */
export function countOf(count: number, unit: string): string {
  const singular = unit.endsWith('s') ? unit.slice(0, -1) : unit;
  return `${count} ${count === 1 ? singular : unit}`;
}
