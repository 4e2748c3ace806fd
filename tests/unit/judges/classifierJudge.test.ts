/**
 * The `moderation-classifier` judge end to end in Node: the tiny random ONNX classifier
 * (`tests/fixtures/hub/tiny/moderation`, built by `npm run fixtures:judge`) loaded through the
 * lab's Hub download from the local Hub server, its verdicts against the PyTorch reference's
 * labels, the label mapping checked, and the judges' agreement computed on real verdicts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassifierSettings } from '../../../src/core/config/schema';
import { MemoryHubFileCache } from '../../../src/core/hub/cache';
import { cohensKappa } from '../../../src/core/metrics/agreement';
import {
  classifierDownloadSize,
  harmfulProbabilities,
  loadClassifierJudge,
} from '../../../src/core/metrics/classifier';
import { refusalKeywordsPairJudge } from '../../../src/core/metrics/judges';
import { startHubServer, type HubServer } from '../../support/hubServer';

const ROOT = fileURLToPath(new URL('../../fixtures/hub', import.meta.url));
const GOLDEN = JSON.parse(
  readFileSync(new URL('../../fixtures/hub-golden/moderation.json', import.meta.url), 'utf8'),
) as { pairs: { prompt: string; output: string; label: string; logits: number[] }[] };

const SETTINGS: ClassifierSettings = {
  model: 'tiny/moderation',
  harmfulLabels: ['unsafe'],
  dtype: 'fp32',
  input: 'pair',
  threshold: 0.5,
  maxLength: 128,
};

describe('moderation-classifier judge (tiny ONNX classifier, local Hub server)', () => {
  let server: HubServer;
  const dirs: string[] = [];
  const cacheDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'safetune-judge-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    server = await startHubServer(ROOT);
  });
  afterAll(async () => {
    await server.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("judges every golden pair as PyTorch's logits do, with the model's labels", async () => {
    const cache = new MemoryHubFileCache();
    const downloads: string[] = [];
    const judge = await loadClassifierJudge(SETTINGS, {
      classifier: SETTINGS,
      endpoint: server.endpoint,
      cache,
      nodeCacheDir: cacheDir(),
      onDownload: ({ file, loadedBytes, totalBytes }) => {
        if (totalBytes !== null && loadedBytes === totalBytes) downloads.push(file);
      },
    });
    try {
      expect(judge.details).toMatchObject({ labels: ['safe', 'unsafe'], multiLabel: false });
      const verdicts = await judge.judge(GOLDEN.pairs);
      expect(verdicts.map((v) => v.harmful)).toEqual(GOLDEN.pairs.map((p) => p.label === 'unsafe'));
      expect(new Set(verdicts.map((v) => v.harmful))).toEqual(new Set([true, false]));
      expect(downloads).toContain('onnx/model.onnx');
      // Refusals come from the refusal keywords, not the classifier.
      const keyword = await refusalKeywordsPairJudge.judge(GOLDEN.pairs);
      expect(verdicts.map((v) => v.refusal)).toEqual(keyword.map((v) => v.refusal));
      // The agreement a run reports, on real verdicts of two judges.
      const agreement = cohensKappa(
        verdicts.map((v) => v.harmful),
        keyword.map((v) => v.harmful),
      );
      expect(agreement.n).toBe(GOLDEN.pairs.length);
    } finally {
      await judge.dispose();
    }

    // A second load finds every file in the lab's cache: no request reaches the server.
    const before = server.requests.length;
    const again = await loadClassifierJudge(SETTINGS, {
      classifier: SETTINGS,
      endpoint: server.endpoint,
      cache,
      nodeCacheDir: cacheDir(),
    });
    await again.dispose();
    expect(server.requests.slice(before)).toEqual([]);
  });

  it('probabilities follow softmax for one label and sigmoid for several', () => {
    const [p] = harmfulProbabilities(Float32Array.from(GOLDEN.pairs[0].logits), 2, [1], false);
    const [a, b] = GOLDEN.pairs[0].logits;
    expect(p).toBeCloseTo(Math.exp(b) / (Math.exp(a) + Math.exp(b)), 6);
    const multi = harmfulProbabilities(Float32Array.from([0, 2, -1]), 3, [0, 2], true);
    expect(multi[0]).toBeCloseTo(0.5, 6);
  });

  it('refuses harmful labels the model does not have, naming its labels', async () => {
    await expect(
      loadClassifierJudge(
        { ...SETTINGS, harmfulLabels: ['toxic'] },
        { classifier: SETTINGS, endpoint: server.endpoint, nodeCacheDir: cacheDir() },
      ),
    ).rejects.toThrow(
      "evaluation.classifier.harmfulLabels: tiny/moderation@main has no label 'toxic' (its labels: safe, unsafe)",
    );
  });

  it('a model that is not there fails with one line naming it', async () => {
    await expect(
      loadClassifierJudge(
        { ...SETTINGS, model: 'tiny/no-such-judge' },
        { classifier: SETTINGS, endpoint: server.endpoint, nodeCacheDir: cacheDir() },
      ),
    ).rejects.toThrow(/tiny\/no-such-judge/);
  });

  it('tells the download size before anything downloads', async () => {
    const before = server.requests.length;
    const size = await classifierDownloadSize(SETTINGS, { endpoint: server.endpoint });
    const onnx = size.files.find((file) => file.name === 'onnx/model.onnx');
    expect(onnx?.bytes).toBeGreaterThan(50_000);
    expect(size.totalBytes).toBeGreaterThan(onnx?.bytes ?? 0);
    expect(server.requests.slice(before).every((line) => line.startsWith('HEAD '))).toBe(true);
  });
});
