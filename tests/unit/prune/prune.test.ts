import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { decodeMaskGrid } from '../../../src/core/prune/maskGrid';
import { pruneWeights } from '../../../src/core/prune/prune';
import { useBackend } from '../support/backend';
import { TINY } from '../support/tiny';

describe('pruneWeights report', () => {
  beforeAll(() => useBackend('cpu'));
  let model: LanguageModel | undefined;
  afterEach(() => model?.dispose());

  it('carries a mask grid that shows where the mask fell', async () => {
    model = LanguageModel.init(TINY, 5);
    const name = 'transformer.h.0.mlp.c_fc.weight';
    // Prune input 3 for every output: one full row of the [in, out] matrix.
    const [report] = await pruneWeights(model, [name], (_, weight, [, cols]) => {
      const mask = new Uint8Array(weight.length);
      mask.fill(1, 3 * cols, 4 * cols);
      return { mask };
    });
    expect(report.shape).toEqual([TINY.dModel, TINY.ffnDim]);
    const decoded = decodeMaskGrid(report.maskGrid!, report.shape);
    if (!decoded.ok) throw new Error(decoded.reason);
    const [rows, cols] = report.shape;
    expect([report.maskGrid!.rows, report.maskGrid!.cols]).toEqual([rows, cols]);
    Array.from(decoded.density).forEach((value, i) =>
      expect(value).toBe(Math.floor(i / cols) === 3 ? 1 : 0),
    );
    expect(report.prunedFraction).toBeCloseTo(1 / rows, 6);
  });
});
