/**
 * Storage failures as one error type the UI can show as is. Every store method throws only
 * `StoreError`; its message says what was being done and why it failed, in the user's words
 * ("could not save the fine-tuned weights (1.6 MB): the browser's storage quota is full — …").
 */

export type StoreErrorKind = 'quota' | 'unavailable' | 'corrupt' | 'unknown';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly kind: StoreErrorKind;
  /** What was being done, e.g. "save the fine-tuned weights (1.6 MB)". */
  readonly action: string;
  /** Why it failed, e.g. "the browser's storage quota is full — …". */
  readonly reason: string;

  constructor(kind: StoreErrorKind, action: string, reason: string, cause?: unknown) {
    super(`could not ${action}: ${reason}`, cause === undefined ? undefined : { cause });
    this.kind = kind;
    this.action = action;
    this.reason = reason;
  }
}

export const QUOTA_REASON =
  "the browser's storage quota is full — delete cached stages in the Cache panel";

/**
 * Convert any failure met while doing `action` into a `StoreError` (a `StoreError` passes
 * through unchanged). Classification is by DOMException name, because errors cross realms
 * (worker, page, fake-indexeddb) where `instanceof DOMException` is unreliable.
 */
export function toStoreError(error: unknown, action: string): StoreError {
  if (error instanceof StoreError) return error;
  if (isQuotaError(error)) return new StoreError('quota', action, QUOTA_REASON, error);
  const name = errorName(error);
  const message = errorMessage(error);
  switch (name) {
    case 'InvalidStateError':
      return new StoreError(
        'unavailable',
        action,
        'the database connection is closed (the store was closed, or another tab upgraded the ' +
          'database) — reload the page',
        error,
      );
    case 'SecurityError':
      return new StoreError(
        'unavailable',
        action,
        'the browser blocks storage for this page (privacy settings or a sandboxed frame)',
        error,
      );
    case 'VersionError':
      return new StoreError(
        'unavailable',
        action,
        'the database was written by a newer version of the lab — open that version, or clear ' +
          "this site's data",
        error,
      );
    case 'DataCloneError':
      return new StoreError(
        'unknown',
        action,
        `it holds a value IndexedDB cannot store (${describe(name, message)})`,
        error,
      );
    default:
      return new StoreError('unknown', action, describe(name, message), error);
  }
}

/**
 * A quota failure, wherever it surfaces: the request's own error, or the error of a transaction
 * that aborted at commit (Chrome reports quota there). Also followed: `cause` and `error` links
 * of wrapping errors, the legacy codes (22; Firefox 1014), and an AbortError that says "quota".
 */
export function isQuotaError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const name = errorName(error);
  if (name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED') return true;
  const code = (error as { code?: unknown }).code;
  if (code === 22 || code === 1014) return true;
  if (name === 'AbortError' && /quota/i.test(errorMessage(error))) return true;
  const { cause, error: inner } = error as { cause?: unknown; error?: unknown };
  return isQuotaError(cause, depth + 1) || isQuotaError(inner, depth + 1);
}

/** "1.6 MB" — decimal units, as browsers report storage. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return typeof error;
}

function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return String(error);
}

function describe(name: string, message: string): string {
  return message && message !== name ? `${name}: ${message}` : name;
}
