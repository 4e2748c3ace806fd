import { afterEach, describe, expect, it, vi } from 'vitest';

const REGISTRY_MODULE = '../../../src/core/methods/registry';

describe('the composition root checks the registries and presets when it loads', () => {
  afterEach(() => {
    vi.doUnmock(REGISTRY_MODULE);
    vi.resetModules();
  });

  it('importing lab.ts fails if a preset names a method the registry lacks', async () => {
    vi.resetModules();
    vi.doMock(REGISTRY_MODULE, () => ({
      methodsByStage: () => ({ alignment: { sft: {} }, finetune: { sft: {} }, post: { none: {} } }),
      postTargetsByMethod: () => ({ none: ['adapter', 'merged'] }),
    }));
    await expect(import('../../../src/core/lab')).rejects.toThrow(
      /^preset 'antidote-sst2' is not a valid config:\npost\.method: unknown post-fine-tuning method 'antidote'/,
    );
  });

  it('importing lab.ts fails if a method parameter default is outside its own range', async () => {
    vi.resetModules();
    const real =
      await vi.importActual<typeof import('../../../src/core/methods/registry')>(REGISTRY_MODULE);
    const methods = real.methodsByStage();
    vi.doMock(REGISTRY_MODULE, () => ({
      ...real,
      methodsByStage: () => ({
        ...methods,
        post: {
          ...methods.post,
          broken: { k: { type: 'integer', min: 1, max: 3, default: 9, description: 'k' } },
        },
      }),
    }));
    await expect(import('../../../src/core/lab')).rejects.toThrow(
      /^the lab's registries are inconsistent:\npost method 'broken', parameter 'k': default/,
    );
  });

  it('importing lab.ts succeeds with the real registries', async () => {
    vi.resetModules();
    await expect(import('../../../src/core/lab')).resolves.toHaveProperty(
      'DEFAULT_VALIDATION_CONTEXT',
    );
  });
});
