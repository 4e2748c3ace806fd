/** SHA-256 through Web Crypto, which the page, the worker and Node all provide. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // digest() wants memory it may read without races: copy out of a SharedArrayBuffer if need be.
  const data =
    bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The SHA-256 an ETag-like header carries, or null. The Hub sends `"<sha256>"` (in quotes) as the
 * ETag of LFS files such as safetensors; other files get a git blob SHA-1 or an opaque tag, which
 * says nothing we can check.
 */
export function sha256FromEtag(header: string | null): string | null {
  if (header === null) return null;
  const value = header
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  return SHA256_HEX.test(value) ? value : null;
}
