import type { PruneLayerReport } from './report';

/**
 * The Antidote view's per-layer summary: the pruned matrices laid out as a table of blocks (rows)
 * by matrix kind (columns), so a 30-block model's 420 adapter matrices fit one screen. A weight
 * name's first whole-number segment is its block (`transformer.h.3.attn.q.lora_A` → block 3, kind
 * `attn.q.lora_A`; `model.layers.11.mlp.down_proj.lora_B` → block 11); a name without one (an LM
 * head, an embedding) gets a row of its own.
 */
export interface LayerSummary {
  /** The matrix kinds, in the order they first appear. */
  columns: { key: string; label: string }[];
  /** One row per block, in block order, then the names without a block, in report order. */
  rows: { label: string; cells: (number | null)[] }[];
}

const BLOCK = /^(.*?)\.(\d+)\.(.+)$/;

/** Path segments that say nothing once the column is under a "matrix" heading. */
const FILLER = new Set(['attn', 'self_attn', 'attention', 'mlp', 'weight']);

/** A column's short label: `attn.q.lora_A` → `q A`, `self_attn.o_proj.lora_B` → `o_proj B`. */
export function shortMatrixLabel(kind: string): string {
  const parts = kind
    .split('.')
    .filter((part) => !FILLER.has(part))
    .map((part) => part.replace(/^lora_([AB])$/, '$1'));
  return parts.length > 0 ? parts.join(' ') : kind;
}

/** Lays `reports` out by block and matrix kind; each cell is an index into `reports` or null. */
export function summarizeLayers(reports: readonly PruneLayerReport[]): LayerSummary {
  const columns: LayerSummary['columns'] = [];
  const columnOf = new Map<string, number>();
  const blocks = new Map<number, Map<number, number>>();
  const loose: { label: string; index: number }[] = [];
  reports.forEach((report, index) => {
    const match = BLOCK.exec(report.weight);
    if (!match) {
      loose.push({ label: report.weight, index });
      return;
    }
    const kind = match[3];
    let column = columnOf.get(kind);
    if (column === undefined) {
      column = columns.length;
      columnOf.set(kind, column);
      columns.push({ key: kind, label: shortMatrixLabel(kind) });
    }
    const block = Number(match[2]);
    const row = blocks.get(block) ?? new Map<number, number>();
    // A repeated name keeps its first report (the table below lists every one).
    if (!row.has(column)) row.set(column, index);
    blocks.set(block, row);
  });
  const rows: LayerSummary['rows'] = [...blocks.entries()]
    .sort(([a], [b]) => a - b)
    .map(([block, cells]) => ({
      label: `block ${block}`,
      cells: columns.map((_, column) => cells.get(column) ?? null),
    }));
  for (const { label, index } of loose) {
    // A name without a block fills the first column; the others stay empty.
    rows.push({
      label,
      cells: columns.length === 0 ? [index] : columns.map((_, c) => (c === 0 ? index : null)),
    });
  }
  if (columns.length === 0 && loose.length > 0) columns.push({ key: '', label: 'matrix' });
  return { columns, rows };
}
