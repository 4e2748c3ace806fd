import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HUB_ENDPOINT,
  HUB_ENDPOINT_KEY,
  parseHubEndpoint,
  readHubEndpoint,
  writeHubEndpoint,
} from '../../../src/lib/hubEndpoint';

/** A Storage stand-in backed by a Map; `broken` makes every call throw, as a sandboxed page does. */
function memoryStorage(broken = false): Storage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  const guard = () => {
    if (broken) throw new Error('SecurityError');
  };
  return {
    map,
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    key: (i) => [...map.keys()][i] ?? null,
    getItem: (key) => (guard(), map.get(key) ?? null),
    setItem: (key, value) => (guard(), void map.set(key, value)),
    removeItem: (key) => (guard(), void map.delete(key)),
  };
}

describe('parseHubEndpoint (the Hub endpoint field)', () => {
  it('accepts http(s) addresses, with a path for a mirror, and drops trailing slashes', () => {
    expect(parseHubEndpoint('https://huggingface.co')).toEqual({
      ok: true,
      endpoint: 'https://huggingface.co',
    });
    expect(parseHubEndpoint(' https://hf-mirror.com/ ')).toEqual({
      ok: true,
      endpoint: 'https://hf-mirror.com',
    });
    expect(parseHubEndpoint('http://127.0.0.1:8080/hub//')).toEqual({
      ok: true,
      endpoint: 'http://127.0.0.1:8080/hub',
    });
  });

  it('names what is wrong with anything else', () => {
    const problem = (text: string) => {
      const parsed = parseHubEndpoint(text);
      return parsed.ok ? null : parsed.problem;
    };
    expect(problem('')).toMatch(/enter the Hub's address/);
    expect(problem('huggingface.co')).toMatch(/is not a URL/);
    expect(problem('ftp://mirror.example')).toMatch(
      /must start with http:\/\/ or https:\/\/ \(got ftp:\/\/\)/,
    );
    expect(problem('https://user:secret@mirror.example')).toMatch(/user name or password/);
    expect(problem('https://mirror.example/?token=1')).toMatch(/"\?" or "#"/);
    expect(problem('https://mirror.example/#x')).toMatch(/"\?" or "#"/);
  });
});

describe('readHubEndpoint / writeHubEndpoint (the setting in localStorage)', () => {
  it('round-trips a mirror and forgets the default', () => {
    const storage = memoryStorage();
    expect(readHubEndpoint(storage)).toBe(DEFAULT_HUB_ENDPOINT);
    expect(writeHubEndpoint(storage, 'https://hf-mirror.com')).toBe(true);
    expect(storage.map.get(HUB_ENDPOINT_KEY)).toBe('https://hf-mirror.com');
    expect(readHubEndpoint(storage)).toBe('https://hf-mirror.com');
    writeHubEndpoint(storage, DEFAULT_HUB_ENDPOINT);
    expect(storage.map.has(HUB_ENDPOINT_KEY)).toBe(false);
    expect(readHubEndpoint(storage)).toBe(DEFAULT_HUB_ENDPOINT);
  });

  it('falls back to the Hub for a corrupt saved value or unusable storage', () => {
    const storage = memoryStorage();
    storage.map.set(HUB_ENDPOINT_KEY, 'not a url');
    expect(readHubEndpoint(storage)).toBe(DEFAULT_HUB_ENDPOINT);
    expect(readHubEndpoint(memoryStorage(true))).toBe(DEFAULT_HUB_ENDPOINT);
    expect(readHubEndpoint(undefined)).toBe(DEFAULT_HUB_ENDPOINT);
    expect(writeHubEndpoint(memoryStorage(true), 'https://hf-mirror.com')).toBe(false);
    expect(writeHubEndpoint(undefined, 'https://hf-mirror.com')).toBe(false);
  });
});
