/**
 * Assembles `src/core/runtime/simd/kernels.wat` into the two binaries `simdKernels.ts` loads (over
 * an unshared memory, and over a cross-origin-isolated page's shared one) and writes them, base64,
 * to `src/core/runtime/simd/kernelsBinary.ts`. wabt (the WebAssembly Binary Toolkit, built for
 * JavaScript) does the assembling; it is needed here and in the unit test that checks the written
 * file is this source's, not at run time.
 *
 *   npm run build:simd
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import wabtModule from 'wabt';

const root = resolve(import.meta.dirname, '..');
export const WAT_PATH = resolve(root, 'src/core/runtime/simd/kernels.wat');
export const BINARY_PATH = resolve(root, 'src/core/runtime/simd/kernelsBinary.ts');

/** The memory limits of each variant, in place of the source's `__LIMITS__`. */
const LIMITS = { unshared: '1', shared: '1 65536 shared' } as const;

/** The binaries of `wat`, one per memory kind. */
export async function assembleSimdKernels(
  wat: string,
): Promise<Record<keyof typeof LIMITS, Uint8Array>> {
  const wabt = await wabtModule();
  const assemble = (limits: string) => {
    const module = wabt.parseWat(
      'kernels.wat',
      wat.replace('(memory __LIMITS__)', `(memory ${limits})`),
      {
        simd: true,
        threads: true,
      },
    );
    try {
      // wabt's own validator ignores the threads feature (it refuses the shared memory); V8's checks.
      const bytes = new Uint8Array(module.toBinary({}).buffer);
      if (!WebAssembly.validate(bytes))
        throw new Error(`kernels.wat (${limits}): invalid WebAssembly`);
      return bytes;
    } finally {
      module.destroy();
    }
  };
  return { unshared: assemble(LIMITS.unshared), shared: assemble(LIMITS.shared) };
}

/** The TypeScript module holding `binaries`, as `build:simd` writes it. */
export function binaryModule(binaries: Record<keyof typeof LIMITS, Uint8Array>): string {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  return `// Written by \`npm run build:simd\` from kernels.wat: do not edit.
/** kernels.wat over an unshared memory, base64. */
export const UNSHARED_MEMORY_KERNELS =
  '${base64(binaries.unshared)}';
/** kernels.wat over a shared memory (a cross-origin-isolated page's threaded build), base64. */
export const SHARED_MEMORY_KERNELS =
  '${base64(binaries.shared)}';
`;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const binaries = await assembleSimdKernels(readFileSync(WAT_PATH, 'utf8'));
  writeFileSync(BINARY_PATH, binaryModule(binaries));
  console.log(
    `${BINARY_PATH}: ${binaries.unshared.length} and ${binaries.shared.length} bytes of WebAssembly`,
  );
}
