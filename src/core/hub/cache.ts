/**
 * Where downloaded Hub files are kept so a model loads again without the network.
 *
 * Keys are the files' full download URLs, which contain the endpoint and the revision, so two
 * revisions (or two mirrors) never share an entry. A cached file is reused as it is: with a
 * branch revision such as `main`, the repo may have moved on upstream and the cache still serves
 * the files it downloaded earlier (which is what makes offline use work). Pin a 40-hex commit as
 * the revision when a run must be reproducible.
 *
 * An implementation must re-check the SHA-256 stored with an entry when it reads it and, on a
 * mismatch, drop the entry and answer `undefined`, so the loader downloads the file again.
 */

import { sha256Hex } from './sha256';

export interface HubFileCache {
  get(url: string): Promise<Uint8Array | undefined>;
  put(url: string, bytes: Uint8Array, sha256: string): Promise<void>;
}

/** In memory, for tests and for Node (the CLI's page has its own browser cache). */
export class MemoryHubFileCache implements HubFileCache {
  private readonly entries = new Map<string, { bytes: Uint8Array; sha256: string }>();

  async get(url: string): Promise<Uint8Array | undefined> {
    const entry = this.entries.get(url);
    if (entry === undefined) return undefined;
    if ((await sha256Hex(entry.bytes)) !== entry.sha256) {
      this.entries.delete(url);
      return undefined;
    }
    return entry.bytes;
  }

  async put(url: string, bytes: Uint8Array, sha256: string): Promise<void> {
    this.entries.set(url, { bytes, sha256 });
  }

  /** The URLs held, for tests and for a cache panel. */
  keys(): string[] {
    return [...this.entries.keys()];
  }
}

export const HUB_CACHE_NAME = 'safetune-hub-v1';
const SHA256_HEADER = 'x-safetune-sha256';

/**
 * The browser's Cache Storage (page and worker alike). It only exists in secure contexts
 * (https, or http on localhost), hence `available()` before `open()`.
 */
export class CacheStorageHubFileCache implements HubFileCache {
  private constructor(private readonly cache: Cache) {}

  static available(): boolean {
    return typeof globalThis.caches !== 'undefined';
  }

  static async open(name: string = HUB_CACHE_NAME): Promise<CacheStorageHubFileCache> {
    if (!CacheStorageHubFileCache.available()) {
      throw new Error(
        'Cache Storage is not available here (it needs a secure context: https or localhost)',
      );
    }
    return new CacheStorageHubFileCache(await globalThis.caches.open(name));
  }

  async get(url: string): Promise<Uint8Array | undefined> {
    const response = await this.cache.match(url);
    if (response === undefined) return undefined;
    const expected = response.headers.get(SHA256_HEADER);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (expected === null || (await sha256Hex(bytes)) !== expected) {
      await this.cache.delete(url);
      return undefined;
    }
    return bytes;
  }

  async put(url: string, bytes: Uint8Array, sha256: string): Promise<void> {
    // Response wants memory it owns outright; copy out of a shared buffer if need be.
    const body =
      bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
    await this.cache.put(
      url,
      new Response(body, {
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(bytes.byteLength),
          [SHA256_HEADER]: sha256,
        },
      }),
    );
  }
}
