import { type ValidationContext } from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';

/** The default context plus an `antidote` that declares one parameter of every kind. */
export const CTX_WITH_PARAMS: ValidationContext = {
  ...DEFAULT_VALIDATION_CONTEXT,
  methods: {
    ...DEFAULT_VALIDATION_CONTEXT.methods,
    post: {
      ...DEFAULT_VALIDATION_CONTEXT.methods.post,
      antidote: {
        calibrationBatches: {
          type: 'integer',
          min: 1,
          max: 64,
          default: 4,
          description: 'Batches of re-alignment data used to measure activations.',
        },
        temperature: { type: 'number', min: 0, default: 1, description: 'Score temperature.' },
        scoreNorm: { type: 'enum', values: ['l2', 'l1'], default: 'l2', description: 'Norm of X.' },
        perRow: { type: 'boolean', default: true, description: 'Prune within each output row.' },
      },
    },
  },
};
