import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  clonePlain,
  decodeConfigFromUrl,
  encodeConfigForUrl,
  listPresets,
  type ExperimentConfig,
  type ValidationResult,
} from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT, resolvePreset } from '../../../src/core/lab';
import { CTX_WITH_PARAMS } from './helpers';

const CTX = DEFAULT_VALIDATION_CONTEXT;

/** A link built by hand (not by the module under test) from arbitrary text. */
async function linkOf(text: string): Promise<string> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return Buffer.from(bytes).toString('base64url');
}

function urlError(result: ValidationResult): string {
  if (result.ok) throw new Error('expected an invalid link');
  expect(result.errors).toHaveLength(1);
  expect(result.errors[0].path).toBe('(url)');
  return result.errors[0].message;
}

describe('config links', () => {
  it('round-trip every preset exactly', async () => {
    for (const { name } of listPresets()) {
      const config = resolvePreset(name);
      const decoded = await decodeConfigFromUrl(await encodeConfigForUrl(config), CTX);
      expect(decoded, name).toEqual({ ok: true, config });
    }
  });

  it('round-trip parameters, awkward numbers and non-ASCII names exactly', async () => {
    const config: ExperimentConfig = clonePlain(DEFAULT_CONFIG);
    config.name = 'Ünïcødé 🧪 "quoted" \\ slash';
    config.finetune.lr = 0.1 + 0.2;
    config.alignment.lr = Math.PI * 1e-5;
    config.seed = 2 ** 31 - 1;
    config.post.params = {
      calibrationBatches: 8,
      temperature: 0.3,
      scoreNorm: 'l1',
      perRow: false,
    };
    const decoded = await decodeConfigFromUrl(await encodeConfigForUrl(config), CTX_WITH_PARAMS);
    expect(decoded).toEqual({ ok: true, config });
    expect(decoded.ok && decoded.config.finetune.lr).toBe(0.1 + 0.2);
  });

  it('are base64url text, the same for the same config in any key order', async () => {
    const link = await encodeConfigForUrl(DEFAULT_CONFIG);
    expect(link).toMatch(/^[A-Za-z0-9_-]+$/);
    const reordered = Object.fromEntries(Object.entries(DEFAULT_CONFIG).reverse());
    expect(await encodeConfigForUrl(reordered as unknown as ExperimentConfig)).toBe(link);
  });

  it('are what the format says: base64url of deflate-raw of the canonical JSON', async () => {
    const link = await linkOf(
      '{"finetune":{"poisonRatio":0.3},"post":{"method":"none"},"schemaVersion":1}',
    );
    const decoded = await decodeConfigFromUrl(link, CTX);
    expect(decoded.ok && [decoded.config.finetune.poisonRatio, decoded.config.post.method]).toEqual(
      [0.3, 'none'],
    );
  });

  it('tolerate surrounding whitespace and base64 padding', async () => {
    const link = await encodeConfigForUrl(DEFAULT_CONFIG);
    expect((await decodeConfigFromUrl(`  ${link}==\n`, CTX)).ok).toBe(true);
  });

  it('are validated like a file', async () => {
    const config = clonePlain(DEFAULT_CONFIG);
    config.finetune.poisonRatio = 2;
    const decoded = await decodeConfigFromUrl(await encodeConfigForUrl(config), CTX);
    expect(decoded).toEqual({
      ok: false,
      errors: [{ path: 'finetune.poisonRatio', message: 'must be between 0 and 1' }],
    });
    const strict = await decodeConfigFromUrl(await linkOf('{"schemaVersion":1}'), CTX, {
      strict: true,
    });
    expect(strict.ok).toBe(false);
  });
});

describe('damaged links give a clear (url) error, never an exception', () => {
  it('empty', async () => {
    expect(urlError(await decodeConfigFromUrl('   ', CTX))).toBe('the config link is empty');
  });

  it('characters outside base64url', async () => {
    expect(urlError(await decodeConfigFromUrl('abc$def', CTX))).toBe(
      'this link is damaged or incomplete: it holds characters a config link never has',
    );
    expect(urlError(await decodeConfigFromUrl('a', CTX))).toMatch(
      /^this link is damaged or incomplete: /,
    );
  });

  it('truncated', async () => {
    const link = await encodeConfigForUrl(DEFAULT_CONFIG);
    // Cut at a multiple of 4 characters: still valid base64url, but the deflate stream ends early.
    const cut = link.slice(0, Math.floor(link.length / 8) * 4);
    expect(urlError(await decodeConfigFromUrl(cut, CTX))).toMatch(
      /^this link is damaged or incomplete: it was cut short or altered on the way$/,
    );
  });

  it('valid base64url that is not deflate data', async () => {
    const message = urlError(await decodeConfigFromUrl('x'.repeat(64), CTX));
    expect(message).toBe(
      'this link is damaged or incomplete: it was cut short or altered on the way',
    );
    // Never the browser's internals.
    expect(message).not.toMatch(/Failed to execute|WritableStream/);
  });

  it('deflate data that is not JSON', async () => {
    expect(urlError(await decodeConfigFromUrl(await linkOf('not json'), CTX))).toMatch(
      /^this link is damaged or incomplete: what it carries is not a config \(.+\)$/,
    );
  });

  it('deflate data that is not UTF-8', async () => {
    const stream = new Blob([new Uint8Array([0xff, 0xfe, 0x7b])])
      .stream()
      .pipeThrough(new CompressionStream('deflate-raw'));
    const link = Buffer.from(await new Response(stream).arrayBuffer()).toString('base64url');
    expect(urlError(await decodeConfigFromUrl(link, CTX))).toMatch(
      /^this link is damaged or incomplete: /,
    );
  });

  it('JSON that is not an object reports at (root)', async () => {
    expect(await decodeConfigFromUrl(await linkOf('[1,2]'), CTX)).toEqual({
      ok: false,
      errors: [{ path: '(root)', message: 'must be a JSON object (got an array)' }],
    });
  });

  it('a link that inflates into megabytes', async () => {
    const bomb = await linkOf(' '.repeat(4_000_000));
    expect(urlError(await decodeConfigFromUrl(bomb, CTX))).toBe(
      'not a config link: it inflates to more than 1048576 bytes',
    );
  });

  it('an absurdly long link', async () => {
    expect(urlError(await decodeConfigFromUrl('A'.repeat(40_000), CTX))).toMatch(
      /^the config link is too long \(40000 characters/,
    );
  });
});
