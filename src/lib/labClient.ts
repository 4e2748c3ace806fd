import * as Comlink from 'comlink';
import type { LabEvent, LabWorkerApi } from '../../workers/protocol';

export type { LabEvent, LabWorkerApi };

export interface LabWorkerHandle {
  api: Comlink.Remote<LabWorkerApi>;
  /** Wraps a progress callback (of any event type) so it can cross into the worker. */
  progress<E>(callback: (event: E) => void): (event: E) => void;
  terminate(): void;
}

/** Starts a lab worker (one tfjs instance, one backend). */
export function createLabWorker(): LabWorkerHandle {
  const worker = new Worker(new URL('../../workers/lab.worker.ts', import.meta.url), {
    type: 'module',
    name: 'safetune-lab',
  });
  const api = Comlink.wrap<LabWorkerApi>(worker);
  return {
    api,
    progress: (callback) => Comlink.proxy(callback),
    terminate: () => {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
