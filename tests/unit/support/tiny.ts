import { gpt2Config } from '../../../src/core/model/config';
import { batchFromSequences } from '../../../src/core/model/batch';
import { createRng } from '../../../src/core/random';

export const TINY = gpt2Config({
  vocabSize: 13,
  dModel: 8,
  nLayers: 2,
  nHeads: 2,
  contextLength: 8,
  mlpRatio: 2,
});

export function randomRows(count: number, length: number, vocab: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Array.from({ length }, () => rng.int(vocab)));
}

export function tinyBatch(seed = 1, batch = 3, seqLen = TINY.contextLength) {
  return batchFromSequences(randomRows(batch, seqLen, TINY.vocabSize, seed), seqLen, 0);
}

/** Learnable rows: each row counts up by a row-specific stride (mod vocab). */
export function patternBatch(seed = 1, batch = 4, seqLen = TINY.contextLength) {
  const rng = createRng(seed);
  const rows = Array.from({ length: batch }, () => {
    const start = rng.int(TINY.vocabSize);
    const stride = 1 + rng.int(2);
    return Array.from({ length: seqLen }, (_, t) => (start + stride * t) % TINY.vocabSize);
  });
  return batchFromSequences(rows, seqLen, 0);
}
