/**
 * Shareable links: a config (or a workshop's sweep, `core/workshop/link.ts`) travels in a URL as
 * base64url(deflate-raw(canonical JSON)). Decoding validates like a file does (bounded: at most 32 KiB of link, 1 MiB inflated, then the config's
 * own limits); a damaged or hostile link gives one-line errors, never an exception.
 */
import { oneLine } from './bounds';
import { canonicalJSON } from './canonical';
import type { ValidationContext } from './context';
import type { ExperimentConfig } from './schema';
import { validateConfig } from './validate';
import type { ValidateOptions, ValidationResult } from './validate';
import { errorText } from '../errors';

/** The start of every message about a link that cannot be read. */
export const DAMAGED = 'this link is damaged or incomplete';

/** Pseudo-path of problems with a link as a whole. */
export const URL_PATH = '(url)';

/** Longest link text accepted; a complete config encodes to well under 2 000 characters. */
export const MAX_LINK_CHARS = 32_768;
/** Largest inflated JSON accepted, so a crafted link cannot inflate into gigabytes. */
const MAX_JSON_BYTES = 1 << 20;

export async function encodeConfigForUrl(config: ExperimentConfig): Promise<string> {
  return encodeJSONForUrl(config);
}

/**
 * Any JSON value as a link payload: base64url(deflate-raw(canonical JSON)), the same text for
 * the same value in any key order. Workshop links carry a sweep this way.
 */
export async function encodeJSONForUrl(value: unknown): Promise<string> {
  const json = new TextEncoder().encode(canonicalJSON(value));
  return toBase64Url(await pipeThrough(json, new CompressionStream('deflate-raw'), Infinity));
}

/**
 * The JSON text a link payload carries (not yet parsed), bounded: at most 32 KiB of link and
 * 1 MiB inflated. `what` names the link in the one-line message (`the config link is empty`).
 */
export async function inflateUrlPayload(
  text: string,
  what: string,
): Promise<{ ok: true; json: string } | { ok: false; message: string }> {
  const fail = (message: string) => ({ ok: false as const, message });
  const payload = text.trim().replace(/=+$/, '');
  if (payload === '') return fail(`the ${what} link is empty`);
  if (payload.length > MAX_LINK_CHARS) {
    return fail(
      `the ${what} link is too long (${payload.length} characters, at most ${MAX_LINK_CHARS})`,
    );
  }
  const bytes = fromBase64Url(payload);
  if (bytes === undefined) {
    return fail(`${DAMAGED}: it holds characters a ${what} link never has`);
  }
  try {
    const inflated = await pipeThrough(
      bytes,
      new DecompressionStream('deflate-raw'),
      MAX_JSON_BYTES,
    );
    return { ok: true, json: new TextDecoder('utf-8', { fatal: true }).decode(inflated) };
  } catch (error) {
    if (error instanceof TooLargeError) return fail(`not a ${what} link: ${error.message}`);
    // The browser's own reason ("Failed to execute 'close' on 'WritableStreamDefaultWriter'…")
    // means nothing to a reader: the link was cut short or altered.
    return fail(`${DAMAGED}: it was cut short or altered on the way`);
  }
}

/** The config carried by `text` (the payload only, not the whole URL), validated against `ctx`. */
export async function decodeConfigFromUrl(
  text: string,
  ctx: ValidationContext,
  options: ValidateOptions = {},
): Promise<ValidationResult> {
  const fail = (message: string): ValidationResult => ({
    ok: false,
    errors: [{ path: URL_PATH, message }],
  });
  const inflated = await inflateUrlPayload(text, 'config');
  if (!inflated.ok) return fail(inflated.message);
  let input: unknown;
  try {
    input = JSON.parse(inflated.json);
  } catch (error) {
    return fail(`${DAMAGED}: what it carries is not a config (${oneLine(reason(error), 200)})`);
  }
  try {
    // validateConfig bounds the input before walking it; the page's start-up reads links through
    // here, so even a fault of the validator itself must come back as a message, not a throw.
    return validateConfig(input, ctx, options);
  } catch (error) {
    return fail(`this link's config could not be checked (${oneLine(reason(error), 200)})`);
  }
}

class TooLargeError extends Error {}

/** Runs `bytes` through a (de)compression stream, failing once the output passes `limit` bytes. */
async function pipeThrough(
  bytes: Uint8Array<ArrayBuffer>,
  stream: CompressionStream | DecompressionStream,
  limit: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const writer = stream.writable.getWriter();
  const written = writer.write(bytes).then(() => writer.close());
  // A bad input rejects both sides; the reader below reports it, so this copy is only observed.
  written.catch(() => undefined);
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new TooLargeError(`it inflates to more than ${limit} bytes`);
    }
    chunks.push(value);
  }
  await written;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  // A length of 1 mod 4 cannot come from whole bytes.
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return undefined;
  const padded =
    text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function reason(error: unknown): string {
  return errorText(error);
}
