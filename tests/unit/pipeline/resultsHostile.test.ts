/**
 * Hostile results files (issue 24, point 2): a results file is read back from disk, imported in
 * the page and listed from IndexedDB. It is bounded before it is walked (a config nested deep
 * enough to overflow canonicalJSON) and its problems are at most 21 one-line lines.
 */
import { describe, expect, it } from 'vitest';
import { resultsFileProblems } from '../../../src/core/pipeline/resultsSchema';
import { validResultsFile } from '../cli/fixtures';

function nestedArray(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function checkLines(problems: string[]): string[] {
  expect(problems.length).toBeLessThanOrEqual(21);
  for (const line of problems) {
    expect(line).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(line.length).toBeLessThan(1_500);
  }
  return problems;
}

describe('a hostile results file is refused in a few one-line problems', () => {
  it('a valid file has none', async () => {
    expect(await resultsFileProblems(await validResultsFile())).toEqual([]);
  });

  it('a config nested 100,000 deep (canonicalJSON overflowed the stack) is one line', async () => {
    const file = {
      ...(await validResultsFile()),
      config: { schemaVersion: 3, x: nestedArray(100_000) },
    };
    expect(checkLines(await resultsFileProblems(file))).toEqual([
      '(root): a results file is nested more than 32 levels deep',
    ]);
  });

  it('100,000 broken samples: 20 listed, then one line counting the rest', async () => {
    const file = {
      ...(await validResultsFile()),
      samples: Array.from({ length: 100_000 }, () => 1),
    };
    const problems = checkLines(await resultsFileProblems(file));
    expect(problems).toHaveLength(21);
    expect(problems[0]).toBe('samples[0]: must be an object (got number 1)');
    expect(problems[20]).toBe('(more): … and 99980 more problems');
  });

  it("a stage's optional counts are whole numbers: resumedAtStep and microBatch ≥ 1, storedBlocks ≥ 0", async () => {
    const base = await validResultsFile();
    const withStage = (fields: Record<string, unknown>) => ({
      ...base,
      stages: base.stages.map((stage, i) => (i === 0 ? { ...stage, ...fields } : stage)),
    });
    expect(
      await resultsFileProblems(withStage({ resumedAtStep: 3, microBatch: 1, storedBlocks: 0 })),
    ).toEqual([]);
    expect(
      await resultsFileProblems(withStage({ resumedAtStep: 0, microBatch: 1.5, storedBlocks: -1 })),
    ).toEqual([
      'stages[0].resumedAtStep: must be an integer ≥ 1 when present (got number 0)',
      'stages[0].microBatch: must be an integer ≥ 1 when present (got number 1.5)',
      'stages[0].storedBlocks: must be an integer ≥ 0 when present (got number -1)',
    ]);
  });

  it("a judge's name with a line break stays on one line", async () => {
    const file = {
      ...(await validResultsFile()),
      judges: {
        names: ['a'],
        scores: { post: { 'two\nlines': { harmfulScore: 500 } } },
        agreement: [],
      },
    };
    expect(checkLines(await resultsFileProblems(file))).toEqual([
      'judges.scores.post."two\\nlines".harmfulScore: must be a number between 0 and 100 (got number 500)',
    ]);
  });
});

describe('one line even where the check stops at once', () => {
  it('a schemaVersion that is a string with a line separator (U+2028, which JSON.stringify keeps)', async () => {
    const file = { ...(await validResultsFile()), schemaVersion: 'a\u2028b' };
    expect(checkLines(await resultsFileProblems(file))).toEqual([
      'schemaVersion: must be 1 (got string "a\\u2028b")',
    ]);
  });

  it('a results file that is a string with a line separator', async () => {
    expect(checkLines(await resultsFileProblems('a\u2028b'))).toEqual([
      '(root): must be a JSON object (got string "a\\u2028b")',
    ]);
  });
});
