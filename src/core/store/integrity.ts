/** SHA-256 of cached weights, stored with each stage and checked on every read. */

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256OfBytes(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * `bytes` as a view covering a whole, unshared ArrayBuffer. Structured clone copies a view's
 * entire buffer, so a `subarray` of a large buffer would otherwise store the whole buffer; a
 * view that already covers its buffer is returned without copying.
 */
export function exactBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const { buffer } = bytes;
  if (
    buffer instanceof ArrayBuffer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === buffer.byteLength
  ) {
    return new Uint8Array(buffer);
  }
  return new Uint8Array(bytes);
}
