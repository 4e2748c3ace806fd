import { describe, expect, it } from 'vitest';
import { HarmfulBatches } from '../../../src/core/train/harmfulBatches';
import type { TokenBatch } from '../../../src/core/model/batch';
import { PAD, tinyExamples } from '../methods/alignment/context';

/** Each batch row's token ids (padding dropped), as a string per row. */
const rowKeys = (batch: TokenBatch) =>
  Array.from({ length: batch.batch }, (_, b) =>
    Array.from(batch.tokens.slice(b * batch.seqLen, (b + 1) * batch.seqLen))
      .filter((_, t) => batch.segments[b * batch.seqLen + t] >= 0)
      .join(','),
  );

describe('HarmfulBatches', () => {
  const examples = tinyExamples(5, 21);
  const shape = { batch: 2, seqLen: 8 };

  it('serves fixed-shape batches, every row of a pass once before any repeats', () => {
    const stream = new HarmfulBatches(examples, { seed: 1, padId: PAD });
    const batches = Array.from({ length: 6 }, () => stream.next(shape));
    for (const batch of batches) {
      expect([batch.batch, batch.seqLen, batch.tokens.length]).toEqual([2, 8, 16]);
    }
    const rows = batches.flatMap(rowKeys);
    const distinct = new Set(rows).size;
    // Five examples of 4–7 tokens pack into at least three rows of eight.
    expect(distinct).toBeGreaterThanOrEqual(3);
    expect(new Set(rows.slice(0, distinct)).size).toBe(distinct);
    // Every packed row holds real answer tokens.
    for (const batch of batches) expect(batch.lossMask.some((m) => m === 1)).toBe(true);
  });

  it('is determined by its seed', () => {
    const draw = (seed: number) => {
      const stream = new HarmfulBatches(examples, { seed, padId: PAD });
      return Array.from({ length: 4 }, () => rowKeys(stream.next(shape))).flat();
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });

  it('refuses an empty harmful set', () => {
    expect(() => new HarmfulBatches([], { seed: 1, padId: PAD })).toThrow(/at least one/);
  });
});
