/**
 * A local stand-in for the Hugging Face Hub's file downloads, so no test touches the network.
 * It serves models' `rootDir/{owner}/{name}/{file}` at `/{owner}/{name}/resolve/{revision}/{file}`
 * and datasets' `rootDir/datasets/{owner}/{name}/{file}` at
 * `/datasets/{owner}/{name}/resolve/{revision}/{file}`, with the headers the Hub sends that the lab
 * relies on: Content-Length, CORS (the page fetches cross-origin), and the SHA-256 of LFS files
 * (safetensors, parquet) as `X-Linked-Etag`/`ETag`. Any revision serves the same files unless
 * `rootDir/{owner}/{name}@{revision}/` exists (for a dataset, under `rootDir/datasets/`).
 *
 * Dependency-free Node, used by unit tests, Playwright e2e tests and the CLI (`HF_ENDPOINT`), and
 * runnable as a script: `npx tsx tests/support/hubServer.ts <rootDir> [port]` prints the endpoint.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Faults to inject, keyed by `owner/name/file` (one file, any revision) or `owner/name` (every
 * file of the repo); a dataset's keys start with `datasets/`, as its path does. The object is read
 * on every request, so a test may change it while the server runs.
 */
export interface HubServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Answer with this status (401, 403, 500, …) and no file. */
  status?: Record<string, number>;
  /** Announce the full Content-Length, send only this many bytes, then destroy the socket. */
  truncate?: Record<string, number>;
  /** Send this value (a 64-hex SHA-256, unquoted) as the file's etag instead of the true one. */
  etag?: Record<string, string>;
}

export interface HubServer {
  /** `http://127.0.0.1:<port>`, to use as the Hub endpoint. */
  endpoint: string;
  /** Every request's method and path, in arrival order: `GET /owner/name/resolve/main/config.json`. */
  requests: string[];
  close(): Promise<void>;
}

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Length, ETag, X-Linked-Etag',
};

export async function startHubServer(
  rootDir: string,
  options: HubServerOptions = {},
): Promise<HubServer> {
  const root = resolve(rootDir);
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    try {
      handle(root, options, request, response);
    } catch (error) {
      send(response, 500, `hub server error: ${(error as Error).message}\n`);
    }
  });
  // Node closes an idle keep-alive socket after 5 s; on a loaded machine a client (undici, in the
  // same process) could pick that socket up just as it closed and fail with ECONNRESET (seen in
  // the real-tokenizer unit tests under a load of 11). Idle sockets stay open for a minute here.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((done, fail) => {
        // fetch keeps connections alive; without this, close() would wait for them to time out.
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}

function handle(
  root: string,
  options: HubServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  if (request.method === 'OPTIONS') {
    response.writeHead(204, {
      ...CORS_HEADERS,
      'Access-Control-Allow-Methods': 'GET, HEAD',
      'Access-Control-Allow-Headers': '*',
    });
    response.end();
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, 'only GET and HEAD\n');
    return;
  }

  const route = parseRoute(request.url ?? '/');
  if (route === null) {
    send(
      response,
      404,
      'not a /[datasets/]{owner}/{name}/resolve/{revision}/{file} path\n',
      'EntryNotFound',
    );
    return;
  }
  const repoKey = `${route.owner}/${route.name}`;
  const fileKey = `${repoKey}/${route.file}`;

  const status = options.status?.[fileKey] ?? options.status?.[repoKey];
  if (status !== undefined) {
    send(response, status, `status ${status} injected for ${fileKey}\n`);
    return;
  }

  const path = locate(root, route);
  if (path === null) {
    send(response, 404, `${fileKey} not found\n`, 'EntryNotFound');
    return;
  }
  const body = readFileSync(path);
  const headers: Record<string, string> = {
    ...CORS_HEADERS,
    'Content-Type': route.file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    'Content-Length': String(body.byteLength),
  };
  const etag = options.etag?.[fileKey] ?? options.etag?.[repoKey];
  if (route.file.endsWith('.safetensors') || route.file.endsWith('.parquet')) {
    // The Hub stores these with git LFS and names them by the SHA-256 of their content.
    const sha256 = etag ?? createHash('sha256').update(body).digest('hex');
    headers['X-Linked-Etag'] = `"${sha256}"`;
    headers['ETag'] = `"${sha256}"`;
  } else {
    // Other files are plain git blobs: their ETag is the blob's SHA-1, as on the Hub.
    headers['ETag'] = `"${etag ?? gitBlobSha1(body)}"`;
  }
  response.writeHead(200, headers);
  if (request.method === 'HEAD') {
    response.end();
    return;
  }

  const truncateTo = options.truncate?.[fileKey] ?? options.truncate?.[repoKey];
  if (truncateTo !== undefined) {
    response.write(body.subarray(0, truncateTo), () => request.socket.destroy());
    return;
  }
  response.end(body);
}

interface Route {
  /** `owner`, or `datasets/owner` for a dataset. */
  owner: string;
  name: string;
  revision: string;
  file: string;
}

function parseRoute(url: string): Route | null {
  const path = url.split('?')[0];
  const all = path.split('/').slice(1);
  const dataset = all[0] === 'datasets' && all[3] === 'resolve';
  const segments = dataset ? all.slice(1) : all;
  if (segments.length < 5 || segments[2] !== 'resolve') return null;
  let decoded: string[];
  try {
    decoded = segments.map(decodeURIComponent);
  } catch {
    return null;
  }
  const [owner, name, , revision, ...file] = decoded;
  if ([owner, name, revision, ...file].some((part) => part === '')) return null;
  return { owner: dataset ? `datasets/${owner}` : owner, name, revision, file: file.join('/') };
}

/** The file on disk for a route, or null; never a path outside `root`. */
function locate(root: string, route: Route): string | null {
  const inside = (dir: string, path: string) => {
    const rel = relative(dir, path);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  const pinned = resolve(root, route.owner, `${route.name}@${route.revision}`);
  const repoDir =
    inside(root, pinned) && existsSync(pinned) ? pinned : resolve(root, route.owner, route.name);
  const path = resolve(repoDir, route.file);
  const found = inside(root, repoDir) && inside(repoDir, path) && existsSync(path);
  return found && statSync(path).isFile() ? path : null;
}

function gitBlobSha1(body: Buffer): string {
  return createHash('sha1').update(`blob ${body.byteLength}\0`).update(body).digest('hex');
}

function send(response: ServerResponse, status: number, text: string, errorCode?: string): void {
  const body = Buffer.from(text);
  response.writeHead(status, {
    ...CORS_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(body.byteLength),
    ...(errorCode === undefined ? {} : { 'X-Error-Code': errorCode }),
  });
  response.end(body);
}

async function main(argv: string[]): Promise<void> {
  const [rootDir, port] = argv;
  if (rootDir === undefined || (port !== undefined && !/^\d+$/.test(port))) {
    console.error('usage: tsx tests/support/hubServer.ts <rootDir> [port]');
    process.exit(2);
  }
  if (!existsSync(rootDir) || !statSync(rootDir).isDirectory()) {
    console.error(`hub server: ${rootDir} is not a directory`);
    process.exit(2);
  }
  const server = await startHubServer(rootDir, { port: port === undefined ? 0 : Number(port) });
  console.log(server.endpoint);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main(process.argv.slice(2));
}
