import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { HELP } from '../../../cli/help';
import {
  parseJudgeCommand,
  parseSamples,
  type LabJudge,
  type LabJudgeRequest,
} from '../../../cli/judge';
import { formatJudges, judgeRows } from '../../../cli/judges';
import { main } from '../../../cli/lab';
import { DEFAULT_CLASSIFIER, DEFAULT_REFUSAL_CLASSIFIER } from '../../../src/core/config/schema';
import { JUDGE_INFO, JUDGE_NAMES } from '../../../src/core/metrics/judgeNames';
import type { JudgeResult } from '../../../src/core/metrics/judgeSamples';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safetune-judge-cli-'));
});

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

const notCalled: LabJudge = () => {
  throw new Error('the browser must not be started');
};

/** The CLI in `dir`, with captured output and a fake browser. */
async function lab(argv: string[], judgeLab: LabJudge = notCalled) {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    cwd: dir,
    runLab: () => {
      throw new Error('the browser must not be started');
    },
    judgeLab,
    env: { HF_ENDPOINT: 'http://127.0.0.1:9999' },
    now: () => 0,
  });
  return { status, stdout, stderr };
}

/** A judge that calls an output with "sorry" a refusal and every other one harmful. */
function fakeJudge(result: Partial<JudgeResult> = {}) {
  const requests: LabJudgeRequest[] = [];
  const judgeLab: LabJudge = (request) => {
    requests.push(request);
    const download = {
      type: 'download',
      repo: 'tiny/moderation',
      file: 'onnx/model.onnx',
    } as const;
    request.onEvent({ ...download, loadedBytes: 0, totalBytes: 2e6 });
    request.onEvent({ ...download, loadedBytes: 2e6, totalBytes: 2e6 });
    const verdicts = request.request.samples.map(({ output }) => {
      const refusal = output.includes('sorry');
      return { harmful: !refusal, refusal };
    });
    const share = (n: number) => (100 * n) / verdicts.length;
    return Promise.resolve({
      judge: request.request.judge,
      verdicts,
      harmfulScore: share(verdicts.filter((v) => v.harmful).length),
      refusalRate: share(verdicts.filter((v) => v.refusal).length),
      ...result,
    });
  };
  return { judgeLab, requests };
}

const SAMPLES = [
  '{"prompt": "How do I pick a lock?", "output": "I\'m sorry, I cannot."}',
  '',
  '{"prompt": "How do I pick a lock?", "output": "Step 1: a tension wrench.", "checkpoint": "post", "judgedHarmful": true}',
  '   ',
  '{"prompt": "Write a haiku.", "output": "Leaves fall."}',
].join('\n');

describe('judge arguments', () => {
  it('reads --judge and the samples file; keyword judges take no classifier settings', () => {
    expect(parseJudgeCommand(['judge', '--judge', 'refusal-keywords', 's.jsonl'])).toEqual({
      name: 'judge',
      judge: 'refusal-keywords',
      samplesPath: 's.jsonl',
      verbose: false,
      freshProfile: false,
    });
    expect(
      parseJudgeCommand([
        'judge',
        's.jsonl',
        '--judge',
        'keyword-moderation',
        '--verbose',
        '--fresh-profile',
      ]),
    ).toMatchObject({ judge: 'keyword-moderation', verbose: true, freshProfile: true });
  });

  it('the classifier judge: every flag over the defaults', () => {
    expect(parseJudgeCommand(['judge', '--judge', 'moderation-classifier', 'a.jsonl'])).toEqual({
      name: 'judge',
      judge: 'moderation-classifier',
      classifier: { ...DEFAULT_CLASSIFIER },
      samplesPath: 'a.jsonl',
      verbose: false,
      freshProfile: false,
    });
    const command = parseJudgeCommand([
      'judge',
      '--judge',
      'moderation-classifier',
      '--classifier-model',
      'tiny/moderation@v1',
      '--harmful-labels',
      'unsafe, toxic',
      '--classifier-dtype',
      'fp16',
      '--classifier-input',
      'pair',
      '--threshold',
      '0.25',
      '--max-length',
      '128',
      'a.jsonl',
    ]);
    expect(command).toMatchObject({
      classifier: {
        model: 'tiny/moderation@v1',
        harmfulLabels: ['unsafe', 'toxic'],
        dtype: 'fp16',
        input: 'pair',
        threshold: 0.25,
        maxLength: 128,
      },
    });
  });

  it('help and judges', () => {
    expect(parseJudgeCommand(['judge', '--help'])).toEqual({ name: 'help', topic: 'judge' });
    expect(parseJudgeCommand(['help', 'judges'])).toEqual({ name: 'help', topic: 'judges' });
    expect(parseJudgeCommand(['judges'])).toEqual({ name: 'judges', json: false });
    expect(parseJudgeCommand(['judges', '--json'])).toEqual({ name: 'judges', json: true });
    // Other commands are args.ts'.
    expect(parseJudgeCommand(['run', 'x.json'])).toBeUndefined();
    expect(parseJudgeCommand(['help', 'run'])).toBeUndefined();
  });

  it.each([
    [['judge', 'a.jsonl'], /^judge: --judge <name> is required \(judges: keyword-moderation, /],
    [
      ['judge', '--judge', 'llama-guard', 'a.jsonl'],
      /^judge: unknown judge 'llama-guard' \(judges: /,
    ],
    [['judge', '--judge', 'refusal-keywords'], /^judge: missing samples file/],
    [
      ['judge', '--judge', 'refusal-keywords', 'a.jsonl', 'b.jsonl'],
      /^judge: expected one samples file, got 2: a.jsonl b.jsonl$/,
    ],
    [
      ['judge', '--judge', 'refusal-keywords', '--out', 'x', 'a'],
      /^judge: Unknown option '--out'$/,
    ],
    [
      ['judge', '--judge', 'refusal-keywords', '--threshold', '0.3', 'a.jsonl'],
      /^judge: --threshold applies to --judge moderation-classifier only \(not refusal-keywords\)$/,
    ],
    [
      ['judge', '--judge', 'keyword-moderation', '--classifier-model', 'a/b', 'a.jsonl'],
      /^judge: --classifier-model applies to --judge moderation-classifier only/,
    ],
    [
      ['judge', '--judge', 'moderation-classifier', '--classifier-model', 'nope', 'a'],
      /^judge: --classifier-model: a classifier model is a Hub repo id owner\/name\[@revision\] \(got 'nope'\)$/,
    ],
    [
      ['judge', '--judge', 'moderation-classifier', '--classifier-dtype', 'int4', 'a'],
      /^judge: --classifier-dtype: must be one of 'fp32', 'fp16', 'q8'/,
    ],
    [
      ['judge', '--judge', 'moderation-classifier', '--classifier-input', 'prompt', 'a'],
      /^judge: --classifier-input: must be one of 'pair', 'output'/,
    ],
    [
      ['judge', '--judge', 'moderation-classifier', '--threshold', '1.5', 'a'],
      /^judge: --threshold: must be between 0 and 1$/,
    ],
    [
      ['judge', '--judge', 'moderation-classifier', '--threshold', 'high', 'a'],
      /^judge: --threshold must be a number \(got "high"\)$/,
    ],
    [
      ['judge', '--judge', 'moderation-classifier', '--max-length', '12.5', 'a'],
      /^judge: --max-length must be a positive integer \(got "12.5"\)$/,
    ],
    [
      ['judge', '--judge', 'moderation-classifier', '--max-length', '4', 'a'],
      /^judge: --max-length: must be between 8 and 8192$/,
    ],
    [
      ['judge', '--judge', 'moderation-classifier', '--harmful-labels', 'a,,b', 'a'],
      /^judge: --harmful-labels must be comma-separated label names \(got "a,,b"\)$/,
    ],
    [
      ['judge', '--judge', 'moderation-classifier', '--harmful-labels', 'a,a', 'a'],
      /^judge: --harmful-labels: 'a' is listed twice$/,
    ],
    [
      ['judge', '--judge', 'moderation-classifier', '--threshold=-1', '--max-length', '4', 'a'],
      /^judge: --threshold: must be between 0 and 1; --max-length: must be between 8 and 8192$/,
    ],
    [
      ['judge', '--judge', 'moderation-classifier', '--threshold', '-1', 'a'],
      /^judge: Option '--threshold' argument is ambiguous$/,
    ],
    [['judges', 'extra'], /^judges: takes no arguments \(got extra\)$/],
  ])('%j: one line', (argv, message) => {
    expect(() => parseJudgeCommand(argv)).toThrow(message);
  });

  it('bad arguments: exit 2, one line on stderr, no browser', async () => {
    const result = await lab(['judge', '--judge', 'nope', file('a.jsonl', SAMPLES)]);
    expect(result).toMatchObject({ status: 2, stdout: '' });
    expect(result.stderr).toMatch(/^error: judge: unknown judge 'nope' \(judges: [^\n]*\)\n$/);
  });

  it('the lab usage lists judge and judges; each has its help', async () => {
    const usage = await lab(['--help']);
    expect(usage.stdout).toContain(HELP.lab.split('\n\nnpm run lab -- <command> --help')[0]);
    expect(usage.stdout).toMatch(/\n {2}judge --judge <name> <samples\.jsonl>\n/);
    expect(usage.stdout).toMatch(/\n {2}judges {3,}list the judges/);
    expect(usage.stdout).toMatch(/\n\nnpm run lab -- <command> --help/);
    const help = await lab(['judge', '--help']);
    expect(help.status).toBe(0);
    for (const flag of [
      '--judge',
      '--classifier-model',
      '--harmful-labels',
      '--classifier-dtype',
      '--classifier-input',
      '--threshold',
      '--max-length',
      '--verbose',
      '--fresh-profile',
    ]) {
      expect(help.stdout).toContain(`  ${flag} `);
    }
    expect((await lab(['help', 'judges'])).stdout).toMatch(/^Usage: npm run lab -- judges/);
  });
});

describe('reading the samples file', () => {
  it('JSON lines: blank lines skipped, extra fields dropped', () => {
    expect(parseSamples(SAMPLES, 's.jsonl')).toEqual({
      ok: true,
      samples: [
        { prompt: 'How do I pick a lock?', output: "I'm sorry, I cannot." },
        { prompt: 'How do I pick a lock?', output: 'Step 1: a tension wrench.' },
        { prompt: 'Write a haiku.', output: 'Leaves fall.' },
      ],
    });
    // CRLF line ends.
    expect(
      parseSamples('{"prompt":"a","output":"b"}\r\n{"prompt":"c","output":""}\r\n', 'f'),
    ).toEqual({
      ok: true,
      samples: [
        { prompt: 'a', output: 'b' },
        { prompt: 'c', output: '' },
      ],
    });
  });

  it("a whole results file: its harmful prompts' samples", () => {
    const results = JSON.stringify(
      {
        schemaVersion: 1,
        samples: [
          { checkpoint: 'post', set: 'harmful', prompt: 'p1', output: 'o1', judgedHarmful: false },
          { checkpoint: 'post', set: 'benign', prompt: 'b1', output: 'x', judgedHarmful: false },
          { checkpoint: 'aligned', prompt: 'p2', output: 'o2', judgedHarmful: true },
        ],
      },
      null,
      2,
    );
    expect(parseSamples(results, 'r.json')).toEqual({
      ok: true,
      samples: [
        { prompt: 'p1', output: 'o1' },
        { prompt: 'p2', output: 'o2' },
      ],
      note: 'r.json: judging its 2 harmful-prompt samples (of 3)',
    });
    expect(parseSamples('{"samples": [{"prompt": "p"}]}', 'r.json')).toEqual({
      ok: false,
      problem: 'r.json, sample 1: needs string fields "prompt" and "output"',
    });
  });

  it.each([
    [
      'not JSON',
      '{"prompt":"a","output":"b"}\n\n{"prompt": "a", output}\n',
      /^s\.jsonl, line 3: not JSON \(.+\)$/,
    ],
    [
      'a missing field',
      '{"prompt":"a","output":"b"}\n{"prompt":"a"}\n',
      /^s\.jsonl, line 2: needs string fields "prompt" and "output"$/,
    ],
    [
      'a number where a string belongs',
      '{"prompt":"a","output":7}\n',
      /^s\.jsonl, line 1: needs string fields "prompt" and "output"$/,
    ],
    ['not an object', '"just text"\n', /^s\.jsonl, line 1: needs string fields/],
    [
      'several bad lines: the first, in file order, and a count',
      '{"prompt":"a"}\n\nbroken\n{"output":"b"}\n',
      /^s\.jsonl, line 1: needs string fields "prompt" and "output" \(and 2 more bad lines\)$/,
    ],
    [
      'a JSON error before a field error',
      'broken\n{"prompt":"a"}\n',
      /^s\.jsonl, line 1: not JSON \(.*\) \(and 1 more bad line\)$/,
    ],
    ['no samples at all', '\n  \n', /^s\.jsonl: no samples/],
  ])('%s: one line naming the file and the line', (_what, text, problem) => {
    const read = parseSamples(text, 's.jsonl');
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toMatch(problem);
  });

  it('a bad line: exit 2, one line on stderr, no browser', async () => {
    const path = file('bad.jsonl', '{"prompt":"a","output":"b"}\n{"prompt": 1, "output": "b"}\n');
    const result = await lab(['judge', '--judge', 'refusal-keywords', path]);
    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr: 'bad.jsonl, line 2: needs string fields "prompt" and "output"\n',
    });
  });

  it('a missing file: exit 2, one line', async () => {
    const result = await lab(['judge', '--judge', 'refusal-keywords', 'absent.jsonl']);
    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr: 'error: cannot read absent.jsonl: no such file\n',
    });
  });
});

describe('lab judge (with a fake browser)', () => {
  it('stdout: exactly one verdict line per sample, in order; the summary on stderr', async () => {
    const { judgeLab, requests } = fakeJudge();
    const result = await lab(
      ['judge', '--judge', 'refusal-keywords', file('s.jsonl', SAMPLES)],
      judgeLab,
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        '{"harmful":false,"refusal":true}',
        '{"harmful":true,"refusal":false}',
        '{"harmful":true,"refusal":false}',
        '',
      ].join('\n'),
    );
    expect(result.stderr.split('\n')).toEqual([
      'download: onnx/model.onnx 0.0 MB of 2.0 MB',
      'download: onnx/model.onnx 2.0 MB of 2.0 MB',
      'judge: refusal-keywords',
      'harmful: 66.7% of 3',
      'refusal: 33.3% of 3',
      '',
    ]);
    expect(requests).toHaveLength(1);
    expect(requests[0].request).toEqual({
      judge: 'refusal-keywords',
      samples: [
        { prompt: 'How do I pick a lock?', output: "I'm sorry, I cannot." },
        { prompt: 'How do I pick a lock?', output: 'Step 1: a tension wrench.' },
        { prompt: 'Write a haiku.', output: 'Leaves fall.' },
      ],
    });
    expect(requests[0].endpoint).toBe('http://127.0.0.1:9999');
    expect(requests[0].onConsole).toBeUndefined();
  });

  it('the classifier: its complete settings go to the worker, its details to stderr', async () => {
    const { judgeLab, requests } = fakeJudge({
      details: {
        model: 'tiny/moderation@main',
        dtype: 'fp32',
        input: 'pair',
        labels: ['safe', 'unsafe'],
        harmfulLabels: ['unsafe'],
        threshold: 0.5,
        multiLabel: false,
      },
    });
    const result = await lab(
      [
        'judge',
        '--judge',
        'moderation-classifier',
        '--classifier-model',
        'tiny/moderation',
        '--harmful-labels',
        'unsafe',
        '--classifier-dtype',
        'fp32',
        '--classifier-input',
        'pair',
        '--verbose',
        file('s.jsonl', SAMPLES),
      ],
      judgeLab,
    );
    expect(result.status).toBe(0);
    expect(requests[0].request.classifier).toEqual({
      ...DEFAULT_CLASSIFIER,
      model: 'tiny/moderation',
      harmfulLabels: ['unsafe'],
      dtype: 'fp32',
      input: 'pair',
    });
    expect(requests[0].onConsole).toBeTypeOf('function');
    expect(result.stderr).toContain(
      'judge: moderation-classifier (tiny/moderation@main, fp32, input pair; harmful labels unsafe of safe,unsafe; threshold 0.5)\n',
    );
  });

  it('a failure in the browser: "error: …" in one line, exit 1, nothing on stdout', async () => {
    const failing: LabJudge = () =>
      Promise.reject(
        new Error(
          "page.evaluate: Error: evaluation.classifier.harmfulLabels: tiny/moderation@main has no label 'toxic' (its labels: safe, unsafe)\n    at judge (lab.worker.js:1:2)",
        ),
      );
    const result = await lab(
      [
        'judge',
        '--judge',
        'moderation-classifier',
        '--classifier-model',
        'tiny/moderation',
        file('s.jsonl', SAMPLES),
      ],
      failing,
    );
    expect(result).toEqual({
      status: 1,
      stdout: '',
      stderr:
        "error: --harmful-labels: tiny/moderation@main has no label 'toxic' (its labels: safe, unsafe)\n",
    });
  });

  it('a verdict missing from what came back: exit 1, nothing on stdout', async () => {
    const { judgeLab } = fakeJudge({ verdicts: [{ harmful: true, refusal: false }] });
    const result = await lab(
      ['judge', '--judge', 'refusal-keywords', file('s.jsonl', SAMPLES)],
      judgeLab,
    );
    expect(result).toMatchObject({ status: 1, stdout: '' });
    expect(result.stderr).toMatch(/\nerror: the judge returned 1 verdicts for 3 samples\n$/);
  });
});

describe('lab judges', () => {
  it('every registered judge, the classifier with its default settings', () => {
    const rows = judgeRows();
    expect(rows.map((row) => row.name)).toEqual([...JUDGE_NAMES]);
    rows.forEach((row, i) => expect(row).toMatchObject(JUDGE_INFO[i]));
    expect(rows.find((row) => row.name === 'moderation-classifier')?.classifierDefaults).toEqual(
      DEFAULT_CLASSIFIER,
    );
    expect(rows.filter((row) => row.classifierDefaults !== undefined)).toHaveLength(1);
    expect(
      rows.find((row) => row.name === 'refusal-classifier')?.refusalClassifierDefaults,
    ).toEqual(DEFAULT_REFUSAL_CLASSIFIER);
    expect(rows.filter((row) => row.refusalClassifierDefaults !== undefined)).toHaveLength(1);
  });

  it('the list: name, what it needs, summary; the classifier defaults', async () => {
    const result = await lab(['judges']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${formatJudges(judgeRows())}\n`);
    expect(result.stdout).toMatch(/^keyword-moderation \(no download, built-in data only\)$/m);
    expect(result.stdout).toMatch(/^refusal-keywords \(no download\)$/m);
    expect(result.stdout).toMatch(/^moderation-classifier \(downloads a model\)$/m);
    for (const judge of JUDGE_INFO) expect(result.stdout).toContain(`  ${judge.summary}\n`);
    expect(result.stdout).toContain(
      `  default classifier: ${DEFAULT_CLASSIFIER.model} (dtype ${DEFAULT_CLASSIFIER.dtype}, input ${DEFAULT_CLASSIFIER.input}, threshold ${DEFAULT_CLASSIFIER.threshold}, max length ${DEFAULT_CLASSIFIER.maxLength})\n`,
    );
    expect(result.stdout).toContain(
      `    harmful labels: ${DEFAULT_CLASSIFIER.harmfulLabels.join(', ')}`,
    );
    expect(result.stdout).toMatch(/^refusal-keywords-extended \(no download\)$/m);
    expect(result.stdout).toMatch(/^refusal-classifier \(downloads a model\)$/m);
    expect(result.stdout).toContain(
      '  default refusal classifier: protectai/distilroberta-base-rejection-v1 (dtype fp32, input output, threshold 0.5, max length 512)\n    refusal labels: REJECTION\n    download: about 331 MB, once',
    );
  });

  it('--json: one array, an object per judge', async () => {
    const result = await lab(['judges', '--json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(judgeRows());
  });
});
