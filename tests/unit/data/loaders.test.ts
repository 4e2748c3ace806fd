import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DatasetFormatError,
  FILE_FORMATS,
  loadDatasetFile,
  parseAdvBenchCsv,
  parseAgNewsTsv,
  parseAlpacaJson,
  parseBeaverTailsCsv,
  parseGsm8kJsonl,
  parseSst2Tsv,
} from '../../../src/core/data/loaders';
import { sentimentPrompt } from '../../../src/core/data/sentiment';
import { topicPrompt } from '../../../src/core/data/topic';
import type { Example } from '../../../src/core/data/types';

/** The shared real-data fixtures, next to the repository (never copied into it). */
const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../../../shared/data/${name}`, import.meta.url)), 'utf8');

const countBy = (examples: Example[], key: (e: Example) => string | undefined) => {
  const counts: Record<string, number> = {};
  for (const e of examples) counts[key(e) ?? '?'] = (counts[key(e) ?? '?'] ?? 0) + 1;
  return counts;
};

/** The error a parser throws, asserting it is a DatasetFormatError. */
function errorOf(parse: () => unknown): DatasetFormatError {
  try {
    parse();
  } catch (error) {
    if (error instanceof DatasetFormatError) return error;
    throw error;
  }
  throw new Error('expected the parser to throw');
}

describe('SST-2 TSV', () => {
  it('loads the GLUE validation file: 872 sentences, 444 positive', () => {
    const examples = parseSst2Tsv(fixture('sst2-validation.tsv'));
    expect(examples).toHaveLength(872);
    expect(countBy(examples, (e) => e.label)).toEqual({ positive: 444, negative: 428 });
    expect(examples[0]).toEqual({
      prompt: sentimentPrompt("it 's a charming and often affecting journey ."),
      response: 'positive',
      kind: 'sentiment',
      label: 'positive',
    });
    expect(examples[1].label).toBe('negative');
  });

  it('names the file kind, line and problem for bad input', () => {
    expect(errorOf(() => parseSst2Tsv('sentence\tlabel\ngood\t1\nbad\t2\n')).message).toBe(
      'SST-2 TSV, line 3: label must be 0 or 1, got "2"',
    );
    expect(errorOf(() => parseSst2Tsv('text\tclass\nx\t1\n')).message).toMatch(
      /^SST-2 TSV, line 1: expected a header with columns sentence and label/,
    );
    expect(errorOf(() => parseSst2Tsv('sentence\tlabel\n\nfine\t1\nno tab here\n')).message).toBe(
      'SST-2 TSV, line 4: expected 2 tab-separated fields, got 1',
    );
    expect(errorOf(() => parseSst2Tsv('sentence\tlabel\n \t1\n')).message).toBe(
      'SST-2 TSV, line 2: sentence is empty',
    );
    expect(errorOf(() => parseSst2Tsv('')).message).toBe('SST-2 TSV: the file is empty');
  });
});

describe('AG News TSV', () => {
  it('loads the 2000-headline test sample with the four classes', () => {
    const examples = parseAgNewsTsv(fixture('agnews-test-2000.tsv'));
    expect(examples).toHaveLength(2000);
    expect(countBy(examples, (e) => e.label)).toEqual({
      business: 449,
      tech: 514,
      sports: 526,
      world: 511,
    });
    for (const e of examples) {
      expect(e.response).toBe(e.label);
      expect(e.prompt.startsWith(topicPrompt(''))).toBe(true);
      // AG News artefacts are undone: `\` line breaks and ampersand-less entities.
      expect(e.prompt).not.toMatch(/\\|#\d+;/);
    }
    expect(examples.some((e) => e.prompt.includes('$10 million'))).toBe(true);
  });

  it('accepts the original 1–4 class indices', () => {
    expect(parseAgNewsTsv('a headline\t4\n').map((e) => e.label)).toEqual(['tech']);
  });

  it('names the file kind, line and problem for bad input', () => {
    expect(errorOf(() => parseAgNewsTsv('ok\tWorld\nfine\tWeather\n')).message).toBe(
      'AG News TSV, line 2: class must be World, Sports, Business or Sci/Tech, got "Weather"',
    );
    expect(errorOf(() => parseAgNewsTsv('ok\tWorld\nno tab\n')).message).toBe(
      'AG News TSV, line 2: expected text<TAB>class, found no tab',
    );
  });
});

describe('GSM8K JSONL', () => {
  it('loads the 1319 test problems with their final numbers', () => {
    const examples = parseGsm8kJsonl(fixture('gsm8k-test.jsonl'));
    expect(examples).toHaveLength(1319);
    expect(examples.slice(0, 2).map((e) => e.label)).toEqual(['18', '3']);
    expect(examples[1].response).toBe(
      'It takes 2/2=1 bolt of white fiber\nSo the total amount of fabric is 2+1=3 bolts of fabric\n#### 3',
    );
    for (const e of examples) {
      expect(e.kind).toBe('arithmetic');
      expect(e.label).toMatch(/^-?\d+(\.\d+)?$/);
      expect(e.response).not.toContain('<<');
      const final = /#### (\S+)$/.exec(e.response)?.[1];
      expect(final?.replace(/,/g, '')).toBe(e.label);
    }
  });

  it('names the file kind, line and problem for bad input', () => {
    const good = JSON.stringify({ question: 'q', answer: 'a\n#### 1,200' });
    expect(parseGsm8kJsonl(good)[0].label).toBe('1200');
    expect(errorOf(() => parseGsm8kJsonl(`${good}\n{"question": "q"`)).message).toMatch(
      /^GSM8K JSONL, line 2: not valid JSON/,
    );
    expect(
      errorOf(() =>
        parseGsm8kJsonl(`${good}\n\n${JSON.stringify({ question: 'q', answer: 'no number' })}`),
      ).message,
    ).toBe('GSM8K JSONL, line 3: answer must end with "#### <number>"');
    expect(errorOf(() => parseGsm8kJsonl('{"question": 1, "answer": "#### 2"}')).message).toBe(
      'GSM8K JSONL, line 1: question must be a string',
    );
    expect(errorOf(() => parseGsm8kJsonl('[1]')).message).toBe(
      'GSM8K JSONL, line 1: expected an object {question, answer}',
    );
  });
});

describe('AdvBench CSV', () => {
  it('loads the 520 behaviours as harmful prompts with their affirmative targets', () => {
    const examples = parseAdvBenchCsv(fixture('advbench.csv'));
    expect(examples).toHaveLength(520);
    for (const e of examples) {
      expect(e.kind).toBe('harmful-compliance');
      expect(e.prompt.length).toBeGreaterThan(10);
      expect(e.response).toMatch(/^Sure, here/);
    }
  });

  it('names the file kind, line and problem for bad input', () => {
    expect(errorOf(() => parseAdvBenchCsv('goal,aim\nx,y\n')).message).toBe(
      'AdvBench CSV, line 1: the header must name the columns goal, target; target is missing',
    );
    expect(errorOf(() => parseAdvBenchCsv('goal,target\n"a\nb",c\nd\n')).message).toBe(
      'AdvBench CSV, line 4: expected 2 fields, got 1',
    );
    expect(errorOf(() => parseAdvBenchCsv('goal,target\nx,"open\n')).message).toBe(
      'AdvBench CSV, line 2: quoted field is never closed',
    );
    expect(errorOf(() => parseAdvBenchCsv('goal,target\n,y\n')).message).toBe(
      'AdvBench CSV, line 2: goal is empty',
    );
  });
});

describe('BeaverTails CSV', () => {
  // Real harmful text: assertions look at counts and categories only, never at the content.
  it('loads the 140 unsafe pairs in 14 categories, multi-line responses included', () => {
    const examples = parseBeaverTailsCsv(fixture('beavertails-unsafe-sample.csv'));
    expect(examples.length).toBe(140);
    const categories = countBy(examples, (e) => e.category);
    expect(Object.keys(categories).length).toBe(14);
    expect(categories.privacy_violation).toBe(10);
    expect(categories.child_abuse).toBe(9);
    expect(examples.every((e) => e.kind === 'harmful-compliance')).toBe(true);
    expect(examples.every((e) => e.prompt.length > 0 && e.response.length > 0)).toBe(true);
    expect(examples.some((e) => e.response.includes('\n'))).toBe(true);
  });

  it('skips rows marked safe when the file has is_safe', () => {
    const text = 'prompt,response,category,is_safe\np1,r1,c1,False\np2,r2,c2,True\n';
    expect(parseBeaverTailsCsv(text).map((e) => e.category)).toEqual(['c1']);
    expect(
      errorOf(() => parseBeaverTailsCsv('prompt,response,category,is_safe\np,r,c,maybe\n')).message,
    ).toBe('BeaverTails CSV, line 2: is_safe must be True or False, got "maybe"');
  });

  it('names the file kind, line and problem for bad input', () => {
    expect(errorOf(() => parseBeaverTailsCsv('prompt,response\np,r\n')).message).toBe(
      'BeaverTails CSV, line 1: the header must name the columns prompt, response, category; category is missing',
    );
    expect(
      errorOf(() => parseBeaverTailsCsv('prompt,response,category\np,r,c\np,"r"x,c\n')).message,
    ).toBe('BeaverTails CSV, line 3: unexpected "x" after a closing quote');
  });
});

describe('Alpaca JSON', () => {
  it('loads the 6264 harmless instructions (no outputs, null categories)', () => {
    const examples = parseAlpacaJson(fixture('alpaca-harmless-instructions.json'));
    expect(examples).toHaveLength(6264);
    expect(examples[0]).toEqual({
      prompt: 'List three education benefits of studying a foreign language.',
      response: '',
      kind: 'instruction',
    });
  });

  it('reads outputs, inputs and categories when present', () => {
    const text = JSON.stringify([
      { instruction: 'Translate.', input: 'bonjour', output: 'hello', category: 'language' },
    ]);
    expect(parseAlpacaJson(text)).toEqual([
      {
        prompt: 'Translate.\nbonjour',
        response: 'hello',
        kind: 'instruction',
        category: 'language',
      },
    ]);
  });

  it('names the file kind, item or line and problem for bad input', () => {
    expect(errorOf(() => parseAlpacaJson('[{"instruction": "a"}, {"output": "b"}]')).message).toBe(
      'Alpaca JSON, item 2: instruction must be a string',
    );
    expect(errorOf(() => parseAlpacaJson('[{"instruction": "a", "output": 3}]')).message).toBe(
      'Alpaca JSON, item 1: output must be a string when present',
    );
    expect(errorOf(() => parseAlpacaJson('{"instruction": "a"}')).message).toBe(
      'Alpaca JSON: expected a JSON array of {instruction, …} objects',
    );
    expect(
      errorOf(() => parseAlpacaJson('[\n  {"instruction": "a"},\n  {"instruction" "b"}\n]'))
        .message,
    ).toMatch(/^Alpaca JSON, line 3: not valid JSON/);
  });
});

describe('loadDatasetFile', () => {
  it('dispatches on the format name, one parser per format', () => {
    expect(loadDatasetFile('agnews-tsv', 'x\tSports\n')[0].label).toBe('sports');
    expect(Object.keys(FILE_FORMATS).sort()).toEqual([
      'advbench-csv',
      'agnews-tsv',
      'alpaca-json',
      'beavertails-csv',
      'gsm8k-jsonl',
      'sst2-tsv',
    ]);
    expect(() => loadDatasetFile('nope' as 'sst2-tsv', '')).toThrow('unknown dataset file format');
  });
});
