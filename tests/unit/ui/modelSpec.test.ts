import { describe, expect, it } from 'vitest';
import { CURATED_MODELS } from '../../../src/core/hub/curated';
import {
  BUILT_IN_OPTIONS,
  curatedOptions,
  formatParameters,
  loadModelOptions,
} from '../../../src/lib/modelChoices';
import { modelSpecProblem, parseTokenIds } from '../../../src/lib/modelSpec';

const BUILT_IN = ['safetune-base'];

describe('modelSpecProblem (the model fields of the builder and "Try the model")', () => {
  it('accepts built-in names and Hub repo ids', () => {
    expect(modelSpecProblem('safetune-base', BUILT_IN)).toBeNull();
    expect(modelSpecProblem('tiny/llama', BUILT_IN)).toBeNull();
    expect(modelSpecProblem('HuggingFaceTB/SmolLM2-135M-Instruct@main', BUILT_IN)).toBeNull();
  });

  it("names what is wrong, in the Hub parser's words for a repo id", () => {
    expect(modelSpecProblem('', BUILT_IN)).toMatch(/choose a model/);
    expect(modelSpecProblem('gpt2', BUILT_IN)).toBe(
      '"gpt2" is not a built-in model (safetune-base); a Hub model is owner/name[@revision]',
    );
    expect(modelSpecProblem('a/b/c', BUILT_IN)).toMatch(/has 2 slashes/);
    expect(modelSpecProblem('owner/', BUILT_IN)).toMatch(/the name is empty/);
    expect(modelSpecProblem('owner/name@', BUILT_IN)).toMatch(/revision after "@" is empty/);
    expect(modelSpecProblem(' tiny/llama', BUILT_IN)).toMatch(/spaces/);
  });
});

describe('parseTokenIds (the "Token ids" prompt)', () => {
  it('reads ids separated by commas and/or spaces', () => {
    expect(parseTokenIds('5,71, 200  33\n260')).toEqual({ ok: true, ids: [5, 71, 200, 33, 260] });
  });

  it('refuses anything that is not a whole number ≥ 0, naming it', () => {
    expect(parseTokenIds(' , ')).toEqual({ ok: false, problem: 'enter at least one token id' });
    const bad = parseTokenIds('5, -1');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problem).toMatch(/token id 2 \("-1"\)/);
    expect(parseTokenIds('1.5').ok).toBe(false);
    expect(parseTokenIds('99999999999999999999').ok).toBe(false);
  });
});

describe('model options', () => {
  it('lists the built-in models first, then every curated Hub model with its numbers', async () => {
    const options = await loadModelOptions();
    expect(options[0]).toMatchObject({ spec: 'safetune-base', source: 'built-in' });
    expect(options.slice(0, BUILT_IN_OPTIONS.length)).toEqual(BUILT_IN_OPTIONS);
    const hub = options.slice(BUILT_IN_OPTIONS.length);
    expect(hub.map((o) => o.spec)).toEqual(CURATED_MODELS.map((m) => m.repo));
    expect(hub.length).toBeGreaterThan(0);
    for (const option of hub) {
      expect(option.source).toBe('hub');
      // Every listed repo passes the field's own check, so choosing one never shows an error.
      expect(modelSpecProblem(option.spec, ['safetune-base'])).toBeNull();
      expect(option.parameters).toBeGreaterThan(0);
      expect(option.downloadBytes).toBeGreaterThan(0);
      expect(typeof option.chatTemplate).toBe('boolean');
      expect(option.family).toMatch(/^(gpt2|llama|qwen2|qwen3|gpt_neox)$/);
    }
    expect(curatedOptions([])).toEqual([]);
  });

  it('writes parameter counts the way model cards do', () => {
    expect(formatParameters(486_000)).toBe('486k');
    expect(formatParameters(134_515_008)).toBe('135M');
    expect(formatParameters(1_711_376_384)).toBe('1.7B');
    expect(formatParameters(12)).toBe('12');
  });
});
