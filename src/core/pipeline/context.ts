import type { ValidationContext } from '../config/context';
import type { ParamSpec, Stage } from '../config/schema';
import { datasetNamesWithRole } from '../data/registry';
import { listMethods, postTargetsByMethod } from '../methods/registry';
import { BASE_MODEL_NAMES } from '../model/bases';

/** What a config may name, read from the registries themselves (so a name is valid iff it runs). */
export function validationContext(): ValidationContext {
  const methods: Record<Stage, Record<string, Record<string, ParamSpec>>> = {
    alignment: {},
    finetune: {},
    post: {},
  };
  for (const method of listMethods()) methods[method.stage][method.name] = method.params;
  return {
    methods,
    postTargets: postTargetsByMethod(),
    tasks: datasetNamesWithRole('task'),
    models: BASE_MODEL_NAMES,
  };
}
