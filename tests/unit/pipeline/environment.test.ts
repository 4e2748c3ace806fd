import { beforeAll, describe, expect, it } from 'vitest';
import { resultsFileProblems } from '../../../src/core/pipeline/resultsSchema';
import { runExperiment, type BaseModel } from '../../../src/core/pipeline/run';
import { useBackend } from '../support/backend';
import { tinyWorldBase } from '../support/tinyBase';
import { tinyMicroConfig } from '../../support/tinyConfig';

describe("the results file's environment", () => {
  let base: BaseModel;
  beforeAll(async () => {
    await useBackend('wasm');
    base = await tinyWorldBase();
  });

  it('carries the wasm threads and the isolation the worker reported, and a valid file without them', async () => {
    const deps = { loadBase: async () => base, backend: 'wasm' as const, userAgent: 'vitest' };
    const threaded = await runExperiment(
      tinyMicroConfig(),
      { ...deps, threads: 2, crossOriginIsolated: true },
      () => {},
    );
    expect(threaded.environment).toMatchObject({ threads: 2, crossOriginIsolated: true });
    expect(await resultsFileProblems(threaded)).toEqual([]);
    const plain = await runExperiment(tinyMicroConfig(), deps, () => {});
    expect(Object.keys(plain.environment)).not.toContain('threads');
    expect(Object.keys(plain.environment)).not.toContain('crossOriginIsolated');
  });
});
