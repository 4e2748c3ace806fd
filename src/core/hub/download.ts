/**
 * Download one file of a Hub repo: from the cache when it has it, otherwise a streamed GET whose
 * length and checksum are verified before the bytes are used. Every file has a cap (the caller's
 * `limit`): a larger Content-Length, cached file or body is refused, and the buffer grows with
 * the bytes that arrive, never from a header alone. Every failure becomes a `HubError`.
 */

import { formatBytes } from '../model/memory';
import type { HubFileCache } from './cache';
import { errorText } from '../errors';
import { HubError, NETWORK_FAILURE_WORDS } from './errors';
import { fileUrl, formatRepoSpec, normalizeEndpoint, type RepoRef } from './repo';
import { sha256FromEtag, sha256Hex } from './sha256';

export interface HubSession {
  endpoint: string;
  ref: RepoRef;
  fetch: typeof fetch;
  cache?: HubFileCache;
  signal?: AbortSignal;
}

export interface DownloadedFile {
  name: string;
  bytes: Uint8Array;
  sha256: string;
  fromCache: boolean;
}

/** The most bytes the lab takes for one file, and why (shown when a file is refused). */
export interface DownloadLimit {
  bytes: number;
  /** "a JSON file", "twice the weights config.json describes, plus a header", … */
  why: string;
}

/**
 * The cap of a file whose caller names none: larger than any file the lab can use (every backend's
 * memory budget is at most 4 GiB, and a file holds at least 2 bytes for each float it becomes).
 */
export const MAX_DOWNLOAD: DownloadLimit = {
  bytes: 8 * 2 ** 30,
  why: 'no file the lab can use is larger',
};

export interface DownloadHandlers {
  /** Called once the file's size is known (from the cache, or the response's Content-Length). */
  onStart?: (totalBytes: number | null) => void;
  /** Called after each chunk of the body, with the chunk's size. */
  onBytes?: (bytes: number) => void;
  /** The most bytes to take for this file (default `MAX_DOWNLOAD`). */
  limit?: DownloadLimit;
}

/** `owner/name@revision`, as messages name the repo. */
export function label(session: HubSession): string {
  return formatRepoSpec(session.ref);
}

export function cancelled(session: HubSession, file: string | null, cause?: unknown): HubError {
  return new HubError(
    'cancelled',
    `loading ${label(session)} was cancelled`,
    { repo: label(session), file },
    cause,
  );
}

export function throwIfCancelled(session: HubSession, file: string | null): void {
  if (session.signal?.aborted) throw cancelled(session, file, session.signal.reason);
}

/** The cache's entry under `key` (`file` names it in messages). */
export async function getCachedFile(
  session: HubSession,
  key: string,
  file: string,
): Promise<Uint8Array | undefined> {
  if (session.cache === undefined) return undefined;
  try {
    return await session.cache.get(key);
  } catch (error) {
    throw new HubError(
      'cache',
      `could not read ${file} of ${label(session)} from the file cache: ${errorText(error)}`,
      { repo: label(session), file },
      error,
    );
  }
}

export async function putCachedFile(
  session: HubSession,
  key: string,
  file: string,
  bytes: Uint8Array,
  sha256: string,
): Promise<void> {
  if (session.cache === undefined) return;
  try {
    await session.cache.put(key, bytes, sha256);
  } catch (error) {
    throw new HubError(
      'cache',
      `could not store ${file} of ${label(session)} in the file cache (the storage quota may be ` +
        `full): ${errorText(error)}`,
      { repo: label(session), file },
      error,
    );
  }
}

/**
 * The file's bytes, or null when the server answers 404 (the caller knows whether the file is
 * optional and what a missing one means).
 */
export async function downloadHubFile(
  session: HubSession,
  file: string,
  handlers: DownloadHandlers = {},
): Promise<DownloadedFile | null> {
  throwIfCancelled(session, file);
  const url = fileUrl(session.endpoint, session.ref, file);
  const where = { repo: label(session), file };

  const limit = handlers.limit ?? MAX_DOWNLOAD;
  const overLimit = (what: string) =>
    new HubError(
      'too-large',
      `${file} of ${label(session)} ${what}, over the ${formatBytes(limit.bytes)} the lab takes ` +
        `for it (${limit.why})`,
      where,
    );

  const cached = await getCachedFile(session, url, file);
  if (cached !== undefined) {
    if (cached.byteLength > limit.bytes) {
      throw overLimit(`in the file cache is ${cached.byteLength} bytes`);
    }
    throwIfCancelled(session, file);
    handlers.onStart?.(cached.byteLength);
    handlers.onBytes?.(cached.byteLength);
    return { name: file, bytes: cached, sha256: await sha256Hex(cached), fromCache: true };
  }

  let response: Response;
  try {
    // No custom headers: they would make the cross-origin GET need a CORS preflight.
    response = await session.fetch(url, { signal: session.signal });
  } catch (error) {
    if (session.signal?.aborted) throw cancelled(session, file, error);
    throw new HubError(
      'network',
      `could not fetch ${file} of ${label(session)} from ${normalizeEndpoint(session.endpoint)}: ` +
        `${NETWORK_FAILURE_WORDS} (${errorText(error)})`,
      where,
      error,
    );
  }

  if (response.status === 404) {
    await response.body?.cancel().catch(() => undefined);
    return null;
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel().catch(() => undefined);
    throw new HubError(
      'gated',
      `${file} of ${label(session)} at ${normalizeEndpoint(session.endpoint)} answered ` +
        `${response.status}: the repo is gated or private and needs an access token, which the ` +
        `lab cannot use (the Hub also answers 401 for a repo that does not exist)`,
      where,
    );
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new HubError(
      'http',
      `${file} of ${label(session)} at ${normalizeEndpoint(session.endpoint)} answered HTTP ` +
        `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
      where,
    );
  }

  const expectedLength = declaredLength(response);
  if (expectedLength !== null && expectedLength > limit.bytes) {
    await response.body?.cancel().catch(() => undefined);
    throw overLimit(`announces ${expectedLength} bytes (Content-Length)`);
  }
  handlers.onStart?.(expectedLength);
  const bytes = await readBody(session, file, response, expectedLength, handlers, (received) =>
    overLimit(`sent ${received} bytes`),
  );

  const sha256 = await sha256Hex(bytes);
  const announced =
    sha256FromEtag(response.headers.get('x-linked-etag')) ??
    sha256FromEtag(response.headers.get('etag'));
  if (announced !== null && announced !== sha256) {
    throw new HubError(
      'corrupt',
      `${file} of ${label(session)} is corrupt: its SHA-256 is ${sha256} but the server ` +
        `announced ${announced}`,
      where,
    );
  }
  await putCachedFile(session, url, file, bytes, sha256);
  return { name: file, bytes, sha256, fromCache: false };
}

/**
 * The body's length as sent, or null when unknown. With a Content-Encoding the header counts the
 * compressed bytes while the stream yields decompressed ones, so it cannot be checked; browsers
 * hide that header on cross-origin responses unless exposed, and a missing one reads as identity.
 */
function declaredLength(response: Response): number | null {
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding.toLowerCase() !== 'identity') return null;
  const header = response.headers.get('content-length');
  if (header === null || !/^\d+$/.test(header.trim())) return null;
  return Number(header);
}

/** The first buffer of a body; it doubles as bytes arrive. */
const FIRST_BUFFER_BYTES = 1 << 16;

async function readBody(
  session: HubSession,
  file: string,
  response: Response,
  expectedLength: number | null,
  handlers: DownloadHandlers,
  tooLarge: (received: number) => HubError,
): Promise<Uint8Array> {
  const where = { repo: label(session), file };
  const limit = (handlers.limit ?? MAX_DOWNLOAD).bytes;
  const truncated = (received: number, cause?: unknown) =>
    new HubError(
      'corrupt',
      `${file} of ${label(session)} is truncated: received ${received} of ${expectedLength} bytes` +
        (cause === undefined ? '' : ` before the connection closed (${errorText(cause)})`),
      where,
      cause,
    );

  if (response.body === null) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > limit) throw tooLarge(bytes.byteLength);
    handlers.onBytes?.(bytes.byteLength);
    if (expectedLength !== null && bytes.byteLength !== expectedLength) {
      throw truncated(bytes.byteLength);
    }
    return bytes;
  }

  // One buffer, doubled as bytes arrive and never past what may arrive (the announced length, or
  // the cap), so an honest Content-Length ends in a buffer of exactly the file's size and a false
  // one costs only the bytes actually sent. Collecting chunks to join at the end would hold a
  // model file twice.
  const ceiling = expectedLength ?? limit;
  let buffer = new Uint8Array(Math.min(FIRST_BUFFER_BYTES, ceiling));
  let received = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const needed = received + value.byteLength;
      if (needed > limit) throw tooLarge(needed);
      if (expectedLength !== null && needed > expectedLength) {
        throw new HubError(
          'corrupt',
          `${file} of ${label(session)} is longer than the ${expectedLength} bytes its ` +
            'Content-Length announced',
          where,
        );
      }
      if (needed > buffer.byteLength) {
        const grown = new Uint8Array(Math.min(Math.max(buffer.byteLength * 2, needed), ceiling));
        grown.set(buffer.subarray(0, received));
        buffer = grown;
      }
      buffer.set(value, received);
      received = needed;
      handlers.onBytes?.(value.byteLength);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    if (error instanceof HubError) throw error;
    if (session.signal?.aborted) throw cancelled(session, file, error);
    if (expectedLength !== null) throw truncated(received, error);
    throw new HubError(
      'network',
      `the download of ${file} of ${label(session)} broke off after ${received} bytes ` +
        `(${errorText(error)})`,
      where,
      error,
    );
  }
  if (expectedLength !== null && received !== expectedLength) throw truncated(received);
  return received === buffer.byteLength ? buffer : buffer.slice(0, received);
}
