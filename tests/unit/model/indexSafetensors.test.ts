/**
 * `indexSafetensors` checks a file whole and decodes each tensor only when it is read, so whatever
 * could make a decode fail must be refused at indexing, and a decoded array must not share the
 * file's memory (a tf tensor made from it would keep the whole file alive).
 */
import { describe, expect, it } from 'vitest';
import {
  indexSafetensors,
  readSafetensors,
  writeSafetensors,
  type WrittenDtype,
} from '../../../src/core/model/safetensors';

const values = new Float32Array([0, -0, 1.5, -2.25, 65504, 3.0517578125e-5, Infinity, -Infinity]);

function file(dtype: WrittenDtype): Uint8Array {
  return writeSafetensors(new Map([['x', { shape: [2, 4], data: values }]]), {}, dtype);
}

/** The same file with its header rewritten, `rewrite` given the parsed header. */
function withHeader(bytes: Uint8Array, rewrite: (header: Record<string, unknown>) => void) {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<
    string,
    unknown
  >;
  rewrite(header);
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + bytes.length - 8 - length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(bytes.subarray(8 + length), 8 + text.length);
  return out;
}

describe('indexSafetensors', () => {
  it.each(['F32', 'F16', 'BF16'] as const)(
    '%s: each read decodes anew, the same values as the eager reader, sharing no memory with the file',
    (dtype) => {
      const bytes = file(dtype);
      const copy = bytes.slice();
      const tensor = indexSafetensors(bytes).tensors.get('x')!;
      const first = tensor.data;
      expect(tensor.data).not.toBe(first);
      expect(first).toEqual(readSafetensors(bytes).tensors.get('x')!.data);
      expect(first.buffer).not.toBe(bytes.buffer);
      first.fill(7);
      expect(bytes).toEqual(copy);
      expect(tensor.data).toEqual(readSafetensors(bytes).tensors.get('x')!.data);
    },
  );

  it('decodes BF16 values that do not start on a 2-byte boundary', () => {
    const aligned = file('BF16');
    const shifted = new Uint8Array(aligned.length + 1);
    shifted.set(aligned, 1);
    const odd = shifted.subarray(1);
    expect(odd.byteOffset % 2).toBe(1);
    expect(indexSafetensors(odd).tensors.get('x')!.data).toEqual(
      indexSafetensors(aligned).tensors.get('x')!.data,
    );
  });

  it('refuses at indexing what would make a later decode fail', () => {
    const bytes = file('BF16');
    const entry = (patch: Record<string, unknown>) =>
      withHeader(bytes, (header) => Object.assign(header.x as object, patch));
    expect(() => indexSafetensors(entry({ data_offsets: [-2, 14] }))).toThrow(
      'safetensors: "x" has data_offsets [-2,14], not [begin, end] with 0 ≤ begin ≤ end ≤ 16 (the data\'s length)',
    );
    expect(() => indexSafetensors(entry({ data_offsets: [0.5, 16.5] }))).toThrow(
      /"x" has data_offsets \[0\.5,16\.5\]/,
    );
    expect(() => indexSafetensors(entry({ shape: [-2, -4] }))).toThrow(
      'safetensors: "x" has shape [-2,-4], not a list of sizes',
    );
    expect(() => indexSafetensors(entry({ shape: 'big' }))).toThrow(
      'safetensors: "x" has shape "big", not a list of sizes',
    );
    expect(() => indexSafetensors(withHeader(bytes, (header) => (header.x = 3)))).toThrow(
      'safetensors: "x" is not a tensor entry',
    );
  });
});
