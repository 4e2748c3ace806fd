/**
 * `config.data` → generators: Hub datasets split by a hash of the prompt (train / re-alignment /
 * held-out), independent of the seed; a dataset's own parquet files instead of the conversion.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hubParquet } from '../../../scripts/tinyHubDatasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSource } from '../../../src/core/config/schema';
import { getDataset } from '../../../src/core/data/registry';
import {
  builtInDataSources,
  hubGenerator,
  loadDataSources,
  stageDataKey,
} from '../../../src/core/data/sources';
import type { Example } from '../../../src/core/data/types';
import { startHubServer, type HubServer } from '../../support/hubServer';

const ROOT = fileURLToPath(new URL('../../fixtures/hub', import.meta.url));

const source = (dataset: string, patch: Partial<DatasetSource> = {}): DatasetSource => ({
  dataset,
  config: 'default',
  train: 'train',
  eval: null,
  maxRows: 10_000,
  files: null,
  ...patch,
});

describe('data sources', () => {
  let server: HubServer;
  beforeAll(async () => {
    server = await startHubServer(ROOT);
  });
  afterAll(() => server.close());

  it('the built-in world is the default for every role', async () => {
    const sources = builtInDataSources({ finetune: { task: 'agnews' } } as never);
    expect(sources.task).toBe(getDataset('agnews'));
    expect(sources.harmful).toBe(getDataset('beavertails'));
    expect(sources.refusal).toBe(getDataset('beavertails-refusal'));
    expect(sources.benign).toBe(getDataset('alpaca'));
    expect(sources.trainFiles).toEqual({});
    expect(await stageDataKey(sources, 'finetune')).toBeUndefined();
  });

  it('keeps prompts of a separate eval split out of training and re-alignment', () => {
    const row = (i: number): Example => ({ prompt: `p${i}`, response: 'r', kind: 'instruction' });
    const train = Array.from({ length: 200 }, (_, i) => row(i));
    const held = [row(3), row(50), row(1000)];
    const generator = hubGenerator('test', 'rows', train, held);
    for (const split of ['train', 'realign'] as const) {
      const prompts = generator
        .generate({ split, n: generator.poolSize(split), seed: 0 })
        .map((e) => e.prompt);
      expect(prompts).not.toContain('p3');
      expect(prompts).not.toContain('p50');
    }
    expect(generator.poolSize('eval')).toBe(3);
  });

  it('splits a Hub train split into disjoint train, re-alignment and held-out prompts, whatever the seed', () => {
    const train: Example[] = Array.from({ length: 400 }, (_, i) => ({
      prompt: `instruction number ${i}`,
      response: `answer ${i}`,
      kind: 'instruction',
    }));
    const generator = hubGenerator('test', 'test rows', train, null);
    const prompts = (split: 'train' | 'eval' | 'realign', seed: number) =>
      new Set(
        generator.generate({ split, n: generator.poolSize(split), seed }).map((e) => e.prompt),
      );
    const [t, r, e] = [prompts('train', 1), prompts('realign', 1), prompts('eval', 1)];
    expect(t.size + r.size + e.size).toBe(400);
    for (const prompt of r) expect(t.has(prompt) || e.has(prompt)).toBe(false);
    for (const prompt of e) expect(t.has(prompt)).toBe(false);
    expect(r.size).toBeGreaterThan(20);
    expect(e.size).toBeGreaterThan(20);
    expect(prompts('eval', 7)).toEqual(e);
    // A seed changes the order drawn, not the pool.
    expect(generator.generate({ split: 'train', n: 5, seed: 1 })).not.toEqual(
      generator.generate({ split: 'train', n: 5, seed: 2 }),
    );
  });

  it('BeaverTails: unsafe rows for the harmful role, safe rows for the refusal role; held-out prompts deduplicated', async () => {
    const beaver = source('PKU-Alignment/BeaverTails', { train: '30k_train', eval: '30k_test' });
    const sources = await loadDataSources(
      {
        finetune: { task: 'sst2' } as never,
        data: { task: null, harmful: beaver, refusal: beaver, benign: null, overRefusal: null },
      },
      { endpoint: server.endpoint },
    );
    const harmful = sources.harmful.generate({ split: 'train', n: 10, seed: 1 });
    const refusals = sources.refusal.generate({ split: 'train', n: 10, seed: 1 });
    expect(new Set(harmful.map((e) => e.kind))).toEqual(new Set(['harmful-compliance']));
    expect(new Set(refusals.map((e) => e.kind))).toEqual(new Set(['harmful-refusal']));
    const held = sources.harmful.generate({
      split: 'eval',
      n: sources.harmful.poolSize('eval'),
      seed: 1,
    });
    expect(new Set(held.map((e) => e.prompt)).size).toBe(held.length);
    expect(sources.provenance.harmful?.license).toMatch(/CC-BY-NC-4\.0/);
    // Stage keys hash the train files of the roles a stage reads; refusals read no eval split.
    expect(sources.provenance.refusal?.splits).toEqual(['30k_train']);
    const alignmentKey = await stageDataKey(sources, 'alignment');
    expect(alignmentKey).toMatch(/^[0-9a-f]{64}$/);
    const withTask = {
      ...sources,
      trainFiles: {
        ...sources.trainFiles,
        task: 'stanfordnlp/sst2 default/train/0000.parquet:abc',
      },
    };
    expect(await stageDataKey(withTask, 'alignment')).toBe(alignmentKey);
    expect(await stageDataKey(withTask, 'finetune')).not.toBe(
      await stageDataKey(sources, 'finetune'),
    );
  });

  it("reads a dataset's own parquet files at its revision instead of the conversion", async () => {
    const before = server.requests.length;
    const sources = await loadDataSources(
      {
        finetune: { task: 'gsm8k' } as never,
        data: {
          task: source('openai/gsm8k@main', {
            config: 'main',
            eval: 'test',
            files: { train: ['main/train/0000.parquet'], eval: ['main/test/0000.parquet'] },
          }),
          harmful: null,
          refusal: null,
          benign: null,
          overRefusal: null,
        },
      },
      { endpoint: server.endpoint },
    );
    expect(server.requests.slice(before)).toEqual([
      'GET /datasets/openai/gsm8k/resolve/main/main/train/0000.parquet',
      'GET /datasets/openai/gsm8k/resolve/main/main/test/0000.parquet',
    ]);
    expect(sources.task.generate({ split: 'eval', n: 3, seed: 0 })[0].kind).toBe('arithmetic');
  });

  it('skips rows it cannot read, counting them, and fails only when none is left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'safetune-bad-rows-'));
    const local = await startHubServer(dir);
    try {
      const file = join(dir, 'datasets/tatsu-lab/alpaca/default/train/0000.parquet');
      mkdirSync(join(file, '..'), { recursive: true });
      const instructions = Array.from({ length: 40 }, (_, i) => (i === 5 ? '' : `do task ${i}`));
      writeFileSync(
        file,
        hubParquet([
          { name: 'instruction', type: 'string', data: instructions },
          { name: 'input', type: 'string', data: instructions.map(() => '') },
          { name: 'output', type: 'string', data: instructions.map((_, i) => `done ${i}`) },
        ]),
      );
      const config = {
        finetune: { task: 'sst2' } as never,
        data: {
          task: null,
          harmful: null,
          refusal: null,
          benign: source('tatsu-lab/alpaca'),
          overRefusal: null,
        },
      };
      const sources = await loadDataSources(config, { endpoint: local.endpoint });
      expect(sources.provenance.benign).toMatchObject({ skippedRows: 1, rows: { train: 40 } });
      expect(sources.provenance.benign?.skipReason).toMatch(/^train tatsu-lab\/alpaca, row 5: /);
      writeFileSync(file, hubParquet([{ name: 'instruction', type: 'string', data: ['', ' '] }]));
      await expect(
        loadDataSources(config, { endpoint: local.endpoint, cache: undefined }),
      ).rejects.toThrow(
        /^data\.benign: no usable row in tatsu-lab\/alpaca; the first problem: train /,
      );
    } finally {
      await local.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('XSTest: its safe prompts only, all of them evaluation prompts, nothing to train on', async () => {
    const noHub = { task: null, harmful: null, refusal: null, benign: null };
    const before = server.requests.length;
    const sources = await loadDataSources(
      {
        finetune: { task: 'sst2' } as never,
        data: { ...noHub, overRefusal: source('walledai/XSTest') },
      },
      { endpoint: server.endpoint },
    );
    // The fixture: the built-in set's 20 first eval prompts as safe rows, 10 unsafe contrasts.
    const safe = getDataset('xstest-world').generate({ split: 'eval', n: 20, seed: 7 });
    const generator = sources.overRefusal;
    expect(generator.poolSize('eval')).toBe(20);
    expect(generator.poolSize('train')).toBe(0);
    expect(generator.poolSize('realign')).toBe(0);
    const held = generator.generate({ split: 'eval', n: 20, seed: 1 });
    expect(new Set(held.map((e) => e.prompt))).toEqual(new Set(safe.map((e) => e.prompt)));
    expect(new Set(held.map((e) => e.category))).toEqual(
      new Set(safe.map((e) => (e.category ?? '').replace(/-/g, '_'))),
    );
    expect(sources.provenance.overRefusal).toMatchObject({
      dataset: 'walledai/XSTest',
      splits: ['train'],
      license: 'CC-BY-4.0',
      rows: { train: 30 },
    });
    expect(sources.provenance.overRefusal).not.toHaveProperty('skippedRows');
    // Evaluation only: no stage key reads it.
    expect(sources.trainFiles).toEqual({});
    expect(await stageDataKey(sources, 'finetune')).toBeUndefined();
    expect(server.requests.slice(before).some((r) => r.includes('walledai/XSTest'))).toBe(true);
    // Bounded: maxRows rows read at most (3 rows: 2 safe, 1 contrast).
    const few = await loadDataSources(
      {
        finetune: { task: 'sst2' } as never,
        data: { ...noHub, overRefusal: source('walledai/XSTest', { maxRows: 3 }) },
      },
      { endpoint: server.endpoint },
    );
    expect(few.provenance.overRefusal?.rows).toEqual({ train: 3 });
    expect(few.overRefusal.poolSize('eval')).toBe(2);
  });

  it('XSTest: a row with another label is skipped and counted; none safe is an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'safetune-xstest-'));
    const local = await startHubServer(dir);
    try {
      const file = join(dir, 'datasets/walledai/XSTest/default/train/0000.parquet');
      mkdirSync(join(file, '..'), { recursive: true });
      const write = (labels: string[]) =>
        writeFileSync(
          file,
          hubParquet([
            {
              name: 'prompt',
              type: 'string',
              data: labels.map((_l, i) => `how do i crack ${i} ?`),
            },
            { name: 'type', type: 'string', data: labels.map(() => 'homonyms') },
            { name: 'label', type: 'string', data: labels },
          ]),
        );
      const config = {
        finetune: { task: 'sst2' } as never,
        data: {
          task: null,
          harmful: null,
          refusal: null,
          benign: null,
          overRefusal: source('walledai/XSTest'),
        },
      };
      write(['safe', 'maybe', 'unsafe', 'safe']);
      const sources = await loadDataSources(config, { endpoint: local.endpoint });
      expect(sources.overRefusal.poolSize('eval')).toBe(2);
      expect(sources.provenance.overRefusal).toMatchObject({
        skippedRows: 1,
        skipReason: 'train walledai/XSTest, row 1: label must be safe or unsafe, got "maybe"',
      });
      write(['unsafe', 'unsafe']);
      await expect(loadDataSources(config, { endpoint: local.endpoint })).rejects.toThrow(
        /^data\.overRefusal: no usable row in the train split of walledai\/XSTest$/,
      );
    } finally {
      await local.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
