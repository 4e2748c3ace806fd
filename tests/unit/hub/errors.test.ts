import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError, type HubErrorKind } from '../../../src/core/hub/errors';
import { loadHubModelFiles } from '../../../src/core/hub/fetchFiles';
import { startHubServer, type HubServer, type HubServerOptions } from '../../support/hubServer';
import {
  CONFIG,
  SHARDED,
  SHARDS,
  SINGLE,
  copyRepo,
  createFixtureRoot,
  readBytes,
  type FixtureRoot,
} from './fixtures';

let root: FixtureRoot;
let server: HubServer;
const faults: HubServerOptions = {};

const JSON_FILES = ['config.json', 'tokenizer.json'];

beforeAll(async () => {
  root = createFixtureRoot();
  server = await startHubServer(root.dir, faults);

  copyRepo(root, SHARDED, 'broken/missing-shard', [
    ...JSON_FILES,
    'model.safetensors.index.json',
    SHARDS[0],
  ]);
  copyRepo(root, SINGLE, 'broken/no-weights', JSON_FILES);
  copyRepo(root, SINGLE, 'broken/no-tokenizer', ['config.json', 'model.safetensors']);

  copyRepo(root, SINGLE, 'broken/header', JSON_FILES);
  const pastEnd = new Uint8Array(16);
  new DataView(pastEnd.buffer).setBigUint64(0, 1_000_000n, true);
  root.write('broken/header', 'model.safetensors', pastEnd);

  copyRepo(root, SINGLE, 'broken/offsets', JSON_FILES);
  const header = new TextEncoder().encode(
    JSON.stringify({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }),
  );
  const offsets = new Uint8Array(8 + header.length + 8);
  new DataView(offsets.buffer).setBigUint64(0, BigInt(header.length), true);
  offsets.set(header, 8);
  root.write('broken/offsets', 'model.safetensors', offsets);

  copyRepo(root, SINGLE, 'broken/config', ['tokenizer.json', 'model.safetensors']);
  root.write('broken/config', 'config.json', '{"model_type": "gpt2",');
  copyRepo(root, SINGLE, 'broken/config-array', ['tokenizer.json', 'model.safetensors']);
  root.write('broken/config-array', 'config.json', JSON.stringify([CONFIG]));
  copyRepo(root, SINGLE, 'broken/deep-tokenizer', ['config.json', 'model.safetensors']);
  root.write(
    'broken/deep-tokenizer',
    'tokenizer.json',
    `{"model": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
  );

  copyRepo(root, SHARDED, 'broken/index', [...JSON_FILES, ...SHARDS]);
  root.write(
    'broken/index',
    'model.safetensors.index.json',
    JSON.stringify({ weight_map: { 'wte.weight': SHARDS[0], 'lm_head.weight': SHARDS[1] } }),
  );
  copyRepo(root, SHARDED, 'broken/index-path', [...JSON_FILES, ...SHARDS]);
  root.write(
    'broken/index-path',
    'model.safetensors.index.json',
    JSON.stringify({ weight_map: { 'wte.weight': '../tiny/model.safetensors' } }),
  );
});
afterAll(async () => {
  await server.close();
  root.remove();
});

async function failure(
  spec: string,
  options: Partial<Parameters<typeof loadHubModelFiles>[1]> = {},
): Promise<HubError> {
  try {
    await loadHubModelFiles(spec, { endpoint: server.endpoint, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(HubError);
    const hubError = error as HubError;
    expect(hubError.message).not.toContain('\n');
    return hubError;
  }
  throw new Error(`loading ${spec} did not fail`);
}

function expectKind(error: HubError, kind: HubErrorKind, message: RegExp, file: string | null) {
  expect({ kind: error.kind, file: error.file }).toEqual({ kind, file });
  expect(error.message).toMatch(message);
}

function withFaults(set: HubServerOptions, body: () => Promise<void>): () => Promise<void> {
  return async () => {
    Object.assign(faults, set);
    try {
      await body();
    } finally {
      for (const key of Object.keys(set)) delete faults[key as keyof HubServerOptions];
    }
  };
}

describe('HubError kinds', () => {
  it('not-found: a repo without config.json, naming repo, revision and endpoint', async () => {
    const error = await failure('lab/none@v3');
    expectKind(
      error,
      'not-found',
      /^model lab\/none@v3 not found at http:\/\/127\.0\.0\.1:\d+ \(404\)$/,
      'config.json',
    );
    expect(error.repo).toBe('lab/none@v3');
  });

  it('not-found: a shard the index lists is missing, naming the shard', async () => {
    const error = await failure('broken/missing-shard');
    expectKind(
      error,
      'not-found',
      new RegExp(
        `shard ${SHARDS[1]} listed in model\\.safetensors\\.index\\.json of broken/missing-shard@main is missing`,
      ),
      SHARDS[1],
    );
  });

  it('not-found: no tokenizer.json, or neither weights file nor index', async () => {
    expectKind(
      await failure('broken/no-tokenizer'),
      'not-found',
      /has no tokenizer\.json/,
      'tokenizer.json',
    );
    expectKind(
      await failure('broken/no-weights'),
      'not-found',
      /broken\/no-weights@main .* has neither model\.safetensors nor model\.safetensors\.index\.json/,
      'model.safetensors',
    );
  });

  it(
    'gated: 401 says the repo needs an access token the lab cannot use',
    withFaults({ status: { [SINGLE]: 401 } }, async () => {
      const error = await failure(SINGLE);
      expectKind(
        error,
        'gated',
        /config\.json of lab\/tiny@main .* answered 401: the repo is gated or private and needs an access token, which the lab cannot use/,
        'config.json',
      );
    }),
  );

  it(
    'gated: 403 on a weights file',
    withFaults({ status: { [`${SINGLE}/model.safetensors`]: 403 } }, async () => {
      expectKind(
        await failure(SINGLE),
        'gated',
        /model\.safetensors of lab\/tiny@main .* answered 403: .*gated or private/,
        'model.safetensors',
      );
    }),
  );

  it(
    'http: any other status, with its code',
    withFaults({ status: { [`${SINGLE}/tokenizer.json`]: 500 } }, async () => {
      expectKind(
        await failure(SINGLE),
        'http',
        /tokenizer\.json of lab\/tiny@main at .* answered HTTP 500/,
        'tokenizer.json',
      );
    }),
  );

  it('network: nothing listens at the endpoint; says network or CORS and names the endpoint', async () => {
    const closed = await startHubServer(root.dir);
    await closed.close();
    const error = await failure(SINGLE, { endpoint: closed.endpoint });
    expectKind(
      error,
      'network',
      /could not fetch config\.json of lab\/tiny@main from http:\/\/127\.0\.0\.1:\d+: the network is down, or the server does not allow cross-origin requests \(CORS\)/,
      'config.json',
    );
    expect(error.message).toContain(closed.endpoint);
  });

  it(
    'corrupt: a shard cut short of its Content-Length',
    withFaults({ truncate: { [`${SHARDED}/${SHARDS[1]}`]: 1000 } }, async () => {
      const size = readBytes(root.path(SHARDED, SHARDS[1])).byteLength;
      const error = await failure(SHARDED);
      expectKind(
        error,
        'corrupt',
        new RegExp(
          `${SHARDS[1]} of lab/tiny-sharded@main is truncated: received 1000 of ${size} bytes`,
        ),
        SHARDS[1],
      );
    }),
  );

  it('corrupt: a safetensors header length past the end of the file', async () => {
    expectKind(
      await failure('broken/header'),
      'corrupt',
      /^model\.safetensors of broken\/header@main is corrupt: .*header length 1000000 runs past the end/,
      'model.safetensors',
    );
  });

  it('corrupt: tensor offsets past the end of the data', async () => {
    expectKind(
      await failure('broken/offsets'),
      'corrupt',
      /^model\.safetensors of broken\/offsets@main is corrupt: "w" has data_offsets \[0,16\]/,
      'model.safetensors',
    );
  });

  it('corrupt: config.json that is not JSON, or not a JSON object', async () => {
    expectKind(
      await failure('broken/config'),
      'corrupt',
      /^config\.json of broken\/config@main is not valid JSON/,
      'config.json',
    );
    expectKind(
      await failure('broken/config-array'),
      'corrupt',
      /config\.json of broken\/config-array@main is not a JSON object/,
      'config.json',
    );
  });

  it('corrupt: a tokenizer.json nested 100,000 deep is refused in one line before anything walks it', async () => {
    expectKind(
      await failure('broken/deep-tokenizer'),
      'corrupt',
      /^tokenizer\.json of broken\/deep-tokenizer@main: a Hub JSON file is nested more than 64 levels deep$/,
      'tokenizer.json',
    );
  });

  it('corrupt: the index lists a tensor its shard does not contain', async () => {
    expectKind(
      await failure('broken/index'),
      'corrupt',
      new RegExp(
        `tensor lm_head\\.weight .* listed in model\\.safetensors\\.index\\.json as in ${SHARDS[1]}, but ${SHARDS[1]} does not contain it`,
      ),
      SHARDS[1],
    );
  });

  it('corrupt: the index names a shard outside the repo, and nothing is fetched for it', async () => {
    const start = server.requests.length;
    expectKind(
      await failure('broken/index-path'),
      'corrupt',
      /maps tensor wte\.weight to "\.\.\/tiny\/model\.safetensors", which is not a file in the repo/,
      'model.safetensors.index.json',
    );
    expect(server.requests.slice(start).some((request) => request.includes('tiny/model'))).toBe(
      false,
    );
  });

  it(
    'corrupt: the body does not match the SHA-256 the server announced',
    withFaults({ etag: { [`${SINGLE}/model.safetensors`]: 'ab'.repeat(32) } }, async () => {
      expectKind(
        await failure(SINGLE),
        'corrupt',
        new RegExp(
          `model\\.safetensors of lab/tiny@main is corrupt: its SHA-256 is [0-9a-f]{64} but the server announced ${'ab'.repeat(32)}`,
        ),
        'model.safetensors',
      );
    }),
  );

  it('cancelled: a signal aborted before the load makes no request', async () => {
    const start = server.requests.length;
    const error = await failure(SINGLE, { signal: AbortSignal.abort() });
    expectKind(error, 'cancelled', /^loading lab\/tiny@main was cancelled$/, null);
    expect(server.requests.length).toBe(start);
  });

  it('cancelled: aborting while a shard streams stops the load', async () => {
    const controller = new AbortController();
    const start = server.requests.length;
    const error = await failure(SHARDED, {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expectKind(error, 'cancelled', /was cancelled/, SHARDS[0]);
    expect(server.requests.slice(start).some((request) => request.endsWith(SHARDS[1]))).toBe(false);
  });
});
