import * as Comlink from 'comlink';
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

/** Starts a lab worker (one tfjs instance, one backend). */
export function createLabWorker(): LabWorkerHandle {
  const worker = new Worker(new URL('../../workers/lab.worker.ts', import.meta.url), {
    type: 'module',
    name: 'safetune-lab',
  });
  const api = Comlink.wrap<LabWorkerApi>(worker);
  return {
    api,
    progress: (listener) => Comlink.proxy(listener),
    terminate: () => {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
