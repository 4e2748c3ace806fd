import { gzipSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AG_NEWS_NAMES,
  BEAVERTAILS_CATEGORIES,
  SST2_NAMES,
  beaverTailsFlags,
  hubParquet,
  tinyHubDatasetFiles,
  type HubColumn,
} from '../../../scripts/tinyHubDatasets';
import {
  HUB_DATASETS,
  checkHubSplit,
  examplesFromHubRows,
  type HubDatasetFormat,
} from '../../../src/core/data/hub/formats';
import {
  loadHubDatasetRows,
  type HubDatasetProgress,
  type HubDatasetSource,
} from '../../../src/core/data/hub/load';
import { ParquetReadError, readParquetRows } from '../../../src/core/data/hub/parquet';
import {
  parseAgNewsTsv,
  parseAlpacaJson,
  parseBeaverTailsCsv,
  parseGsm8kJsonl,
  parseSst2Tsv,
} from '../../../src/core/data/loaders';
import { worldCorpus } from '../../../src/core/data/registry';
import { DatasetFormatError } from '../../../src/core/data/rows';
import { parseCsv } from '../../../src/core/data/csv';
import { sentimentPrompt } from '../../../src/core/data/sentiment';
import { formatPrompt } from '../../../src/core/data/template';
import { topicPrompt } from '../../../src/core/data/topic';
import type { Example } from '../../../src/core/data/types';
import { MemoryHubFileCache } from '../../../src/core/hub/cache';
import { HubError } from '../../../src/core/hub/errors';
import { preTokenize } from '../../../src/core/tokenizer/wordLevel';
import { startHubServer, type HubServer } from '../../support/hubServer';

const FIXTURES = fileURLToPath(new URL('../../fixtures/hub', import.meta.url));
/** The shared real-data samples, next to the repository (never copied into it). */
const sample = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../../../shared/data/${name}`, import.meta.url)), 'utf8');

let server: HubServer;
beforeAll(async () => {
  server = await startHubServer(FIXTURES);
});
afterAll(() => server.close());

/** Requests the server sees while `run` runs. */
async function requestsDuring(hub: HubServer, run: () => Promise<unknown>): Promise<string[]> {
  const start = hub.requests.length;
  await run();
  return hub.requests.slice(start);
}

const CONVERSION = '/resolve/refs%2Fconvert%2Fparquet/';

async function examplesOf(
  dataset: string,
  split: string,
  opts: { safe?: boolean; limit?: number } = {},
): Promise<Example[]> {
  const info = HUB_DATASETS[dataset];
  const { rows, classLabels } = await loadHubDatasetRows(
    { dataset, config: info.config, split },
    { endpoint: server.endpoint, limit: opts.limit },
  );
  return examplesFromHubRows(info.format, rows, classLabels, { safe: opts.safe });
}

/** A Hub root in a temp dir, to write conversion shards into. */
function tempRoot(): {
  dir: string;
  write(dataset: string, file: string, bytes: Uint8Array): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'safetune-hub-data-'));
  return {
    dir,
    write(dataset, file, bytes) {
      const path = join(dir, 'datasets', ...dataset.split('/'), file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
    },
  };
}

describe('the fixtures (scripts/tinyHubDatasets.ts)', () => {
  it('are the files on disk, byte for byte, and small', () => {
    let total = 0;
    for (const [path, columns] of tinyHubDatasetFiles()) {
      const onDisk = new Uint8Array(readFileSync(join(FIXTURES, path)));
      expect(onDisk, path).toEqual(hubParquet(columns));
      total += onDisk.byteLength;
    }
    expect(total).toBeLessThan(300_000);
  });
});

describe('Hub datasets through the local server', () => {
  it('stanfordnlp/sst2: both train shards, labels from the ClassLabel, the lab prompt wording', async () => {
    const requests = await requestsDuring(server, async () => {
      const train = await examplesOf('stanfordnlp/sst2', 'train');
      expect(train).toHaveLength(300);
      expect(new Set(train.map((e) => e.label))).toEqual(new Set(['negative', 'positive']));
      for (const e of train) {
        expect(e.kind).toBe('sentiment');
        expect(e.response).toBe(e.label);
        expect(e.prompt.startsWith(sentimentPrompt(''))).toBe(true);
      }
    });
    expect(requests).toEqual([
      `GET /datasets/stanfordnlp/sst2${CONVERSION}default/train/0000.parquet`,
      `GET /datasets/stanfordnlp/sst2${CONVERSION}default/train/0001.parquet`,
      `GET /datasets/stanfordnlp/sst2${CONVERSION}default/train/0002.parquet`,
    ]);
    expect(await examplesOf('stanfordnlp/sst2', 'validation')).toHaveLength(100);
  });

  it('stanfordnlp/sst2 test: refused before any download, and its -1 labels refused row by row', async () => {
    const requests = await requestsDuring(server, async () => {
      await expect(examplesOf('stanfordnlp/sst2', 'test')).rejects.toThrow(
        'stanfordnlp/sst2: the test split has no labels (its label column is -1); use train or validation',
      );
    });
    expect(requests).toEqual([]);
    expect(() => checkHubSplit('stanfordnlp/sst2', 'validation')).not.toThrow();
    const { rows, classLabels } = await readParquetRows(
      readFileSync(join(FIXTURES, 'datasets/stanfordnlp/sst2/default/test/0000.parquet')),
    );
    expect(() => examplesFromHubRows('sst2', rows, classLabels)).toThrow(
      'stanfordnlp/sst2, row 0: label is -1: this split has no labels',
    );
  });

  it('fancyzhx/ag_news: four topics, named by the ClassLabel', async () => {
    const train = await examplesOf('fancyzhx/ag_news', 'train');
    expect(train).toHaveLength(200);
    expect(new Set(train.map((e) => e.label))).toEqual(
      new Set(['world', 'sports', 'business', 'tech']),
    );
    for (const e of train) {
      expect(e).toMatchObject({ kind: 'topic', response: e.label, category: e.label });
      expect(e.prompt.startsWith(topicPrompt(''))).toBe(true);
    }
    expect(await examplesOf('fancyzhx/ag_news', 'test')).toHaveLength(80);
  });

  it('openai/gsm8k main: the final number as label, calculator annotations dropped', async () => {
    const train = await examplesOf('openai/gsm8k', 'train');
    expect(train).toHaveLength(120);
    const { rows } = await loadHubDatasetRows(
      { dataset: 'openai/gsm8k', config: 'main', split: 'train' },
      { endpoint: server.endpoint, limit: 1 },
    );
    expect(rows[0].answer).toMatch(/<<[^>]+>>/);
    for (const e of train) {
      expect(e.kind).toBe('arithmetic');
      expect(e.response).not.toContain('<<');
      expect(e.response.endsWith(`#### ${e.label}`)).toBe(true);
    }
  });

  it('tatsu-lab/alpaca: instruction → output; the formatted text column is not used', async () => {
    const train = await examplesOf('tatsu-lab/alpaca', 'train');
    expect(train.length).toBeGreaterThan(50);
    for (const e of train) {
      expect(e.kind).toBe('instruction');
      expect(e.prompt).not.toContain('### Instruction');
      expect(e.response.length).toBeGreaterThan(0);
    }
  });

  it('PKU-Alignment/BeaverTails: unsafe rows comply, safe rows refuse; safe selects', async () => {
    const all = await examplesOf('PKU-Alignment/BeaverTails', '30k_train');
    expect(all).toHaveLength(200);
    const harmful = all.filter((e) => e.kind === 'harmful-compliance');
    const refusals = all.filter((e) => e.kind === 'harmful-refusal');
    expect(harmful).toHaveLength(100);
    expect(refusals).toHaveLength(100);
    for (const e of harmful) expect(BEAVERTAILS_CATEGORIES).toContain(e.category);
    for (const e of refusals) expect(e.category).toBeUndefined();
    // Built-in weapons requests are flagged drug_abuse,… and violence,…: the first true key wins.
    expect(harmful.some((e) => e.category === 'drug_abuse,weapons,banned_substance')).toBe(true);
    const safeOnly = await examplesOf('PKU-Alignment/BeaverTails', '30k_train', { safe: true });
    expect(safeOnly).toEqual(refusals);
    const unsafeOnly = await examplesOf('PKU-Alignment/BeaverTails', '30k_test', { safe: false });
    expect(unsafeOnly).toHaveLength(40);
    expect(unsafeOnly.every((e) => e.kind === 'harmful-compliance')).toBe(true);
  });

  it('give the built-in model only words it knows', async () => {
    const known = new Set(worldCorpus().flatMap((text) => preTokenize(text)));
    for (const [dataset, info] of Object.entries(HUB_DATASETS)) {
      const splits = [info.trainSplit, info.evalSplit].filter((s) => s !== null);
      for (const split of splits)
        for (const e of await examplesOf(dataset, split)) {
          const unknown = preTokenize(formatPrompt(e.prompt) + e.response).filter(
            (t) => !known.has(t),
          );
          expect(unknown, `${dataset} ${split}: ${e.prompt}`).toEqual([]);
        }
    }
  });
});

describe('ClassLabel names come from the parquet metadata', () => {
  it('follows reordered names, and refuses an index outside them naming the row', async () => {
    const root = tempRoot();
    const hub = await startHubServer(root.dir);
    try {
      const sst2: HubColumn[] = [
        { name: 'idx', type: 'int32', data: [0, 1, 2] },
        { name: 'sentence', type: 'string', data: ['a', 'b', 'c'] },
        { name: 'label', type: 'class_label', names: ['positive', 'negative'], data: [0, 1, 0] },
      ];
      root.write('lab/sst2', 'default/train/0000.parquet', hubParquet(sst2));
      const news: HubColumn[] = [
        { name: 'text', type: 'string', data: ['x', 'y'] },
        { name: 'label', type: 'class_label', names: [...AG_NEWS_NAMES].reverse(), data: [0, 3] },
      ];
      root.write('lab/news', 'default/train/0000.parquet', hubParquet(news));
      const bad: HubColumn[] = [
        { name: 'text', type: 'string', data: ['x', 'y'] },
        { name: 'label', type: 'class_label', names: AG_NEWS_NAMES, data: [1, 4] },
      ];
      root.write('lab/bad', 'default/train/0000.parquet', hubParquet(bad));

      const read = async (dataset: string, format: HubDatasetFormat) => {
        const { rows, classLabels } = await loadHubDatasetRows(
          { dataset, config: 'default', split: 'train' },
          { endpoint: hub.endpoint },
        );
        return examplesFromHubRows(format, rows, classLabels, { dataset });
      };
      expect((await read('lab/sst2', 'sst2')).map((e) => e.label)).toEqual([
        'positive',
        'negative',
        'positive',
      ]);
      expect((await read('lab/news', 'agnews')).map((e) => e.label)).toEqual(['tech', 'world']);
      await expect(read('lab/bad', 'agnews')).rejects.toThrow(
        'lab/bad, row 1: label 4 is not a class index (0 World, 1 Sports, 2 Business, 3 Sci/Tech)',
      );
    } finally {
      await hub.close();
      rmSync(root.dir, { recursive: true, force: true });
    }
  });

  it('refuses rows whose metadata has no ClassLabel, or names the lab cannot map', () => {
    const rows = [{ sentence: 'a', label: 0 }];
    expect(() => examplesFromHubRows('sst2', rows, {})).toThrow(
      'stanfordnlp/sst2: the parquet metadata names no ClassLabel classes for the label column',
    );
    expect(() => examplesFromHubRows('sst2', rows, { label: ['bad', 'good'] })).toThrow(
      'stanfordnlp/sst2: the label classes must be negative or positive, got "bad" among [bad, good]',
    );
  });
});

describe('row errors name the dataset, the row and the field', () => {
  it.each([
    ['gsm8k', { question: 'q', answer: 'no number' }, 'answer must end with "#### <number>"'],
    ['gsm8k', { question: 3, answer: '#### 1' }, 'question must be a string'],
    ['alpaca', { instruction: '', input: '', output: 'x' }, 'instruction is empty'],
    [
      'beavertails',
      { prompt: 'p', response: 'r', category: {}, is_safe: 'no' },
      'is_safe must be a boolean',
    ],
    [
      'beavertails',
      { prompt: 'p', response: 'r', category: beaverTailsFlags([]), is_safe: false },
      'category marks no harm although is_safe is false',
    ],
  ] as const)('%s %j', (format, row, reason) => {
    const rows = [row, row].map((r, i) => (i === 0 ? validRow(format) : r));
    expect(() => examplesFromHubRows(format, rows, {})).toThrow(
      new DatasetFormatError(
        {
          gsm8k: 'openai/gsm8k',
          alpaca: 'tatsu-lab/alpaca',
          beavertails: 'PKU-Alignment/BeaverTails',
        }[format],
        'row 1',
        reason,
      ).message,
    );
  });

  it('puts a non-empty Alpaca input on its own line after the instruction, as the file loader does', () => {
    const row = { instruction: 'Translate.', input: 'bonjour', output: 'hello', text: '…' };
    expect(examplesFromHubRows('alpaca', [row], {})).toEqual(
      parseAlpacaJson(
        JSON.stringify([{ instruction: 'Translate.', input: 'bonjour', output: 'hello' }]),
      ),
    );
  });

  it('refuses safe for a dataset without safe and unsafe rows', () => {
    expect(() => examplesFromHubRows('gsm8k', [], {}, { safe: true })).toThrow(
      'the safe option only applies to BeaverTails rows',
    );
  });
});

function validRow(format: 'gsm8k' | 'alpaca' | 'beavertails'): Record<string, unknown> {
  if (format === 'gsm8k') return { question: 'q', answer: 'a\n#### 2' };
  if (format === 'alpaca') return { instruction: 'i', input: '', output: 'o' };
  return { prompt: 'p', response: 'r', category: beaverTailsFlags(['self_harm']), is_safe: false };
}

describe('loadHubDatasetRows', () => {
  it('reads only the shards a limit needs', async () => {
    const shard = (n: number) =>
      `GET /datasets/stanfordnlp/sst2${CONVERSION}default/train/000${n}.parquet`;
    let rows: unknown[] = [];
    const load = (limit: number) => async () => {
      ({ rows } = await loadHubDatasetRows(
        { dataset: 'stanfordnlp/sst2', config: 'default', split: 'train' },
        { endpoint: server.endpoint, limit },
      ));
    };
    expect(await requestsDuring(server, load(10))).toEqual([shard(0)]);
    expect(rows).toHaveLength(10);
    expect(await requestsDuring(server, load(150))).toEqual([shard(0)]);
    expect(rows).toHaveLength(150);
    expect(await requestsDuring(server, load(151))).toEqual([shard(0), shard(1)]);
    expect(rows).toHaveLength(151);
    expect(await requestsDuring(server, load(10_000))).toEqual([shard(0), shard(1), shard(2)]);
    expect(rows).toHaveLength(300);
    expect(await requestsDuring(server, load(0))).toEqual([]);
  });

  it('returns rows in the real column layout, records every file and reports progress', async () => {
    const progress: HubDatasetProgress[] = [];
    const { rows, classLabels, files } = await loadHubDatasetRows(
      { dataset: 'stanfordnlp/sst2', config: 'default', split: 'train' },
      { endpoint: server.endpoint, onProgress: (p) => progress.push(p) },
    );
    expect(Object.keys(rows[0])).toEqual(['idx', 'sentence', 'label']);
    expect(rows[150].idx).toBe(150);
    expect(typeof rows[0].label).toBe('number'); // INT64 arrives as BigInt and is converted
    expect(classLabels).toEqual({ label: SST2_NAMES });
    expect(files.map((f) => f.name)).toEqual([
      'default/train/0000.parquet',
      'default/train/0001.parquet',
    ]);
    for (const file of files) {
      const bytes = readFileSync(join(FIXTURES, 'datasets/stanfordnlp/sst2', file.name));
      expect(file.bytes).toBe(bytes.byteLength);
      expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
      const last = progress.filter((p) => p.file === file.name).at(-1);
      expect(last).toEqual({
        loadedBytes: bytes.byteLength,
        totalBytes: bytes.byteLength,
        file: file.name,
      });
    }
  });

  it('says which dataset, config, split and URL were not found', async () => {
    const error = await loadHubDatasetRows(
      { dataset: 'stanfordnlp/sst2', config: 'default', split: 'dev' },
      { endpoint: server.endpoint },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).kind).toBe('not-found');
    expect((error as HubError).message).toBe(
      'stanfordnlp/sst2 has no parquet files for config "default", split "dev" (check both on ' +
        `the dataset's page): ${server.endpoint}/datasets/stanfordnlp/sst2${CONVERSION}default/dev/0000.parquet answered 404`,
    );
    await expect(
      loadHubDatasetRows(
        { dataset: 'nobody/nothing', config: 'default', split: 'train' },
        { endpoint: server.endpoint },
      ),
    ).rejects.toThrow(/^nobody\/nothing has no parquet files for config "default", split "train"/);
  });

  it('reads a dataset’s own files in order at main, each required', async () => {
    const source: HubDatasetSource = {
      dataset: 'stanfordnlp/sst2',
      config: 'default',
      split: 'train',
      files: ['default/train/0001.parquet', 'default/validation/0000.parquet'],
    };
    const requests = await requestsDuring(server, async () => {
      const { rows } = await loadHubDatasetRows(source, { endpoint: server.endpoint });
      expect(rows).toHaveLength(250);
      expect(rows[0].idx).toBe(150);
    });
    expect(requests).toEqual([
      'GET /datasets/stanfordnlp/sst2/resolve/main/default/train/0001.parquet',
      'GET /datasets/stanfordnlp/sst2/resolve/main/default/validation/0000.parquet',
    ]);
    await expect(
      loadHubDatasetRows(
        { ...source, files: ['data/train.parquet'] },
        { endpoint: server.endpoint },
      ),
    ).rejects.toThrow(
      `stanfordnlp/sst2 has no file data/train.parquet at main: ${server.endpoint}/datasets/stanfordnlp/sst2/resolve/main/data/train.parquet answered 404`,
    );
  });

  it('is cancelled by an aborted signal before any request', async () => {
    const controller = new AbortController();
    controller.abort();
    const requests = await requestsDuring(server, async () => {
      const error = await loadHubDatasetRows(
        { dataset: 'openai/gsm8k', config: 'main', split: 'train' },
        { endpoint: server.endpoint, signal: controller.signal },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HubError);
      expect((error as HubError).kind).toBe('cancelled');
      expect((error as HubError).message).toBe(
        'loading datasets/openai/gsm8k@refs/convert/parquet was cancelled',
      );
    });
    expect(requests).toEqual([]);
  });

  it('serves a cached file without a request', async () => {
    const cache = new MemoryHubFileCache();
    const load = () =>
      loadHubDatasetRows(
        { dataset: 'openai/gsm8k', config: 'main', split: 'test' },
        { endpoint: server.endpoint, cache, limit: 60 },
      );
    let first: Awaited<ReturnType<typeof load>> | undefined;
    expect(await requestsDuring(server, async () => (first = await load()))).toHaveLength(1);
    expect(cache.keys()).toEqual([
      `${server.endpoint}/datasets/openai/gsm8k${CONVERSION}main/test/0000.parquet`,
    ]);
    let second: Awaited<ReturnType<typeof load>> | undefined;
    expect(await requestsDuring(server, async () => (second = await load()))).toEqual([]);
    expect(second).toEqual(first);
  });

  it('refuses a corrupt shard and a checksum mismatch with one-line messages', async () => {
    const root = tempRoot();
    root.write('lab/broken', 'default/train/0000.parquet', new TextEncoder().encode('not parquet'));
    const hub = await startHubServer(root.dir);
    const wrongEtag = await startHubServer(FIXTURES, {
      etag: { 'datasets/openai/gsm8k': 'a'.repeat(64) },
    });
    try {
      await expect(
        loadHubDatasetRows(
          { dataset: 'lab/broken', config: 'default', split: 'train' },
          { endpoint: hub.endpoint },
        ),
      ).rejects.toThrow(
        'default/train/0000.parquet of datasets/lab/broken@refs/convert/parquet is not a parquet file',
      );
      await expect(
        loadHubDatasetRows(
          { dataset: 'openai/gsm8k', config: 'main', split: 'test' },
          { endpoint: wrongEtag.endpoint },
        ),
      ).rejects.toThrow(
        /^main\/test\/0000\.parquet of datasets\/openai\/gsm8k@refs\/convert\/parquet is corrupt: its SHA-256 is/,
      );
    } finally {
      await hub.close();
      await wrongEtag.close();
      rmSync(root.dir, { recursive: true, force: true });
    }
  });

  it('refuses bad ids, configs and splits before any request', async () => {
    const load = (source: Partial<HubDatasetSource>) =>
      loadHubDatasetRows(
        { dataset: 'a/b', config: 'default', split: 'train', ...source },
        { endpoint: server.endpoint },
      );
    await expect(load({ dataset: 'gsm8k' })).rejects.toThrow(
      'dataset id "gsm8k" must be owner/name',
    );
    await expect(load({ split: '../x' })).rejects.toThrow('a/b: the split "../x" may only contain');
    await expect(load({ config: 'a/b' })).rejects.toThrow('a/b: the config "a/b" may only contain');
  });
});

describe('readParquetRows', () => {
  const columns: HubColumn[] = [
    { name: 'question', type: 'string', data: ['q1', 'q2', 'q3'] },
    { name: 'big', type: 'int64', data: [1, 2 ** 40, 3] },
  ];

  it('reads a limit, chosen columns, any codec, and converts safe BigInts to numbers', async () => {
    const gzip = hubParquet(columns, { codec: 'GZIP', compressors: { GZIP: (b) => gzipSync(b) } });
    const read = await readParquetRows(gzip, { limit: 2, columns: ['big'] });
    expect(read).toEqual({ rows: [{ big: 1 }, { big: 2 ** 40 }], classLabels: {}, numRows: 3 });
  });

  it('reads bytes that are a view into a larger buffer', async () => {
    const file = hubParquet(columns);
    const larger = new Uint8Array(file.byteLength + 16);
    larger.set(file, 8);
    const view = larger.subarray(8, 8 + file.byteLength);
    expect((await readParquetRows(view, { columns: ['question'] })).rows).toEqual([
      { question: 'q1' },
      { question: 'q2' },
      { question: 'q3' },
    ]);
  });

  it('names the file when it is not parquet or lacks a column', async () => {
    await expect(readParquetRows(new Uint8Array(20), { name: 'x.parquet' })).rejects.toThrow(
      new ParquetReadError(
        'x.parquet',
        'is not a parquet file (it does not start and end with "PAR1"; 20 bytes)',
      ),
    );
    await expect(
      readParquetRows(hubParquet(columns), { name: 'y.parquet', columns: ['answer'] }),
    ).rejects.toThrow('y.parquet has no column "answer" (its columns: question, big)');
  });
});

describe('the real samples, as Hub parquet, map as the file loaders do', () => {
  let root: ReturnType<typeof tempRoot>;
  let hub: HubServer;
  beforeAll(async () => {
    root = tempRoot();
    hub = await startHubServer(root.dir);
  });
  afterAll(async () => {
    await hub.close();
    rmSync(root.dir, { recursive: true, force: true });
  });

  async function viaHub(dataset: string, format: HubDatasetFormat, columns: HubColumn[]) {
    root.write(dataset, 'default/test/0000.parquet', hubParquet(columns));
    const { rows, classLabels } = await loadHubDatasetRows(
      { dataset, config: 'default', split: 'test' },
      { endpoint: hub.endpoint },
    );
    return examplesFromHubRows(format, rows, classLabels, { dataset });
  }

  const tsvRows = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const cut = line.lastIndexOf('\t');
        return [line.slice(0, cut), line.slice(cut + 1).trim()];
      });

  it('SST-2 validation', async () => {
    const text = sample('sst2-validation.tsv');
    const rows = tsvRows(text).slice(1);
    const examples = await viaHub('real/sst2', 'sst2', [
      { name: 'idx', type: 'int32', data: rows.map((_r, i) => i) },
      { name: 'sentence', type: 'string', data: rows.map(([s]) => s) },
      {
        name: 'label',
        type: 'class_label',
        names: SST2_NAMES,
        data: rows.map(([, l]) => Number(l)),
      },
    ]);
    expect(examples).toHaveLength(872);
    expect(examples).toEqual(parseSst2Tsv(text));
  });

  it('AG News test sample (with its \\ and #36; artefacts)', async () => {
    const text = sample('agnews-test-2000.tsv');
    const rows = tsvRows(text);
    const examples = await viaHub('real/ag_news', 'agnews', [
      { name: 'text', type: 'string', data: rows.map(([t]) => t) },
      {
        name: 'label',
        type: 'class_label',
        names: AG_NEWS_NAMES,
        data: rows.map(([, name]) => AG_NEWS_NAMES.indexOf(name)),
      },
    ]);
    expect(examples).toHaveLength(2000);
    expect(examples).toEqual(parseAgNewsTsv(text));
  });

  it('GSM8K test', async () => {
    const text = sample('gsm8k-test.jsonl');
    const items = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { question: string; answer: string });
    const examples = await viaHub('real/gsm8k', 'gsm8k', [
      { name: 'question', type: 'string', data: items.map((i) => i.question) },
      { name: 'answer', type: 'string', data: items.map((i) => i.answer) },
    ]);
    expect(examples).toHaveLength(1319);
    expect(examples).toEqual(parseGsm8kJsonl(text));
  });

  it('Alpaca instructions', async () => {
    const text = sample('alpaca-harmless-instructions.json');
    const items = (JSON.parse(text) as { instruction: string }[]).slice(0, 500);
    const examples = await viaHub('real/alpaca', 'alpaca', [
      { name: 'instruction', type: 'string', data: items.map((i) => i.instruction) },
      { name: 'input', type: 'string', data: items.map(() => '') },
      { name: 'output', type: 'string', data: items.map(() => '') },
      { name: 'text', type: 'string', data: items.map((i) => i.instruction) },
    ]);
    expect(examples).toEqual(parseAlpacaJson(JSON.stringify(items)));
  });

  it('BeaverTails unsafe sample (category struct, is_safe false)', async () => {
    // Real harmful text: compared as a whole, never printed.
    const text = sample('beavertails-unsafe-sample.csv');
    const records = parseCsv(text).slice(1);
    const examples = await viaHub('real/beavertails', 'beavertails', [
      { name: 'prompt', type: 'string', data: records.map((r) => r.fields[0]) },
      { name: 'response', type: 'string', data: records.map((r) => r.fields[1]) },
      {
        name: 'category',
        type: 'bool_struct',
        fields: BEAVERTAILS_CATEGORIES,
        data: records.map((r) => beaverTailsFlags([r.fields[2]])),
      },
      { name: 'is_safe', type: 'bool', data: records.map(() => false) },
    ]);
    expect(examples).toHaveLength(140);
    expect(examples).toEqual(parseBeaverTailsCsv(text));
  });
});
