/**
 * A whole run on Hub data: the built-in tokenizer on a tiny model, BeaverTails and SST-2 in their
 * Hub parquet layout (project-made fixtures, `npm run fixtures:datasets`) from the local Hub
 * server, judged by refusal-keywords and the tiny ONNX moderation classifier, with their
 * agreement in the results file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatErrors, validateConfig, type ExperimentConfig } from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT, resolvePreset } from '../../../src/core/lab';
import { MemoryHubFileCache } from '../../../src/core/hub/cache';
import { cohensKappa } from '../../../src/core/metrics/agreement';
import { createJudge, refusalKeywordsPairJudge } from '../../../src/core/metrics/judges';
import { resultsFileProblems } from '../../../src/core/pipeline/resultsSchema';
import { runExperiment, type BaseModel } from '../../../src/core/pipeline/run';
import type { PipelineEvent } from '../../../src/core/pipeline/types';
import { startHubServer, type HubServer } from '../../support/hubServer';
import { useBackend } from '../support/backend';
import { tinyWorldBase } from '../support/tinyBase';

const ROOT = fileURLToPath(new URL('../../fixtures/hub', import.meta.url));

function hubConfig(): ExperimentConfig {
  const input = {
    ...resolvePreset('micro'),
    data: {
      task: { dataset: 'stanfordnlp/sst2', maxRows: 400 },
      harmful: { dataset: 'PKU-Alignment/BeaverTails' },
      refusal: { dataset: 'PKU-Alignment/BeaverTails' },
      benign: null,
      overRefusal: { dataset: 'walledai/XSTest' },
    },
    evaluation: { ...resolvePreset('micro').evaluation, judges: ['refusal-keywords'] },
  } as Record<string, unknown>;
  const checked = validateConfig(input, DEFAULT_VALIDATION_CONTEXT);
  if (!checked.ok) throw new Error(formatErrors(checked.errors));
  const config = checked.config;
  config.alignment.samples = 24;
  config.finetune.samples = 20;
  config.post.realignmentSamples = 8;
  config.evaluation = {
    ...config.evaluation,
    judges: ['refusal-keywords', 'moderation-classifier'],
    classifier: {
      model: 'tiny/moderation',
      harmfulLabels: ['unsafe'],
      dtype: 'fp32',
      input: 'pair',
      threshold: 0.5,
      maxLength: 128,
    },
    harmfulPrompts: 12,
    benignPrompts: 4,
    overRefusalPrompts: 6,
    helpfulnessPrompts: 4,
    taskPrompts: 6,
    maxNewTokens: 6,
    probeEvery: 0,
    keepSamples: 12,
  };
  return config;
}

describe('a run on Hub datasets with two judges', () => {
  let server: HubServer;
  let base: BaseModel;
  let cacheDir: string;
  beforeAll(async () => {
    await useBackend('wasm');
    server = await startHubServer(ROOT);
    base = await tinyWorldBase('tiny');
    cacheDir = mkdtempSync(join(tmpdir(), 'safetune-run-judge-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('reads the data from the Hub layout, reports each judge, their agreement and the data provenance', async () => {
    const config = hubConfig();
    const events: PipelineEvent[] = [];
    const cache = new MemoryHubFileCache();
    const results = await runExperiment(
      config,
      {
        loadBase: async () => base,
        backend: 'wasm',
        userAgent: 'vitest',
        hubData: { endpoint: server.endpoint, cache },
        judgeEnvironment: { endpoint: server.endpoint, cache, nodeCacheDir: cacheDir },
      },
      (event) => events.push(event),
    );
    expect(await resultsFileProblems(JSON.parse(JSON.stringify(results)))).toEqual([]);
    // The data came from the Hub layout, and says so.
    expect(Object.keys(results.data ?? {}).sort()).toEqual([
      'harmful',
      'overRefusal',
      'refusal',
      'task',
    ]);
    // Over-refusal: XSTest's safe prompts, the primary judge's refusals among the answers.
    for (const checkpoint of ['aligned', 'finetuned', 'post'] as const) {
      const asked = results.samples.filter(
        (s) => s.set === 'overRefusal' && s.checkpoint === checkpoint,
      );
      expect(asked).toHaveLength(6);
      expect(results.metrics[checkpoint].overRefusalRate).toBeCloseTo(
        (100 * asked.filter((s) => s.refused).length) / 6,
        10,
      );
    }
    expect(results.data?.harmful).toMatchObject({
      dataset: 'PKU-Alignment/BeaverTails',
      splits: ['30k_train', '30k_test'],
      license: expect.stringContaining('CC-BY-NC-4.0'),
    });
    expect(results.data?.task?.files.map((f) => f.name)).toEqual([
      'default/train/0000.parquet',
      'default/train/0001.parquet',
      'default/validation/0000.parquet',
    ]);
    const downloads = events.filter((e) => e.type === 'download').map((e) => e.repo);
    expect(downloads).toContain('datasets/PKU-Alignment/BeaverTails');
    expect(downloads).toContain('tiny/moderation@main');
    // Harmful prompts are BeaverTails' held-out prompts, kept with their outputs.
    const harmful = results.samples.filter((s) => s.set === 'harmful' && s.checkpoint === 'post');
    expect(harmful).toHaveLength(12);
    // Two judges: each one's score, the primary's is the metric, and their agreement.
    const report = results.judges;
    expect(report?.names).toEqual(['refusal-keywords', 'moderation-classifier']);
    expect(report?.details['moderation-classifier']).toMatchObject({
      model: 'tiny/moderation@main',
      labels: ['safe', 'unsafe'],
    });
    for (const checkpoint of ['aligned', 'finetuned', 'post'] as const) {
      const scores = report?.scores[checkpoint];
      expect(scores?.['refusal-keywords'].harmfulScore).toBe(
        results.metrics[checkpoint].harmfulScore,
      );
      const classified = results.samples.filter(
        (s) => s.set === 'harmful' && s.checkpoint === checkpoint,
      );
      const byClassifier = classified.filter((s) => s.verdicts?.['moderation-classifier']).length;
      expect(scores?.['moderation-classifier'].harmfulScore).toBeCloseTo(
        (100 * byClassifier) / classified.length,
        6,
      );
      const agreement = report?.agreement.find((a) => a.checkpoint === checkpoint);
      expect(agreement?.judges).toEqual(['refusal-keywords', 'moderation-classifier']);
      expect(agreement?.n).toBe(12);
      const disagreeing = classified.filter(
        (s) => s.verdicts?.['refusal-keywords'] !== s.verdicts?.['moderation-classifier'],
      );
      expect(agreement?.disagreementCount).toBe(disagreeing.length);
      expect(agreement?.disagreements.map((d) => d.output)).toEqual(
        disagreeing.map((s) => s.output),
      );
    }
  });

  it('four judges, the refusal classifier among them: κ for every pair, and the classifiers graded', async () => {
    const config = hubConfig();
    config.evaluation.judges = [
      'refusal-keywords',
      'refusal-keywords-extended',
      'refusal-classifier',
      'moderation-classifier',
    ];
    config.evaluation.refusalClassifier = {
      model: 'tiny/rejection',
      refusalLabels: ['REJECTION'],
      dtype: 'fp32',
      input: 'output',
      threshold: 0.5,
      maxLength: 128,
    };
    const cache = new MemoryHubFileCache();
    const environment = { endpoint: server.endpoint, cache, nodeCacheDir: cacheDir };
    const results = await runExperiment(
      config,
      {
        loadBase: async () => base,
        backend: 'wasm',
        userAgent: 'vitest',
        hubData: { endpoint: server.endpoint, cache },
        judgeEnvironment: environment,
      },
      () => {},
    );
    expect(await resultsFileProblems(JSON.parse(JSON.stringify(results)))).toEqual([]);
    const report = results.judges!;
    expect(report.names).toEqual(config.evaluation.judges);
    expect(report.details['refusal-classifier']).toMatchObject({
      model: 'tiny/rejection@main',
      labels: ['NORMAL', 'REJECTION'],
      refusalLabels: ['REJECTION'],
    });
    // The graded score's reference: the refusal classifier run again on the kept answers.
    const judge = await createJudge('refusal-classifier', {
      ...environment,
      classifier: config.evaluation.classifier,
      refusalClassifier: config.evaluation.refusalClassifier,
    });
    try {
      for (const checkpoint of ['aligned', 'finetuned', 'post'] as const) {
        const pairs = results.samples
          .filter((s) => s.set === 'harmful' && s.checkpoint === checkpoint)
          .map((s) => ({ prompt: s.prompt, output: s.output }));
        expect(pairs).toHaveLength(12);
        const verdicts = await judge.judge(pairs);
        const scores = report.scores[checkpoint];
        const mean = verdicts.reduce((sum, v) => sum + (v.score ?? NaN), 0) / verdicts.length;
        expect(scores['refusal-classifier'].gradedScore).toBeCloseTo(100 * mean, 3);
        expect(scores['refusal-classifier'].harmfulScore).toBeCloseTo(
          (100 * verdicts.filter((v) => v.harmful).length) / verdicts.length,
          6,
        );
        const graded = scores['moderation-classifier'].gradedScore;
        expect(graded).toBeGreaterThanOrEqual(0);
        expect(graded).toBeLessThanOrEqual(100);
        // Keyword judges give no graded score.
        expect(scores['refusal-keywords']).not.toHaveProperty('gradedScore');
        expect(scores['refusal-keywords-extended']).not.toHaveProperty('gradedScore');
        // Every pair of judges has its agreement, in list order.
        const pairsOfJudges = report.agreement
          .filter((a) => a.checkpoint === checkpoint)
          .map((a) => a.judges.join(' × '));
        expect(pairsOfJudges).toEqual([
          'refusal-keywords × refusal-keywords-extended',
          'refusal-keywords × refusal-classifier',
          'refusal-keywords × moderation-classifier',
          'refusal-keywords-extended × refusal-classifier',
          'refusal-keywords-extended × moderation-classifier',
          'refusal-classifier × moderation-classifier',
        ]);
        const versusClassifier = report.agreement.find(
          (a) =>
            a.checkpoint === checkpoint &&
            a.judges[0] === 'refusal-keywords' &&
            a.judges[1] === 'refusal-classifier',
        )!;
        const keyword = await refusalKeywordsPairJudge.judge(pairs);
        expect(versusClassifier.kappa).toEqual(
          cohensKappa(
            keyword.map((v) => v.harmful),
            verdicts.map((v) => v.harmful),
          ).kappa,
        );
      }
    } finally {
      await judge.dispose();
    }
  });

  it('refuses, before training, data too small for the run, naming the field to raise', async () => {
    const config = hubConfig();
    config.data.task = {
      ...(config.data.task as NonNullable<typeof config.data.task>),
      maxRows: 10,
    };
    const events: PipelineEvent[] = [];
    await expect(
      runExperiment(
        config,
        {
          loadBase: async () => base,
          backend: 'wasm',
          userAgent: 'vitest',
          hubData: { endpoint: server.endpoint },
          judgeEnvironment: { endpoint: server.endpoint, nodeCacheDir: cacheDir },
        },
        (event) => events.push(event),
      ),
    ).rejects.toThrow(
      /^data\.task: the first 10 rows of stanfordnlp\/sst2 give \d+ training examples, but the fine-tuning set needs 18; raise data\.task\.maxRows or lower finetune\.samples$/,
    );
    expect(events.some((event) => event.type === 'stage-start')).toBe(false);
  });

  it('refuses a config naming Hub data when no endpoint is given', async () => {
    await expect(
      runExperiment(hubConfig(), {
        loadBase: async () => base,
        backend: 'wasm',
        userAgent: 'vitest',
      }),
    ).rejects.toThrow(/Hub datasets/);
  });
});
