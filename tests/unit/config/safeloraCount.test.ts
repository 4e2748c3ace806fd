import { describe, expect, it } from 'vitest';
import {
  DEFAULT_VALIDATION_CONTEXT,
  formatErrors,
  renameSafeLoraLayersParam,
  validateConfig,
} from '../../../src/core/config';

const CTX = DEFAULT_VALIDATION_CONTEXT;

/** The validated `post` of `input`, or the error lines. */
function post(input: Record<string, unknown>): unknown {
  const result = validateConfig(input, CTX);
  return result.ok ? result.config.post : formatErrors(result.errors).split('\n');
}

describe("SafeLoRA's params.layers, renamed count", () => {
  it('reads an old config, share link or results file that still says layers, at any version', () => {
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

  it('leaves post.layers (the roles), other methods and both names alone', () => {
    const input = { schemaVersion: 3, post: { method: 'safelora', layers: 'mlp', params: {} } };
    expect(renameSafeLoraLayersParam(input)).toBe(input);
    const antidote = { schemaVersion: 3, post: { method: 'antidote', params: { layers: 2 } } };
    expect(renameSafeLoraLayersParam(antidote)).toBe(antidote);
    expect(post(antidote)).toEqual([
      "post.params.layers: unknown parameter (method 'antidote' takes no parameters)",
    ]);
    const both = {
      schemaVersion: 3,
      post: { method: 'safelora', params: { count: 1, layers: 2 } },
    };
    expect(renameSafeLoraLayersParam(both)).toBe(both);
    expect(post(both)).toEqual([expect.stringMatching(/^post\.params\.layers: unknown parameter/)]);
  });
});
