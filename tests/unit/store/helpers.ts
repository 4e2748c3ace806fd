import { openDB, type IDBPDatabase } from 'idb';
import type { StageInput } from '../../../src/core/store';

let counter = 0;

/** A database name no other test uses, so tests never see each other's data. */
export function uniqueDbName(): string {
  counter += 1;
  return `store-test-${counter}-${Math.random().toString(36).slice(2)}`;
}

/** `length` bytes covering every byte value, from a small LCG so the content is reproducible. */
export function testBytes(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = i < 256 ? i : state >>> 24;
  }
  return bytes;
}

export function stageInput(overrides: Partial<StageInput> = {}): StageInput {
  return {
    key: 'a'.repeat(64),
    stage: 'finetune',
    createdAt: 1_700_000_000_000,
    labVersion: '0.1.0',
    backend: 'wasm',
    configHash: 'c'.repeat(64),
    description: 'fine-tuned, p = 0.1',
    bytes: testBytes(1000),
    meta: { steps: 200, loss: [2.5, 1.25] },
    ...overrides,
  };
}

/**
 * A second, raw connection to the same database, to look at or tamper with what the store wrote.
 * Untyped on purpose: tests reach past the store's typed API.
 */
export function openRaw(name: string): Promise<IDBPDatabase> {
  return openDB(name);
}
