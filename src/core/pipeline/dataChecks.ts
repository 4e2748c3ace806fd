import type { ExperimentConfig } from '../config/schema';
import { builtInDataSources, loadDataSources, type DataSources } from '../data/sources';
import type { RunEvents } from './events';
import type { PipelineDeps } from './ports';

/**
 * The run's data: built-in generators, or Hub datasets downloaded through `deps.hubData`, their
 * skipped rows and shortfalls reported (a shortfall that would fail a stage fails the run here,
 * before anything trains).
 */
export async function runData(
  config: ExperimentConfig,
  deps: Pick<PipelineDeps, 'hubData'>,
  events: RunEvents,
): Promise<DataSources> {
  if (Object.values(config.data).every((source) => source === null)) {
    return builtInDataSources(config);
  }
  if (!deps.hubData)
    throw new Error(
      'this config names Hub datasets, but no Hub endpoint was given to load them from',
    );
  const data = await loadDataSources(config, {
    ...deps.hubData,
    onProgress: ({ dataset, file, loadedBytes, totalBytes }) =>
      events.download({ repo: `datasets/${dataset}`, file, loadedBytes, totalBytes }),
  });
  for (const [role, provenance] of Object.entries(data.provenance)) {
    if (provenance.skippedRows !== undefined) {
      events.log(
        `data.${role}: skipped ${provenance.skippedRows} rows of ${provenance.dataset} that could not be read (first: ${provenance.skipReason})`,
      );
    }
  }
  const { problems, warnings } = dataShortfalls(config, data);
  for (const warning of warnings) events.log(warning);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return data;
}

/**
 * What the Hub data read cannot supply, before anything trains: a problem where a stage would
 * fail (too few task or harmful examples, no re-alignment prompts), a warning where examples or
 * evaluation prompts would repeat (a pool smaller than what is drawn from it).
 */
export function dataShortfalls(
  config: ExperimentConfig,
  data: DataSources,
): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const hub = (role: keyof ExperimentConfig['data']) => config.data[role] !== null;
  const rows = (role: keyof ExperimentConfig['data']) =>
    `the first ${config.data[role]?.maxRows.toLocaleString('en-US')} rows of ${config.data[role]?.dataset}`;
  const { samples, poisonRatio } = config.finetune;
  const poison = Math.round(poisonRatio * samples);
  if (hub('task') && data.task.poolSize('train') < samples - poison) {
    problems.push(
      `data.task: ${rows('task')} give ${data.task.poolSize('train')} training examples, but the fine-tuning set needs ${samples - poison}; raise data.task.maxRows or lower finetune.samples`,
    );
  }
  if (hub('harmful')) {
    if (data.harmful.poolSize('train') < poison) {
      problems.push(
        `data.harmful: ${rows('harmful')} give ${data.harmful.poolSize('train')} harmful training examples, but the poison needs ${poison}; raise data.harmful.maxRows`,
      );
    }
    if (data.harmful.poolSize('realign') === 0) {
      problems.push(
        `data.harmful: ${rows('harmful')} leave no prompts for the re-alignment set; raise data.harmful.maxRows`,
      );
    }
    if (data.harmful.poolSize('eval') < config.evaluation.harmfulPrompts) {
      warnings.push(
        `data.harmful: the held-out split has ${data.harmful.poolSize('eval')} distinct prompts, fewer than evaluation.harmfulPrompts ${config.evaluation.harmfulPrompts}: prompts repeat in the harmful score`,
      );
    }
  }
  if (hub('task') && data.task.poolSize('eval') < config.evaluation.taskPrompts) {
    warnings.push(
      `data.task: the held-out split has ${data.task.poolSize('eval')} distinct prompts, fewer than evaluation.taskPrompts ${config.evaluation.taskPrompts}: prompts repeat in the task accuracy`,
    );
  }
  const refusals = Math.round(config.alignment.harmfulFraction * config.alignment.samples);
  if (hub('refusal') && data.refusal.poolSize('train') < refusals) {
    warnings.push(
      `data.refusal: ${rows('refusal')} give ${data.refusal.poolSize('train')} safe answers for the ${refusals} refusal examples of alignment: examples repeat`,
    );
  }
  return { problems, warnings };
}
