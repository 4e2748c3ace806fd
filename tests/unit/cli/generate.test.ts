/**
 * `lab generate`'s output with a fake browser: the contract's JSON keys, and `--show-prompt`'s
 * rendered prompt (on stderr, or as `promptText` in the JSON object).
 */
import { describe, expect, it } from 'vitest';
import type { LabGenerator } from '../../../cli/generate';
import { main } from '../../../cli/lab';
import type { GenerateResult } from '../../../src/core/generation/tryModel';

const PROMPT_TEXT = '<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n';

const RESULT: GenerateResult = {
  model: 'tiny/qwen2@main',
  architecture: 'qwen2',
  parameters: 38_976,
  promptIds: [297, 872, 198, 71, 298, 198, 297, 77, 198],
  promptText: PROMPT_TEXT,
  generatedIds: [12, 298],
  text: 'x',
};

/** The CLI with captured output and a browser that answers `RESULT`. */
async function lab(argv: string[]) {
  const generateLab: LabGenerator = () => Promise.resolve(structuredClone(RESULT));
  let stdout = '';
  let stderr = '';
  const status = await main(['generate', '--model', 'tiny/qwen2', '--prompt', 'hello', ...argv], {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    runLab: () => {
      throw new Error('the browser must not be started');
    },
    generateLab,
    env: { HF_ENDPOINT: 'http://127.0.0.1:9999' },
    now: () => 0,
  });
  return { status, stdout, stderr };
}

const CONTRACT_KEYS = ['architecture', 'generatedIds', 'model', 'parameters', 'promptIds', 'text'];

describe('lab generate --show-prompt', () => {
  it('--json without it prints exactly the contract keys', async () => {
    const { status, stdout, stderr } = await lab(['--json']);
    expect(status).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(Object.keys(JSON.parse(stdout) as object).sort()).toEqual(CONTRACT_KEYS);
    expect(stderr).not.toContain('<|im_start|>');
  });

  it('--json --show-prompt adds promptText to the one JSON object', async () => {
    const { status, stdout, stderr } = await lab(['--json', '--show-prompt']);
    expect(status).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    const output = JSON.parse(stdout) as GenerateResult;
    expect(Object.keys(output).sort()).toEqual([...CONTRACT_KEYS, 'promptText'].sort());
    expect(output.promptText).toBe(PROMPT_TEXT);
    // The prompt goes in the object, not on stderr as well.
    expect(stderr).not.toContain('<|im_start|>');
  });

  it('prints the prompt on stderr between a header and an end line, stdout unchanged', async () => {
    const shown = await lab(['--show-prompt']);
    expect(shown.status).toBe(0);
    expect(shown.stderr).toBe(
      `prompt (9 tokens, as the model sees it):\n${PROMPT_TEXT}\n(end of prompt)\n`,
    );
    const plain = await lab([]);
    expect(plain.stderr).toBe('');
    expect(shown.stdout).toBe(plain.stdout);
    expect(plain.stdout).toMatch(/^text: x$/m);
  });
});
