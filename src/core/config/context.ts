/**
 * What a config may name: methods per stage (with their parameter specs and targets), tasks and
 * base models. `DEFAULT_VALIDATION_CONTEXT` is the one context: it is read from the registries'
 * names-only parts (methods without their computations, `data/names.ts`, `model/bases.ts`), so
 * the page, the worker and the CLI validate alike, and without loading tfjs.
 */
import { datasetNamesWithRole } from '../data/names';
import { methodsByStage, postTargetsByMethod } from '../methods/registry';
import { BASE_MODEL_NAMES } from '../model/bases';
import type { ParamSpec, PostTarget, Stage } from './schema';

export interface ValidationContext {
  /** Stage → method name → parameter name → spec. */
  methods: Record<Stage, Record<string, Record<string, ParamSpec>>>;
  /** Post method → what it can act on (`post.target`); a method not listed may act on either. */
  postTargets?: Record<string, readonly PostTarget[]>;
  tasks: readonly string[];
  models: readonly string[];
}

export const DEFAULT_VALIDATION_CONTEXT: ValidationContext = {
  methods: methodsByStage(),
  postTargets: postTargetsByMethod(),
  tasks: datasetNamesWithRole('task'),
  models: BASE_MODEL_NAMES,
};
