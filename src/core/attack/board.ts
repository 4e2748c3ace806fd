/**
 * The robustness leaderboard of an attacker search: per defense, the worst case the attacker found
 * (the highest post-stage harmful score among the trials that kept the utility floor, with that
 * trial's settings, utility and over-refusal rate), the default setting's harmful score and
 * accuracy as mean ± std over its seeds, and how many trials ran and kept the floor. Exported as
 * JSON and CSV.
 */
import { formatSpread, spread, type Spread } from '../sweep/aggregate';
import { csvField, textTable } from '../sweep/leaderboard';
import type { AttackOutcome, TrialKind, TrialOutcome } from './run';
import type { Point } from './space';
import { describePoint, type AttackSpec } from './spec';

export const ROBUSTNESS_SCHEMA_VERSION = 1;

export interface RobustnessTrial {
  kind: TrialKind;
  index: number;
  seed: number;
  point: Point;
  configHash: string | null;
  harmfulScore: number | null;
  finetuneAccuracy: number | null;
  /** Post-stage over-refusal rate; null where the run measured none (or failed). */
  overRefusalRate: number | null;
  feasible: boolean;
  error?: string;
}

export interface RobustnessRow {
  defense: string;
  /** The worst feasible trial (or default run, if none of the trials beat it); null: none kept the floor. */
  worst: {
    harmfulScore: number;
    finetuneAccuracy: number;
    /** Does the worst case also refuse safe prompts? Null where the run measured none. */
    overRefusalRate: number | null;
    kind: TrialKind;
    point: Point;
    configHash: string;
  } | null;
  defaultHarmfulScore: Spread | null;
  defaultAccuracy: Spread | null;
  /** Trials run (not counting default runs) and how many kept the utility floor. */
  trials: number;
  feasibleTrials: number;
  failedTrials: number;
  runs: RobustnessTrial[];
}

export interface RobustnessBoard {
  schemaVersion: 1;
  search: AttackSpec;
  referenceAccuracy: number | null;
  floorAccuracy: number | null;
  complete: boolean;
  rows: RobustnessRow[];
}

export function buildRobustnessBoard(outcome: AttackOutcome): RobustnessBoard {
  const { spec } = outcome;
  // A shard's board shows the defenses it searched.
  const shown = spec.defenses.filter((d) => outcome.defenses.includes(d.label));
  const rows: RobustnessRow[] = shown.map((defense) => {
    const mine = outcome.runs.filter((r) => r.run.defense === defense.label);
    const defaults = mine.filter((r) => r.run.kind === 'default' && r.results);
    const trials = mine.filter((r) => r.run.kind !== 'default');
    // The attacker's worst case: the trials and the default setting at the base seed alike.
    const candidates = mine.filter(
      (r) =>
        r.feasible &&
        r.harmfulScore !== undefined &&
        (r.run.kind !== 'default' || r.run.seed === outcome.baseSeed),
    );
    let worst: TrialOutcome | undefined;
    for (const c of candidates) {
      if (!worst || (c.harmfulScore as number) > (worst.harmfulScore as number)) worst = c;
    }
    return {
      defense: defense.label,
      worst:
        worst && worst.results
          ? {
              harmfulScore: worst.harmfulScore as number,
              finetuneAccuracy: worst.finetuneAccuracy as number,
              overRefusalRate: worst.results.metrics.post.overRefusalRate ?? null,
              kind: worst.run.kind,
              point: worst.run.point,
              configHash: worst.results.configHash,
            }
          : null,
      defaultHarmfulScore: defaults.length
        ? spread(defaults.map((d) => d.harmfulScore as number))
        : null,
      defaultAccuracy: defaults.length
        ? spread(defaults.map((d) => d.finetuneAccuracy as number))
        : null,
      trials: trials.length,
      feasibleTrials: trials.filter((t) => t.feasible).length,
      failedTrials: trials.filter((t) => t.error !== undefined).length,
      runs: mine.map((r) => ({
        kind: r.run.kind,
        index: r.run.index,
        seed: r.run.seed,
        point: r.run.point,
        configHash: r.results?.configHash ?? null,
        harmfulScore: r.harmfulScore ?? null,
        finetuneAccuracy: r.finetuneAccuracy ?? null,
        overRefusalRate: r.results?.metrics.post.overRefusalRate ?? null,
        feasible: r.feasible,
        ...(r.error !== undefined ? { error: r.error } : {}),
      })),
    };
  });
  rows.sort((a, b) => (b.worst?.harmfulScore ?? -1) - (a.worst?.harmfulScore ?? -1));
  return {
    schemaVersion: ROBUSTNESS_SCHEMA_VERSION,
    search: spec,
    referenceAccuracy: outcome.referenceAccuracy,
    floorAccuracy: outcome.floorAccuracy,
    complete: !outcome.stopped && rows.every((row) => row.trials === spec.budget),
    rows,
  };
}

/** Where the worst case came from: `tpe trial 5` or `default setting`. */
export function describeWorst(row: RobustnessRow): string {
  if (!row.worst) return 'no trial kept the utility floor';
  if (row.worst.kind === 'default') return 'default setting';
  return describePoint(row.worst.point);
}

const CSV_HEADER = [
  'defense',
  'worst_harmful_score',
  'worst_finetune_accuracy',
  'worst_setting',
  'worst_from',
  'worst_config_hash',
  'default_harmful_score_mean',
  'default_harmful_score_std',
  'default_finetune_accuracy_mean',
  'default_finetune_accuracy_std',
  'default_n',
  'trials',
  'feasible_trials',
  'failed_trials',
  'worst_over_refusal_rate',
];

export function robustnessCsv(board: RobustnessBoard): string {
  const lines = [CSV_HEADER.join(',')];
  for (const row of board.rows) {
    lines.push(
      [
        row.defense,
        row.worst?.harmfulScore ?? '',
        row.worst?.finetuneAccuracy ?? '',
        row.worst ? describePoint(row.worst.point) : '',
        row.worst?.kind ?? '',
        row.worst?.configHash ?? '',
        row.defaultHarmfulScore?.mean ?? '',
        row.defaultHarmfulScore?.std ?? '',
        row.defaultAccuracy?.mean ?? '',
        row.defaultAccuracy?.std ?? '',
        row.defaultHarmfulScore?.n ?? 0,
        row.trials,
        row.feasibleTrials,
        row.failedTrials,
        row.worst?.overRefusalRate ?? '',
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The terminal table (and the closing notes'). */
export function robustnessTable(board: RobustnessBoard): string {
  const header = [
    'defense',
    'worst HS',
    'FA at worst',
    'ORR at worst',
    'worst-case setting',
    'default HS',
    'default FA',
    'trials',
  ];
  const body = board.rows.map((row) => [
    row.defense,
    row.worst ? row.worst.harmfulScore.toFixed(1) : '—',
    row.worst ? row.worst.finetuneAccuracy.toFixed(1) : '—',
    row.worst && row.worst.overRefusalRate !== null ? row.worst.overRefusalRate.toFixed(1) : '—',
    describeWorst(row),
    row.defaultHarmfulScore ? formatSpread(row.defaultHarmfulScore) : '—',
    row.defaultAccuracy ? formatSpread(row.defaultAccuracy) : '—',
    `${row.feasibleTrials}/${row.trials}`,
  ]);
  const n = board.search.defaultSeeds.length;
  const floor =
    board.floorAccuracy === null
      ? 'no utility floor yet (the reference has not run)'
      : `utility floor: FA ≥ ${board.floorAccuracy.toFixed(1)} ` +
        `(${Math.round(board.search.utilityFloor * 100)}% of ${board.search.reference}'s fine-tuned ` +
        `FA ${(board.referenceAccuracy as number).toFixed(1)} at the default setting)`;
  return [
    textTable(header, body),
    `worst HS: the highest post-stage harmful score of a run that kept the floor; default: mean ± std over ${n} seed${n === 1 ? '' : 's'}; trials: kept the floor / run`,
    floor,
    ...(board.complete ? [] : ['(incomplete: the search stopped before its budget)']),
  ].join('\n');
}
