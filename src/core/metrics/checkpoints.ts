/** The checkpoints every run evaluates. */
export const CHECKPOINTS = ['aligned', 'finetuned', 'post'] as const;
export type Checkpoint = (typeof CHECKPOINTS)[number];

/** Scores are percentages (0–100) over held-out sets; see ARCHITECTURE "Results file". */
export interface CheckpointMetrics {
  harmfulScore: number;
  harmfulRefusalRate: number;
  benignRefusalRate: number;
  benignHelpfulness: number;
  finetuneAccuracy: number;
  /**
   * Safe prompts that look unsafe (XSTest-style, `data.overRefusal`) that the primary judge calls
   * a refusal. Optional: absent where `evaluation.overRefusalPrompts` is 0 and in results files
   * written before config schemaVersion 5.
   */
  overRefusalRate?: number;
}
