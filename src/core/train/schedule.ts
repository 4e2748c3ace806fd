export type ScheduleKind = 'cosine' | 'constant';

export interface LearningRateSchedule {
  kind: ScheduleKind;
  peakLr: number;
  totalSteps: number;
  warmupSteps: number;
  /** Cosine decays to `peakLr · minLrRatio` at the last step. */
  minLrRatio?: number;
}

/** Learning rate at `step` (0-based): linear warmup to the peak, then constant or cosine decay. */
export function learningRateAt(schedule: LearningRateSchedule, step: number): number {
  const { kind, peakLr, totalSteps, warmupSteps } = schedule;
  if (warmupSteps > 0 && step < warmupSteps) return (peakLr * (step + 1)) / warmupSteps;
  if (kind === 'constant') return peakLr;
  const decaySteps = Math.max(1, totalSteps - warmupSteps - 1);
  const progress = Math.min(1, Math.max(0, (step - warmupSteps) / decaySteps));
  const minLr = peakLr * (schedule.minLrRatio ?? 0.1);
  return minLr + 0.5 * (peakLr - minLr) * (1 + Math.cos(Math.PI * progress));
}
