import { describe, expect, it } from 'vitest';
import {
  RELOAD_KEY,
  ensureCrossOriginIsolation,
  type IsolationEnvironment,
} from '../../../src/lib/crossOriginIsolation';
import { MemoryStorage } from '../support/memoryStorage';

/** A browser tab: `registered` and `reloads` record what the page did. */
function tab(overrides: Partial<IsolationEnvironment> = {}) {
  const calls = { registered: [] as string[], reloads: 0 };
  const env: IsolationEnvironment = {
    crossOriginIsolated: false,
    isSecureContext: true,
    serviceWorker: {
      register: async (url: string | URL) => {
        calls.registered.push(String(url));
        return {} as ServiceWorkerRegistration;
      },
      ready: Promise.resolve({} as ServiceWorkerRegistration),
    },
    storage: new MemoryStorage(),
    workerUrl: '/lab/coi-sw.js',
    reload: () => calls.reloads++,
    ...overrides,
  };
  return { env, calls };
}

describe('cross-origin isolation on a host without headers', () => {
  it('an isolated page registers nothing', async () => {
    const { env, calls } = tab({ crossOriginIsolated: true });
    env.storage?.setItem(RELOAD_KEY, '1');
    expect(await ensureCrossOriginIsolation(env)).toBe('isolated');
    expect(calls).toEqual({ registered: [], reloads: 0 });
    // Isolated after the reload: a later loss of isolation in this tab may reload again.
    expect(env.storage?.getItem(RELOAD_KEY)).toBeNull();
  });

  it('first visit: registers the worker at the base and reloads once', async () => {
    const { env, calls } = tab();
    expect(await ensureCrossOriginIsolation(env)).toBe('reloading');
    expect(calls).toEqual({ registered: ['/lab/coi-sw.js'], reloads: 1 });
    expect(env.storage?.getItem(RELOAD_KEY)).not.toBeNull();
  });

  it('still not isolated after that reload (a browser ignoring the headers): no second reload', async () => {
    const { env, calls } = tab();
    await ensureCrossOriginIsolation(env);
    expect(await ensureCrossOriginIsolation(env)).toBe('failed');
    expect(calls.reloads).toBe(1);
  });

  it('no reload without storage to guard it, nor when registration fails', async () => {
    const noStorage = tab({ storage: null });
    expect(await ensureCrossOriginIsolation(noStorage.env)).toBe('failed');
    expect(noStorage.calls.reloads).toBe(0);
    const refused = tab({
      serviceWorker: {
        register: () => Promise.reject(new Error('SecurityError')),
        ready: new Promise(() => {}),
      },
    });
    expect(await ensureCrossOriginIsolation(refused.env)).toBe('failed');
    expect(refused.calls.reloads).toBe(0);
  });

  it('an insecure page or a browser without service workers runs as it is', async () => {
    const http = tab({ isSecureContext: false });
    expect(await ensureCrossOriginIsolation(http.env)).toBe('insecure');
    const none = tab({ serviceWorker: undefined });
    expect(await ensureCrossOriginIsolation(none.env)).toBe('no-service-worker');
    expect([http.calls, none.calls]).toEqual([
      { registered: [], reloads: 0 },
      { registered: [], reloads: 0 },
    ]);
  });
});
