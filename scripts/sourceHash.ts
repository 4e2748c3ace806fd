/**
 * The stage cache's source hash: SHA-256 of the code that determines a stage's weights, so a
 * kept browser or CLI profile can never serve weights trained by older code, while an edit that
 * cannot move a weight (a README, the summary's wording, the bench, a sweep or an attack) keeps
 * every cached stage.
 *
 * That code is found from the import graph, not a folder: every module reachable from
 * `STAGE_CODE_ROOTS` through value imports, re-exports and dynamic `import('…')` (the method
 * registry loads computations that way). `import type` and `export type` are not followed: they
 * emit no code. Bare specifiers (`@tensorflow/tfjs`) are packages, outside the hash.
 *
 * Vite computes it at build (and Vitest at test) time and bakes it into the bundle as
 * `CORE_SOURCE_HASH` (src/core/version.ts). `npx tsx scripts/sourceHash.ts --list` prints the
 * hashed files and the hash.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Where the walk starts, relative to the repository root: the modules that compute a stage's
 * weights. A root that does not exist is an error (a rename must update this list, not shrink the
 * hash). Pipeline orchestration is not a root: `pipeline/run.ts` would bring the evaluation, the
 * judges and the results file in; the pipeline's rooms that move weights (the stage plan, the
 * training and post stages) are.
 */
export const STAGE_CODE_ROOTS: readonly string[] = [
  // Every method's computation (alignment, fine-tuning, post), statically or through the dynamic
  // imports of the registry's entries, and the prunes and helpers they use.
  'src/core/methods/registry.ts',
  // The model: forward pass, LoRA, architectures, and the checkpoint encoding the cache stores.
  'src/core/model/index.ts',
  // The training loop, optimizer, schedule, batching, tokenizing of examples, micro-batches.
  'src/core/train/index.ts',
  // The WebGPU kernels the worker registers at backend set-up (`mendWebgpuKernels`): no stage
  // module imports them, yet they compute every step on WebGPU.
  'src/core/runtime/webgpuKernels.ts',
  // The fused kernels (norm, GELU, AdamW) the forward pass and the optimizer call.
  'src/core/runtime/webgpuFused.ts',
  // The matrices a post method acts on (`postWeightNames`), which the pipeline passes it.
  'src/core/prune/layers.ts',
  // Which examples each stage trains on (the alignment set, the poisoned mix, calibration rows).
  'src/core/pipeline/stageData.ts',
  // The micro-batch a stage trains with (the order of gradient sums).
  'src/core/pipeline/microBatch.ts',
  // What each stage starts from: a fresh adapter's seed, recomputed blocks, how the parent's
  // adapter is merged (`stagePlan.ts`); what a training method is given (`trainStage.ts`); the
  // post method's calibration batches and matrices (`postStage.ts`).
  'src/core/pipeline/stagePlan.ts',
  'src/core/pipeline/trainStage.ts',
  'src/core/pipeline/postStage.ts',
  // The attack (`methods/attack/`): a data attack's fine-tuning set and a weights attack's edit,
  // run inside the fine-tuning stage (`attackStage.ts`).
  'src/core/methods/attack/registry.ts',
  'src/core/pipeline/attackStage.ts',
  // The rows behind the stage data: built-in generators and Hub datasets read into examples.
  'src/core/data/sources.ts',
  // Text to token ids: the built-in word-level tokenizer and the Hugging Face path.
  'src/core/tokenizer/index.ts',
];

/** Extensions a relative specifier may leave out, as Vite resolves them (those the core uses). */
const EXTENSIONS = ['.ts', '.js', '.json'];

/**
 * The repository-relative paths (`/`-separated, sorted) of every module reachable from `roots`.
 * Throws, naming the file, on a missing root, an import that resolves to no file, and a dynamic
 * import whose specifier is not a string literal (it could name any module).
 */
export function stageCodeFiles(
  repoRoot: string,
  roots: readonly string[] = STAGE_CODE_ROOTS,
): string[] {
  const seen = new Set<string>();
  const pending: string[] = [];
  for (const root of roots) {
    const path = resolve(repoRoot, root);
    if (!isFile(path)) throw new Error(`source hash: the root ${root} does not exist`);
    pending.push(path);
  }
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    if (!/\.[cm]?[jt]s$/.test(path)) continue;
    for (const specifier of valueImports(path, toPosix(relative(repoRoot, path)))) {
      if (!specifier.startsWith('.') && !specifier.startsWith('/')) continue;
      pending.push(resolveImport(path, specifier, repoRoot));
    }
  }
  return [...seen].map((path) => toPosix(relative(repoRoot, path))).sort();
}

/**
 * SHA-256 of `files` (repository-relative): each path and its text with CRLF line ends made LF,
 * in sorted path order, so a Windows checkout hashes as a Linux one.
 */
export function hashFiles(repoRoot: string, files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const path of [...files].sort()) {
    hash.update(`${path}\0`);
    hash.update(readFileSync(join(repoRoot, path), 'utf8').replace(/\r\n/g, '\n'));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** The stage cache's source hash: `hashFiles` of `stageCodeFiles`. */
export function stageCodeHash(repoRoot: string, roots: readonly string[] = STAGE_CODE_ROOTS) {
  return hashFiles(repoRoot, stageCodeFiles(repoRoot, roots));
}

/**
 * The specifiers of a module's imports that emit code: static, re-exported and dynamic. `name` is
 * the module's path as errors give it.
 */
function valueImports(path: string, name: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      if (!node.importClause?.isTypeOnly) specifiers.push(literalText(node.moduleSpecifier));
    } else if (ts.isExportDeclaration(node)) {
      if (node.moduleSpecifier && !node.isTypeOnly) {
        specifiers.push(literalText(node.moduleSpecifier));
      }
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (!argument || !ts.isStringLiteralLike(argument)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        throw new Error(
          `source hash: ${name}:${line + 1} imports a computed specifier, which it cannot follow`,
        );
      }
      specifiers.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

function literalText(node: ts.Expression): string {
  if (!ts.isStringLiteralLike(node))
    throw new Error('source hash: a module specifier is not a string');
  return node.text;
}

/** The file a relative specifier names, as Vite resolves it; throws when there is none. */
function resolveImport(from: string, specifier: string, repoRoot: string): string {
  const base = resolve(dirname(from), specifier.replace(/[?#].*$/, ''));
  const candidates = [
    base,
    ...EXTENSIONS.map((extension) => base + extension),
    base.replace(/\.js$/, '.ts'),
    ...EXTENSIONS.map((extension) => join(base, `index${extension}`)),
  ];
  const found = candidates.find(isFile);
  if (!found) {
    throw new Error(
      `source hash: ${toPosix(relative(repoRoot, from))} imports "${specifier}", which is no file`,
    );
  }
  return found;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

// `npx tsx scripts/sourceHash.ts [--list]`: the hash, and with --list the files it covers.
if (import.meta.url === `file://${process.argv[1]}`) {
  const repoRoot = fileURLToPath(new URL('..', import.meta.url));
  const files = stageCodeFiles(repoRoot);
  if (process.argv.includes('--list')) for (const file of files) console.log(file);
  console.log(`${hashFiles(repoRoot, files)}  (${files.length} files)`);
}
