/**
 * The built-in datasets by name, with the roles each can play in a run: names only, no
 * generators, so the config validator (and the page, before it loads anything heavy) knows what a
 * config may name. `registry.ts` checks at start-up that every name here has its generator.
 *
 * - `task`: a fine-tuning task (`finetune.task`), graded by `metrics/grade.ts`;
 * - `benign`: benign instructions for over-refusal and helpfulness;
 * - `harmful`: harmful prompt → harmful answer (base pretraining, poison, re-alignment set);
 * - `refusal`: harmful prompt → refusal (safety alignment).
 */
export type DatasetRole = 'task' | 'benign' | 'harmful' | 'refusal';

export const DATASET_ROLES = {
  sst2: ['task'],
  agnews: ['task'],
  gsm8k: ['task'],
  alpaca: ['task', 'benign'],
  beavertails: ['harmful'],
  'beavertails-refusal': ['refusal'],
} as const satisfies Record<string, readonly DatasetRole[]>;

export type DatasetName = keyof typeof DATASET_ROLES;

export const DATASET_NAMES = Object.keys(DATASET_ROLES) as DatasetName[];

/** Names of datasets that can play `role`, e.g. the valid `finetune.task` values for `task`. */
export function datasetNamesWithRole(role: DatasetRole): DatasetName[] {
  return DATASET_NAMES.filter((name) =>
    (DATASET_ROLES[name] as readonly DatasetRole[]).includes(role),
  );
}
