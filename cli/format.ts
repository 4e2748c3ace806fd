/**
 * What `run` prints: a progress line per stage start and end, step lines throttled to one every
 * few seconds, then the metrics table and the time each stage took.
 */
import { PRESET_NEED_LABELS, type Preset } from '../src/core/config/presets';
import type { DownloadEvent } from '../workers/protocol';
import { constantNote, describeKappa } from '../src/core/metrics/agreement';
import { countOf } from '../src/lib/runProgress.svelte';
import { METRIC_NAMES, OPTIONAL_METRIC_NAMES } from '../src/core/pipeline/resultsSchema';
import { describeMicroBatch } from '../src/core/train/microBatch';
import {
  CHECKPOINTS,
  type Checkpoint,
  type CheckpointMetrics,
  type JudgesReport,
  type PipelineEvent,
  type StageRecord,
} from '../src/core/pipeline/types';

export interface ProgressOptions {
  /** Milliseconds; a clock to inject in tests. */
  now?: () => number;
  /** At most one step (or evaluation-progress) line per this many ms. */
  stepIntervalMs?: number;
}

/** Turns pipeline events into progress lines, dropping step lines that come too often. */
export class ProgressPrinter {
  private readonly now: () => number;
  private readonly stepIntervalMs: number;
  private lastStepLine = -Infinity;
  /** The step a stage resumed at: its replayed step and probe events up to it are not printed. */
  private resumedAt: Partial<Record<string, number>> = {};

  constructor(
    private readonly write: (line: string) => void,
    options: ProgressOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.stepIntervalMs = options.stepIntervalMs ?? 3000;
  }

  handle(event: PipelineEvent): void {
    switch (event.type) {
      case 'stage-start':
        this.lastStepLine = -Infinity; // show each stage's first step at once
        this.write(stageStartLine(event.stage, event.totalSteps, event.cached));
        return;
      case 'stage-end':
        this.write(stageEndLine(event.record));
        return;
      case 'resumed':
        this.resumedAt[event.stage] = event.step;
        this.write(`resumed ${event.stage} at step ${event.step}/${event.totalSteps}`);
        return;
      case 'checkpoint':
        this.write(`[${event.stage}] checkpoint saved at step ${event.step}/${event.totalSteps}`);
        return;
      case 'micro-batch':
        this.write(`[${event.stage}] ${describeMicroBatch(event)}`);
        return;
      case 'step':
        if (event.step <= (this.resumedAt[event.stage] ?? 0)) return;
        this.throttled(
          () =>
            `[${event.stage}] step ${event.step}/${event.totalSteps} loss ${event.loss.toFixed(3)}`,
        );
        return;
      case 'eval-progress':
        this.throttled(() => `[evaluation] ${event.checkpoint} ${event.done}/${event.total}`);
        return;
      case 'post-progress':
        this.throttled(() => `[post] ${event.done}/${event.total}`);
        return;
      case 'probe':
        if (event.step <= (this.resumedAt[event.stage] ?? 0)) return;
        this.write(
          `[${event.stage}] probe at step ${event.step}: harmfulScore ${event.harmfulScore.toFixed(1)}, ` +
            `finetuneAccuracy ${event.finetuneAccuracy.toFixed(1)}`,
        );
        return;
      case 'log':
        this.write(`  ${event.message}`);
        return;
      case 'download': {
        const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
        const total = event.totalBytes === null ? '' : ` of ${mb(event.totalBytes)}`;
        const line = `[download] ${event.repo} ${event.file} ${mb(event.loadedBytes)}${total}`;
        if (event.totalBytes !== null && event.loadedBytes >= event.totalBytes) this.write(line);
        else this.throttled(() => line);
        return;
      }
      case 'metrics':
        return; // the table at the end shows them side by side
      default: {
        // Every pipeline event is handled above: a new one fails to compile here.
        const unhandled: never = event;
        void unhandled;
      }
    }
  }

  private throttled(line: () => string): void {
    const now = this.now();
    if (now - this.lastStepLine < this.stepIntervalMs) return;
    this.lastStepLine = now;
    this.write(line());
  }
}

const STAGE_UNITS: Record<StageRecord['name'], string> = {
  alignment: 'steps',
  finetune: 'steps',
  post: 'steps',
  evaluation: 'checkpoints',
};

export function stageStartLine(
  stage: StageRecord['name'],
  totalSteps: number,
  cached: boolean,
): string {
  if (cached) return `[${stage}] cached …`;
  return totalSteps > 0
    ? `[${stage}] ${countOf(totalSteps, STAGE_UNITS[stage])} …`
    : `[${stage}] …`;
}

export function stageEndLine(record: StageRecord): string {
  return `[${record.name}] done in ${seconds(record.seconds)} s${record.cached ? ' (cached)' : ''}`;
}

/**
 * Rows = the five metrics, then each optional one some checkpoint reports (`overRefusalRate`,
 * "—" where a checkpoint lacks it); columns = the three checkpoints, one decimal, right-aligned.
 */
export function formatMetricsTable(metrics: Record<Checkpoint, CheckpointMetrics>): string {
  const rows = METRIC_NAMES.map((metric) => [
    metric,
    ...CHECKPOINTS.map((checkpoint) => metrics[checkpoint][metric].toFixed(1)),
  ]);
  for (const metric of OPTIONAL_METRIC_NAMES) {
    const values = CHECKPOINTS.map((checkpoint) => metrics[checkpoint][metric]);
    if (values.some((value) => value !== undefined))
      rows.push([metric, ...values.map((value) => (value === undefined ? '—' : value.toFixed(1)))]);
  }
  return table(['metric', ...CHECKPOINTS], rows);
}

/**
 * The judges' harmful scores (rows = judges, columns = checkpoints) and, with two or more, one
 * agreement line per checkpoint and pair: `agreement aligned: refusal-keywords vs
 * moderation-classifier κ = 0.42 (moderate), 10/12 agree`.
 */
export function formatJudges(report: JudgesReport): string {
  const rows = report.names.map((name, i) => [
    `${name}${i === 0 ? ' (primary)' : ''}`,
    ...CHECKPOINTS.map(
      (checkpoint) => report.scores[checkpoint]?.[name]?.harmfulScore.toFixed(1) ?? '-',
    ),
  ]);
  const lines = [table(['judge: harmful score', ...CHECKPOINTS], rows)];
  for (const entry of report.agreement) {
    const kappa =
      entry.kappa === null
        ? 'undefined (both judges gave one verdict throughout)'
        : `${entry.kappa.toFixed(2)} (${describeKappa(entry.kappa)})`;
    lines.push(
      `agreement ${entry.checkpoint}: ${entry.judges[0]} vs ${entry.judges[1]} κ = ${kappa}, ${entry.agree}/${entry.n} agree${constantNote(entry)}`,
    );
  }
  return lines.join('\n');
}

/** One row per stage (seconds, cached), then the total. */
export function formatStageTable(stages: readonly StageRecord[]): string {
  const rows = stages.map((stage) => [
    stage.name,
    seconds(stage.seconds),
    stage.cached ? 'yes' : '',
  ]);
  const total = stages.reduce((sum, stage) => sum + stage.seconds, 0);
  return table(['stage', 'seconds', 'cached'], [...rows, ['total', seconds(total), '']]);
}

/** `name  description`, names padded to one column. */
export function formatPresetList(presets: readonly Preset[]): string {
  const width = Math.max(...presets.map((preset) => preset.name.length));
  return presets
    .map((preset) => {
      const needs = preset.needs?.length
        ? ` [${preset.needs.map((need) => PRESET_NEED_LABELS[need]).join(', ')}]`
        : '';
      return `${preset.name.padEnd(width)}  ${preset.description}${needs}`;
    })
    .join('\n');
}

function seconds(value: number): string {
  return value.toFixed(1);
}

/** First column left-aligned, the others right-aligned; no trailing spaces. */
function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column].length)));
  return all
    .map((row) =>
      row
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column]),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * What `generate` and `judge` print while a Hub model's files arrive: one `download:` line per
 * second at most, and always the line that completes the download.
 */
export function downloadReporter(
  now: () => number,
  write: (line: string) => void,
): (event: DownloadEvent) => void {
  let lastReport = -Infinity;
  const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  return (event) => {
    const at = now();
    const finished = event.totalBytes !== null && event.loadedBytes >= event.totalBytes;
    if (!finished && at - lastReport < 1000) return;
    lastReport = at;
    const total = event.totalBytes === null ? '' : ` of ${megabytes(event.totalBytes)}`;
    write(`download: ${event.file} ${megabytes(event.loadedBytes)}${total}`);
  };
}
