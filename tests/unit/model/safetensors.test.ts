import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointValues, saveCheckpoint } from '../../../src/core/model/checkpoint';
import { LanguageModel } from '../../../src/core/model/languageModel';
import { readSafetensors, writeSafetensors } from '../../../src/core/model/safetensors';
import { useBackend } from '../support/backend';
import { TINY } from '../support/tiny';

describe('safetensors', () => {
  beforeAll(() => useBackend('cpu'));

  it('round-trips a model bit-exactly with Hugging Face GPT-2 names and config', async () => {
    const model = LanguageModel.init(TINY, 21);
    const files = await saveCheckpoint(model);
    const header = JSON.parse(
      new TextDecoder().decode(
        files.safetensors.subarray(
          8,
          8 + Number(new DataView(files.safetensors.buffer).getBigUint64(0, true)),
        ),
      ),
    );
    expect(header['transformer.h.0.attn.c_attn.weight']).toMatchObject({
      dtype: 'F32',
      shape: [8, 24],
    });
    expect(header['transformer.h.1.mlp.c_proj.weight'].shape).toEqual([16, 8]);
    expect(header.__metadata__).toEqual({ format: 'pt' });
    expect((8 + JSON.stringify(header).length) % 8 === 0 || files.safetensors.length > 0).toBe(
      true,
    );
    const config = JSON.parse(files.configJson);
    expect(config).toMatchObject({
      model_type: 'gpt2',
      n_embd: 8,
      n_layer: 2,
      n_head: 2,
      n_positions: 8,
      vocab_size: 13,
      n_inner: 16,
    });

    // As the worker loads a built-in base model.
    const { config: restoredConfig, values } = checkpointValues(files);
    const restored = LanguageModel.fromValues(restoredConfig, values);
    const a = await model.readValues();
    const b = await restored.readValues();
    for (const [name, values] of a) {
      const bitsA = new Uint32Array(values.buffer, values.byteOffset, values.length);
      const other = b.get(name)!;
      expect(
        Array.from(new Uint32Array(other.buffer, other.byteOffset, other.length)),
        name,
      ).toEqual(Array.from(bitsA));
    }
    model.dispose();
    restored.dispose();
  });

  it('keeps special float values and reports corrupt files clearly', () => {
    const data = new Float32Array([0, -0, Infinity, -Infinity, 1e-45, 3.4e38]);
    const bytes = writeSafetensors(new Map([['x', { shape: [2, 3], data }]]));
    expect(Array.from(readSafetensors(bytes).tensors.get('x')!.data)).toEqual(Array.from(data));
    expect(() => readSafetensors(bytes.subarray(0, 5))).toThrow(/shorter than its 8-byte header/);
    const broken = bytes.slice(0, bytes.length - 4);
    expect(() => readSafetensors(broken)).toThrow(/"x" has data_offsets/);
  });
});
