import type { TokenBatch } from '../model/batch';
import { createRng } from '../random';
import { packExamples, rowsToBatch, type PackedRow, type TokenizedExample } from './batching';

/** A `HarmfulBatches` stream's position. */
export interface HarmfulBatchesState {
  pass: number;
  cursor: number;
  seqLen: number;
}

/**
 * Harmful prompt → harmful answer batches served alongside the alignment batches (Booster's and
 * RepNoise's harmful loader). Each pass over the examples has its own seeded order; rows are packed
 * at the alignment batch's length and handed out `batch` at a time, wrapping into the next pass
 * when a pass runs out — as the official trainers re-create their harmful iterator — so every
 * batch has exactly the alignment batch's shape.
 */
export class HarmfulBatches {
  private rows: PackedRow[] = [];
  private cursor = 0;
  private pass = 0;
  private seqLen = 0;

  constructor(
    private readonly examples: readonly TokenizedExample[],
    private readonly options: { seed: number; padId: number },
  ) {
    if (examples.length === 0) throw new Error('harmful batches need at least one harmful example');
  }

  /** The next batch of `shape.batch` rows of `shape.seqLen` tokens. */
  next(shape: { batch: number; seqLen: number }): TokenBatch {
    if (shape.seqLen !== this.seqLen) {
      this.seqLen = shape.seqLen;
      this.pass = 0;
      this.pack();
    }
    const taken: PackedRow[] = [];
    while (taken.length < shape.batch) {
      if (this.cursor >= this.rows.length) {
        this.pass += 1;
        this.pack();
      }
      taken.push(this.rows[this.cursor]);
      this.cursor += 1;
    }
    return rowsToBatch(taken, shape.batch, shape.seqLen, this.options.padId);
  }

  /** Where the stream stands (a training checkpoint). */
  save(): HarmfulBatchesState {
    return { pass: this.pass, cursor: this.cursor, seqLen: this.seqLen };
  }

  /** Continue from `saved`: the same pass, packed again, at the same row. */
  restore(saved: HarmfulBatchesState): void {
    this.seqLen = saved.seqLen;
    this.pass = saved.pass;
    if (saved.seqLen > 0) this.pack();
    this.cursor = saved.cursor;
  }

  private pack(): void {
    const order = createRng(this.options.seed)
      .fork(`harmful-pass-${this.pass}`)
      .shuffle(this.examples);
    this.rows = packExamples(order, this.seqLen).rows;
    this.cursor = 0;
    if (this.rows.length === 0) {
      throw new Error('harmful examples are all shorter than two tokens: nothing to train on');
    }
  }
}

/**
 * `count` harmful pairs from the run's harmful train split, batched with their own seed stream.
 * `ctx` is a method's training context (the fields it uses, so `train/` needs no `methods/` type).
 */
export function harmfulBatchesFor(
  ctx: {
    data: { harmful(n: number): TokenizedExample[] };
    seed: number;
    tokenizer: { padId: number };
  },
  count: number,
): HarmfulBatches {
  return new HarmfulBatches(ctx.data.harmful(count), {
    seed: createRng(ctx.seed)
      .fork('harmful-batches')
      .int(2 ** 31),
    padId: ctx.tokenizer.padId,
  });
}
