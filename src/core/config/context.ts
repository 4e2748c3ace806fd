/**
 * What a config may name: methods per stage (with their parameter specs and targets), tasks and
 * base models. `DEFAULT_VALIDATION_CONTEXT` is the one context: it is read from the registries'
 * names-only parts (methods without their computations, `data/names.ts`, `model/bases.ts`), so
 * the page, the worker and the CLI validate alike, and without loading tfjs.
 */
import { datasetNamesWithRole } from '../data/names';
import { methodsByStage, postTargetsByMethod } from '../methods/registry';
import { BASE_MODEL_NAMES } from '../model/bases';
import { JUDGE_NAMES } from '../metrics/judgeNames';
import { HUB_DATASET_INFO } from '../data/hub/catalog';
import type { DataRole, ParamSpec, PostTarget, Stage } from './schema';

/** What validation knows of a Hub dataset: the roles it plays and its default config and splits. */
export interface HubDatasetInfo {
  roles: readonly DataRole[];
  /** For a task dataset, the `finetune.task` it is (its grader), e.g. `sst2`. */
  task?: string;
  config: string;
  train: string;
  eval: string | null;
  /** Splits published without labels: refused by validation. */
  unlabeledSplits?: readonly string[];
}

export interface ValidationContext {
  /** Stage → method name → parameter name → spec. */
  methods: Record<Stage, Record<string, Record<string, ParamSpec>>>;
  /** Post method → what it can act on (`post.target`); a method not listed may act on either. */
  postTargets?: Record<string, readonly PostTarget[]>;
  tasks: readonly string[];
  models: readonly string[];
  /** Judge names (`evaluation.judges`). */
  judges: readonly string[];
  /** Hub datasets by id (`owner/name`) that `data.<role>` may name. */
  datasets: Readonly<Record<string, HubDatasetInfo>>;
}

export const DEFAULT_VALIDATION_CONTEXT: ValidationContext = {
  methods: methodsByStage(),
  postTargets: postTargetsByMethod(),
  tasks: datasetNamesWithRole('task'),
  models: BASE_MODEL_NAMES,
  judges: JUDGE_NAMES,
  datasets: HUB_DATASET_INFO,
};
