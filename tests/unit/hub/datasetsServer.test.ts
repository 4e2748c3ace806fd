import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileUrl } from '../../../src/core/hub/repo';
import { startHubServer, type HubServer } from '../../support/hubServer';

let dir: string;
let server: HubServer;
const PARQUET = new Uint8Array([0x50, 0x41, 0x52, 0x31, 1, 2, 3, 0x50, 0x41, 0x52, 0x31]);
const SHARD = 'default/train/0000.parquet';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'safetune-hub-datasets-'));
  const write = (path: string, content: string | Uint8Array) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  write(`datasets/lab/data/${SHARD}`, PARQUET);
  write('datasets/lab/data/README.md', '# data\n');
  write('datasets/lab/data@v2/README.md', '# data v2\n');
  // A model repo whose owner is `datasets`: model routes keep their meaning.
  write('datasets/model/config.json', '{"model_type":"gpt2"}');
  server = await startHubServer(dir);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startHubServer datasets route', () => {
  it('serves /datasets/{owner}/{name}/resolve/{revision}/{file} with the SHA-256 of parquet files', async () => {
    const url = fileUrl(
      server.endpoint,
      { repo: 'datasets/lab/data', revision: 'refs/convert/parquet' },
      SHARD,
    );
    expect(url).toBe(
      `${server.endpoint}/datasets/lab/data/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet`,
    );
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const sha256 = createHash('sha256').update(PARQUET).digest('hex');
    expect(response.headers.get('x-linked-etag')).toBe(`"${sha256}"`);
    expect(response.headers.get('etag')).toBe(`"${sha256}"`);
    expect(response.headers.get('content-length')).toBe(String(PARQUET.byteLength));
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(PARQUET);
  });

  it('gives other files a git blob ETag and honours a pinned revision folder', async () => {
    const readme = await fetch(`${server.endpoint}/datasets/lab/data/resolve/main/README.md`);
    expect(readme.headers.get('x-linked-etag')).toBeNull();
    expect(readme.headers.get('etag')).toMatch(/^"[0-9a-f]{40}"$/);
    expect(await readme.text()).toBe('# data\n');
    const pinned = await fetch(`${server.endpoint}/datasets/lab/data/resolve/v2/README.md`);
    expect(await pinned.text()).toBe('# data v2\n');
  });

  it('answers 404 for a missing dataset, file or split, and keeps model routes as they were', async () => {
    for (const path of [
      '/datasets/lab/none/resolve/main/README.md',
      '/datasets/lab/data/resolve/refs%2Fconvert%2Fparquet/default/test/0000.parquet',
      '/datasets/lab/data/resolve/main/..%2F..%2Fmodel%2Fconfig.json',
    ]) {
      const response = await fetch(server.endpoint + path);
      expect(response.status, path).toBe(404);
      await response.arrayBuffer();
    }
    const model = await fetch(`${server.endpoint}/datasets/model/resolve/main/config.json`);
    expect(model.status).toBe(200);
    expect(await model.json()).toEqual({ model_type: 'gpt2' });
  });

  it('injects faults under the dataset repo key datasets/{owner}/{name}', async () => {
    const faulty = await startHubServer(dir, { status: { 'datasets/lab/data': 403 } });
    try {
      const response = await fetch(`${faulty.endpoint}/datasets/lab/data/resolve/main/${SHARD}`);
      expect(response.status).toBe(403);
      await response.arrayBuffer();
    } finally {
      await faulty.close();
    }
  });
});
