/**
 * A delete that waits before it happens, so it can be undone: one item at a time is pending;
 * it is committed when its delay runs out, when another item is scheduled, or on `flush()` (the
 * page being left). Knows nothing of the page or the store: `commit` does the real delete.
 */
export const UNDO_DELAY_MS = 10_000;

export class DeferredDelete<T> {
  #pending: T | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly #commit: (item: T) => void;
  readonly #delayMs: number;
  readonly #onChange: (pending: T | null) => void;

  /** `onChange` hears every change of the pending item (null once none is pending). */
  constructor(
    commit: (item: T) => void,
    options: { delayMs?: number; onChange?: (pending: T | null) => void } = {},
  ) {
    this.#commit = commit;
    this.#delayMs = options.delayMs ?? UNDO_DELAY_MS;
    this.#onChange = options.onChange ?? (() => undefined);
  }

  /** The item whose delete can still be undone, or null. */
  get pending(): T | null {
    return this.#pending;
  }

  /** Starts the undo window for `item`, committing the delete that was pending before it. */
  schedule(item: T): void {
    this.flush();
    this.#pending = item;
    this.#timer = setTimeout(() => this.flush(), this.#delayMs);
    this.#onChange(item);
  }

  /** Cancels the pending delete and hands back its item (null when none was pending). */
  undo(): T | null {
    const item = this.#take();
    if (item !== null) this.#onChange(null);
    return item;
  }

  /** Commits the pending delete now, if there is one. */
  flush(): void {
    const item = this.#take();
    if (item === null) return;
    this.#onChange(null);
    this.#commit(item);
  }

  #take(): T | null {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const item = this.#pending;
    this.#pending = null;
    return item;
  }
}

/** The part of `Storage` the journal uses (a fake in tests). */
export type JournalStorage = Pick<Storage, 'getItem' | 'setItem'>;

/**
 * The ids of deletes asked for but not yet known to be done, kept in this tab's session storage.
 * An IndexedDB delete started as the page is left (`pagehide`) is often cut off by the reload,
 * so the next page load finishes what the journal still holds: a reload inside the undo window
 * deletes that one run (as asked, only sooner) and loses nothing else. Session storage, not local
 * storage: another tab must not carry out this tab's delete before its undo window has passed. A
 * tab closed inside the window may keep the run, which is the safe way to fail.
 */
export class DeleteJournal {
  readonly #storage: JournalStorage | null;
  readonly #key: string;

  constructor(storage: JournalStorage | null, key = 'safetune-lab.pending-deletes') {
    this.#storage = storage;
    this.#key = key;
  }

  /** The ids still to delete, oldest first; none when the storage is missing or holds junk. */
  ids(): string[] {
    try {
      const parsed: unknown = JSON.parse(this.#storage?.getItem(this.#key) ?? '[]');
      return Array.isArray(parsed) ? parsed.filter((id) => typeof id === 'string') : [];
    } catch {
      return [];
    }
  }

  add(id: string): void {
    if (!this.ids().includes(id)) this.#write([...this.ids(), id]);
  }

  remove(id: string): void {
    this.#write(this.ids().filter((other) => other !== id));
  }

  #write(ids: string[]): void {
    try {
      this.#storage?.setItem(this.#key, JSON.stringify(ids));
    } catch {
      // Storage full or blocked: the journal is a safety net; the delete itself still runs.
    }
  }
}

/** This tab's session storage, or null where the browser refuses it (blocked site data). */
export function sessionStorageOrNull(): JournalStorage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}
