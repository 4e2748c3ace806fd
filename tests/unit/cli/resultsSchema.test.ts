import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJSON } from '../../../src/core/config';
import { importedConfigInput, resultsFileProblems } from '../../../src/core/pipeline/resultsSchema';
import { encodeMaskGrid } from '../../../src/core/prune/maskGrid';
import { validResultsFile } from './fixtures';

// `any`: the mutations deliberately break the typed shape, one field at a time.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

/** The fixture with `mutate` applied to a deep copy. */
async function mutated(mutate: (file: Loose) => void): Promise<unknown> {
  const file = structuredClone(await validResultsFile()) as Loose;
  mutate(file);
  return file;
}

describe('resultsFileProblems', () => {
  it('accepts a file that keeps the contract, with or without optional extras', async () => {
    expect(await resultsFileProblems(await validResultsFile())).toEqual([]);
    const extras = await mutated((file) => {
      file.environment.adapter = null;
      file.environment.threads = 2;
      file.environment.crossOriginIsolated = true;
      file.prune = [{ weight: 'h.0.mlp.fc', shape: [4, 4], prunedFraction: 0.1 }];
      file.samples = [];
    });
    expect(await resultsFileProblems(extras)).toEqual([]);
  });

  it('accepts a prune report with a mask grid, and names a grid that does not fit its matrix', async () => {
    const maskGrid = encodeMaskGrid(
      Uint8Array.from({ length: 16 }, (_, i) => i % 2),
      [4, 4],
    );
    const report = { weight: 'h.0.mlp.fc', shape: [4, 4], prunedFraction: 0.5, maskGrid };
    const good = await mutated((file) => (file.prune = [report]));
    expect(await resultsFileProblems(good)).toEqual([]);
    const bad = await mutated((file) => (file.prune = [{ ...report, shape: [4, 2] }]));
    expect(await resultsFileProblems(bad)).toEqual([
      'prune[0].maskGrid: cols must be a whole number from 1 to 2',
    ]);
  });

  it('accepts a prune report with a mask-overlap diagnostic, and names one out of range', async () => {
    const report = { weight: 'h.0.mlp.fc', shape: [4, 4], prunedFraction: 0.25 };
    for (const maskOverlap of [
      { jaccard: 0.8, normCorrelation: 0.95 },
      { jaccard: 0, normCorrelation: null },
    ]) {
      const good = await mutated((file) => (file.prune = [{ ...report, maskOverlap }]));
      expect(await resultsFileProblems(good)).toEqual([]);
    }
    const bad = await mutated(
      (file) =>
        (file.prune = [
          { ...report, maskOverlap: { jaccard: 1.5, normCorrelation: 0 } },
          { ...report, maskOverlap: { jaccard: 0.5, normCorrelation: 'high' } },
        ]),
    );
    expect(await resultsFileProblems(bad)).toEqual([
      'prune[0].maskOverlap: jaccard must be a number between 0 and 1 (got number 1.5)',
      'prune[1].maskOverlap: normCorrelation must be a number between -1 and 1, or null (got string "high")',
    ]);
  });

  it('reads overRefusalRate as an optional score, and a file from before it (config version 4)', async () => {
    const withRate = await mutated((file) => {
      file.metrics.aligned.overRefusalRate = 40;
      file.metrics.finetuned.overRefusalRate = 0;
      file.metrics.post.overRefusalRate = 100;
    });
    expect(await resultsFileProblems(withRate)).toEqual([]);
    const bad = await mutated((file) => (file.metrics.post.overRefusalRate = 120));
    expect(await resultsFileProblems(bad)).toEqual([
      'metrics.post.overRefusalRate: must be a number between 0 and 100 when present (got number 120)',
    ]);
    const version4 = await mutated((file) => {
      file.config.schemaVersion = 4;
      delete file.config.data.overRefusal;
      delete file.config.evaluation.overRefusalPrompts;
      delete file.config.evaluation.refusalClassifier;
      file.configHash = createHash('sha256').update(canonicalJSON(file.config)).digest('hex');
    });
    expect(await resultsFileProblems(version4)).toEqual([]);
  });

  it('survives a JSON round trip (what a reader of the file sees)', async () => {
    const file = JSON.parse(JSON.stringify(await validResultsFile())) as unknown;
    expect(await resultsFileProblems(file)).toEqual([]);
  });

  it('reports a non-object as the only problem', async () => {
    expect(await resultsFileProblems([])).toEqual(['(root): must be a JSON object (got an array)']);
    expect(await resultsFileProblems(null)).toEqual(['(root): must be a JSON object (got null)']);
  });

  it('reports another schemaVersion as the only problem (the rest follows another schema)', async () => {
    const file = await mutated((f) => {
      f.schemaVersion = 2;
      delete f.metrics;
    });
    expect(await resultsFileProblems(file)).toEqual(['schemaVersion: must be 1 (got number 2)']);
  });

  const cases: [string, (file: Loose) => void, RegExp][] = [
    ['a short hash', (f) => (f.configHash = 'abc123'), /^configHash: must be 64 lower-case hex/],
    [
      'an upper-case hash',
      (f) => (f.configHash = f.configHash.toUpperCase()),
      /^configHash: must be 64/,
    ],
    [
      'a config that is not the hashed one',
      (f) => (f.config.finetune.poisonRatio = 0.3),
      /^configHash: is not the SHA-256 of the canonical config/,
    ],
    ['no config', (f) => delete f.config, /^config: must be an object \(got nothing\)/],
    [
      'a config of another schemaVersion',
      (f) => {
        f.config.schemaVersion = 6;
        f.configHash = createHash('sha256').update(canonicalJSON(f.config)).digest('hex'); // the hash alone would agree
      },
      /^config\.schemaVersion: must be 1, 2, 3, 4 or 5/,
    ],
    ['no environment', (f) => delete f.environment, /^environment: must be an object/],
    [
      'an unknown backend',
      (f) => (f.environment.backend = 'auto'),
      /^environment\.backend: must be one of webgpu, webgl, wasm, cpu \(got string "auto"\)/,
    ],
    [
      'an empty userAgent',
      (f) => (f.environment.userAgent = ''),
      /^environment\.userAgent: must be a non-empty string/,
    ],
    [
      'no labVersion',
      (f) => delete f.environment.labVersion,
      /^environment\.labVersion: must be a non-empty string \(got nothing\)/,
    ],
    [
      'a numeric adapter',
      (f) => (f.environment.adapter = 3),
      /^environment\.adapter: must be a string or null/,
    ],
    [
      'a fractional thread count',
      (f) => (f.environment.threads = 1.5),
      /^environment\.threads: must be a positive integer \(got number 1\.5\)/,
    ],
    [
      'isolation as a string',
      (f) => (f.environment.crossOriginIsolated = 'yes'),
      /^environment\.crossOriginIsolated: must be a boolean \(got string "yes"\)/,
    ],
    ['stages not an array', (f) => (f.stages = {}), /^stages: must be an array \(got an object\)/],
    [
      'an unknown stage',
      (f) => (f.stages[1].name = 'pretrain'),
      /^stages\[1\]\.name: must be one of alignment, finetune, post, evaluation/,
    ],
    [
      'a stage without cached',
      (f) => delete f.stages[0].cached,
      /^stages\[0\]\.cached: must be a boolean/,
    ],
    [
      'negative seconds',
      (f) => (f.stages[2].seconds = -1),
      /^stages\[2\]\.seconds: must be a number ≥ 0 \(got number -1\)/,
    ],
    [
      'a negative trained time of a cached stage',
      (f) => (f.stages[0].trainedSeconds = -3),
      /^stages\[0\]\.trainedSeconds: must be a number ≥ 0 when present \(got number -3\)/,
    ],
    [
      'seconds as a string',
      (f) => (f.stages[2].seconds = '0.4'),
      /^stages\[2\]\.seconds: must be a number/,
    ],
    [
      'a missing checkpoint',
      (f) => delete f.metrics.finetuned,
      /^metrics\.finetuned: must be an object \(got nothing\)/,
    ],
    [
      'a score above 100',
      (f) => (f.metrics.post.harmfulScore = 100.5),
      /^metrics\.post\.harmfulScore: must be a number between 0 and 100 \(got number 100\.5\)/,
    ],
    [
      'a negative score',
      (f) => (f.metrics.aligned.benignRefusalRate = -0.1),
      /^metrics\.aligned\.benignRefusalRate: must be a number between 0 and 100/,
    ],
    [
      'a fraction-as-string score',
      (f) => (f.metrics.aligned.finetuneAccuracy = '51'),
      /^metrics\.aligned\.finetuneAccuracy: must be a number/,
    ],
    [
      'a missing score',
      (f) => delete f.metrics.finetuned.benignHelpfulness,
      /^metrics\.finetuned\.benignHelpfulness: must be a number between 0 and 100 \(got nothing\)/,
    ],
    [
      'a NaN score (null in JSON)',
      (f) => (f.metrics.post.harmfulRefusalRate = null),
      /^metrics\.post\.harmfulRefusalRate: must be a number between 0 and 100 \(got null\)/,
    ],
    ['samples missing', (f) => delete f.samples, /^samples: must be an array/],
    [
      'a sample of an unknown checkpoint',
      (f) => (f.samples[0].checkpoint = 'base'),
      /^samples\[0\]\.checkpoint: must be one of aligned, finetuned, post/,
    ],
    [
      'a sample without output',
      (f) => delete f.samples[0].output,
      /^samples\[0\]\.output: must be a string/,
    ],
    [
      'a sample with a numeric prompt',
      (f) => (f.samples[0].prompt = 7),
      /^samples\[0\]\.prompt: must be a string/,
    ],
    [
      'judgedHarmful as a string',
      (f) => (f.samples[0].judgedHarmful = 'false'),
      /^samples\[0\]\.judgedHarmful: must be a boolean/,
    ],
  ];
  it.each(cases)('reports %s, once, at its field path', async (_what, mutate, problem) => {
    const problems = await resultsFileProblems(await mutated(mutate));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('reports every problem, one line each', async () => {
    const problems = await resultsFileProblems(
      await mutated((f) => {
        f.metrics.post.harmfulScore = 101;
        f.samples[0].judgedHarmful = 1;
        delete f.environment.userAgent;
      }),
    );
    expect(problems.map((line) => line.split(':')[0])).toEqual([
      'environment.userAgent',
      'metrics.post.harmfulScore',
      'samples[0].judgedHarmful',
    ]);
  });
});

describe('importedConfigInput', () => {
  it('takes a results file’s config, anything else as a config, and refuses another results version', async () => {
    const file = await validResultsFile();
    expect(importedConfigInput(file)).toEqual({
      ok: true,
      input: file.config,
      isResultsFile: true,
    });
    expect(importedConfigInput({ schemaVersion: 2 })).toEqual({
      ok: true,
      input: { schemaVersion: 2 },
      isResultsFile: false,
    });
    expect(importedConfigInput({ ...file, schemaVersion: 99 })).toEqual({
      ok: false,
      path: 'schemaVersion',
      message:
        'this results file has schemaVersion 99; this lab reads results files of schemaVersion 1',
    });
    const { schemaVersion: _dropped, ...unversioned } = file;
    expect(importedConfigInput(unversioned)).toMatchObject({ ok: false, path: 'schemaVersion' });
  });
});
