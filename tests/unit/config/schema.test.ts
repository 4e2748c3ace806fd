import { describe, expect, it } from 'vitest';
import {
  CHOICES,
  DEFAULT_CONFIG,
  LAYER_ROLES,
  LORA_RANGES,
  RANGES,
  defaultConfig,
  isPlainObject,
  validateConfig,
} from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';

function leaves(value: unknown, prefix = ''): [string, unknown][] {
  if (!isPlainObject(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([key, item]) =>
    key === 'params' ? [] : leaves(item, prefix === '' ? key : `${prefix}.${key}`),
  );
}

describe('schema', () => {
  it('DEFAULT_CONFIG is a valid, complete config (strict)', () => {
    const result = validateConfig(DEFAULT_CONFIG, DEFAULT_VALIDATION_CONTEXT, { strict: true });
    expect(result).toEqual({ ok: true, config: DEFAULT_CONFIG });
  });

  it('has the field names outside tools read', () => {
    const paths = leaves(DEFAULT_CONFIG).map(([path]) => path);
    for (const path of [
      'seed',
      'finetune.task',
      'finetune.samples',
      'finetune.poisonRatio',
      'finetune.lr',
      'finetune.epochs',
      'post.method',
      'post.maskRatio',
      'runtime.backend',
    ]) {
      expect(paths).toContain(path);
    }
  });

  it('RANGES covers exactly the numeric fields, and every default lies within its range', () => {
    // LoRA's numbers have their own bounds (LORA_RANGES), checked below.
    const numeric = leaves(DEFAULT_CONFIG).filter(
      ([path, value]) =>
        typeof value === 'number' && path !== 'schemaVersion' && !path.includes('.lora.'),
    );
    expect(Object.keys(RANGES).sort()).toEqual(numeric.map(([path]) => path).sort());
    for (const [path, value] of numeric) {
      const range = RANGES[path as keyof typeof RANGES];
      expect(range.min, path).toBeLessThanOrEqual(range.max);
      expect(range.step, path).toBeGreaterThan(0);
      expect(value as number, path).toBeGreaterThanOrEqual(range.min);
      expect(value as number, path).toBeLessThanOrEqual(range.max);
      if (range.integer) expect(Number.isInteger(value), path).toBe(true);
      expect(range.description.length, path).toBeGreaterThan(0);
    }
  });

  it('LoRA defaults lie within LORA_RANGES and target known roles', () => {
    for (const lora of [DEFAULT_CONFIG.alignment.lora, DEFAULT_CONFIG.finetune.lora]) {
      if (lora === null) continue;
      for (const [field, range] of Object.entries(LORA_RANGES)) {
        const value = lora[field as keyof typeof LORA_RANGES];
        expect(value).toBeGreaterThanOrEqual(range.min);
        expect(value).toBeLessThanOrEqual(range.max);
      }
      expect(lora.targets.every((role) => LAYER_ROLES.includes(role))).toBe(true);
    }
  });

  it('every CHOICES default is one of its values', () => {
    const byPath = new Map(leaves(DEFAULT_CONFIG));
    for (const [path, choice] of Object.entries(CHOICES)) {
      expect(choice.values as readonly unknown[], path).toContain(byPath.get(path));
    }
  });

  it('DEFAULT_CONFIG is frozen so a stray write cannot change every later run', () => {
    expect(() => {
      (DEFAULT_CONFIG.finetune as { poisonRatio: number }).poisonRatio = 0.5;
    }).toThrow(TypeError);
    expect(DEFAULT_CONFIG.finetune.poisonRatio).toBe(0.1);
  });

  it('defaultConfig() is an editable copy', () => {
    const copy = defaultConfig();
    expect(copy).toEqual(DEFAULT_CONFIG);
    copy.finetune.poisonRatio = 0.5;
    copy.post.params.extra = 1;
    expect(DEFAULT_CONFIG.finetune.poisonRatio).toBe(0.1);
    expect(DEFAULT_CONFIG.post.params).toEqual({});
  });
});
