import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CacheStorageHubFileCache,
  HUB_CACHE_NAME,
  MemoryHubFileCache,
} from '../../../src/core/hub/cache';
import { HubError } from '../../../src/core/hub/errors';
import { loadHubModelFiles } from '../../../src/core/hub/fetchFiles';
import { fileUrl, parseRepoSpec } from '../../../src/core/hub/repo';
import { sha256Hex } from '../../../src/core/hub/sha256';
import { startHubServer, type HubServer } from '../../support/hubServer';
import { SHARDED, SHARDS, SINGLE, createFixtureRoot, type FixtureRoot } from './fixtures';

let root: FixtureRoot;
let server: HubServer;

beforeAll(async () => {
  root = createFixtureRoot();
  server = await startHubServer(root.dir);
});
afterAll(async () => {
  await server.close();
  root.remove();
});

/** A fetch that records what it was asked for and fails like a machine without network. */
function offlineFetch(): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    fetch: async (input) => {
      urls.push(String(input));
      throw new TypeError('fetch failed');
    },
  };
}

describe('loading through a file cache', () => {
  it('replays a complete earlier load with no request at all (offline)', async () => {
    const cache = new MemoryHubFileCache();
    for (const spec of [SINGLE, SHARDED]) {
      const online = await loadHubModelFiles(spec, { endpoint: server.endpoint, cache });
      const offline = offlineFetch();
      const start = server.requests.length;
      const progress: number[] = [];
      const replayed = await loadHubModelFiles(spec, {
        endpoint: server.endpoint,
        cache,
        fetch: offline.fetch,
        onProgress: (event) => progress.push(event.loadedBytes),
      });
      expect(offline.urls).toEqual([]);
      expect(server.requests.length).toBe(start);
      expect(replayed).toEqual(online);
      // Cache hits still report the weight bytes, so a progress bar completes.
      const weightBytes = online.files
        .filter((file) => file.name.endsWith('.safetensors'))
        .reduce((sum, file) => sum + file.bytes, 0);
      expect(progress[progress.length - 1]).toBe(weightBytes);
    }
  });

  it('keys entries by revision: another revision of the same repo is not served from the cache', async () => {
    const cache = new MemoryHubFileCache();
    await loadHubModelFiles(SINGLE, { endpoint: server.endpoint, cache });
    const offline = offlineFetch();
    const error = await loadHubModelFiles(`${SINGLE}@v2`, {
      endpoint: server.endpoint,
      cache,
      fetch: offline.fetch,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).kind).toBe('network');
    expect(offline.urls).toEqual([`${server.endpoint}/${SINGLE}/resolve/v2/config.json`]);
    expect(cache.keys()).toContain(`${server.endpoint}/${SINGLE}/resolve/main/config.json`);
  });

  it('downloads again a cached file whose bytes no longer match their SHA-256', async () => {
    const cache = new MemoryHubFileCache();
    const first = await loadHubModelFiles(SHARDED, { endpoint: server.endpoint, cache });
    const url = fileUrl(server.endpoint, parseRepoSpec(SHARDED), SHARDS[1]);
    const stored = (await cache.get(url))!;
    const flipped = stored.slice();
    flipped[flipped.length - 1] ^= 0xff;
    await cache.put(url, flipped, first.files.find((file) => file.name === SHARDS[1])!.sha256);

    const start = server.requests.length;
    const again = await loadHubModelFiles(SHARDED, { endpoint: server.endpoint, cache });
    expect(again.tensors).toEqual(first.tensors);
    expect(again.files).toEqual(first.files);
    const requested = server.requests.slice(start);
    expect(requested).toContain(`GET /${SHARDED}/resolve/main/${SHARDS[1]}`);
    // The intact files came from the cache.
    expect(requested.some((request) => request.endsWith(SHARDS[0]))).toBe(false);
    expect(requested.some((request) => request.endsWith('/config.json'))).toBe(false);
    expect(await cache.get(url)).toEqual(stored);
  });

  it('resumes an interrupted download: files already cached are not fetched again', async () => {
    const cache = new MemoryHubFileCache();
    const controller = new AbortController();
    await loadHubModelFiles(SHARDED, {
      endpoint: server.endpoint,
      cache,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.file === SHARDS[1]) controller.abort();
      },
    }).catch(() => undefined);
    const start = server.requests.length;
    await loadHubModelFiles(SHARDED, { endpoint: server.endpoint, cache });
    const requested = server.requests.slice(start);
    expect(requested.some((request) => request.endsWith(SHARDS[0]))).toBe(false);
    expect(requested).toContain(`GET /${SHARDED}/resolve/main/${SHARDS[1]}`);
  });

  it('surfaces a cache that cannot store as kind "cache"', async () => {
    const full = new MemoryHubFileCache();
    full.put = async () => {
      throw new DOMException('quota exceeded', 'QuotaExceededError');
    };
    const error = (await loadHubModelFiles(SINGLE, {
      endpoint: server.endpoint,
      cache: full,
    }).catch((e: unknown) => e)) as HubError;
    expect(error.kind).toBe('cache');
    expect(error.message).toMatch(
      /could not store config\.json of lab\/tiny@main in the file cache/,
    );
  });
});

/** Just enough of the Cache Storage API (match/put/delete by URL) to run the real class in Node. */
class FakeCache {
  readonly entries = new Map<string, { body: ArrayBuffer; headers: Headers }>();
  async match(url: string): Promise<Response | undefined> {
    const entry = this.entries.get(url);
    return entry && new Response(entry.body.slice(0), { headers: entry.headers });
  }
  async put(url: string, response: Response): Promise<void> {
    this.entries.set(url, { body: await response.arrayBuffer(), headers: response.headers });
  }
  async delete(url: string): Promise<boolean> {
    return this.entries.delete(url);
  }
}

describe('CacheStorageHubFileCache', () => {
  const opened: string[] = [];
  const fake = new FakeCache();
  afterEach(() => {
    delete (globalThis as { caches?: unknown }).caches;
  });
  function installCaches() {
    (globalThis as { caches?: unknown }).caches = {
      open: async (name: string) => {
        opened.push(name);
        return fake;
      },
    };
  }

  it('is unavailable, and refuses to open, where there is no Cache Storage', async () => {
    expect(CacheStorageHubFileCache.available()).toBe(false);
    await expect(CacheStorageHubFileCache.open()).rejects.toThrow(/Cache Storage is not available/);
  });

  it('stores bytes with their SHA-256 and drops an entry that no longer matches', async () => {
    installCaches();
    expect(CacheStorageHubFileCache.available()).toBe(true);
    const cache = await CacheStorageHubFileCache.open();
    expect(opened).toEqual([HUB_CACHE_NAME]);

    const url = 'http://127.0.0.1:1/a/b/resolve/main/model.safetensors';
    const bytes = new Uint8Array([1, 2, 3, 4]);
    await cache.put(url, bytes, await sha256Hex(bytes));
    expect(await cache.get(url)).toEqual(bytes);
    expect(await cache.get(url.replace('main', 'v2'))).toBeUndefined();

    fake.entries.get(url)!.body = new Uint8Array([1, 2, 3, 5]).buffer;
    expect(await cache.get(url)).toBeUndefined();
    expect(fake.entries.has(url)).toBe(false);
  });

  it('serves a whole model offline through loadHubModelFiles', async () => {
    installCaches();
    const cache = await CacheStorageHubFileCache.open();
    const online = await loadHubModelFiles(SHARDED, { endpoint: server.endpoint, cache });
    const offline = offlineFetch();
    const replayed = await loadHubModelFiles(SHARDED, {
      endpoint: server.endpoint,
      cache,
      fetch: offline.fetch,
    });
    expect(offline.urls).toEqual([]);
    expect(replayed.tensors).toEqual(online.tensors);
  });
});
