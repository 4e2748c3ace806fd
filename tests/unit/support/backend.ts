import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { fileURLToPath } from 'node:url';

/** Switch tfjs to a CPU backend available under Node ('cpu' or 'wasm'). */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm') {
    setWasmPaths(
      fileURLToPath(
        new URL('../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url),
      ),
    );
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
}
