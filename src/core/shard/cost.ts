/**
 * What a run costs, for placing it in a shard: its stages' estimated seconds at one fixed,
 * nominal speed. Every machine must compute the same plan from the spec alone, so the speed is a
 * constant, never the speed this browser measured (`config/duration.ts` learns that one for the
 * page's estimates); only the ratios between runs matter for the balance.
 */
import { stageKeyMaterial, canonicalJSON } from '../config/canonical';
import { runCost, stageSteps } from '../config/cost';
import { estimateStageSeconds, type RunSpeed } from '../config/duration';
import type { ExperimentConfig } from '../config/schema';
import type { ShardItem } from './plan';

/**
 * The shipped example run (`public/examples/antidote-sst2.json`: a 2-core laptop on wasm):
 * alignment 68.8 s + fine-tuning 72.8 s for 5,504 rows, evaluation 25.4 s for 1,905 generations,
 * Antidote 3.6 s. Methods whose steps cost more than SFT's are estimated at SFT's speed.
 */
export const NOMINAL_SPEED: RunSpeed = {
  trainSecondsPerRow: (68.817 + 72.844) / 5504,
  evalSecondsPerGeneration: 25.359 / 1905,
  postSeconds: 3.588,
};

/**
 * A run as a shard item: its alignment and its fine-tuning are stages other runs may share (by
 * their cache key material: the same material is one computation, as the stage cache sees it);
 * post and evaluation are its own. An attack's extra rows (benign-outliers' scoring pass) count
 * with its fine-tuning.
 */
export function runShardItem(config: ExperimentConfig, id: string): ShardItem {
  const stages = estimateStageSeconds(config, NOMINAL_SPEED);
  const rows = (stage: 'alignment' | 'finetune') =>
    stageSteps(config[stage]) * config[stage].batchSize;
  const extraRows = runCost(config, null).rows - rows('alignment') - rows('finetune');
  const finetuneKey = `finetune:${canonicalJSON(stageKeyMaterial(config, 'finetune'))}`;
  return {
    id,
    // Runs that share their fine-tuning (and so their alignment) stay together while they fit.
    group: finetuneKey,
    shared: [
      {
        key: `alignment:${canonicalJSON(stageKeyMaterial(config, 'alignment'))}`,
        seconds: stages.alignment,
      },
      {
        key: finetuneKey,
        seconds: stages.finetune + Math.max(0, extraRows) * NOMINAL_SPEED.trainSecondsPerRow,
      },
    ],
    seconds: stages.post + stages.evaluation,
  };
}
