import { trainSupervised } from '../../../train/loop';
import { sftOptions, type TrainContext, type TrainReport } from '../../types';

/** Plain SFT on the stage's own examples: the generic training loop, nothing added. */
export function train(ctx: TrainContext): Promise<TrainReport> {
  return trainSupervised(ctx.model, ctx.examples, sftOptions(ctx));
}
