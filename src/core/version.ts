/**
 * The lab's version, in every results file and beside each cached stage (shown, not part of its
 * key: code changes reach the key through `CORE_SOURCE_HASH`). Kept equal to package.json by a
 * test.
 */
export const LAB_VERSION = '0.1.0';

declare const __SAFETUNE_CORE_HASH__: string | undefined;

/**
 * SHA-256 of the code that determines a stage's weights, as built: the modules reachable by import
 * from `STAGE_CODE_ROOTS` in `scripts/sourceHash.ts` (the methods, model, training, prune, data,
 * tokenizer and WebGPU kernels; not the evaluation, the summary, the bench, sweeps or attacks),
 * baked in by Vite, under Vitest too. Part of every stage cache key (`stageKey`). Code run
 * without Vite (a tsx script) has no build, hence `'unbuilt'`; such code never shares a cache with
 * the page.
 */
export const CORE_SOURCE_HASH: string =
  typeof __SAFETUNE_CORE_HASH__ === 'string' ? __SAFETUNE_CORE_HASH__ : 'unbuilt';
