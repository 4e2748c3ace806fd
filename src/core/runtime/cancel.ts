/** Cooperative cancellation: long loops call `throwIfCancelled()` between steps. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export class CancelToken {
  private cancelled = false;
  private failure: Error | null = null;
  private readonly controller = new AbortController();

  cancel(): void {
    this.cancelled = true;
    this.controller.abort();
  }

  /**
   * Stops the work for a reason other than the user's click (the GPU device was lost): from now
   * on `throwIfCancelled` throws `reason` instead of a CancelledError. A cancel before it stands.
   */
  fail(reason: Error): void {
    if (this.cancelled) return;
    this.failure = reason;
    this.cancelled = true;
    this.controller.abort(reason);
  }

  /** Aborts with the token, so a download (`fetch`) stops at once rather than at the next step. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  throwIfCancelled(): void {
    if (this.cancelled) throw this.failure ?? new CancelledError();
  }
}

/**
 * Lets queued messages (e.g. a `cancel` from the page) run. On CPU backends a training step's
 * read-back resolves as a microtask, so a loop of awaited steps would otherwise never yield to the
 * event loop. A MessageChannel round trip is a macrotask without setTimeout's 4 ms clamp.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Yield to the event loop, then throw if cancellation was requested meanwhile. */
export async function checkpoint(token?: CancelToken): Promise<void> {
  await yieldToEventLoop();
  token?.throwIfCancelled();
}
