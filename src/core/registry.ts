/**
 * The lab's registries — methods per stage, data sets, judges, base models — share one shape:
 * an entry is its `meta` (plain data: what validation, the page, sweeps and the docs read) and a
 * `load` that imports its computation on first use (a dynamic `import()`), so the page validates a
 * config without loading tfjs. `registryProblems` is the one start-up check of every registry: a
 * name declared but missing, or an entry that contradicts itself, fails when the module loads,
 * never mid-run.
 */

/** A parameter an entry declares; a config's `*.params` is checked against these. */
export type ParamSpec =
  | { type: 'number' | 'integer'; min?: number; max?: number; default: number; description: string }
  | { type: 'enum'; values: readonly string[]; default: string; description: string }
  | { type: 'boolean'; default: boolean; description: string };

/** What a registry knows of an entry without loading it. */
export interface EntryMeta {
  /** The name a config uses: the entry's key in its registry. */
  readonly name: string;
  /** Where it applies (a method's stage); absent for registries without stages. */
  readonly stage?: string;
  /** One paragraph: what it does and why, for the UI and the docs. */
  readonly description: string;
  readonly citation?: string;
  /** Its own knobs, typed, with defaults: what the validator checks `<stage>.params` against. */
  readonly params?: Readonly<Record<string, ParamSpec>>;
  /** The shared config fields it reads (a post method's: the only ones in its stage's cache key). */
  readonly reads?: readonly string[];
  /** What it acts on (a post method's `post.target`s, a data set's roles). */
  readonly targets?: readonly string[];
}

export interface RegistryEntry<M extends EntryMeta = EntryMeta, I = unknown> {
  readonly meta: M;
  /** Imports the computation. Absent only where there is none to import (a base model's files). */
  readonly load?: () => Promise<I>;
}

export interface Registry<E extends RegistryEntry = RegistryEntry> {
  /** What an entry is, in messages: `alignment method`, `dataset`. */
  readonly kind: string;
  readonly entries: Readonly<Record<string, E>>;
  /** The names, in registration order. */
  readonly names: readonly string[];
}

/** A registry of `entries`, keyed by the name a config uses. */
export function defineRegistry<E extends RegistryEntry>(
  kind: string,
  entries: Readonly<Record<string, E>>,
): Registry<E> {
  return { kind, entries, names: Object.keys(entries) };
}

/** The entry called `name`, or a one-line error naming the valid names. */
export function lookup<E extends RegistryEntry>(registry: Registry<E>, name: string): E {
  if (!Object.hasOwn(registry.entries, name)) {
    throw new Error(`unknown ${registry.kind} "${name}" (valid: ${registry.names.join(', ')})`);
  }
  return registry.entries[name];
}

/** What a registry's entries must also satisfy, beyond a name, a description and sound params. */
export interface RegistryRules {
  /** Every entry's `meta.stage`. */
  stage?: string;
  /** The values `meta.targets` may hold; when given, every entry names at least one. */
  targets?: readonly string[];
  /** Every entry says which shared fields it reads (`meta.reads`, possibly empty). */
  reads?: boolean;
  /** Every entry has a `load` (default true). */
  load?: boolean;
  /** The names declared in a names-only list elsewhere: each is registered, and nothing else. */
  declared?: readonly string[];
}

/**
 * The start-up check of a registry, one line per problem: a key that differs from its entry's
 * name, an entry in the wrong stage, an empty description, a missing `load`, undeclared `reads` or
 * `targets`, a parameter whose default is outside its own range, a declared name that is not
 * registered or a registered one that is not declared.
 */
export function registryProblems(registry: Registry, rules: RegistryRules = {}): string[] {
  const problems: string[] = [];
  for (const [key, entry] of Object.entries(registry.entries)) {
    const where = `${registry.kind} "${key}"`;
    const { meta } = entry;
    if (meta.name !== key) problems.push(`${where} is named "${meta.name}"`);
    if (rules.stage !== undefined && meta.stage !== rules.stage) {
      problems.push(`${where} has stage "${meta.stage}", expected "${rules.stage}"`);
    }
    if (!meta.description.trim()) problems.push(`${where} has no description`);
    if (rules.load !== false && typeof entry.load !== 'function') {
      problems.push(`${where} has no load()`);
    }
    if (rules.reads && !Array.isArray(meta.reads)) {
      problems.push(`${where} does not say which shared fields it reads (reads)`);
    }
    const allowed = rules.targets;
    if (
      allowed &&
      (!Array.isArray(meta.targets) ||
        meta.targets.length === 0 ||
        meta.targets.some((t) => !allowed.includes(t)))
    ) {
      problems.push(`${where} must say what it acts on (targets: ${allowed.join(', ')})`);
    }
    for (const [param, spec] of Object.entries(meta.params ?? {})) {
      const problem = paramSpecProblem(spec);
      if (problem) problems.push(`${where} parameter "${param}": ${problem}`);
    }
  }
  if (rules.declared) {
    for (const name of rules.declared) {
      if (!Object.hasOwn(registry.entries, name)) {
        problems.push(`${registry.kind} "${name}" is declared but not registered`);
      }
    }
    for (const name of registry.names) {
      if (!rules.declared.includes(name)) {
        problems.push(`${registry.kind} "${name}" is registered but not declared`);
      }
    }
  }
  return problems;
}

/** Throws every `registryProblems` line at once: called where a registry is defined. */
export function assertRegistry(registry: Registry, rules: RegistryRules = {}): void {
  const problems = registryProblems(registry, rules);
  if (problems.length > 0) {
    throw new Error(`${registry.kind} registry is inconsistent:\n${problems.join('\n')}`);
  }
}

/** Why a parameter spec contradicts itself (its default outside its own range), or null. */
export function paramSpecProblem(spec: ParamSpec): string | null {
  if (!spec.description.trim()) return 'no description';
  if (spec.type === 'enum' && !spec.values.includes(spec.default)) {
    return `default "${spec.default}" is not one of ${spec.values.join(', ')}`;
  }
  if (spec.type === 'number' || spec.type === 'integer') {
    if (
      (spec.min !== undefined && spec.default < spec.min) ||
      (spec.max !== undefined && spec.default > spec.max)
    ) {
      return `default ${spec.default} is outside [${spec.min ?? '-∞'}, ${spec.max ?? '∞'}]`;
    }
    if (spec.type === 'integer' && !Number.isInteger(spec.default)) {
      return `default ${spec.default} is not an integer`;
    }
  }
  return null;
}
