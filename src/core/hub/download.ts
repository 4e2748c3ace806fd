/**
 * Download one file of a Hub repo: from the cache when it has it, otherwise a streamed GET whose
 * length and checksum are verified before the bytes are used. Every failure becomes a `HubError`.
 */

import type { HubFileCache } from './cache';
import { HubError, errorMessage } from './errors';
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

export interface DownloadHandlers {
  /** Called once the file's size is known (from the cache, or the response's Content-Length). */
  onStart?: (totalBytes: number | null) => void;
  /** Called after each chunk of the body, with the chunk's size. */
  onBytes?: (bytes: number) => void;
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
      `could not read ${file} of ${label(session)} from the file cache: ${errorMessage(error)}`,
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
        `full): ${errorMessage(error)}`,
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

  const cached = await getCachedFile(session, url, file);
  if (cached !== undefined) {
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
        `the network is down, or the server does not allow cross-origin requests (CORS) ` +
        `(${errorMessage(error)})`,
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
  handlers.onStart?.(expectedLength);
  const bytes = await readBody(session, file, response, expectedLength, handlers);

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

async function readBody(
  session: HubSession,
  file: string,
  response: Response,
  expectedLength: number | null,
  handlers: DownloadHandlers,
): Promise<Uint8Array> {
  const where = { repo: label(session), file };
  const truncated = (received: number, cause?: unknown) =>
    new HubError(
      'corrupt',
      `${file} of ${label(session)} is truncated: received ${received} of ${expectedLength} bytes` +
        (cause === undefined ? '' : ` before the connection closed (${errorMessage(cause)})`),
      where,
      cause,
    );

  if (response.body === null) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    handlers.onBytes?.(bytes.byteLength);
    if (expectedLength !== null && bytes.byteLength !== expectedLength) {
      throw truncated(bytes.byteLength);
    }
    return bytes;
  }

  // Write straight into one buffer of the announced size: a model file is large, and collecting
  // chunks to concatenate later would hold it in memory twice.
  let buffer = new Uint8Array(expectedLength ?? 1 << 16);
  let received = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (expectedLength !== null && received + value.byteLength > expectedLength) {
        throw new HubError(
          'corrupt',
          `${file} of ${label(session)} is longer than the ${expectedLength} bytes its ` +
            'Content-Length announced',
          where,
        );
      }
      if (received + value.byteLength > buffer.byteLength) {
        const grown = new Uint8Array(Math.max(buffer.byteLength * 2, received + value.byteLength));
        grown.set(buffer.subarray(0, received));
        buffer = grown;
      }
      buffer.set(value, received);
      received += value.byteLength;
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
        `(${errorMessage(error)})`,
      where,
      error,
    );
  }
  if (expectedLength !== null && received !== expectedLength) throw truncated(received);
  return received === buffer.byteLength ? buffer : buffer.slice(0, received);
}
