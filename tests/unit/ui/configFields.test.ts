import { describe, expect, it } from 'vitest';
import { describeParam, describeRange } from '../../../src/lib/configFields';

describe('describeParam (the hint under a method parameter in the builder)', () => {
  it('states each ParamSpec kind the way the validator bounds it', () => {
    const number = { default: 0.5, description: 'x' };
    expect(describeParam({ type: 'number', min: 0, max: 1, ...number })).toBe('0 – 1');
    expect(
      describeParam({ type: 'integer', min: 1, max: 20000, default: 2, description: 'k' }),
    ).toBe('1 – 20,000, integer');
    expect(describeParam({ type: 'number', min: 0, ...number })).toBe('≥ 0');
    expect(describeParam({ type: 'integer', max: 8, default: 2, description: 'k' })).toBe(
      '≤ 8, integer',
    );
    expect(describeParam({ type: 'number', ...number })).toBe('any number');
    expect(
      describeParam({ type: 'enum', values: ['l2', 'cos'], default: 'l2', description: 'd' }),
    ).toBe('one of l2, cos');
    expect(describeParam({ type: 'boolean', default: true, description: 'b' })).toBe('on or off');
  });

  it('writes tiny bounds in exponent form, as the config fields do', () => {
    expect(describeRange({ min: 1e-6, max: 1, integer: false })).toBe('1e-6 – 1');
  });
});
