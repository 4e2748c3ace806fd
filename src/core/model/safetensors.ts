/**
 * The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
 * length, a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__}`, then
 * the raw little-endian tensor bytes. Only F32 is written; F32, F16 and BF16 are read.
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export function writeSafetensors(
  tensors: Map<string, NamedTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
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
    const bytes = tensor.data.length * 4;
    header[name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + bytes] };
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
    const bytes = tensor.data.length * 4;
    if (LITTLE_ENDIAN) {
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

export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8)
    throw new Error('safetensors: file is shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length)
    throw new Error(`safetensors: header length ${headerLength} runs past the end of the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<
      string,
      unknown
    >;
  } catch (error) {
    throw new Error(`safetensors: header is not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = raw as Record<string, string>;
      continue;
    }
    const entry = raw as HeaderEntry;
    const [begin, end] = entry.data_offsets ?? [];
    const count = (entry.shape ?? []).reduce((a, b) => a * b, 1);
    const width = { F32: 4, F16: 2, BF16: 2 }[entry.dtype];
    if (width === undefined)
      throw new Error(`safetensors: "${name}" has unsupported dtype ${entry.dtype}`);
    if (!(end - begin === count * width && dataStart + end <= bytes.length)) {
      throw new Error(
        `safetensors: "${name}" offsets [${begin}, ${end}] do not match shape [${entry.shape}] ${entry.dtype}`,
      );
    }
    const dv = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
    if (entry.dtype === 'F32' && LITTLE_ENDIAN) {
      // slice() copies into a fresh, aligned buffer.
      const copy = bytes.slice(dataStart + begin, dataStart + end);
      tensors.set(name, { shape: entry.shape, data: new Float32Array(copy.buffer) });
      continue;
    }
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      if (entry.dtype === 'F32') data[i] = dv.getFloat32(i * 4, true);
      else if (entry.dtype === 'BF16') data[i] = bf16ToFloat(dv.getUint16(i * 2, true));
      else data[i] = f16ToFloat(dv.getUint16(i * 2, true));
    }
    tensors.set(name, { shape: entry.shape, data });
  }
  return { tensors, metadata };
}

function bf16ToFloat(bits: number): number {
  const buffer = new DataView(new ArrayBuffer(4));
  buffer.setUint32(0, bits << 16);
  return buffer.getFloat32(0);
}

function f16ToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
