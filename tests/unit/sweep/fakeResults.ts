import { configHash } from '../../../src/core/config';
import type { ExperimentConfig, Stage } from '../../../src/core/config/schema';
import type { CheckpointMetrics, ResultsFile } from '../../../src/core/pipeline/types';

const metrics = (harmfulScore: number, finetuneAccuracy: number): CheckpointMetrics => ({
  harmfulScore,
  harmfulRefusalRate: 100 - harmfulScore,
  benignRefusalRate: 0,
  benignHelpfulness: 50,
  finetuneAccuracy,
});

/**
 * A results file for `config` whose numbers follow from it (post HS = 100·p, halved by Antidote;
 * FA = 90), with the given stages found in the cache: enough to check what a leaderboard reads.
 */
export async function fakeResults(
  config: ExperimentConfig,
  cached: readonly Stage[] = [],
  seconds: Partial<Record<Stage, number>> = {},
): Promise<ResultsFile> {
  const attacked = 100 * config.finetune.poisonRatio;
  const post = config.post.method === 'antidote' ? attacked / 2 : attacked;
  return {
    schemaVersion: 1,
    configHash: await configHash(config),
    config,
    environment: { backend: 'wasm', userAgent: 'test', labVersion: '0.1.0', adapter: null },
    stages: [
      ...(['alignment', 'finetune', 'post'] as const).map((name) => ({
        name,
        cached: cached.includes(name),
        seconds: cached.includes(name) ? 0.01 : (seconds[name] ?? 10),
      })),
      { name: 'evaluation', cached: false, seconds: 5 },
    ],
    metrics: { aligned: metrics(0, 90), finetuned: metrics(attacked, 90), post: metrics(post, 90) },
    samples: [],
  };
}
