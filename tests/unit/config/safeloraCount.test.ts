import { describe, expect, it } from 'vitest';
import { formatErrors, validateConfig } from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';

const CTX = DEFAULT_VALIDATION_CONTEXT;

/** The validated `post` of `input`, or the error lines. */
function post(input: Record<string, unknown>): unknown {
  const result = validateConfig(input, CTX);
  return result.ok ? result.config.post : formatErrors(result.errors).split('\n');
}

describe("SafeLoRA's params.layers, renamed count in schemaVersion 4", () => {
  it('reads an old config, share link or results file that still says layers, at any old version', () => {
    for (const schemaVersion of [1, 2, 3]) {
      const old = {
        schemaVersion,
        post: { method: 'safelora', params: { select: 'count', layers: 4 } },
      };
      expect(post(old)).toMatchObject({
        method: 'safelora',
        params: { select: 'count', threshold: 0.5, count: 4 },
      });
      // The caller's object is not rewritten.
      expect(old.post.params).toEqual({ select: 'count', layers: 4 });
    }
  });

  it('leaves other methods, both names, and a version-4 config alone', () => {
    const antidote = { schemaVersion: 3, post: { method: 'antidote', params: { layers: 2 } } };
    expect(post(antidote)).toEqual([
      "post.params.layers: unknown parameter (method 'antidote' takes no parameters)",
    ]);
    const both = {
      schemaVersion: 3,
      post: { method: 'safelora', params: { count: 1, layers: 2 } },
    };
    expect(post(both)).toEqual([expect.stringMatching(/^post\.params\.layers: unknown parameter/)]);
    const current = { schemaVersion: 4, post: { method: 'safelora', params: { layers: 2 } } };
    expect(post(current)).toEqual([
      expect.stringMatching(/^post\.params\.layers: unknown parameter/),
    ]);
  });
});
