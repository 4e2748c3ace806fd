/**
 * The layers of `src/core/`, bottom to top, and the imports that point up them. A module may
 * import from its own layer and the ones below; an import (a type import too) from a higher layer
 * is an edge pointing up: the lower module would depend on policy it should not know.
 *
 *   npx tsx scripts/layers.ts      prints every up-pointing edge (none: exit 0), one per line
 *
 * `tests/unit/layers.test.ts` holds the tree to none.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bottom to top; each entry is a folder of `src/core/` or a file at its top. */
export const LAYERS: readonly (readonly string[])[] = [
  // Leaves: no knowledge of models or configs.
  ['random.ts', 'version.ts', 'errors.ts', 'registry.ts', 'runtime'],
  // The model (five families, LoRA, layer roles) and the tokenizers.
  ['model', 'tokenizer'],
  // The experiment config: schema, validation, presets, hashing (speaks the model's roles).
  ['config'],
  // What a stage computes with: data, Hub files, generation, training, pruning, metrics.
  ['data', 'hub', 'generation', 'train', 'prune', 'metrics'],
  // The methods (registries of meta + computations built on the layer below).
  ['methods'],
  // Running an experiment, and keeping its results.
  ['pipeline', 'store'],
  // Many runs: sweeps, the attacker search, their shards and merges, benchmarks.
  ['sweep', 'attack', 'shard', 'bench'],
  // The composition root: the one module that knows every registry.
  ['lab.ts'],
];

export interface Edge {
  from: string;
  to: string;
  fromLayer: number;
  toLayer: number;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function layerOf(pathInCore: string): number {
  const top = pathInCore.split(/[\\/]/)[0];
  const layer = LAYERS.findIndex((names) => names.includes(top));
  if (layer === -1) throw new Error(`src/core/${pathInCore} is in no layer: add ${top} to LAYERS`);
  return layer;
}

/** Every import between two modules of `core` that points to a higher layer. */
export function upwardEdges(core: string): Edge[] {
  const edges: Edge[] = [];
  for (const file of files(core).sort()) {
    const from = relative(core, file).split(sep).join('/');
    const fromLayer = layerOf(from);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const target = normalize(join(dirname(file), match[1] ?? match[2]));
      const to = relative(core, target).split(sep).join('/');
      if (to.startsWith('..')) continue;
      const isFolder =
        to.includes('/') || statSync(target, { throwIfNoEntry: false })?.isDirectory();
      const toLayer = layerOf(isFolder ? to : `${to}.ts`);
      if (toLayer > fromLayer) edges.push({ from, to, fromLayer, toLayer });
    }
  }
  return edges;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const core = fileURLToPath(new URL('../src/core', import.meta.url));
  const edges = upwardEdges(core);
  for (const edge of edges) {
    console.log(`${edge.from} -> ${edge.to}  (layer ${edge.fromLayer} -> ${edge.toLayer})`);
  }
  console.log(`${edges.length} import(s) point up a layer`);
  process.exitCode = edges.length === 0 ? 0 : 1;
}
