import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeferredDelete, DeleteJournal, UNDO_DELAY_MS } from '../../../src/lib/deferredDelete';

describe('DeferredDelete: a delete that can be undone for a while', () => {
  let committed: string[];
  let changes: (string | null)[];
  let deferred: DeferredDelete<string>;

  beforeEach(() => {
    vi.useFakeTimers();
    committed = [];
    changes = [];
    deferred = new DeferredDelete<string>((id) => committed.push(id), {
      onChange: (pending) => changes.push(pending),
    });
  });
  afterEach(() => vi.useRealTimers());

  it('waits out the undo window (10 s by default), then commits once', () => {
    expect(UNDO_DELAY_MS).toBe(10_000);
    deferred.schedule('a');
    expect(deferred.pending).toBe('a');
    vi.advanceTimersByTime(UNDO_DELAY_MS - 1);
    expect(committed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(committed).toEqual(['a']);
    expect(deferred.pending).toBeNull();
    vi.advanceTimersByTime(10 * UNDO_DELAY_MS);
    expect(committed).toEqual(['a']);
    expect(changes).toEqual(['a', null]);
  });

  it('undo within the window hands the item back and nothing is ever committed', () => {
    deferred.schedule('a');
    vi.advanceTimersByTime(UNDO_DELAY_MS / 2);
    expect(deferred.undo()).toBe('a');
    expect(deferred.pending).toBeNull();
    vi.advanceTimersByTime(10 * UNDO_DELAY_MS);
    expect(committed).toEqual([]);
    expect(changes).toEqual(['a', null]);
    expect(deferred.undo()).toBeNull();
    expect(changes).toEqual(['a', null]);
  });

  it('deleting another item commits the pending one at once and restarts the window', () => {
    deferred.schedule('a');
    vi.advanceTimersByTime(UNDO_DELAY_MS - 1000);
    deferred.schedule('b');
    expect(committed).toEqual(['a']);
    expect(deferred.pending).toBe('b');
    // b has its own full window: a's timer does not commit it early.
    vi.advanceTimersByTime(UNDO_DELAY_MS - 1);
    expect(committed).toEqual(['a']);
    vi.advanceTimersByTime(1);
    expect(committed).toEqual(['a', 'b']);
    expect(changes).toEqual(['a', null, 'b', null]);
  });

  it('flush (the page being left) commits the pending delete now, and only once', () => {
    deferred.flush();
    expect(committed).toEqual([]);
    deferred.schedule('a');
    deferred.flush();
    expect(committed).toEqual(['a']);
    deferred.flush();
    vi.advanceTimersByTime(10 * UNDO_DELAY_MS);
    expect(committed).toEqual(['a']);
  });

  it('takes its delay from the options', () => {
    const quick = new DeferredDelete<string>((id) => committed.push(id), { delayMs: 50 });
    quick.schedule('q');
    vi.advanceTimersByTime(50);
    expect(committed).toEqual(['q']);
  });
});

/** A Map-backed stand-in for session storage. */
function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    items,
  };
}

describe('DeleteJournal: deletes still to do survive a reload', () => {
  it('keeps the ids added and not yet removed, in order, once each', () => {
    const storage = memoryStorage();
    const journal = new DeleteJournal(storage, 'k');
    journal.add('a');
    journal.add('b');
    journal.add('a');
    expect(journal.ids()).toEqual(['a', 'b']);
    // A new page reads what the old one wrote.
    expect(new DeleteJournal(storage, 'k').ids()).toEqual(['a', 'b']);
    journal.remove('a');
    expect(new DeleteJournal(storage, 'k').ids()).toEqual(['b']);
    journal.remove('missing');
    expect(journal.ids()).toEqual(['b']);
  });

  it('reads junk, the wrong shape or no storage at all as nothing to do', () => {
    expect(new DeleteJournal(memoryStorage({ k: '{not json' }), 'k').ids()).toEqual([]);
    expect(new DeleteJournal(memoryStorage({ k: '{"a":1}' }), 'k').ids()).toEqual([]);
    expect(new DeleteJournal(memoryStorage({ k: '["a",3,null]' }), 'k').ids()).toEqual(['a']);
    const none = new DeleteJournal(null);
    none.add('a');
    expect(none.ids()).toEqual([]);
  });

  it('a storage that refuses writes does not stop the caller', () => {
    const full = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(() => new DeleteJournal(full).add('a')).not.toThrow();
  });
});
