/**
 * The leaderboard of a sweep: one row per run (method × setting) with the post-fine-tuning
 * checkpoint's harmful score, fine-tuning accuracy and refusal rate, the fine-tuned checkpoint's
 * for reference, and time. Exported as JSON (the rows and the sweep they came from) and CSV.
 */
import { canonicalJSON, stageKeyMaterial } from '../config/canonical';
import type { ExperimentConfig, Stage } from '../config/schema';
import type { ResultsFile, StageRecord } from '../pipeline/types';
import { STAGES } from '../config/schema';
import { describeCoordinates, type FieldValue, type SweepRun, type SweepSpec } from './spec';

export const LEADERBOARD_SCHEMA_VERSION = 1;

export interface LeaderboardRow {
  index: number;
  /** The variant label of a `method` axis, else the non-baseline methods of the config. */
  method: string;
  /** The run's coordinates on the other axes, e.g. `{ p: 0.1, lr: 0.001 }`. */
  setting: Record<string, FieldValue>;
  configHash: string;
  /** Post checkpoint (the model the user ends up with), in percent. */
  harmfulScore: number;
  finetuneAccuracy: number;
  harmfulRefusalRate: number;
  benignHelpfulness: number;
  /** The same scores before the post-fine-tuning stage. */
  finetunedHarmfulScore: number;
  finetunedAccuracy: number;
  /**
   * Seconds to train this run's three stages, each counted as measured when it was trained —
   * also when this run found it cached (the cache records the time, and so does the run of the
   * sweep that trained it). `null` when neither knows (a stage cached by an older lab version).
   */
  trainSeconds: number | null;
  /** Wall seconds of this run as it happened (cached stages cost ~0) including evaluation. */
  runSeconds: number;
  cachedStages: Stage[];
}

export interface Leaderboard {
  schemaVersion: 1;
  sweep: SweepSpec;
  /** Column names of `setting`, in axis order. */
  settingColumns: string[];
  rows: LeaderboardRow[];
  /** Runs that failed, with the reason. */
  failures: { index: number; coordinates: Record<string, FieldValue>; error: string }[];
}

const BASELINE: Record<Stage, string> = { alignment: 'sft', finetune: 'sft', post: 'none' };

/** `vaccine`, `lisa + antidote`, or `sft (no defense)`: the stages whose method is not the baseline. */
export function methodLabel(config: ExperimentConfig): string {
  const used = STAGES.filter((stage) => config[stage].method !== BASELINE[stage]).map(
    (stage) => config[stage].method,
  );
  return used.length > 0 ? used.join(' + ') : 'sft (no defense)';
}

/** Builds the leaderboard from the runs that finished (results by run index) and those that failed. */
export function buildLeaderboard(
  spec: SweepSpec,
  runs: readonly SweepRun[],
  results: ReadonlyMap<number, ResultsFile>,
  failures: ReadonlyMap<number, string> = new Map(),
): Leaderboard {
  const methodAxis = spec.axes.find((axis) => 'variants' in axis && axis.name === 'method');
  const methodColumn = methodAxis && 'name' in methodAxis ? methodAxis.name : undefined;
  const settingColumns = runs.length
    ? Object.keys(runs[0].coordinates).filter((name) => name !== methodColumn)
    : [];

  // Seconds of each stage as trained, by the stage's key material, from the runs that trained it.
  const trained = new Map<string, number>();
  for (const run of runs) {
    const file = results.get(run.index);
    if (!file) continue;
    for (const record of file.stages) {
      if (record.name !== 'evaluation' && !record.cached) {
        trained.set(stageId(run.config, record.name), record.seconds);
      }
    }
  }

  const rows: LeaderboardRow[] = [];
  for (const run of runs) {
    const file = results.get(run.index);
    if (!file) continue;
    const setting: Record<string, FieldValue> = {};
    for (const name of settingColumns) setting[name] = run.coordinates[name];
    const trainingRecords = file.stages.filter(
      (r): r is StageRecord & { name: Stage } => r.name !== 'evaluation',
    );
    let trainSeconds: number | null = 0;
    for (const record of trainingRecords) {
      const seconds = record.cached
        ? (trained.get(stageId(run.config, record.name)) ?? record.trainedSeconds)
        : record.seconds;
      trainSeconds = seconds === undefined || trainSeconds === null ? null : trainSeconds + seconds;
    }
    const post = file.metrics.post;
    const finetuned = file.metrics.finetuned;
    rows.push({
      index: run.index,
      method:
        methodColumn !== undefined
          ? String(run.coordinates[methodColumn])
          : methodLabel(run.config),
      setting,
      configHash: file.configHash,
      harmfulScore: post.harmfulScore,
      finetuneAccuracy: post.finetuneAccuracy,
      harmfulRefusalRate: post.harmfulRefusalRate,
      benignHelpfulness: post.benignHelpfulness,
      finetunedHarmfulScore: finetuned.harmfulScore,
      finetunedAccuracy: finetuned.finetuneAccuracy,
      trainSeconds: trainSeconds === null ? null : round(trainSeconds, 1),
      runSeconds: round(
        file.stages.reduce((sum, r) => sum + r.seconds, 0),
        1,
      ),
      cachedStages: trainingRecords.filter((r) => r.cached).map((r) => r.name),
    });
  }
  return {
    schemaVersion: LEADERBOARD_SCHEMA_VERSION,
    sweep: spec,
    settingColumns,
    rows,
    failures: runs
      .filter((run) => failures.has(run.index))
      .map((run) => ({
        index: run.index,
        coordinates: run.coordinates,
        error: failures.get(run.index) as string,
      })),
  };
}

const CSV_COLUMNS = [
  'harmful_score',
  'finetune_accuracy',
  'harmful_refusal_rate',
  'benign_helpfulness',
  'finetuned_harmful_score',
  'finetuned_accuracy',
  'train_seconds',
  'run_seconds',
  'cached_stages',
  'config_hash',
] as const;

/** RFC 4180 CSV: a header, then one line per row; fields quoted when they need it. */
export function leaderboardCsv(board: Leaderboard): string {
  const header = ['method', ...board.settingColumns, ...CSV_COLUMNS];
  const lines = [header.map(csvField).join(',')];
  for (const row of board.rows) {
    lines.push(
      [
        row.method,
        ...board.settingColumns.map((name) => row.setting[name]),
        row.harmfulScore,
        row.finetuneAccuracy,
        row.harmfulRefusalRate,
        row.benignHelpfulness,
        row.finetunedHarmfulScore,
        row.finetunedAccuracy,
        row.trainSeconds ?? '',
        row.runSeconds,
        row.cachedStages.join(' '),
        row.configHash,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** A fixed-width text table for the terminal (and the closing notes). */
export function leaderboardTable(board: Leaderboard): string {
  const header = [
    'method',
    ...board.settingColumns,
    'HS',
    'FA',
    'refusal',
    'HS ft',
    'FA ft',
    'train s',
  ];
  const body = board.rows.map((row) => [
    row.method,
    ...board.settingColumns.map((name) => String(row.setting[name])),
    row.harmfulScore.toFixed(1),
    row.finetuneAccuracy.toFixed(1),
    row.harmfulRefusalRate.toFixed(1),
    row.finetunedHarmfulScore.toFixed(1),
    row.finetunedAccuracy.toFixed(1),
    row.trainSeconds === null ? '?' : row.trainSeconds.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ');
  const out = [line(header), ...body.map(line)];
  for (const failure of board.failures) {
    out.push(
      `failed: run ${failure.index} (${describeCoordinates(failure.coordinates)}): ${failure.error}`,
    );
  }
  return out.join('\n');
}

function csvField(value: string | number | boolean): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function stageId(config: ExperimentConfig, stage: Stage): string {
  return `${stage}:${canonicalJSON(stageKeyMaterial(config, stage))}`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
