import { describe, expect, it } from 'vitest';
import {
  assertRegistry,
  defineRegistry,
  lookup,
  registryProblems,
  type RegistryEntry,
} from '../../src/core/registry';

const entry = (name: string, description = `the ${name} entry`): RegistryEntry => ({
  meta: { name, description },
  load: () => Promise.resolve(name),
});

describe('registry helper', () => {
  const shapes = defineRegistry('shape', { circle: entry('circle'), square: entry('square') });

  it('finds an entry by name, or names the valid ones in one line', async () => {
    expect(shapes.names).toEqual(['circle', 'square']);
    expect(await lookup(shapes, 'square').load?.()).toBe('square');
    expect(() => lookup(shapes, 'cirle')).toThrow(
      /^unknown shape "cirle" \(valid: circle, square\)$/,
    );
    // Only its own names: not an Object.prototype member.
    expect(() => lookup(shapes, 'toString')).toThrow(/unknown shape "toString"/);
  });

  it('checks declared names both ways, and a load only where one is required', () => {
    expect(registryProblems(shapes, { declared: ['circle', 'square'] })).toEqual([]);
    expect(registryProblems(shapes, { declared: ['circle', 'oval'] })).toEqual([
      'shape "oval" is declared but not registered',
      'shape "square" is registered but not declared',
    ]);
    const files = defineRegistry('base model', {
      tiny: { meta: { name: 'tiny', description: 'x' } },
    });
    expect(registryProblems(files, { load: false })).toEqual([]);
    expect(registryProblems(files)).toEqual(['base model "tiny" has no load()']);
  });

  it('throws every problem at once from assertRegistry', () => {
    const broken = defineRegistry('shape', { circle: entry('oval'), square: entry('square', '') });
    expect(() => assertRegistry(broken)).toThrow(
      'shape registry is inconsistent:\nshape "circle" is named "oval"\nshape "square" has no description',
    );
    expect(() => assertRegistry(shapes)).not.toThrow();
  });
});
