/**
 * `lab judges`: every registered judge, what it decides and whether it downloads a model; for the
 * learned classifier also the settings it runs with unless told otherwise. Names only
 * (`judgeNames.ts`): nothing is loaded and no browser is started.
 */
import {
  DEFAULT_CLASSIFIER,
  DEFAULT_REFUSAL_CLASSIFIER,
  type ClassifierSettings,
  type RefusalClassifierSettings,
} from '../src/core/config/schema';
import {
  CLASSIFIER_JUDGE,
  CURATED_CLASSIFIER_BYTES,
  JUDGE_INFO,
  REFUSAL_CLASSIFIER_JUDGE,
  type JudgeInfo,
} from '../src/core/metrics/judgeNames';
import { formatBytes } from '../src/core/model/memory';
import { EXIT_OK } from './exit';

/** The judge that runs a Hub classifier, and so the only one `--classifier-*` options apply to. */
export { CLASSIFIER_JUDGE };

export interface JudgeRow extends JudgeInfo {
  /** The classifier's default settings (`evaluation.classifier`), for the classifier judge only. */
  classifierDefaults?: ClassifierSettings;
  /** The refusal classifier's default settings (`evaluation.refusalClassifier`), for it only. */
  refusalClassifierDefaults?: RefusalClassifierSettings;
}

export function judgeRows(): JudgeRow[] {
  return JUDGE_INFO.map((judge) => {
    if (judge.name === CLASSIFIER_JUDGE)
      return { ...judge, classifierDefaults: { ...DEFAULT_CLASSIFIER } };
    if (judge.name === REFUSAL_CLASSIFIER_JUDGE)
      return { ...judge, refusalClassifierDefaults: { ...DEFAULT_REFUSAL_CLASSIFIER } };
    return { ...judge };
  });
}

/** The classifier's download as the curated list knows it (cached after the first load). */
function downloadSize(settings: Pick<ClassifierSettings, 'model' | 'dtype'>): string {
  const bytes = CURATED_CLASSIFIER_BYTES[settings.model]?.[settings.dtype];
  return bytes === undefined
    ? 'unknown (not a curated classifier)'
    : `about ${formatBytes(bytes)}, once (then cached in the browser profile)`;
}

/** One paragraph per judge: its name, what it decides, and what it needs. */
export function formatJudges(rows: readonly JudgeRow[]): string {
  return rows
    .map((row) => {
      const needs = [
        row.downloads ? 'downloads a model' : 'no download',
        ...(row.builtInOnly ? ['built-in data only'] : []),
      ].join(', ');
      const lines = [`${row.name} (${needs})`, `  ${row.summary}`];
      const settings = row.classifierDefaults;
      if (settings) {
        lines.push(
          `  default classifier: ${settings.model} (dtype ${settings.dtype}, input ${settings.input}, threshold ${settings.threshold}, max length ${settings.maxLength})`,
          `    harmful labels: ${settings.harmfulLabels.join(', ')}`,
          `    download: ${downloadSize(settings)}`,
        );
      }
      const refusal = row.refusalClassifierDefaults;
      if (refusal) {
        lines.push(
          `  default refusal classifier: ${refusal.model} (dtype ${refusal.dtype}, input ${refusal.input}, threshold ${refusal.threshold}, max length ${refusal.maxLength})`,
          `    refusal labels: ${refusal.refusalLabels.join(', ')}`,
          `    download: ${downloadSize(refusal)}`,
        );
      }
      return lines.join('\n');
    })
    .join('\n\n');
}

/** Runs `lab judges`. */
export function judges(command: { json: boolean }, out: (line?: string) => void): number {
  const rows = judgeRows();
  out(command.json ? JSON.stringify(rows, null, 2) : formatJudges(rows));
  return EXIT_OK;
}
