/**
 * The page's Hugging Face Hub endpoint: where `generate` and `runExperiment` fetch a Hub model's
 * files (`{endpoint}/{repo}/resolve/{revision}/{file}`). The Hub itself by default; a mirror is
 * the page's equivalent of the Hugging Face tools' `HF_ENDPOINT`.
 */
import { DEFAULT_HUB_ENDPOINT } from '../core/hub/repo';

export { DEFAULT_HUB_ENDPOINT };

/** The localStorage key the setting is kept under. */
export const HUB_ENDPOINT_KEY = 'safetune-lab:hub-endpoint';

export type ParsedEndpoint = { ok: true; endpoint: string } | { ok: false; problem: string };

/**
 * An http(s) base URL, without trailing slashes (a mirror may live under a path). A query or a
 * fragment would end up in the middle of every file URL, so they are refused.
 */
export function parseHubEndpoint(text: string): ParsedEndpoint {
  const trimmed = text.trim();
  const fail = (problem: string): ParsedEndpoint => ({ ok: false, problem });
  if (trimmed === '') return fail(`enter the Hub's address, e.g. ${DEFAULT_HUB_ENDPOINT}`);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return fail(`"${trimmed}" is not a URL: expected http:// or https:// and a host`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail(`the address must start with http:// or https:// (got ${url.protocol}//)`);
  }
  if (url.hostname === '') return fail('the address has no host');
  if (url.username !== '' || url.password !== '') {
    return fail('the address may not contain a user name or password');
  }
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(trimmed)) {
    return fail('the address may not contain "?" or "#": file paths are appended to it');
  }
  return { ok: true, endpoint: `${url.origin}${url.pathname}`.replace(/\/+$/, '') };
}

/** The saved endpoint, or the Hub's when nothing valid is saved (or storage is unavailable). */
export function readHubEndpoint(storage: Pick<Storage, 'getItem'> | undefined): string {
  let saved: string | null = null;
  try {
    saved = storage?.getItem(HUB_ENDPOINT_KEY) ?? null;
  } catch {
    // Storage can throw (disabled cookies, sandboxed frames): the default is still usable.
  }
  if (saved === null) return DEFAULT_HUB_ENDPOINT;
  const parsed = parseHubEndpoint(saved);
  return parsed.ok ? parsed.endpoint : DEFAULT_HUB_ENDPOINT;
}

/** Saves a valid endpoint (the default is saved by removing the key); false when it could not. */
export function writeHubEndpoint(
  storage: Pick<Storage, 'setItem' | 'removeItem'> | undefined,
  endpoint: string,
): boolean {
  if (!storage) return false;
  try {
    if (endpoint === DEFAULT_HUB_ENDPOINT) storage.removeItem(HUB_ENDPOINT_KEY);
    else storage.setItem(HUB_ENDPOINT_KEY, endpoint);
    return true;
  } catch {
    return false;
  }
}
