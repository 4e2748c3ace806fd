import { createLabWorker, type LabWorkerHandle } from './labClient';

/** What the driver asks of the page's own worker (`LabSession.standDown`). */
interface PageSession {
  standDown(): void;
}

let pageSession: PageSession | null = null;

/** The page's session, stood down whenever a script starts a worker of its own. */
export function attachPageSession(session: PageSession | null): void {
  pageSession = session;
}

/**
 * The driver API the page puts on `window.safetuneLab`: the CLI, the benchmarks and the e2e tests
 * reach the very same worker code the page uses through it. Starting one stops the page's own
 * worker while it is idle, so that the script's run has the machine to itself.
 */
export const labDriver = {
  createLabWorker(): LabWorkerHandle {
    pageSession?.standDown();
    return createLabWorker();
  },
};
export type LabDriver = typeof labDriver;

declare global {
  interface Window {
    safetuneLab: LabDriver;
  }
}
