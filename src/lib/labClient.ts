import * as Comlink from 'comlink';
import { defaultWasmThreads } from '../core/runtime/threads';
import type {
  DownloadEvent,
  LabEvent,
  LabListener,
  LabMessage,
  LabWorkerApi,
} from '../../workers/protocol';

export type { DownloadEvent, LabEvent, LabListener, LabMessage, LabWorkerApi };

export interface LabWorkerHandle {
  api: Comlink.Remote<LabWorkerApi>;
  /** Wraps a call's listener (of that call's events) so it can cross into the worker. */
  progress<E extends LabEvent>(listener: LabListener<E>): LabListener<E>;
  terminate(): void;
}

/**
 * The worker's API with `init`'s `threads` defaulting to `defaultWasmThreads` of the page's
 * `navigator.hardwareConcurrency`. The page's, not the worker's: the two agree in a browser, but
 * only the page's can be emulated (CDP's `Emulation.setHardwareConcurrencyOverride` does not reach
 * a dedicated worker), which is how a 2-core machine tests more threads.
 */
function withPageThreads(remote: Comlink.Remote<LabWorkerApi>): Comlink.Remote<LabWorkerApi> {
  const init: LabWorkerApi['init'] = (backend, options) =>
    remote.init(backend, {
      ...options,
      threads: options?.threads ?? defaultWasmThreads(navigator.hardwareConcurrency),
    });
  return new Proxy(remote, {
    get: (target, property, receiver) =>
      property === 'init' ? init : Reflect.get(target, property, receiver),
  });
}

/** Starts a lab worker (one tfjs instance, one backend). */
export function createLabWorker(): LabWorkerHandle {
  const worker = new Worker(new URL('../../workers/lab.worker.ts', import.meta.url), {
    type: 'module',
    name: 'safetune-lab',
  });
  const api = withPageThreads(Comlink.wrap<LabWorkerApi>(worker));
  return {
    api,
    progress: (listener) => Comlink.proxy(listener),
    terminate: () => {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
