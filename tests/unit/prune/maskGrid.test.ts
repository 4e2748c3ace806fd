import { describe, expect, it } from 'vitest';
import { topKPerOutput } from '../../../src/core/prune/mask';
import {
  cellStart,
  decodeMaskGrid,
  encodeMaskGrid,
  MASK_GRID_MAX,
  type MaskGrid,
} from '../../../src/core/prune/maskGrid';
import { createRng } from '../../../src/core/random';

/** The exact fraction pruned in every cell, computed the slow, obvious way. */
function exactDensity(mask: Uint8Array, shape: [number, number], rows: number, cols: number) {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let pruned = 0;
      let size = 0;
      for (let i = cellStart(r, rows, shape[0]); i < cellStart(r + 1, rows, shape[0]); i++) {
        for (let j = cellStart(c, cols, shape[1]); j < cellStart(c + 1, cols, shape[1]); j++) {
          pruned += mask[i * shape[1] + j];
          size += 1;
        }
      }
      out.push(pruned / size);
    }
  }
  return out;
}

function decoded(grid: MaskGrid, shape: [number, number]): number[] {
  const result = decodeMaskGrid(grid, shape);
  if (!result.ok) throw new Error(result.reason);
  return Array.from(result.density);
}

describe('encodeMaskGrid / decodeMaskGrid', () => {
  it('keeps a small matrix cell for cell (one weight per cell)', () => {
    const mask = Uint8Array.from([1, 0, 0, 0, 1, 1]);
    const grid = encodeMaskGrid(mask, [2, 3]);
    expect(grid.rows).toBe(2);
    expect(grid.cols).toBe(3);
    expect(decoded(grid, [2, 3])).toEqual([1, 0, 0, 0, 1, 1]);
  });

  it('downsamples a 128×512 MLP mask to 64×64 cells of 2×8, each within one quantisation step', () => {
    const shape: [number, number] = [128, 512];
    const rng = createRng(3);
    const scores = Float32Array.from({ length: 128 * 512 }, () => rng.next());
    const mask = topKPerOutput(scores, shape, 0.1);
    const grid = encodeMaskGrid(mask, shape);
    expect([grid.rows, grid.cols]).toEqual([MASK_GRID_MAX, MASK_GRID_MAX]);
    // 4096 bytes of base64: small enough for every matrix of a results file.
    expect(grid.density.length).toBeLessThanOrEqual(Math.ceil(4096 / 3) * 4);
    const exact = exactDensity(mask, shape, 64, 64);
    decoded(grid, shape).forEach((value, i) =>
      expect(Math.abs(value - exact[i])).toBeLessThanOrEqual(0.5 / 255),
    );
  });

  it('partitions axes that do not divide evenly, and keeps a pruned input row visible', () => {
    const shape: [number, number] = [100, 7];
    const mask = new Uint8Array(700);
    for (let j = 0; j < 7; j++) mask[42 * 7 + j] = 1; // input 42 pruned for every output
    const grid = encodeMaskGrid(mask, shape, 8);
    expect([grid.rows, grid.cols]).toEqual([8, 7]);
    const density = decoded(grid, shape);
    const exact = exactDensity(mask, shape, 8, 7);
    density.forEach((value, i) => expect(value).toBeCloseTo(exact[i], 2));
    // Input 42 lies in cell row 3 (rows 37–49, 13 inputs): 1/13 of every cell in that row.
    expect(cellStart(3, 8, 100)).toBeLessThanOrEqual(42);
    expect(cellStart(4, 8, 100)).toBeGreaterThan(42);
    for (let r = 0; r < 8; r++) {
      const row = density.slice(r * 7, r * 7 + 7);
      expect(row.every((v) => (r === 3 ? Math.abs(v - 1 / 13) < 0.003 : v === 0))).toBe(true);
    }
  });

  it('encodes no-pruning and all-pruned as 0 and 1 exactly', () => {
    const shape: [number, number] = [130, 130];
    expect(new Set(decoded(encodeMaskGrid(new Uint8Array(130 * 130), shape), shape))).toEqual(
      new Set([0]),
    );
    expect(
      new Set(decoded(encodeMaskGrid(new Uint8Array(130 * 130).fill(1), shape), shape)),
    ).toEqual(new Set([1]));
  });

  it('rejects a mask of the wrong size', () => {
    expect(() => encodeMaskGrid(new Uint8Array(5), [2, 3])).toThrow(/5 entries/);
  });

  it('says why a hand-edited grid does not fit its matrix', () => {
    const grid = encodeMaskGrid(new Uint8Array(16), [4, 4]);
    expect(decodeMaskGrid({ ...grid, rows: 5 }, [4, 4])).toEqual({
      ok: false,
      reason: 'rows must be a whole number from 1 to 4',
    });
    expect(decodeMaskGrid({ ...grid, cols: 2 }, [4, 4])).toEqual({
      ok: false,
      reason: 'density holds 16 cells, 4×2 needs 8',
    });
    expect(decodeMaskGrid({ ...grid, density: '%%%' }, [4, 4])).toEqual({
      ok: false,
      reason: 'density must be a base64 string',
    });
  });
});
