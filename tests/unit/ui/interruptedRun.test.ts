import { describe, expect, it } from 'vitest';
import { resolvePreset } from '../../../src/core/lab';
import {
  checkpointOf,
  describeResumePoint,
  forgetActiveRun,
  readActiveRun,
  rememberActiveRun,
} from '../../../src/lib/interruptedRun';
import { MemoryStorage } from '../support/memoryStorage';

const asStorage = (memory: MemoryStorage) => memory as unknown as Storage;

describe('the interrupted run a page remembers', () => {
  it('is remembered while running, read back after a reload, and forgotten when the run ends', () => {
    const memory = new MemoryStorage();
    const run = { config: resolvePreset('micro'), configHash: 'abc', startedAt: 42 };
    expect(readActiveRun(asStorage(memory))).toBeNull();
    rememberActiveRun(run, asStorage(memory));
    expect(readActiveRun(asStorage(memory))).toEqual(run);
    forgetActiveRun(asStorage(memory));
    expect(readActiveRun(asStorage(memory))).toBeNull();
  });

  it('a damaged record counts as none, and a storage that throws loses only the offer', () => {
    const memory = new MemoryStorage();
    memory.setItem('safetune-lab.active-run', '{"configHash": 3');
    expect(readActiveRun(asStorage(memory))).toBeNull();
    memory.setItem('safetune-lab.active-run', '{"configHash": "x", "startedAt": 1}');
    expect(readActiveRun(asStorage(memory))).toBeNull();
    const throwing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    } as unknown as Storage;
    expect(() =>
      rememberActiveRun(
        { config: resolvePreset('micro'), configHash: 'a', startedAt: 1 },
        throwing,
      ),
    ).not.toThrow();
    expect(readActiveRun(throwing)).toBeNull();
    expect(() => forgetActiveRun(throwing)).not.toThrow();
  });

  it("says where Resume goes on from: the run's newest checkpoint, or the start", () => {
    const run = { config: resolvePreset('micro'), configHash: 'mine', startedAt: 1 };
    const checkpoints = [
      {
        key: 'k1',
        stage: 'finetune' as const,
        configHash: 'other',
        name: 'x',
        step: 9,
        totalSteps: 10,
        savedAt: 3,
      },
      {
        key: 'k2',
        stage: 'finetune' as const,
        configHash: 'mine',
        name: 'micro',
        step: 40,
        totalSteps: 120,
        savedAt: 2,
      },
      {
        key: 'k3',
        stage: 'alignment' as const,
        configHash: 'mine',
        name: 'micro',
        step: 5,
        totalSteps: 50,
        savedAt: 1,
      },
    ];
    const found = checkpointOf(run, checkpoints);
    expect(found?.key).toBe('k2');
    expect(describeResumePoint(found)).toBe(
      'Resume goes on from fine-tuning step 40 of 120, with the stages before it from the cache.',
    );
    expect(describeResumePoint(checkpointOf({ ...run, configHash: 'none' }, checkpoints))).toMatch(
      /^No checkpoint was written before it stopped: Resume runs it again/,
    );
  });
});
