import { describe, expect, it } from 'vitest';
import { UsageError, parseCommand } from '../../../cli/args';
import { HELP } from '../../../cli/help';

describe('parseCommand', () => {
  it('reads each command and its arguments', () => {
    expect(parseCommand(['validate', 'a.json'])).toEqual({
      name: 'validate',
      configPath: 'a.json',
    });
    expect(parseCommand(['presets'])).toEqual({ name: 'presets' });
    expect(parseCommand(['preset', 'micro'])).toEqual({ name: 'preset', preset: 'micro' });
    expect(parseCommand(['run', 'a.json'])).toEqual({
      name: 'run',
      source: { configPath: 'a.json' },
      out: undefined,
      force: false,
      backend: undefined,
      verbose: false,
      freshProfile: false,
    });
    expect(
      parseCommand([
        'run',
        '--preset',
        'micro',
        '--backend',
        'wasm',
        '--out',
        'r.json',
        '--verbose',
        '--fresh-profile',
        '--force',
      ]),
    ).toEqual({
      name: 'run',
      source: { preset: 'micro' },
      out: 'r.json',
      force: true,
      backend: 'wasm',
      verbose: true,
      freshProfile: true,
    });
    expect(parseCommand(['run', '--backend=cpu', 'a.json'])).toMatchObject({
      source: { configPath: 'a.json' },
      backend: 'cpu',
    });
    expect(parseCommand(['methods'])).toEqual({ name: 'methods' });
    expect(parseCommand(['sweep', 's.json'])).toEqual({
      name: 'sweep',
      source: { sweepPath: 's.json' },
      out: undefined,
      force: false,
      backend: undefined,
      verbose: false,
      freshProfile: false,
      dryRun: false,
    });
    expect(
      parseCommand([
        'sweep',
        '--preset',
        'mask-ratio',
        '--out',
        'd',
        '--dry-run',
        '--backend',
        'wasm',
      ]),
    ).toMatchObject({ source: { preset: 'mask-ratio' }, out: 'd', dryRun: true, backend: 'wasm' });
    expect(() => parseCommand(['sweep', 's.json', '--preset', 'x'])).toThrow(
      /^sweep: takes a sweep file or --preset, not both/,
    );
    expect(() => parseCommand(['sweep'])).toThrow(
      /^sweep: missing sweep file \(or --preset <name>\)$/,
    );
    expect(() => parseCommand(['methods', 'x'])).toThrow(/^methods: takes no arguments/);
  });

  it('reads generate: a model, a text or ids, and its switches', () => {
    expect(
      parseCommand([
        'generate',
        '--model',
        'HuggingFaceTB/SmolLM2-135M-Instruct@main',
        '--prompt',
        'hello',
      ]),
    ).toEqual({
      name: 'generate',
      model: 'HuggingFaceTB/SmolLM2-135M-Instruct@main',
      prompt: { text: 'hello' },
      maxNewTokens: 32,
      backend: undefined,
      logits: false,
      showPrompt: false,
      json: false,
      verbose: false,
      freshProfile: false,
    });
    expect(
      parseCommand([
        'generate',
        '--model',
        'safetune-base',
        '--prompt-ids',
        '1, 2,3',
        '--max-new-tokens',
        '5',
        '--backend',
        'wasm',
        '--logits',
        '--show-prompt',
        '--json',
      ]),
    ).toMatchObject({
      prompt: { ids: [1, 2, 3] },
      maxNewTokens: 5,
      backend: 'wasm',
      logits: true,
      showPrompt: true,
      json: true,
    });
  });

  it('gives help for the tool and for each command', () => {
    expect(parseCommand(['--help'])).toEqual({ name: 'help' });
    expect(parseCommand(['help', 'run'])).toEqual({ name: 'help', topic: 'run' });
    expect(parseCommand(['validate', '--help'])).toEqual({ name: 'help', topic: 'validate' });
    expect(parseCommand(['run', '-h'])).toEqual({ name: 'help', topic: 'run' });
    for (const flag of ['--preset', '--backend', '--threads', '--out', '--verbose'])
      expect(HELP.run).toContain(flag);
    expect(HELP.sweep).toContain('--threads');
    expect(HELP.attack).toContain('--threads');
  });

  it('reads --threads for run, sweep and attack: wasm XNNPACK threads, 1 to 8', () => {
    expect(parseCommand(['run', 'a.json', '--threads', '2'])).toMatchObject({ threads: 2 });
    expect(parseCommand(['sweep', '--preset', 'mask-ratio', '--threads', '8'])).toMatchObject({
      threads: 8,
    });
    expect(parseCommand(['attack', 's.json', '--threads', '1'])).toMatchObject({ threads: 1 });
    expect(parseCommand(['run', 'a.json'])).not.toHaveProperty('threads', expect.anything());
    expect(() =>
      parseCommand(['generate', '--model', 'm', '--prompt', 'x', '--threads', '2']),
    ).toThrow(/^generate: Unknown option '--threads'/);
  });

  it.each([
    [[], /^no command given/],
    [
      ['train'],
      /^unknown command "train" \(commands: run, sweep, attack, merge, generate, validate, presets, preset, methods, models\)$/,
    ],
    [['help', 'train'], /^unknown command "train"/],
    [['validate'], /^validate: missing config file$/],
    [
      ['validate', 'a.json', 'b.json'],
      /^validate: expected one config file, got 2: a.json b.json$/,
    ],
    [['validate', '--backend', 'wasm', 'a.json'], /^validate: Unknown option '--backend'$/],
    [['presets', 'micro'], /^presets: takes no arguments/],
    [['preset'], /^preset: missing preset name$/],
    [['run'], /^run: missing config file \(or --preset <name>\)$/],
    [['run', 'a.json', '--preset', 'micro'], /^run: takes a config file or --preset, not both/],
    [
      ['run', 'a.json', '--backend', 'gpu'],
      /^run: --backend must be one of auto, webgpu, webgl, wasm, cpu \(got "gpu"\)$/,
    ],
    [['run', 'a.json', '--backend'], /^run: Option '--backend <value>' argument missing$/],
    [['run', 'a.json', '--out='], /^run: --out must be a file path$/],
    [['run', 'a.json', '--threads', '0'], /^run: --threads must be a positive integer \(got 0\)$/],
    [['sweep', 's.json', '--threads', '1.5'], /^sweep: --threads must be a positive integer/],
    [
      ['attack', 's.json', '--threads', '9'],
      /^attack: --threads must be at most 8, the wasm backend's pthread pool \(got 9\)$/,
    ],
    [
      ['generate', '--prompt', 'hi'],
      /^generate: --model <repo\[@revision\]\|built-in name> is required$/,
    ],
    [
      ['generate', '--model', 'a/b'],
      /^generate: give exactly one of --prompt TEXT or --prompt-ids 1,2,3$/,
    ],
    [
      ['generate', '--model', 'a/b', '--prompt', 'x', '--prompt-ids', '1'],
      /^generate: give exactly one of --prompt TEXT or --prompt-ids/,
    ],
    [
      ['generate', '--model', 'a/b', '--prompt-ids', '1,-2'],
      /^generate: --prompt-ids must be comma-separated non-negative integers \(got "-2"\)$/,
    ],
    [
      ['generate', '--model', 'a/b', '--prompt', 'x', '--max-new-tokens', '0'],
      /^generate: --max-new-tokens must be a positive integer \(got "0"\)$/,
    ],
    [['generate', '--model', 'a/b', '--prompt', 'x', 'extra'], /^generate: takes options only/],
  ])('rejects %j with a one-line reason', (argv, reason) => {
    let thrown: unknown;
    try {
      parseCommand(argv);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    const message = (thrown as UsageError).message;
    expect(message).toMatch(reason);
    expect(message).not.toContain('\n');
  });
});
