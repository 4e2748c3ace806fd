/**
 * A download is bounded by what the lab will take for the file, never by what the server says:
 * the buffer grows as bytes arrive (a Content-Length of 1e13 allocates nothing), a length
 * announced over the file's cap is refused before the body is read, and a body that runs past
 * the cap is cut off there. Each refusal is one line.
 */
import { describe, expect, it } from 'vitest';
import { downloadHubFile, type HubSession } from '../../../src/core/hub/download';
import { HubError } from '../../../src/core/hub/errors';
import type { HubFileCache } from '../../../src/core/hub/cache';

interface FakeFile {
  /** The body, as chunks; a function makes them on demand (an endless body). */
  chunks: Uint8Array[] | ((index: number) => Uint8Array | null);
  headers?: Record<string, string>;
}

/** An in-process Hub: each file a stream of chunks, with whatever headers the test wants. */
function fakeHub(files: Record<string, FakeFile>) {
  const pulled: Record<string, number> = {};
  const cancelled: Record<string, boolean> = {};
  const fetch: typeof globalThis.fetch = async (input: RequestInfo | URL) => {
    const url = String(input);
    const name = url.slice(url.indexOf('/resolve/main/') + '/resolve/main/'.length);
    const file = files[name];
    if (file === undefined) return new Response(null, { status: 404 });
    pulled[name] = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const index = pulled[name]++;
        const chunk = Array.isArray(file.chunks) ? file.chunks[index] : file.chunks(index);
        if (chunk === undefined || chunk === null) controller.close();
        else controller.enqueue(chunk);
      },
      cancel() {
        cancelled[name] = true;
      },
    });
    return new Response(body, { headers: file.headers ?? {} });
  };
  const session = (cache?: HubFileCache): HubSession => ({
    endpoint: 'https://hub.test',
    ref: { repo: 'evil/model', revision: 'main' },
    fetch,
    cache,
  });
  return { session, pulled, cancelled };
}

async function refusal(promise: Promise<unknown>): Promise<HubError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).message).not.toMatch(/[\r\n]/);
    return error as HubError;
  }
  throw new Error('the download was not refused');
}

const MB = 1e6;

describe('download caps', () => {
  it('refuses a Content-Length of 1e13 in one line, without reading the body or allocating it', async () => {
    const hub = fakeHub({
      'model.safetensors': {
        chunks: [new Uint8Array(8)],
        headers: { 'content-length': '10000000000000' },
      },
    });
    const error = await refusal(downloadHubFile(hub.session(), 'model.safetensors'));
    expect(error.kind).toBe('too-large');
    expect(error.message).toMatch(
      /^model\.safetensors of evil\/model@main announces 10000000000000 bytes \(Content-Length\), over the [\d.]+ GB the lab takes for it/,
    );
    expect(hub.pulled['model.safetensors'] ?? 0).toBeLessThanOrEqual(1);
  });

  it("refuses an announced length over the caller's cap, naming why the cap is what it is", async () => {
    const hub = fakeHub({
      'tokenizer.json': {
        chunks: [new Uint8Array(10)],
        headers: { 'content-length': String(60 * MB) },
      },
    });
    const error = await refusal(
      downloadHubFile(hub.session(), 'tokenizer.json', {
        limit: { bytes: 50 * MB, why: 'a JSON file' },
      }),
    );
    expect(error.kind).toBe('too-large');
    expect(error.message).toBe(
      'tokenizer.json of evil/model@main announces 60000000 bytes (Content-Length), over the 50.0 MB the lab takes for it (a JSON file)',
    );
  });

  it('cuts off a body without a Content-Length once it passes the cap, and cancels the stream', async () => {
    const chunk = new Uint8Array(64 * 1024);
    const hub = fakeHub({ 'model.safetensors': { chunks: () => chunk } }); // endless
    const error = await refusal(
      downloadHubFile(hub.session(), 'model.safetensors', {
        limit: { bytes: 1 * MB, why: 'twice the weights config.json describes' },
      }),
    );
    expect(error.kind).toBe('too-large');
    expect(error.message).toMatch(
      /^model\.safetensors of evil\/model@main sent \d+ bytes, over the 1\.0 MB the lab takes for it \(twice the weights config\.json describes\)$/,
    );
    expect(hub.pulled['model.safetensors']).toBeLessThanOrEqual(
      1 + Math.ceil(MB / chunk.length) + 2,
    );
    expect(hub.cancelled['model.safetensors']).toBe(true);
  });

  it('grows its buffer as bytes arrive: a server announcing 1 GB and sending 10 bytes costs no gigabyte', async () => {
    let peak = 0;
    const before = process.memoryUsage().arrayBuffers;
    const hub = fakeHub({
      'model.safetensors': {
        chunks: (index) => {
          // Sampled while the download holds its buffer: a 1 GB allocation would show here.
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
          return index < 2 ? new Uint8Array(5) : null;
        },
        headers: { 'content-length': String(1000 * MB) },
      },
    });
    const error = await refusal(downloadHubFile(hub.session(), 'model.safetensors'));
    expect(error.kind).toBe('corrupt');
    expect(error.message).toMatch(/is truncated: received 10 of 1000000000 bytes/);
    expect(peak).toBeLessThan(100 * MB);
  });

  it('still takes a file exactly at its cap, and a body that arrives in many chunks whole', async () => {
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => i % 251);
    const chunks = Array.from({ length: 30 }, (_, i) =>
      bytes.subarray(i * 10_000, (i + 1) * 10_000),
    );
    const withLength: Record<string, string> = { 'content-length': String(bytes.length) };
    for (const headers of [withLength, {}]) {
      const hub = fakeHub({ 'model.safetensors': { chunks, headers } });
      const file = await downloadHubFile(hub.session(), 'model.safetensors', {
        limit: { bytes: bytes.length, why: 'test' },
      });
      expect(file !== null && Buffer.from(file.bytes).equals(bytes)).toBe(true);
    }
  });

  it('refuses a cached file over the cap instead of using it', async () => {
    const cache: HubFileCache = {
      get: async () => new Uint8Array(2 * MB),
      put: async () => undefined,
    } as unknown as HubFileCache;
    const hub = fakeHub({});
    const error = await refusal(
      downloadHubFile(hub.session(cache), 'config.json', {
        limit: { bytes: 1 * MB, why: 'a JSON file' },
      }),
    );
    expect(error.kind).toBe('too-large');
    expect(error.message).toBe(
      'config.json of evil/model@main in the file cache is 2000000 bytes, over the 1.0 MB the lab takes for it (a JSON file)',
    );
  });
});
