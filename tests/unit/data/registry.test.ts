import { describe, expect, it } from 'vitest';
import { DEFAULT_VALIDATION_CONTEXT } from '../../../src/core/lab';
import { BASE_MODELS } from '../../../src/core/model/bases';
import {
  DATASET_NAMES,
  datasetNamesWithRole,
  datasetRegistryProblems,
  getDataset,
  isDatasetName,
  listDatasets,
  type DatasetEntry,
} from '../../../src/core/data/registry';
import type { DatasetGenerator } from '../../../src/core/data/types';
import { defineRegistry } from '../../../src/core/registry';

const fake = (name: string, roles: DatasetEntry['meta']['targets'] = ['task']): DatasetEntry => {
  const generator = { name, description: `the ${name} set` } as DatasetGenerator;
  return {
    meta: { name, description: generator.description, targets: roles },
    generator,
    load: () => Promise.resolve(generator),
  };
};
const registry = (entries: Record<string, DatasetEntry>) => defineRegistry('dataset', entries);

describe('dataset registry', () => {
  it('resolves every declared name to the generator of that name', () => {
    for (const name of DATASET_NAMES) {
      expect(isDatasetName(name)).toBe(true);
      expect(getDataset(name).name).toBe(name);
    }
    expect(DATASET_NAMES).toEqual(
      expect.arrayContaining([
        'sst2',
        'agnews',
        'gsm8k',
        'alpaca',
        'beavertails',
        'beavertails-refusal',
      ]),
    );
  });

  it('lists every dataset with its kind, roles and non-empty pools', () => {
    const list = listDatasets();
    expect(list.map((d) => d.name)).toEqual([...DATASET_NAMES]);
    for (const info of list) {
      expect(info.description.length).toBeGreaterThan(10);
      expect(info.roles.length).toBeGreaterThan(0);
      for (const size of Object.values(info.poolSizes)) expect(size).toBeGreaterThan(0);
    }
    expect(list.find((d) => d.name === 'beavertails')?.kind).toBe('harmful-compliance');
  });

  it('the one validation context names exactly what the registries hold', () => {
    expect(DEFAULT_VALIDATION_CONTEXT.tasks).toEqual(
      listDatasets()
        .filter((d) => d.roles.includes('task'))
        .map((d) => d.name),
    );
    expect(DEFAULT_VALIDATION_CONTEXT.tasks).toContain('alpaca');
    expect(DEFAULT_VALIDATION_CONTEXT.tasks).toEqual(['sst2', 'agnews', 'gsm8k', 'alpaca']);
    expect(DEFAULT_VALIDATION_CONTEXT.models).toEqual(Object.keys(BASE_MODELS));
    expect(DEFAULT_VALIDATION_CONTEXT.models).toEqual(['safetune-base']);
    // Every post method, in registry order, with what it can act on (the methods' own table is
    // tests/unit/methods/registry.test.ts's).
    const both = ['adapter', 'merged'];
    expect(DEFAULT_VALIDATION_CONTEXT.postTargets).toEqual({
      none: both,
      antidote: both,
      'random-prune': both,
      'magnitude-prune': both,
      'wanda-benign': both,
      safelora: both,
      'safety-arithmetic': both,
      safemerge: both,
      'safety-patch': both,
      'antidote-task-aware': both,
    });
  });

  it('offers every task the config accepts', () => {
    const tasks = datasetNamesWithRole('task');
    for (const task of DEFAULT_VALIDATION_CONTEXT.tasks) expect(tasks).toContain(task);
    expect(datasetNamesWithRole('harmful')).toEqual(['beavertails']);
    expect(datasetNamesWithRole('refusal')).toEqual(['beavertails-refusal']);
    expect(datasetNamesWithRole('benign')).toEqual(['alpaca']);
  });

  it('rejects an unknown name with the list of known ones', () => {
    expect(isDatasetName('sst-2')).toBe(false);
    expect(() => getDataset('sst-2')).toThrow('unknown dataset "sst-2" (valid: sst2, agnews');
  });

  it('finds declared-but-missing, undeclared, misnamed and roleless entries', () => {
    expect(datasetRegistryProblems()).toEqual([]);
    expect(datasetRegistryProblems(registry({ a: fake('a'), b: fake('b') }), ['a', 'b'])).toEqual(
      [],
    );
    expect(datasetRegistryProblems(registry({ a: fake('a') }), ['a', 'b'])).toEqual([
      'dataset "b" is declared but not registered',
    ]);
    expect(datasetRegistryProblems(registry({ a: fake('a'), c: fake('c') }), ['a'])).toEqual([
      'dataset "c" is registered but not declared',
    ]);
    expect(datasetRegistryProblems(registry({ a: fake('b') }), ['a'])).toEqual([
      'dataset "a" is named "b"',
    ]);
    expect(datasetRegistryProblems(registry({ a: fake('a', []) }), ['a'])).toEqual([
      'dataset "a" must say what it acts on (targets: task, benign, harmful, refusal, overRefusal)',
    ]);
  });
});
