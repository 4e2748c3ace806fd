/**
 * Thousands of mutated safetensors files (dims, offsets, dtypes, overlaps, duplicate names, odd
 * and deep JSON, flipped and cut bytes, absurd header lengths) through `indexSafetensors` and
 * `readSafetensors`: each is read, or refused with one line naming the file. Nothing else may
 * escape (a TypeError or RangeError would not start with the file's name), and what is read
 * decodes to no more values than the file has bytes for.
 */
import { describe, expect, it } from 'vitest';
import {
  indexSafetensors,
  readSafetensors,
  type SafetensorsFile,
} from '../../../src/core/model/safetensors';
import { createRng, type Rng } from '../../../src/core/random';

const SOURCE = 'fuzz.safetensors';
const CASES = 3000;
/** Per call, far above a real header's parse (well under a millisecond here): a hang, not noise. */
const CALL_BUDGET_MS = 1000;

interface Entry {
  dtype: unknown;
  shape: unknown;
  data_offsets: unknown;
  [key: string]: unknown;
}

const WIDTH: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, U8: 1, BOOL: 1 };

/** A valid small model header: tensors back to back in mixed dtypes. */
function validHeader(rng: Rng): { header: Record<string, Entry>; dataBytes: number } {
  const header: Record<string, Entry> = {};
  let offset = 0;
  const count = 1 + rng.int(6);
  for (let i = 0; i < count; i++) {
    const dtype = rng.pick(Object.keys(WIDTH));
    const shape = Array.from({ length: rng.int(3) + 1 }, () => rng.int(5));
    const bytes = shape.reduce((a, b) => a * b, 1) * WIDTH[dtype];
    header[`model.layers.${i}.w`] = { dtype, shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  return { header, dataBytes: offset };
}

const ODD_VALUES: unknown[] = [
  null,
  true,
  'F32',
  -1,
  0.5,
  1e308,
  -0,
  2 ** 53,
  2 ** 64,
  Number.MAX_SAFE_INTEGER,
  [],
  [[1]],
  {},
  { length: 2 },
  [1, 'a'],
  [-1, 2],
  [2 ** 60, 2 ** 60 + 4],
];

function odd(rng: Rng): unknown {
  return rng.pick(ODD_VALUES);
}

/** One mutation of a valid header object. */
function mutateEntry(rng: Rng, header: Record<string, Entry>, dataBytes: number): void {
  const names = Object.keys(header);
  const entry = header[rng.pick(names)];
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return;
  switch (rng.int(10)) {
    case 0:
      entry.dtype = rng.pick(['F64', 'f32', '', 'constructor', '__proto__', 'toString', odd(rng)]);
      break;
    case 1:
      if (!Array.isArray(entry.shape)) break;
      entry.shape = (entry.shape as number[]).map((d) =>
        rng.next() < 0.5 ? d : rng.pick([-1, 0.5, 2 ** 31, 2 ** 53, -0, d + 1]),
      );
      break;
    case 2:
      entry.shape = odd(rng);
      break;
    case 3: {
      // Alias or overlap another entry's bytes.
      const other = header[rng.pick(names)];
      if (typeof other !== 'object' || other === null) break;
      entry.data_offsets = other.data_offsets;
      entry.shape = other.shape;
      entry.dtype = other.dtype;
      break;
    }
    case 4: {
      if (!Array.isArray(entry.data_offsets)) break;
      const [begin, end] = entry.data_offsets as number[];
      const shift = rng.pick([-8, -1, 1, 4, dataBytes, -dataBytes]);
      entry.data_offsets = rng.next() < 0.5 ? [begin + shift, end + shift] : [begin, end + shift];
      break;
    }
    case 5:
      entry.data_offsets = odd(rng);
      break;
    case 6:
      header[rng.pick(['__metadata__', '__proto__', 'constructor', '', 'a\nb', 'é'])] =
        rng.next() < 0.5 ? (odd(rng) as Entry) : { ...entry };
      break;
    case 7:
      delete entry[rng.pick(['dtype', 'shape', 'data_offsets'])];
      break;
    case 8:
      entry.extra = odd(rng);
      break;
    default:
      header[rng.pick(names)] = odd(rng) as Entry;
  }
}

/** One mutation of the header's text. */
function mutateText(rng: Rng, text: string): string {
  const at = rng.int(text.length + 1);
  switch (rng.int(7)) {
    case 0:
      return text.slice(0, at); // cut short
    case 1:
      return (
        text.slice(0, at) +
        rng.pick(['{', '[', ']', '}', '"', ',', ':', '\\', '\u0000']) +
        text.slice(at)
      );
    case 2: {
      const depth = rng.pick([4, 50, 5000, 100_000]);
      return text.slice(0, -1) + `,"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    }
    case 3: {
      // The same name twice, once escaped.
      const name = text.match(/"([^"]+)":\{/)?.[1] ?? 'x';
      const escaped = name.replace(
        /^./,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
      return text.slice(0, -1) + `,"${escaped}":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`;
    }
    case 4:
      return rng.pick(['[]', 'null', '0', '"x"', '', ' ', '{', '{}', '{"a":1}', ' {} ']);
    case 5:
      return text + rng.pick([' ', 'x', '}', ',{}']);
    default:
      return text.slice(0, at) + text.slice(at + 1 + rng.int(8));
  }
}

function fileBytes(rng: Rng, headerText: string, dataBytes: number): Uint8Array {
  const header = new TextEncoder().encode(headerText);
  const data = Math.max(0, dataBytes + rng.pick([0, 0, 0, -1, 1, 8]));
  const out = new Uint8Array(8 + header.length + data);
  const view = new DataView(out.buffer);
  let length = BigInt(header.length);
  if (rng.next() < 0.1) {
    length = rng.pick([0n, 1n, length - 1n, length + 1n, 2n ** 63n, 2n ** 64n - 1n, 100_000_001n]);
    if (length < 0n) length = 0n;
  }
  view.setBigUint64(0, length, true);
  out.set(header, 8);
  for (let i = 8 + header.length; i < out.length; i++) out[i] = rng.int(256);
  // Sometimes flip or cut raw bytes (the length field included).
  if (rng.next() < 0.1) out[rng.int(out.length)] ^= 1 << rng.int(8);
  return rng.next() < 0.1 ? out.subarray(0, rng.int(out.length + 1)) : out;
}

function hostileFile(rng: Rng): Uint8Array {
  const { header, dataBytes } = validHeader(rng);
  const mutations = rng.int(3);
  for (let i = 0; i < mutations; i++) mutateEntry(rng, header, dataBytes);
  let text = JSON.stringify(header);
  if (rng.next() < 0.4) text = mutateText(rng, text);
  return fileBytes(rng, text, dataBytes);
}

function attempt(read: () => SafetensorsFile): SafetensorsFile | string {
  try {
    return read();
  } catch (error) {
    return error instanceof Error ? error.message : `non-Error thrown: ${String(error)}`;
  }
}

describe('safetensors fuzz', () => {
  it(`reads or refuses in one line each of ${CASES} mutated files, decoding no more than the file holds`, () => {
    const rng = createRng(24);
    let read = 0;
    let slowest = 0;
    for (let n = 0; n < CASES; n++) {
      const file = hostileFile(rng);
      for (const reader of [indexSafetensors, readSafetensors]) {
        const start = performance.now();
        const result = attempt(() => reader(file, SOURCE));
        slowest = Math.max(slowest, performance.now() - start);
        if (typeof result === 'string') {
          expect(result, `case ${n}`).toMatch(new RegExp(`^${SOURCE.replace('.', '\\.')}: `));
          expect(result, `case ${n}`).not.toMatch(/[\r\n]/);
          expect(result.length, `case ${n}`).toBeLessThan(500);
          continue;
        }
        read += 1;
        let values = 0;
        for (const tensor of result.tensors.values()) {
          const data = tensor.data;
          expect(data.length, `case ${n}`).toBe(tensor.shape.reduce((a, b) => a * b, 1));
          values += data.length;
        }
        // Every value takes at least one byte of the file.
        expect(values, `case ${n}`).toBeLessThanOrEqual(file.length);
      }
    }
    expect(slowest).toBeLessThan(CALL_BUDGET_MS);
    // The mix reaches both outcomes: valid files are read, most mutations refused.
    expect(read).toBeGreaterThan(CASES * 0.1);
    expect(read).toBeLessThan(CASES * 1.6);
  }, 30_000);
});
