/**
 * Every failure of a Hub download as one error type with a `kind` the UI and the CLI can act on
 * (offer a retry for `network`, suggest a public model for `gated`, …) and a one-line message that
 * names the repo and the file, so it can be shown as is.
 */

export type HubErrorKind =
  /** The repo, revision or a required file does not exist (404). */
  | 'not-found'
  /** 401/403: a gated or private repo; the lab sends no access token. */
  | 'gated'
  /** fetch itself failed: no network, DNS, or the server's CORS policy blocks the page. */
  | 'network'
  /** Any other HTTP status. */
  | 'http'
  /** A file arrived truncated, fails its checksum, or does not parse. */
  | 'corrupt'
  /**
   * A file is larger than the lab takes for it: announced by its Content-Length, found in the
   * cache, or received.
   */
  | 'too-large'
  /** The caller's AbortSignal fired. */
  | 'cancelled'
  /** The file cache could not be read or written (for example the storage quota is full). */
  | 'cache';

/**
 * The words every `network` failure's message carries. A message that crossed the worker keeps
 * only its text (not its `kind`), so the page recognises the failure by them.
 */
export const NETWORK_FAILURE_WORDS =
  'the network is down, or the server does not allow cross-origin requests (CORS)';

export class HubError extends Error {
  override readonly name = 'HubError';
  readonly kind: HubErrorKind;
  /** `owner/name@revision`. */
  readonly repo: string;
  /** The file being loaded, or null when the failure is not about one file. */
  readonly file: string | null;

  constructor(
    kind: HubErrorKind,
    message: string,
    where: { repo: string; file?: string | null },
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.kind = kind;
    this.repo = where.repo;
    this.file = where.file ?? null;
  }
}
