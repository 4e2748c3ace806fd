import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tfjsWasmThreads, withOriginalThreadedFactory } from '../../../scripts/tfjsWasmThreads';
import viteConfig from '../../../vite.config';

const BACKEND_WASM = 'node_modules/@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js';
const FACTORY =
  'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';

describe("tfjs-backend-wasm's pthread blob carries the original threaded factory", () => {
  it('the installed backend_wasm.js builds the blob from the unminified file, nothing else changed', () => {
    const code = readFileSync(BACKEND_WASM, 'utf8');
    const source = readFileSync(FACTORY, 'utf8');
    const transformed = withOriginalThreadedFactory(code, source);
    expect(transformed).not.toBeNull();
    expect(transformed).not.toContain('wasmFactoryThreadedSimd.toString()');
    expect(transformed).toContain(`new Blob([${JSON.stringify(source)}]`);
    // The rest of the module is as it was.
    const [before, after] = code.split(
      /`var WasmBackendModuleThreadedSimd = `\s*\+\s*wasmFactoryThreadedSimd\.toString\(\)/,
    );
    expect(transformed).toBe(before + JSON.stringify(source) + after);
  });

  it('the blob defines the global the pthread worker calls: WasmBackendModuleThreadedSimd(Module)', () => {
    const scope: { WasmBackendModuleThreadedSimd?: unknown } = {};
    // As importScripts runs it: a classic script, no module, exports or define.
    new Function(
      'self',
      `${readFileSync(FACTORY, 'utf8')}; self.WasmBackendModuleThreadedSimd = WasmBackendModuleThreadedSimd;`,
    )(scope);
    expect(typeof scope.WasmBackendModuleThreadedSimd).toBe('function');
  });

  it('the plugin transforms only that module, read beside it; a changed init() fails the build', () => {
    const plugin = tfjsWasmThreads();
    const id = `${process.cwd()}/${BACKEND_WASM}`;
    const result = plugin.transform(readFileSync(BACKEND_WASM, 'utf8'), id);
    expect(result?.code).toContain(JSON.stringify(readFileSync(FACTORY, 'utf8')));
    expect(plugin.transform('export const x = 1;', id)).toBeNull();
    expect(
      plugin.transform('mainScriptUrlOrBlob = x.toString()', `${process.cwd()}/src/other.js`),
    ).toBeNull();
    expect(() => plugin.transform('factoryConfig.mainScriptUrlOrBlob = blob;', id)).toThrow(
      /no longer builds its pthread blob/,
    );
  });

  it('vite.config.ts applies it to the worker bundle and the dev pre-bundling', () => {
    const names = (plugins: unknown) =>
      (plugins as { name?: string }[] | undefined)?.map((plugin) => plugin?.name) ?? [];
    expect(names(viteConfig.worker?.plugins?.())).toContain('safetune:tfjs-wasm-threads');
    expect(names(viteConfig.optimizeDeps?.rolldownOptions?.plugins)).toContain(
      'safetune:tfjs-wasm-threads',
    );
  });
});
