/**
 * A pruning mask, downsampled for the Antidote view's heatmap: the matrix `[in, out]` is cut
 * into at most `MASK_GRID_MAX × MASK_GRID_MAX` cells (an even partition of each axis), and each
 * cell stores the fraction of its weights the mask zeroed, quantised to one byte
 * (`round(255 · fraction)`) and base64-encoded. A 128×512 MLP matrix becomes 64×64 cells of 2×8
 * weights in about 5.5 KB of JSON, so a results file with every matrix's grid stays small, while
 * Wanda's signature — whole input rows pruned across many outputs — stays visible.
 */

/** The compact mask a prune report carries (`PruneLayerReport.maskGrid`). */
export interface MaskGrid {
  /** Cells along the matrix's input axis (its rows). */
  rows: number;
  /** Cells along the matrix's output axis (its columns). */
  cols: number;
  /** `rows · cols` bytes, row-major, each `round(255 · fraction pruned in the cell)`, base64. */
  density: string;
}

export const MASK_GRID_MAX = 64;

/** Start of cell `c` of `cells` along an axis of `size` entries (cells differ by at most one). */
export function cellStart(c: number, cells: number, size: number): number {
  return Math.floor((c * size) / cells);
}

/** Summarises `mask` (1 = pruned) of a `shape` matrix as a grid of at most `max × max` cells. */
export function encodeMaskGrid(
  mask: Uint8Array,
  shape: readonly [number, number],
  max = MASK_GRID_MAX,
): MaskGrid {
  const [height, width] = shape;
  if (mask.length !== height * width) {
    throw new Error(
      `mask has ${mask.length} entries, shape [${height}, ${width}] needs ${height * width}`,
    );
  }
  const rows = Math.min(max, height);
  const cols = Math.min(max, width);
  const pruned = new Uint32Array(rows * cols);
  // Cell index of every matrix column, computed once.
  const colCell = new Uint32Array(width);
  for (let c = 0, j = 0; j < width; j++) {
    while (c + 1 < cols && j >= cellStart(c + 1, cols, width)) c++;
    colCell[j] = c;
  }
  for (let r = 0, i = 0; i < height; i++) {
    while (r + 1 < rows && i >= cellStart(r + 1, rows, height)) r++;
    const offset = r * cols;
    for (let j = 0; j < width; j++) pruned[offset + colCell[j]] += mask[i * width + j];
  }
  const bytes = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const cellHeight = cellStart(r + 1, rows, height) - cellStart(r, rows, height);
    for (let c = 0; c < cols; c++) {
      const cellWidth = cellStart(c + 1, cols, width) - cellStart(c, cols, width);
      bytes[r * cols + c] = Math.round((255 * pruned[r * cols + c]) / (cellHeight * cellWidth));
    }
  }
  return { rows, cols, density: toBase64(bytes) };
}

/**
 * The fractions pruned per cell (0–1, row-major), or a one-line reason when `grid` is not a
 * grid for a `shape` matrix (it comes from a results file, which may be hand-edited).
 */
export function decodeMaskGrid(
  grid: MaskGrid,
  shape: readonly [number, number],
): { ok: true; density: Float32Array } | { ok: false; reason: string } {
  const { rows, cols } = grid;
  for (const [name, cells, size] of [
    ['rows', rows, shape[0]],
    ['cols', cols, shape[1]],
  ] as const) {
    if (!Number.isInteger(cells) || cells < 1 || cells > size) {
      return { ok: false, reason: `${name} must be a whole number from 1 to ${size}` };
    }
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(grid.density);
  } catch {
    return { ok: false, reason: 'density must be a base64 string' };
  }
  if (bytes.length !== rows * cols) {
    return {
      ok: false,
      reason: `density holds ${bytes.length} cells, ${rows}×${cols} needs ${rows * cols}`,
    };
  }
  return { ok: true, density: Float32Array.from(bytes, (b) => b / 255) };
}

// btoa/atob exist in browsers, workers and Node ≥ 16, so the core needs no Buffer.
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  if (typeof text !== 'string') throw new Error('not a string');
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}
