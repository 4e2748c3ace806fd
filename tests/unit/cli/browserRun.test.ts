import { describe, expect, it } from 'vitest';
import { describeRunFailure } from '../../../cli/browserRun';

describe('describeRunFailure', () => {
  it("keeps the page's first line, without Playwright's prefix or the stack", () => {
    const error = new Error(
      'page.evaluate: TypeError: x is not a function\n    at lab.worker.js:1:1\n    at y',
    );
    expect(describeRunFailure(error)).toEqual({ kind: 'error', reason: 'x is not a function' });
  });

  it('reads the worker\'s "invalid config:" rejection as field-path problems', () => {
    const error = new Error(
      'page.evaluate: Error: invalid config:\npost.method: unknown\nseed: must be an integer\n    at z',
    );
    expect(describeRunFailure(error)).toEqual({
      kind: 'invalid-config',
      problems: ['post.method: unknown', 'seed: must be an integer'],
    });
  });

  it('points at a stale dist/ when the worker has no such method', () => {
    const error = new Error(
      "page.evaluate: TypeError: Cannot read properties of undefined (reading 'apply')",
    );
    const failure = describeRunFailure(error);
    expect(failure.kind).toBe('error');
    expect(failure).toMatchObject({ reason: expect.stringMatching(/run npm run build$/) });
  });

  it('never returns an empty reason', () => {
    expect(describeRunFailure(new Error(''))).toEqual({
      kind: 'error',
      reason: 'the run failed without a message',
    });
    expect(describeRunFailure('dist/ is missing')).toEqual({
      kind: 'error',
      reason: 'dist/ is missing',
    });
  });
});
