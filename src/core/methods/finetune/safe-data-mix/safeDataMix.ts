import type { Example } from '../../../data/types';
import { createRng } from '../../../random';
import type { TokenizedExample } from '../../../train/batching';
import { trainSupervised } from '../../../train/loop';
import { tokenizeExamples } from '../../../train/tokenize';
import { sftOptions, type TrainContext, type TrainReport } from '../../types';
import type { SafeDataMixParams } from './index';

/**
 * How many safety examples to add to `n` fine-tuning examples so that they make up `fraction`
 * of the mixed set: k = round(fraction · n / (1 − fraction)).
 */
export function safetyCount(n: number, fraction: number): number {
  if (fraction <= 0 || n <= 0) return 0;
  if (fraction >= 1)
    throw new Error(`safe-data-mix: safetyFraction must be below 1 (got ${fraction})`);
  return Math.round((fraction * n) / (1 - fraction));
}

/**
 * `count` harmful prompt → refusal pairs taken from the run's alignment set `alignmentSet` (the
 * train split of `beavertails-refusal`, never the evaluation or re-alignment splits), in an order
 * seeded by `seed`. Asking for more than the alignment set holds repeats it, reshuffled each time
 * round.
 */
export function safetyExamples(
  alignmentSet: readonly Example[],
  count: number,
  seed: number,
): Example[] {
  if (count <= 0) return [];
  const refusals = alignmentSet.filter((e) => e.kind === 'harmful-refusal');
  if (refusals.length === 0) {
    throw new Error(
      'safe-data-mix needs refusal examples, but the alignment set has none ' +
        '(alignment.harmfulFraction is 0)',
    );
  }
  const rng = createRng(seed).fork('safe-data-mix');
  const out: Example[] = [];
  while (out.length < count) out.push(...rng.shuffle(refusals).slice(0, count - out.length));
  return out;
}

/** The user's fine-tuning set followed by the safety examples (batching shuffles every epoch). */
export function mixSafetyData(
  examples: readonly TokenizedExample[],
  safety: readonly TokenizedExample[],
): TokenizedExample[] {
  return [...examples, ...safety];
}

/**
 * Safety data mixing (Bianchi et al., ICLR 2024): add refusal demonstrations to the fine-tuning
 * data so that they are `safetyFraction` of it, then run plain SFT on the mix. The run is longer
 * than plain SFT by the added examples' share of batches.
 */
export async function train(ctx: TrainContext<SafeDataMixParams>): Promise<TrainReport> {
  const { safetyFraction } = ctx.params;
  const count = safetyCount(ctx.examples.length, safetyFraction);
  // The alignment set is drawn only when something is taken from it.
  const alignmentSet = count > 0 ? ctx.data.alignmentExamples() : [];
  const safety = tokenizeExamples(
    safetyExamples(alignmentSet, count, ctx.config.seed),
    ctx.tokenizer,
    'response',
  );
  return trainSupervised(ctx.model, mixSafetyData(ctx.examples, safety), sftOptions(ctx));
}
