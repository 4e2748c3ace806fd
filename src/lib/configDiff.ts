/** Field-by-field differences between two configs, for "what does this import change?". */

export interface ConfigChange {
  path: string;
  from: unknown;
  to: unknown;
}

function leaves(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix !== '') out.set(prefix, value);
    for (const [key, item] of entries) leaves(item, prefix === '' ? key : `${prefix}.${key}`, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

/** Every leaf path whose value differs (added or removed leaves included), in path order. */
export function configDiff(from: unknown, to: unknown): ConfigChange[] {
  const a = leaves(from, '', new Map());
  const b = leaves(to, '', new Map());
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((path) => JSON.stringify(a.get(path)) !== JSON.stringify(b.get(path)))
    .map((path) => ({ path, from: a.get(path), to: b.get(path) }));
}

/** A value as one short line of text (undefined → "—"). */
export function showValue(value: unknown): string {
  return value === undefined ? '—' : JSON.stringify(value);
}
