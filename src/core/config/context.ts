/**
 * What a config may name: methods per stage (with their parameter specs), tasks and base models.
 * `DEFAULT_VALIDATION_CONTEXT` lists the names known today; the method, dataset and model
 * registries will build the real one, so it stays one small object.
 */
import type { ParamSpec, Stage } from './schema';

export interface ValidationContext {
  /** Stage → method name → parameter name → spec. */
  methods: Record<Stage, Record<string, Record<string, ParamSpec>>>;
  tasks: readonly string[];
  models: readonly string[];
}

export const DEFAULT_VALIDATION_CONTEXT: ValidationContext = {
  methods: {
    alignment: { sft: {} },
    finetune: { sft: {} },
    post: {
      none: {},
      antidote: {},
      'random-prune': {},
      'magnitude-prune': {},
      'wanda-benign': {},
    },
  },
  tasks: ['sst2', 'agnews', 'gsm8k'],
  models: ['safetune-base'],
};
