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
import { loadHubModelFiles } from '../../../src/core/hub/fetchFiles';
import { modelConfigFromHub } from '../../../src/core/model/checkpoint';
import { MAX_HEADER_BYTES, writeSafetensors } from '../../../src/core/model/safetensors';
import { parameterCount } from '../../../src/core/model/weights';

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

/** A tiny Llama's config.json: 320 × 32 embeddings and two blocks, about 52,000 parameters. */
const TINY_LLAMA = {
  model_type: 'llama',
  vocab_size: 320,
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 256,
};

const text = (value: unknown) => [new TextEncoder().encode(JSON.stringify(value))];

describe("the caps a model repo's files get", () => {
  const small = writeSafetensors(new Map([['w', { shape: [2], data: new Float32Array(2) }]]));

  it('refuses a weight file announced over twice the weights config.json describes, before reading it', async () => {
    const hub = fakeHub({
      'config.json': { chunks: text(TINY_LLAMA) },
      'tokenizer.json': { chunks: text({}) },
      'model.safetensors': {
        chunks: [small],
        headers: { 'content-length': String(200 * MB) },
      },
    });
    const error = await refusal(
      loadHubModelFiles('evil/model', { endpoint: 'https://hub.test', fetch: hub.session().fetch }),
    );
    expect(error.kind).toBe('too-large');
    expect(error.message).toMatch(
      /^model\.safetensors of evil\/model@main announces 200000000 bytes \(Content-Length\), over the 100 MB the lab takes for it \(twice the [\d.]+ kB of float32 weights config\.json describes, plus 100 MB of header per weight file\)$/,
    );
    expect(hub.pulled['model.safetensors'] ?? 0).toBeLessThanOrEqual(1);
  });

  it('caps the shards together: what one shard took is not there for the next', async () => {
    const weights = 4 * parameterCount(modelConfigFromHub(TINY_LLAMA));
    const cap = 2 * weights + 2 * MAX_HEADER_BYTES;
    const hub = fakeHub({
      'config.json': { chunks: text(TINY_LLAMA) },
      'tokenizer.json': { chunks: text({}) },
      'model.safetensors.index.json': {
        chunks: text({ weight_map: { w: 'a.safetensors', v: 'b.safetensors' } }),
      },
      'a.safetensors': { chunks: [small] },
      // Under the two files' cap, over what the first shard left of it.
      'b.safetensors': { chunks: [small], headers: { 'content-length': String(cap - 10) } },
    });
    const error = await refusal(
      loadHubModelFiles('evil/model', { endpoint: 'https://hub.test', fetch: hub.session().fetch }),
    );
    expect(error.kind).toBe('too-large');
    expect(error.message).toMatch(
      new RegExp(
        `^b\\.safetensors of evil/model@main announces ${cap - 10} bytes .*\\(what the earlier weight files left of twice`,
      ),
    );
  });

  it('refuses a tokenizer.json announced over 50 MB', async () => {
    const hub = fakeHub({
      'config.json': { chunks: text(TINY_LLAMA) },
      'tokenizer.json': { chunks: text({}), headers: { 'content-length': String(60 * MB) } },
    });
    const error = await refusal(
      loadHubModelFiles('evil/model', { endpoint: 'https://hub.test', fetch: hub.session().fetch }),
    );
    expect(error.message).toBe(
      'tokenizer.json of evil/model@main announces 60000000 bytes (Content-Length), over the 50.0 MB the lab takes for it (a JSON file of a model repo)',
    );
  });

  it('refuses config.json with a size out of range before any other file is requested', async () => {
    const hub = fakeHub({
      'config.json': { chunks: text({ ...TINY_LLAMA, num_hidden_layers: 100_000 }) },
      'tokenizer.json': { chunks: text({}) },
    });
    const error = await refusal(
      loadHubModelFiles('evil/model', { endpoint: 'https://hub.test', fetch: hub.session().fetch }),
    );
    expect({ kind: error.kind, file: error.file }).toEqual({
      kind: 'corrupt',
      file: 'config.json',
    });
    expect(error.message).toBe(
      'config.json of evil/model@main: num_hidden_layers must be a whole number from 1 to 512 (got 100000)',
    );
    expect(Object.keys(hub.pulled)).toEqual(['config.json']);
  });
});
