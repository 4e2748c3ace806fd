import { describe, expect, it } from 'vitest';
import { getDataset } from '../../../src/core/data/registry';
import {
  TASK_CHANCE,
  datasetNamesWithRole,
  describeChance,
  taskChance,
} from '../../../src/core/data/names';

describe('task chance levels', () => {
  it('has one for every task dataset, and none for other names', () => {
    expect(Object.keys(TASK_CHANCE).sort()).toEqual(datasetNamesWithRole('task').sort());
    expect(taskChance('beavertails')).toBeUndefined();
    expect(taskChance('toString')).toBeUndefined();
  });

  it('counts the classes the data really has: chance is 1 / classes', () => {
    for (const name of datasetNamesWithRole('task')) {
      const chance = TASK_CHANCE[name as keyof typeof TASK_CHANCE];
      const labels = new Set(
        getDataset(name)
          .generate({ split: 'eval', n: 400, seed: 1 })
          .map((e) => e.label),
      );
      if (chance.kind === 'classes') {
        expect(labels.size, name).toBe(chance.classes);
        expect(chance.accuracy).toBeCloseTo(100 / labels.size);
      } else {
        // An open answer: far more distinct answers than a guess could cover.
        expect(labels.size, name).toBeGreaterThan(10);
      }
    }
  });

  it('says it in words', () => {
    expect(describeChance(TASK_CHANCE.sst2)).toBe('chance 50% for 2 classes');
    expect(describeChance(TASK_CHANCE.agnews)).toBe('chance 25% for 4 classes');
    expect(describeChance(TASK_CHANCE.gsm8k)).toMatch(/^no chance level: the answer is a number/);
  });
});
