/**
 * The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
 * length, a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__}`, then
 * the raw little-endian tensor bytes. F32, F16 and BF16 are written and read; the integer and
 * boolean types some checkpoints use for buffers (GPT-NeoX's causal mask) are read as numbers.
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A tensor's shape and values. One from `indexSafetensors` decodes its values on every read of
 * `data`: read it once, and keep the array only as long as it is needed.
 */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export type WrittenDtype = 'F32' | 'F16' | 'BF16';

/** Bytes per value of each dtype the reader decodes. */
const WIDTHS: Record<string, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  I32: 4,
  I64: 8,
};

export function writeSafetensors(
  tensors: Map<string, NamedTensor>,
  metadata: Record<string, string> = {},
  dtype: WrittenDtype = 'F32',
): Uint8Array {
  const width = dtype === 'F32' ? 4 : 2;
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, tensor] of tensors) {
    const expected = tensor.shape.reduce((a, b) => a * b, 1);
    if (expected !== tensor.data.length) {
      throw new Error(
        `safetensors: "${name}" has ${tensor.data.length} values but shape [${tensor.shape}]`,
      );
    }
    const bytes = tensor.data.length * width;
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference implementation does.
  headerText += ' '.repeat((8 - ((8 + new TextEncoder().encode(headerText).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const tensor of tensors.values()) {
    const bytes = tensor.data.length * width;
    if (dtype !== 'F32') {
      const encode = dtype === 'BF16' ? floatToBf16 : floatToF16;
      tensor.data.forEach((value, i) => view.setUint16(position + i * 2, encode(value), true));
    } else if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, bytes), position);
    } else {
      tensor.data.forEach((value, i) => view.setFloat32(position + i * 4, value, true));
    }
    position += bytes;
  }
  return out;
}

export interface SafetensorsFile {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

/**
 * Every tensor decoded to floats at once, for callers that keep the arrays (checkpoints, adapters).
 * `source` names the file in refusals (`indexSafetensors`).
 */
export function readSafetensors(bytes: Uint8Array, source?: string): SafetensorsFile {
  const { tensors, metadata } = indexSafetensors(bytes, source);
  const decoded = new Map<string, NamedTensor>();
  for (const [name, tensor] of tensors)
    decoded.set(name, { shape: tensor.shape, data: tensor.data });
  return { tensors: decoded, metadata };
}

/** The reference implementation's cap on a header (`MAX_HEADER_SIZE` in safetensors' Rust crate). */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * More entries than any model has (a 512-block model with biases and q/k norms has about 10,000),
 * so a header of tiny entries cannot make the index hold millions of objects.
 */
export const MAX_HEADER_ENTRIES = 100_000;

/** The header is an object of entries, an entry an object whose lists hold numbers: 3 levels. */
const MAX_HEADER_DEPTH = 3;

/**
 * The file's header, checked in full (so a corrupt file fails here, not halfway through building a
 * model), with tensors whose `data` is decoded from `bytes` only when read, and anew on every
 * read: nothing keeps the floats, so a loader that turns each tensor into a tf tensor before
 * reading the next holds one tensor's floats at a time instead of the whole model's. Each tensor
 * keeps `bytes` alive until it is dropped.
 *
 * The checks are the reference implementation's: a header of at most `MAX_HEADER_BYTES` that is a
 * JSON object of entries (and an optional `__metadata__` of strings), each with a known dtype,
 * whole non-negative dims and whole `data_offsets` whose length is dtype × shape; no name twice;
 * the entries, by offset, hold the data section back to back from its first byte to its last, so
 * no two share a byte (64 entries over the same 16 MiB would decode to 1 GiB) and no byte is left
 * to no tensor. Each refusal is one line starting with `source` (the file's name; default
 * "safetensors") and naming the entry.
 */
export function indexSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  const fail = (why: string): never => {
    throw new Error(`${source}: ${why}`);
  };
  if (bytes.length < 8) fail('the file is shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES) {
    fail(
      `the header length ${headerLength} is over the ${MAX_HEADER_BYTES}-byte cap on a safetensors header`,
    );
  }
  if (8 + headerLength > bytes.length) {
    fail(`the header length ${headerLength} runs past the end of the ${bytes.length}-byte file`);
  }
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
  scanHeader(text, fail);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(`the header is not valid JSON (${oneLine((error as Error).message)})`);
  }
  if (!isPlainObject(header)) return fail('the header is not a JSON object');

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] =
    [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isPlainObject(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
        fail(`__metadata__ must be an object of strings (got ${shown(raw)})`);
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    const entry = `"${shownName(name)}"`;
    if (!isPlainObject(raw)) return fail(`${entry} is not a tensor entry`);
    const { dtype, shape, data_offsets: offsets } = raw;
    if (typeof dtype !== 'string' || !Object.hasOwn(WIDTHS, dtype)) {
      return fail(
        `${entry} has dtype ${shown(dtype)}, which the lab does not read (${Object.keys(WIDTHS).join(', ')})`,
      );
    }
    if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      return fail(`${entry} has shape ${shown(shape)}, not a list of sizes`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((n) => Number.isSafeInteger(n)) ||
      !(0 <= offsets[0] && offsets[0] <= offsets[1] && offsets[1] <= dataLength)
    ) {
      return fail(
        `${entry} has data_offsets ${shown(offsets)}, not [begin, end] with 0 ≤ begin ≤ end ≤ ${dataLength} (the data's length)`,
      );
    }
    const [begin, end] = offsets as [number, number];
    // A product past 2^53 is inexact, but then far over any file's length: never equal to it.
    const needed = (shape as number[]).reduce((a, b) => a * b, 1) * WIDTHS[dtype];
    if (end - begin !== needed) {
      fail(
        `${entry} has data_offsets [${begin}, ${end}] (${end - begin} bytes) but shape [${shape.join(',')}] ${dtype} needs ${needed}`,
      );
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }

  // Back to back by offset (zero-size tensors sit anywhere between two others).
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: (typeof entries)[number] | null = null;
  for (const entry of byOffset) {
    if (entry.begin < covered && previous !== null) {
      fail(
        `"${shownName(entry.name)}" shares bytes with "${shownName(previous.name)}" (offsets [${entry.begin}, ${entry.end}] and [${previous.begin}, ${previous.end}]); tensors must not overlap`,
      );
    }
    if (entry.begin > covered) {
      fail(
        `bytes [${covered}, ${entry.begin}) of the data belong to no tensor (before "${shownName(entry.name)}"); a file holds its tensors back to back`,
      );
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataLength) {
    fail(
      previous === null
        ? `${dataLength} bytes of data belong to no tensor (the header lists none)`
        : `${dataLength - covered} bytes after the last tensor ("${shownName(previous.name)}") belong to no tensor`,
    );
  }

  const tensors = new Map<string, NamedTensor>();
  for (const { name, dtype, shape, begin, end } of entries) {
    const count = (end - begin) / WIDTHS[dtype];
    const tensor = { shape } as NamedTensor;
    Object.defineProperty(tensor, 'data', {
      get: () => decodeTensor(bytes, dataStart + begin, count, dtype),
      // Enumerable, so the tensor reads (and compares) like one with its data in place.
      enumerable: true,
    });
    tensors.set(name, tensor);
  }
  return { tensors, metadata };
}

/**
 * One pass over the header's text before `JSON.parse`: it must be an object, nest no deeper than
 * a header does (a megabyte of `[` would otherwise parse for seconds), hold at most
 * `MAX_HEADER_ENTRIES` entries and no name twice (`JSON.parse` keeps the last silently).
 */
function scanHeader(text: string, fail: (why: string) => never): void {
  let i = 0;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 0x7b /* { */) fail('the header is not a JSON object');
  const names = new Set<string>();
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      if (depth !== 1) continue;
      let j = i + 1;
      while (j < text.length && isSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) !== 0x3a /* : */) continue;
      const raw = text.slice(start, i + 1);
      let name = raw.slice(1, -1);
      if (escaped) {
        try {
          name = JSON.parse(raw) as string;
        } catch {
          continue; // JSON.parse reports the bad escape with its position
        }
      }
      if (names.has(name)) fail(`"${shownName(name)}" appears twice in the header`);
      names.add(name);
      if (names.size > MAX_HEADER_ENTRIES) {
        fail(`the header has more than ${MAX_HEADER_ENTRIES} entries`);
      }
    } else if (c === 0x7b || c === 0x5b /* [ */) {
      depth++;
      if (depth > MAX_HEADER_DEPTH) {
        fail(`the header nests deeper than a safetensors header does (${MAX_HEADER_DEPTH} levels)`);
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ');

/** A name as a message shows it: escaped onto one line, and cut when long. */
function shownName(name: string): string {
  const escaped = JSON.stringify(name).slice(1, -1);
  return escaped.length > 80 ? `${escaped.slice(0, 80)}…` : escaped;
}

/** A header value as a message shows it: JSON on one line, cut when long. */
function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** `count` values of `dtype` at `start` in `bytes`, as fresh floats sharing no memory with it. */
function decodeTensor(
  bytes: Uint8Array,
  start: number,
  count: number,
  dtype: string,
): Float32Array {
  const width = WIDTHS[dtype];
  if (dtype === 'F32' && LITTLE_ENDIAN) {
    // slice() copies into a fresh, aligned buffer: a view would keep the whole file alive for as
    // long as the tf tensor made from it (the cpu backend keeps the array it is given).
    return new Float32Array(bytes.slice(start, start + count * width).buffer);
  }
  const data = new Float32Array(count);
  if (dtype === 'BF16' && LITTLE_ENDIAN) {
    // A bfloat16 is the top half of a float32: shift the 16 bits into place, no per-value calls.
    // The halves are read in place when they are 2-byte aligned (the header length need not be).
    const offset = bytes.byteOffset + start;
    const halves =
      offset % 2 === 0
        ? new Uint16Array(bytes.buffer, offset, count)
        : new Uint16Array(bytes.slice(start, start + count * 2).buffer);
    const words = new Uint32Array(data.buffer);
    for (let i = 0; i < count; i++) words[i] = halves[i] << 16;
    return data;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + start, count * width);
  for (let i = 0; i < count; i++) data[i] = decode(dv, i, dtype);
  return data;
}

function decode(dv: DataView, i: number, dtype: string): number {
  switch (dtype) {
    case 'F32':
      return dv.getFloat32(i * 4, true);
    case 'BF16':
      return bf16ToFloat(dv.getUint16(i * 2, true));
    case 'F16':
      return f16ToFloat(dv.getUint16(i * 2, true));
    case 'BOOL':
    case 'U8':
      return dv.getUint8(i);
    case 'I8':
      return dv.getInt8(i);
    case 'I16':
      return dv.getInt16(i * 2, true);
    case 'I32':
      return dv.getInt32(i * 4, true);
    default:
      return Number(dv.getBigInt64(i * 8, true));
  }
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Float32 → bfloat16 bits, rounding to nearest even (as PyTorch's `.to(torch.bfloat16)`). */
export function floatToBf16(value: number): number {
  F32[0] = value;
  const bits = U32[0];
  if (Number.isNaN(value)) return 0x7fc0;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Float32 → IEEE half bits, rounding to nearest even; overflow becomes infinity. */
export function floatToF16(value: number): number {
  F32[0] = value;
  const bits = U32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    if (rest > midpoint || (rest === midpoint && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  e = half >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : half);
}

function bf16ToFloat(bits: number): number {
  U32[0] = bits << 16;
  return F32[0];
}

function f16ToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
