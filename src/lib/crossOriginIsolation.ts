/**
 * Cross-origin isolation on a host that sends no COOP/COEP headers: registers the lab's service
 * worker (public/coi-sw.js), which re-serves the lab with them, and reloads once so the page
 * arrives through it. Where the server sends the headers (vite dev and preview, the CLI) the page
 * is isolated already and nothing happens. Without isolation the lab still works, on one wasm
 * thread (workers/backends.ts).
 */

/** Set in the tab's sessionStorage before the one reload: a second one would be a loop. */
export const RELOAD_KEY = 'safetune-coi-reloaded';

/** What `ensureCrossOriginIsolation` found or did. */
export type IsolationOutcome =
  /** Isolated: by the server's headers, or by the service worker after its reload. */
  | 'isolated'
  /** The service worker is active; the page reloads to arrive through it. */
  | 'reloading'
  /** Service workers need a secure context: https, or a loopback host. */
  | 'insecure'
  /** The browser offers no service workers here (some private windows, or disabled). */
  | 'no-service-worker'
  /** Registration failed, or the one reload did not isolate the page (nothing more is tried). */
  | 'failed';

/** The browser, as far as this module needs it (a test passes its own). */
export interface IsolationEnvironment {
  crossOriginIsolated: boolean;
  isSecureContext: boolean;
  serviceWorker: Pick<ServiceWorkerContainer, 'register' | 'ready'> | undefined;
  /** The tab's sessionStorage; null where it cannot be used (then no reload is risked). */
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  /** The service worker's URL (its folder is its scope: the app's base). */
  workerUrl: string;
  reload(): void;
}

function browserEnvironment(): IsolationEnvironment {
  let storage: IsolationEnvironment['storage'] = null;
  try {
    storage = window.sessionStorage;
  } catch {
    // A browser that denies storage: no reload guard, so no reload.
  }
  return {
    crossOriginIsolated: window.crossOriginIsolated === true,
    isSecureContext: window.isSecureContext,
    serviceWorker: 'serviceWorker' in navigator ? navigator.serviceWorker : undefined,
    storage,
    workerUrl: `${import.meta.env.BASE_URL}coi-sw.js`,
    reload: () => window.location.reload(),
  };
}

/** Never rejects: a page that cannot be isolated runs as before, on one wasm thread. */
export async function ensureCrossOriginIsolation(
  env: IsolationEnvironment = browserEnvironment(),
): Promise<IsolationOutcome> {
  try {
    if (env.crossOriginIsolated) {
      env.storage?.removeItem(RELOAD_KEY);
      return 'isolated';
    }
    if (!env.isSecureContext) return 'insecure';
    if (!env.serviceWorker) return 'no-service-worker';
    await env.serviceWorker.register(env.workerUrl);
    if (!env.storage || env.storage.getItem(RELOAD_KEY) !== null) return 'failed';
    await env.serviceWorker.ready;
    env.storage.setItem(RELOAD_KEY, String(Date.now()));
    env.reload();
    return 'reloading';
  } catch {
    return 'failed';
  }
}
