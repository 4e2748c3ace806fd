import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HUB_ENDPOINT,
  fileUrl,
  isRepoSpec,
  parseRepoSpec,
} from '../../../src/core/hub/repo';

describe('parseRepoSpec', () => {
  it('reads owner/name with the default revision main', () => {
    expect(parseRepoSpec('openai-community/gpt2')).toEqual({
      repo: 'openai-community/gpt2',
      revision: 'main',
    });
  });

  it('reads a tag, a commit and a branch with slashes after @', () => {
    expect(parseRepoSpec('Qwen/Qwen2.5-0.5B@v1.0').revision).toBe('v1.0');
    const commit = '607a30d783dfa663caf39e06633721c8d4cfcd7e';
    expect(parseRepoSpec(`a/b@${commit}`)).toEqual({ repo: 'a/b', revision: commit });
    expect(parseRepoSpec('a/b@refs/pr/1')).toEqual({ repo: 'a/b', revision: 'refs/pr/1' });
    expect(parseRepoSpec('EleutherAI/pythia-14m.v_2').repo).toBe('EleutherAI/pythia-14m.v_2');
  });

  it.each([
    ['', /empty/],
    ['gpt2', /has no owner/],
    ['a/b/c', /2 slashes: expected exactly one/],
    ['/gpt2', /the owner is empty/],
    ['owner/', /the name is empty/],
    ['own er/x', /the owner "own er" may only contain/],
    ['owner/-x', /the name "-x" .*must start with a letter or digit/],
    ['owner/x?y', /the name "x\?y" may only contain/],
    ['owner/a--b', /may not contain "--" or "\.\."/],
    [`owner/${'x'.repeat(97)}`, /97 characters long/],
    ['a/b@', /revision after "@" is empty/],
    ['a/b@main branch', /revision "main branch" may only contain/],
    ['a/b@v1#x', /revision "v1#x" may only contain/],
    ['a/b@refs//pr', /not a valid branch, tag or commit/],
    ['a/b@../x', /not a valid branch, tag or commit/],
    ['a/b@x/', /not a valid branch, tag or commit/],
  ])('refuses %j, saying what is wrong', (text, message) => {
    expect(() => parseRepoSpec(text)).toThrow(message);
  });
});

describe('isRepoSpec', () => {
  it('tells a repo id (with a slash) from a built-in model name', () => {
    expect(isRepoSpec('openai-community/gpt2')).toBe(true);
    expect(isRepoSpec('a/b@main')).toBe(true);
    expect(isRepoSpec('tiny-gpt')).toBe(false);
    expect(isRepoSpec('tiny-gpt@main')).toBe(false);
  });
});

describe('fileUrl', () => {
  it('uses the Hub layout {endpoint}/{repo}/resolve/{revision}/{file}', () => {
    expect(fileUrl(DEFAULT_HUB_ENDPOINT, parseRepoSpec('a/b'), 'config.json')).toBe(
      'https://huggingface.co/a/b/resolve/main/config.json',
    );
  });

  it('strips trailing slashes from the endpoint', () => {
    expect(fileUrl('http://127.0.0.1:9/hub//', parseRepoSpec('a/b@v1'), 'x.json')).toBe(
      'http://127.0.0.1:9/hub/a/b/resolve/v1/x.json',
    );
  });

  it('encodes the revision as one path segment and keeps folders in the file path', () => {
    expect(fileUrl('https://hf.co', parseRepoSpec('a/b@refs/pr/1'), 'onnx/model.onnx')).toBe(
      'https://hf.co/a/b/resolve/refs%2Fpr%2F1/onnx/model.onnx',
    );
    expect(fileUrl('https://hf.co', { repo: 'a/b', revision: 'v1+x' }, 'a b.json')).toBe(
      'https://hf.co/a/b/resolve/v1%2Bx/a%20b.json',
    );
  });
});
