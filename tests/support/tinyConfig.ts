import { type ExperimentConfig } from '../../src/core/config';
import { resolvePreset } from '../../src/core/lab';

/**
 * The micro preset cut down to a few steps per stage and a handful of evaluation prompts: the
 * whole pipeline in seconds, for unit and e2e tests alike. `patch` changes it further.
 */
export function tinyMicroConfig(
  patch: (config: ExperimentConfig) => void = () => {},
): ExperimentConfig {
  const config = resolvePreset('micro');
  config.alignment.samples = 24;
  config.finetune.samples = 20;
  config.post.realignmentSamples = 16;
  config.evaluation = {
    ...config.evaluation,
    harmfulPrompts: 4,
    benignPrompts: 4,
    overRefusalPrompts: 4,
    helpfulnessPrompts: 4,
    taskPrompts: 4,
    maxNewTokens: 4,
    keepSamples: 1,
  };
  patch(config);
  return config;
}
