/** What the Backend panel says about wasm's threads (workers/backends.ts reports them). */
import type { BackendInfo } from '../core/runtime/backend';

/** "2 threads" on wasm; null on another backend, or from a worker that did not report them. */
export function threadsText(info: BackendInfo): string | null {
  if (info.backend !== 'wasm' || info.threads === undefined) return null;
  return `${info.threads} ${info.threads === 1 ? 'thread' : 'threads'}`;
}

/**
 * Why wasm runs on one thread, or null when it runs on more (or on another backend).
 * `logicalCores`: the page's `navigator.hardwareConcurrency`, which the default count is half of.
 */
export function oneThreadReason(info: BackendInfo, logicalCores: number): string | null {
  if (info.backend !== 'wasm' || info.threads !== 1) return null;
  if (info.crossOriginIsolated === false) {
    return 'One thread: this page is not cross-origin isolated, so wasm runs its single-thread build. A server that sends COOP/COEP headers, or the lab’s service worker over https, lets it use half the cores.';
  }
  return `One thread: the lab uses half of this device’s ${logicalCores} logical ${logicalCores === 1 ? 'core' : 'cores'}.`;
}
