/**
 * What a config may name: methods per stage (with their parameter specs and targets), attacks, tasks, base
 * models, judges and Hub datasets. The validator takes it as an argument; the one context the lab
 * uses is built from the registries by the composition root, `src/core/lab.ts`.
 */
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
  /** Attack name (`attack.method`) → parameter name → spec. */
  attacks: Record<string, Record<string, ParamSpec>>;
  /** Attack → the `post.target`s it leaves something to act on; an attack not listed allows either. */
  attackPostTargets?: Record<string, readonly PostTarget[]>;
  /** Post method → what it can act on (`post.target`); a method not listed may act on either. */
  postTargets?: Record<string, readonly PostTarget[]>;
  tasks: readonly string[];
  models: readonly string[];
  /** Judge names (`evaluation.judges`). */
  judges: readonly string[];
  /** Hub datasets by id (`owner/name`) that `data.<role>` may name. */
  datasets: Readonly<Record<string, HubDatasetInfo>>;
}
