/**
 * A safetensors file from outside (a Hub repo named in a shared link) is hostile until its header
 * is checked: every refusal is one line naming the file and the entry, thrown before a single
 * tensor is decoded, so a file can never make the lab hold more than its own bytes.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_HEADER_BYTES,
  indexSafetensors,
  readSafetensors,
  writeSafetensors,
} from '../../../src/core/model/safetensors';

/** A file with `headerText` as its header and `dataBytes` zero bytes of data after it. */
function rawFile(headerText: string, dataBytes: number): Uint8Array {
  const header = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + header.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  return out;
}

const fileOf = (header: unknown, dataBytes: number) => rawFile(JSON.stringify(header), dataBytes);

/** A two-tensor F32 file's header: "a" [2] at bytes 0–8, "b" [3] at 8–20. */
const twoTensors = () => ({
  a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
  b: { dtype: 'F32', shape: [3], data_offsets: [8, 20] },
});

/** The refusal's message, checked to be exactly one line. */
function refusal(read: () => unknown): string {
  let message: string | undefined;
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    message = (error as Error).message;
  }
  expect(message, 'expected a refusal').toBeDefined();
  expect(message).not.toMatch(/[\r\n]/);
  return message as string;
}

describe('safetensors headers from outside', () => {
  it('accepts the two-tensor file the refusals below are variations of', () => {
    const { tensors } = indexSafetensors(fileOf(twoTensors(), 20), 'model.safetensors');
    expect([...tensors.keys()]).toEqual(['a', 'b']);
  });

  it('refuses 64 entries that alias the same bytes before allocating (16 MiB file, 1 GiB decoded)', () => {
    const bytes = 16 * 2 ** 20;
    const header: Record<string, unknown> = {};
    for (let i = 0; i < 64; i++) {
      header[`w${i}`] = { dtype: 'F32', shape: [bytes / 4], data_offsets: [0, bytes] };
    }
    const file = fileOf(header, bytes);
    // indexSafetensors decodes nothing; readSafetensors decodes only what it indexed: a refusal
    // from the index means not one of the 64 arrays was made.
    expect(refusal(() => indexSafetensors(file, 'evil.safetensors'))).toMatch(
      /^evil\.safetensors: "w\d+" shares bytes with "w\d+"/,
    );
    expect(refusal(() => readSafetensors(file, 'evil.safetensors'))).toMatch(
      /^evil\.safetensors: "w\d+" shares bytes with "w\d+"/,
    );
  });

  it('refuses partly overlapping entries, gaps no tensor owns and bytes after the last tensor', () => {
    const overlap = twoTensors();
    overlap.b.data_offsets = [4, 16];
    expect(refusal(() => indexSafetensors(fileOf(overlap, 20), 'x.safetensors'))).toBe(
      'x.safetensors: "b" shares bytes with "a" (offsets [4, 16] and [0, 8]); tensors must not overlap',
    );
    const gap = twoTensors();
    gap.b.data_offsets = [12, 24];
    expect(refusal(() => indexSafetensors(fileOf(gap, 24), 'x.safetensors'))).toBe(
      'x.safetensors: bytes [8, 12) of the data belong to no tensor (before "b"); a file holds its tensors back to back',
    );
    expect(refusal(() => indexSafetensors(fileOf(twoTensors(), 28), 'x.safetensors'))).toBe(
      'x.safetensors: 8 bytes after the last tensor ("b") belong to no tensor',
    );
  });

  it('refuses a tensor name that appears twice (JSON.parse would keep the last silently)', () => {
    const text =
      '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(refusal(() => indexSafetensors(rawFile(text, 8), 'x.safetensors'))).toBe(
      'x.safetensors: "a" appears twice in the header',
    );
    const escaped =
      '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"\\u0061":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(refusal(() => indexSafetensors(rawFile(escaped, 8), 'x.safetensors'))).toBe(
      'x.safetensors: "a" appears twice in the header',
    );
  });

  it.each([
    ['an array', '[]'],
    ['null', 'null'],
    ['a number', '5'],
    ['a string', '"weights"'],
  ])('refuses a header that is %s, not an object, in one line', (_, text) => {
    expect(refusal(() => indexSafetensors(rawFile(text, 0), 'x.safetensors'))).toBe(
      'x.safetensors: the header is not a JSON object',
    );
  });

  it('refuses __metadata__ that is not an object of strings', () => {
    for (const metadata of [5, ['a'], { format: 5 }, null]) {
      expect(
        refusal(() =>
          indexSafetensors(
            fileOf({ __metadata__: metadata, ...twoTensors() }, 20),
            'x.safetensors',
          ),
        ),
      ).toMatch(/^x\.safetensors: __metadata__ must be an object of strings/);
    }
  });

  it.each([
    ['an unknown dtype', { dtype: 'F64' }, /"a" has dtype "F64", which the lab does not read/],
    ['a fractional dim', { shape: [0.5, 4] }, /"a" has shape \[0\.5,4\], not a list of sizes/],
    ['a negative dim', { shape: [-2] }, /"a" has shape \[-2\], not a list of sizes/],
    ['a shape that is not a list', { shape: 'big' }, /"a" has shape "big", not a list/],
    ['offsets before the data', { data_offsets: [-8, 0] }, /"a" has data_offsets \[-8,0\]/],
    ['fractional offsets', { data_offsets: [0.5, 8.5] }, /"a" has data_offsets \[0\.5,8\.5\]/],
    ['three offsets', { data_offsets: [0, 8, 16] }, /"a" has data_offsets \[0,8,16\]/],
    ['offsets past the data', { data_offsets: [0, 800] }, /"a" has data_offsets \[0,800\]/],
    ['a dtype that is not a string', { dtype: { toString: 1 } }, /"a" has dtype \{"toString":1\}/],
    ['a dtype named like a prototype key', { dtype: 'constructor' }, /"a" has dtype "constructor"/],
    [
      'a byte length other than dtype × shape',
      { shape: [3] },
      /"a" has data_offsets \[0, 8\] \(8 bytes\) but shape \[3\] F32 needs 12/,
    ],
  ])('refuses %s, naming the entry', (_, patch, message) => {
    const header = twoTensors();
    Object.assign(header.a, patch);
    const text = refusal(() => indexSafetensors(fileOf(header, 20), 'x.safetensors'));
    expect(text).toMatch(/^x\.safetensors: /);
    expect(text).toMatch(message);
  });

  it('refuses an absurd header length before decoding it: over the cap, or over the file', () => {
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(refusal(() => indexSafetensors(huge, 'x.safetensors'))).toBe(
      `x.safetensors: the header length 1099511627776 is over the ${MAX_HEADER_BYTES}-byte cap on a safetensors header`,
    );
    const past = new Uint8Array(16);
    new DataView(past.buffer).setBigUint64(0, 1000n, true);
    expect(refusal(() => indexSafetensors(past, 'x.safetensors'))).toBe(
      'x.safetensors: the header length 1000 runs past the end of the 16-byte file',
    );
  });

  it('refuses a header nested deeper than a safetensors header is, before parsing it', () => {
    const deep = '{"a":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
    expect(refusal(() => indexSafetensors(rawFile(deep, 0), 'x.safetensors'))).toBe(
      'x.safetensors: the header nests deeper than a safetensors header does (3 levels)',
    );
  });

  it('names an entry whose name holds a line break on one line, and cuts a very long name', () => {
    const header = { ['evil\nname']: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } };
    expect(refusal(() => indexSafetensors(fileOf(header, 8), 'x.safetensors'))).toMatch(
      /^x\.safetensors: "evil\\nname" has dtype "F64"/,
    );
    const long = { ['n'.repeat(10_000)]: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } };
    const text = refusal(() => indexSafetensors(fileOf(long, 8), 'x.safetensors'));
    expect(text.length).toBeLessThan(300);
    expect(text).toMatch(/^x\.safetensors: "n+…" has dtype/);
  });

  it('names the file in every refusal when the caller says which file it is', () => {
    expect(refusal(() => readSafetensors(new Uint8Array(4), 'adapter.safetensors'))).toBe(
      'adapter.safetensors: the file is shorter than its 8-byte header length',
    );
    expect(refusal(() => readSafetensors(rawFile('{"a":', 0), 'adapter.safetensors'))).toMatch(
      /^adapter\.safetensors: the header is not valid JSON \(/,
    );
    // Without a name, messages still say what kind of file failed.
    expect(refusal(() => readSafetensors(new Uint8Array(4)))).toBe(
      'safetensors: the file is shorter than its 8-byte header length',
    );
  });

  it('still reads the files the lab writes, zero-size tensors and metadata included', () => {
    const file = writeSafetensors(
      new Map([
        ['empty', { shape: [0, 3], data: new Float32Array(0) }],
        ['x', { shape: [2], data: new Float32Array([1, 2]) }],
        ['none', { shape: [0], data: new Float32Array(0) }],
      ]),
      { format: 'pt' },
      'BF16',
    );
    const { tensors, metadata } = readSafetensors(file, 'own.safetensors');
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.get('x')!.data]).toEqual([1, 2]);
    expect(tensors.get('empty')!.shape).toEqual([0, 3]);
  });

  it('agrees with the reference library (safetensors 0.8.0) on a file it wrote and on zero-size entries', () => {
    // save_file({'x.i64': int64 [3], 'model.embed_tokens.weight': F32 [7, 5], 'z.empty': F32 [0, 4],
    // 'b.bias': F16 [3], 'i.mask': BOOL [2, 2]}, metadata={'format': 'np'}) from safetensors.numpy.
    const written = Uint8Array.from(atob(REFERENCE_FILE), (c) => c.charCodeAt(0));
    const { tensors, metadata } = readSafetensors(written, 'reference.safetensors');
    expect(metadata).toEqual({ format: 'np' });
    expect([...tensors.get('x.i64')!.data]).toEqual([0, 1, 2]);
    expect(tensors.get('model.embed_tokens.weight')!.shape).toEqual([7, 5]);
    expect([...tensors.get('i.mask')!.data]).toEqual([1, 1, 1, 1]);
    // The reference accepts a zero-size tensor between two others and refuses one inside a tensor.
    const between = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      z: { dtype: 'F32', shape: [0], data_offsets: [8, 8] },
      b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
    };
    expect([...indexSafetensors(fileOf(between, 12)).tensors.keys()]).toEqual(['a', 'z', 'b']);
    const inside = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      z: { dtype: 'F32', shape: [0], data_offsets: [4, 4] },
    };
    expect(refusal(() => indexSafetensors(fileOf(inside, 8)))).toMatch(
      /^safetensors: "z" shares bytes with "a"/,
    );
  });
});

const REFERENCE_FILE =
  'cAEAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJucCJ9LCJ4Lmk2NCI6eyJkdHlwZSI6Ikk2NCIsInNoYXBlIjpbM10sImRhdGFfb2Zmc2V0cyI6WzAsMjRdfSwibW9kZWwuZW1iZWRfdG9rZW5zLndlaWdodCI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbNyw1XSwiZGF0YV9vZmZzZXRzIjpbMjQsMTY0XX0sInouZW1wdHkiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzAsNF0sImRhdGFfb2Zmc2V0cyI6WzE2NCwxNjRdfSwiYi5iaWFzIjp7ImR0eXBlIjoiRjE2Iiwic2hhcGUiOlszXSwiZGF0YV9vZmZzZXRzIjpbMTY0LDE3MF19LCJpLm1hc2siOnsiZHR5cGUiOiJCT09MIiwic2hhcGUiOlsyLDJdLCJkYXRhX29mZnNldHMiOlsxNzAsMTc0XX19ICAgIAAAAAAAAAAAAQAAAAAAAAACAAAAAAAAABMJer/gPyI/gvRevRQbEL70HjG/COJWP6R6CL6Tyva+hjeVvbwe/j7H/7m/ovSXvvVb774cZAHA0xhfP96r2z92NEe/Q1NhP9eG4L1Hys8/vrKHPkFAv7+mZcw/ppPQP1YaFz/hZaM+R4KcvnNzN74ZjEy9RDbjPhJpv75Lw1e/O69Nv2ecOr/LUYO+AAAAAAAAAQEBAQ==';
