import { createLabWorker } from './labClient';

/**
 * The driver API the page puts on `window.safetuneLab`: the CLI, the benchmarks and the e2e tests
 * reach the very same worker the page uses through it.
 */
export const labDriver = { createLabWorker };
export type LabDriver = typeof labDriver;

declare global {
  interface Window {
    safetuneLab: LabDriver;
  }
}
