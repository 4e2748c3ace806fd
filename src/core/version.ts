/** The lab's version, part of every stage cache key and results file (kept equal to package.json by a test). */
export const LAB_VERSION = '0.1.0';

declare const __SAFETUNE_CORE_HASH__: string | undefined;

/**
 * SHA-256 of `src/core/` as built (`scripts/sourceHash.ts`, baked in by Vite, under Vitest too):
 * part of every stage cache key. Code run without Vite (a tsx script) has no build, hence
 * `'unbuilt'`; such code never shares a cache with the page.
 */
export const CORE_SOURCE_HASH: string =
  typeof __SAFETUNE_CORE_HASH__ === 'string' ? __SAFETUNE_CORE_HASH__ : 'unbuilt';
