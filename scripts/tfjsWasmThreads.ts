/**
 * Makes tfjs-backend-wasm's threaded build survive bundling.
 *
 * Its `init()` (dist/backend_wasm.js) hands Emscripten's pthread workers the module's own source
 * as `new Blob(['var WasmBackendModuleThreadedSimd = ' + wasmFactoryThreadedSimd.toString()])`:
 * each pthread worker `importScripts` that blob and calls `WasmBackendModuleThreadedSimd(Module)`.
 * `toString()` only yields that source while the factory is the untouched Emscripten file. Once
 * bundled and minified, the inner factory refers to names of its enclosing closure that the blob
 * does not have (`_scriptDir`, renamed to a one-letter outer variable; the bundler's CommonJS
 * wrappers): the pthreads never report back and `tf.setBackend('wasm')` hangs.
 *
 * The fix puts the unminified original file in the blob: the transform replaces that expression
 * with the text of `../wasm-out/tfjs-backend-wasm-threaded-simd.js` (the file the module itself
 * imports, so always the same version), inlined as a string literal, which no minifier alters.
 * The file defines the global `WasmBackendModuleThreadedSimd` itself (its closure included), and
 * its CommonJS/AMD export lines do nothing in a classic worker. A literal rather than a `?raw`
 * import: the same transform also runs in the dev server's dependency pre-bundling, which knows
 * no Vite query suffixes.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The expression in `init()` whose value becomes the pthreads' script. */
const FACTORY_SOURCE =
  /`var WasmBackendModuleThreadedSimd = `\s*\+\s*wasmFactoryThreadedSimd\.toString\(\)/;

/** Where the package's module imports the threaded factory from, relative to that module. */
const THREADED_FACTORY_FILE = '../wasm-out/tfjs-backend-wasm-threaded-simd.js';

/**
 * The module's code with the pthread blob's source replaced by `factorySource`, or null when the
 * module does not build that blob. A module that sets `mainScriptUrlOrBlob` without the expected
 * expression is an error: a tfjs upgrade changed `init()`, and threads would hang again silently.
 */
export function withOriginalThreadedFactory(code: string, factorySource: string): string | null {
  if (!code.includes('mainScriptUrlOrBlob')) return null;
  if (!FACTORY_SOURCE.test(code)) {
    throw new Error(
      "tfjs-backend-wasm's init() no longer builds its pthread blob from wasmFactoryThreadedSimd.toString(): update scripts/tfjsWasmThreads.ts",
    );
  }
  return code.replace(FACTORY_SOURCE, () => JSON.stringify(factorySource));
}

/** Whether `id` (a resolved module path, maybe with a query) is one of tfjs-backend-wasm's files. */
function isTfjsWasmModule(id: string): boolean {
  return /[\\/]@tensorflow[\\/]tfjs-backend-wasm[\\/]dist[\\/][^?]*\.js(\?|$)/.test(id);
}

/**
 * The plugin (Vite and Rolldown share the hook): for the app's and the workers' bundles, and for
 * the dev server's dependency pre-bundling (`optimizeDeps.rolldownOptions.plugins`).
 */
export function tfjsWasmThreads() {
  return {
    name: 'safetune:tfjs-wasm-threads',
    transform(code: string, id: string) {
      if (!isTfjsWasmModule(id)) return null;
      const path = id.split('?')[0];
      const factoryFile = resolve(dirname(path), THREADED_FACTORY_FILE);
      if (!code.includes('mainScriptUrlOrBlob')) return null;
      const transformed = withOriginalThreadedFactory(code, readFileSync(factoryFile, 'utf8'));
      return transformed === null ? null : { code: transformed, map: null };
    },
  };
}
