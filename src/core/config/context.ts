/**
 * What a config may name: methods per stage (with their parameter specs), tasks and base models.
 * `DEFAULT_VALIDATION_CONTEXT` is what the registries hold (tested against them).
 */
import { methodsByStage, postTargetsByMethod } from '../methods/registry';
import type { ParamSpec, PostTarget, Stage } from './schema';

export interface ValidationContext {
  /** Stage → method name → parameter name → spec. */
  methods: Record<Stage, Record<string, Record<string, ParamSpec>>>;
  /** Post method → what it can act on (`post.target`); a method not listed may act on either. */
  postTargets?: Record<string, readonly PostTarget[]>;
  tasks: readonly string[];
  models: readonly string[];
}

/**
 * The names known to the registries. The method registry holds only descriptions and parameter
 * schemas (its computations load on first use), so the page can validate without loading tfjs.
 */
export const DEFAULT_VALIDATION_CONTEXT: ValidationContext = {
  methods: methodsByStage(),
  postTargets: postTargetsByMethod(),
  tasks: ['sst2', 'agnews', 'gsm8k'],
  models: ['safetune-base'],
};
