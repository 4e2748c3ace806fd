import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ValidationContext } from '../../../src/core/config';

const CONTEXT_MODULE = '../../../src/core/config/context';

describe('presets are checked when the module loads', () => {
  afterEach(() => {
    vi.doUnmock(CONTEXT_MODULE);
    vi.resetModules();
  });

  it('importing presets fails if a preset names a method the registry lacks', async () => {
    vi.resetModules();
    const withoutAntidote: ValidationContext = {
      methods: { alignment: { sft: {} }, finetune: { sft: {} }, post: { none: {} } },
      tasks: ['sst2', 'agnews', 'gsm8k'],
      models: ['safetune-base'],
      judges: ['keyword-moderation'],
      datasets: {},
    };
    vi.doMock(CONTEXT_MODULE, () => ({ DEFAULT_VALIDATION_CONTEXT: withoutAntidote }));
    await expect(import('../../../src/core/config/presets')).rejects.toThrow(
      /^preset 'antidote-sst2' is not a valid config:\npost\.method: unknown post-fine-tuning method 'antidote'/,
    );
  });

  it('importing presets succeeds with the default context', async () => {
    vi.resetModules();
    await expect(import('../../../src/core/config/presets')).resolves.toHaveProperty('PRESETS');
  });
});
