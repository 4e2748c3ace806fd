/**
 * The parameter count and the memory estimate read one block's weights for every block, so their
 * cost does not grow with the depth (a config from a link may say 512 blocks); the count must
 * still be exactly the sum over `weightSpecs`, the list the model is built from.
 */
import { describe, expect, it } from 'vitest';
import { CURATED_MODELS } from '../../../src/core/hub/curated';
import { modelConfigFromHub } from '../../../src/core/model/checkpoint';
import type { ModelConfig } from '../../../src/core/model/config';
import { parameterCount, weightSpecGroups, weightSpecs } from '../../../src/core/model/weights';
import { REAL_SIZE_MODELS } from '../../../src/core/bench/realSizeModels';
import { TINY } from '../support/tiny';

const bySpecs = (config: ModelConfig) =>
  weightSpecs(config).reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);

/** Every family, tied and untied, with and without biases and q/k norms. */
function variants(): [string, ModelConfig][] {
  const out: [string, ModelConfig][] = [['tiny gpt2', TINY]];
  for (const model of CURATED_MODELS) out.push([model.repo, model.config]);
  for (const [name, model] of Object.entries(REAL_SIZE_MODELS)) {
    out.push([name, modelConfigFromHub({ ...model.hubConfig })]);
  }
  for (const [name, config] of [...out]) {
    out.push([`${name}, head untied`, { ...config, tiedEmbeddings: !config.tiedEmbeddings }]);
    out.push([
      `${name}, every bias`,
      { ...config, bias: { qkv: true, o: true, mlp: true }, nLayers: 3 },
    ]);
  }
  return out;
}

describe('the parameter count', () => {
  it.each(variants())('%s: equals the sum over weightSpecs', (_, config) => {
    expect(parameterCount(config)).toBe(bySpecs(config));
  });

  it.each(variants())(
    '%s: the grouped specs are weightSpecs with one block standing for each',
    (_, config) => {
      const groups = weightSpecGroups(config);
      const specs = weightSpecs(config);
      expect(groups.reduce((n, g) => n + g.count, 0)).toBe(specs.length);
      for (const { spec, count } of groups) {
        expect(count === 1 || count === config.nLayers).toBe(true);
        expect(specs).toContainEqual(spec);
      }
    },
  );

  it('needs the same specs for 512 blocks as for 2 (no list per block)', () => {
    const deep = { ...TINY, nLayers: 512 };
    expect(weightSpecGroups(deep).length).toBe(weightSpecGroups({ ...TINY, nLayers: 2 }).length);
    expect(parameterCount(deep)).toBe(bySpecs(deep));
  });
});
