import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHubModelFiles, type HubLoadProgress } from '../../../src/core/hub/fetchFiles';
import { readSafetensors } from '../../../src/core/model/safetensors';
import { startHubServer, type HubServer } from '../../support/hubServer';
import {
  CONFIG,
  SHARDED,
  SHARDS,
  SINGLE,
  TOKENIZER,
  createFixtureRoot,
  readBytes,
  type FixtureRoot,
} from './fixtures';

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

function sha256(path: string): string {
  return createHash('sha256').update(readBytes(path)).digest('hex');
}

function requestsSince(start: number): string[] {
  return server.requests.slice(start);
}

describe('loadHubModelFiles', () => {
  it('loads a single-file model: JSON files parsed, optional ones null, tensors decoded', async () => {
    const start = server.requests.length;
    const files = await loadHubModelFiles(SINGLE, { endpoint: server.endpoint });
    expect(files.repo).toBe(SINGLE);
    expect(files.revision).toBe('main');
    expect(files.configJson).toEqual(CONFIG);
    expect(files.tokenizerJson).toEqual(TOKENIZER);
    expect(files.tokenizerConfig).toBeNull();
    expect(files.generationConfig).toEqual({ eos_token_id: 2 });
    const expected = readSafetensors(readBytes(root.path(SINGLE, 'model.safetensors'))).tensors;
    expect([...files.tensors.keys()]).toEqual([...expected.keys()]);
    expect(files.tensors.get('wte.weight')).toEqual(expected.get('wte.weight'));

    const base = `GET /${SINGLE}/resolve/main/`;
    expect(requestsSince(start)).toEqual([
      `${base}config.json`,
      `${base}tokenizer.json`,
      `${base}tokenizer_config.json`,
      `${base}generation_config.json`,
      `${base}model.safetensors.index.json`,
      `${base}model.safetensors`,
    ]);
  });

  it('records the size and SHA-256 of every file it used, in load order', async () => {
    const files = await loadHubModelFiles(SINGLE, { endpoint: server.endpoint });
    expect(files.files).toEqual(
      ['config.json', 'tokenizer.json', 'generation_config.json', 'model.safetensors'].map(
        (name) => ({
          name,
          bytes: readBytes(root.path(SINGLE, name)).byteLength,
          sha256: sha256(root.path(SINGLE, name)),
        }),
      ),
    );
  });

  it('loads a sharded model: each shard once, in sorted order, all tensors merged', async () => {
    const start = server.requests.length;
    const files = await loadHubModelFiles(SHARDED, { endpoint: server.endpoint + '/' });
    expect([...files.tensors.keys()].sort()).toEqual([
      'h.0.attn.weight',
      'h.0.mlp.weight',
      'wte.weight',
    ]);
    expect(files.tensors.get('h.0.mlp.weight')?.shape).toEqual([256, 128]);
    expect(files.tokenizerConfig).toEqual({ model_max_length: 8 });
    expect(files.generationConfig).toBeNull();
    const base = `GET /${SHARDED}/resolve/main/`;
    expect(requestsSince(start).slice(-3)).toEqual([
      `${base}model.safetensors.index.json`,
      `${base}${SHARDS[0]}`,
      `${base}${SHARDS[1]}`,
    ]);
    expect(files.files.map((file) => file.name)).toEqual([
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'model.safetensors.index.json',
      ...SHARDS,
    ]);
  });

  it('reports progress over the weight files, ending at their total size', async () => {
    const events: HubLoadProgress[] = [];
    await loadHubModelFiles(SHARDED, {
      endpoint: server.endpoint,
      onProgress: (progress) => events.push({ ...progress }),
    });
    const sizes = SHARDS.map((shard) => readBytes(root.path(SHARDED, shard)).byteLength);
    const total = sizes[0] + sizes[1];
    const last = events[events.length - 1];
    expect(last).toEqual({
      loadedBytes: total,
      totalBytes: total,
      file: SHARDS[1],
      fileIndex: 1,
      fileCount: 2,
    });
    // Streamed: several events per shard, never going backwards, never past the known total.
    expect(events.filter((event) => event.file === SHARDS[0]).length).toBeGreaterThan(2);
    for (let i = 1; i < events.length; i++) {
      expect(events[i].loadedBytes).toBeGreaterThanOrEqual(events[i - 1].loadedBytes);
    }
    for (const event of events) expect(event.loadedBytes).toBeLessThanOrEqual(event.totalBytes!);
    expect(events.find((event) => event.file === SHARDS[0])?.totalBytes).toBe(sizes[0]);
    expect(events.find((event) => event.file === SHARDS[1])?.totalBytes).toBe(total);
  });

  it('reports an unknown total as null when the server sends no Content-Length', async () => {
    const events: HubLoadProgress[] = [];
    // Re-wrap each response so its body is a stream of unknown length.
    const fetchWithoutLength: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const headers = new Headers(response.headers);
      headers.delete('content-length');
      return new Response(response.body, { status: response.status, headers });
    };
    const files = await loadHubModelFiles(SINGLE, {
      endpoint: server.endpoint,
      fetch: fetchWithoutLength,
      onProgress: (progress) => events.push({ ...progress }),
    });
    expect(files.tensors.size).toBe(2);
    const size = readBytes(root.path(SINGLE, 'model.safetensors')).byteLength;
    expect(events[events.length - 1]).toMatchObject({ loadedBytes: size, totalBytes: null });
  });

  it('serves a revision from its own folder when it has one, URL-encoding the revision', async () => {
    const start = server.requests.length;
    const pinned = await loadHubModelFiles(`${SINGLE}@v2`, { endpoint: server.endpoint });
    expect(pinned.revision).toBe('v2');
    expect(pinned.configJson.n_layer).toBe(2);
    expect(pinned.generationConfig).toBeNull();
    expect(requestsSince(start)[0]).toBe(`GET /${SINGLE}/resolve/v2/config.json`);

    const pr = await loadHubModelFiles(
      { repo: SINGLE, revision: 'refs/pr/1' },
      {
        endpoint: server.endpoint,
      },
    );
    expect(pr.configJson.n_layer).toBe(1);
    expect(server.requests).toContain(`GET /${SINGLE}/resolve/refs%2Fpr%2F1/config.json`);
  });
});

describe('startHubServer', () => {
  it('sends Content-Length, CORS headers and the SHA-256 of safetensors as X-Linked-Etag', async () => {
    const response = await fetch(`${server.endpoint}/${SINGLE}/resolve/main/model.safetensors`);
    const path = root.path(SINGLE, 'model.safetensors');
    expect(response.headers.get('content-length')).toBe(String(readBytes(path).byteLength));
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toBe(
      'Content-Length, ETag, X-Linked-Etag',
    );
    expect(response.headers.get('x-linked-etag')).toBe(`"${sha256(path)}"`);
    await response.arrayBuffer();
  });

  it('answers 404 for a missing repo or file and for paths outside the layout', async () => {
    for (const path of [
      '/lab/none/resolve/main/config.json',
      `/${SINGLE}/resolve/main/nope.json`,
      `/${SINGLE}/resolve/main/..%2Ftiny-sharded%2Fconfig.json`,
      `/${SINGLE}/blob/main/config.json`,
    ]) {
      const response = await fetch(server.endpoint + path);
      expect(response.status, path).toBe(404);
      await response.arrayBuffer();
    }
  });
});
