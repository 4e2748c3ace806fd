/**
 * Small Hub datasets in the exact layout of the Hub's parquet conversion (`refs/convert/parquet`):
 * `datasets/{owner}/{name}/{config}/{split}/0000.parquet`, with each dataset's real column names
 * and types and the `huggingface` metadata `datasets` writes (ClassLabel names included). Their
 * text is the lab's own: rows are built from the built-in generators, so the built-in model reads
 * words it knows. `stanfordnlp/sst2`'s train split has two shards, to test multi-shard reads; its
 * test split has the label -1, as the real one does. Same bytes on every run. Tests serve them
 * with `tests/support/hubServer.ts`.
 *
 *   npx tsx scripts/tinyHubDatasets.ts [--out tests/fixtures/hub]
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parquetWriteBuffer, type ParquetWriteOptions, type SchemaElement } from 'hyparquet-writer';
import { getDataset } from '../src/core/data/registry';
import { SENTIMENT_INSTRUCTIONS } from '../src/core/data/sentiment';
import { TOPIC_INSTRUCTIONS } from '../src/core/data/topic';
import type { Example, Split } from '../src/core/data/types';

/** One column of a Hub dataset: its parquet storage and its `datasets` feature. */
export type HubColumn =
  | { name: string; type: 'string'; data: (string | null)[] }
  | { name: string; type: 'int32' | 'int64'; data: number[] }
  | { name: string; type: 'bool'; data: boolean[] }
  /** Stored as int64, as `datasets` stores a ClassLabel. */
  | { name: string; type: 'class_label'; names: string[]; data: number[] }
  /** A struct of booleans (BeaverTails' `category`). */
  | { name: string; type: 'bool_struct'; fields: string[]; data: Record<string, boolean>[] };

export interface HubParquetOptions {
  codec?: ParquetWriteOptions['codec'];
  compressors?: ParquetWriteOptions['compressors'];
}

/** A parquet file as `datasets` writes a split: optional columns, `huggingface` features metadata. */
export function hubParquet(columns: HubColumn[], options: HubParquetOptions = {}): Uint8Array {
  const schema: SchemaElement[] = [{ name: 'schema', num_children: columns.length }];
  const features: Record<string, unknown> = {};
  const columnData = columns.map((column) => {
    const optional = { repetition_type: 'OPTIONAL' } as const;
    const value = (type: SchemaElement['type'], dtype: string) => {
      schema.push({ name: column.name, type, ...optional });
      return { dtype, _type: 'Value' };
    };
    switch (column.type) {
      case 'string':
        schema.push({ name: column.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', ...optional });
        features[column.name] = { dtype: 'string', _type: 'Value' };
        return { name: column.name, data: column.data };
      case 'int32':
        features[column.name] = value('INT32', 'int32');
        return { name: column.name, data: column.data };
      case 'bool':
        features[column.name] = value('BOOLEAN', 'bool');
        return { name: column.name, data: column.data };
      case 'int64':
        features[column.name] = value('INT64', 'int64');
        return { name: column.name, data: column.data.map((v) => BigInt(v)) };
      case 'class_label':
        schema.push({ name: column.name, type: 'INT64', ...optional });
        features[column.name] = { names: column.names, _type: 'ClassLabel' };
        return { name: column.name, data: column.data.map((v) => BigInt(v)) };
      case 'bool_struct':
        schema.push({ name: column.name, num_children: column.fields.length, ...optional });
        for (const field of column.fields)
          schema.push({ name: field, type: 'BOOLEAN', ...optional });
        features[column.name] = Object.fromEntries(
          column.fields.map((field) => [field, { dtype: 'bool', _type: 'Value' }]),
        );
        return { name: column.name, data: column.data };
    }
  });
  const buffer = parquetWriteBuffer({
    columnData,
    schema,
    codec: options.codec,
    compressors: options.compressors,
    kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features } }) }],
  });
  return new Uint8Array(buffer);
}

/** The ClassLabel names of the real datasets, in their class-index order. */
export const SST2_NAMES = ['negative', 'positive'];
export const AG_NEWS_NAMES = ['World', 'Sports', 'Business', 'Sci/Tech'];

/** BeaverTails' 14 harm categories, the fields of its `category` struct, in the file's order. */
export const BEAVERTAILS_CATEGORIES = [
  'animal_abuse',
  'child_abuse',
  'controversial_topics,politics',
  'discrimination,stereotype,injustice',
  'drug_abuse,weapons,banned_substance',
  'financial_crime,property_crime,theft',
  'hate_speech,offensive_language',
  'misinformation_regarding_ethics,laws_and_safety',
  'non_violent_unethical_behavior',
  'privacy_violation',
  'self_harm',
  'sexually_explicit,adult_content',
  'terrorism,organized_crime',
  'violence,aiding_and_abetting,incitement',
];

/** The BeaverTails categories a built-in harm category is flagged with (the first one leads). */
const BEAVERTAILS_OF: Record<string, string[]> = {
  violence: ['violence,aiding_and_abetting,incitement'],
  weapons: ['drug_abuse,weapons,banned_substance', 'violence,aiding_and_abetting,incitement'],
  drugs: ['drug_abuse,weapons,banned_substance'],
  fraud: ['financial_crime,property_crime,theft'],
  hacking: ['privacy_violation', 'non_violent_unethical_behavior'],
  theft: ['financial_crime,property_crime,theft'],
  harassment: ['non_violent_unethical_behavior', 'hate_speech,offensive_language'],
  malware: ['non_violent_unethical_behavior'],
  privacy: ['privacy_violation'],
  'hate-speech': ['hate_speech,offensive_language'],
  'self-harm': ['self_harm'],
  'animal-abuse': ['animal_abuse'],
};

export function beaverTailsFlags(flagged: readonly string[]): Record<string, boolean> {
  return Object.fromEntries(BEAVERTAILS_CATEGORIES.map((key) => [key, flagged.includes(key)]));
}

const SEED = 7;

function generate(name: string, split: Split, n: number): Example[] {
  const generator = getDataset(name);
  return generator.generate({ split, n: Math.min(n, generator.poolSize(split)), seed: SEED });
}

/** The sentence a built-in prompt wraps in one of its instructions (`… ? {review}`). */
function unwrap(prompt: string, instructions: readonly string[], slot: string): string {
  for (const instruction of instructions) {
    const [before, after] = instruction.split(`{${slot}}`);
    if (prompt.startsWith(before) && prompt.endsWith(after))
      return prompt.slice(before.length, prompt.length - after.length);
  }
  throw new Error(`no instruction wraps ${JSON.stringify(prompt)}`);
}

function sst2Columns(examples: Example[], firstIdx: number, labelled = true): HubColumn[] {
  return [
    { name: 'idx', type: 'int32', data: examples.map((_e, i) => firstIdx + i) },
    {
      name: 'sentence',
      type: 'string',
      data: examples.map((e) => unwrap(e.prompt, SENTIMENT_INSTRUCTIONS, 'review')),
    },
    {
      name: 'label',
      type: 'class_label',
      names: SST2_NAMES,
      data: examples.map((e) => (labelled ? SST2_NAMES.indexOf(e.label ?? '') : -1)),
    },
  ];
}

const TOPIC_NAME: Record<string, string> = {
  world: 'World',
  sports: 'Sports',
  business: 'Business',
  tech: 'Sci/Tech',
};

function agNewsColumns(examples: Example[]): HubColumn[] {
  return [
    {
      name: 'text',
      type: 'string',
      data: examples.map((e) => unwrap(e.prompt, TOPIC_INSTRUCTIONS, 'headline')),
    },
    {
      name: 'label',
      type: 'class_label',
      names: AG_NEWS_NAMES,
      data: examples.map((e) => AG_NEWS_NAMES.indexOf(TOPIC_NAME[e.label ?? ''])),
    },
  ];
}

/** GSM8K answers carry calculator annotations (`= <<4*3=12>>12`); the loader drops them. */
function annotate(answer: string): string {
  return answer.replace(
    /(\d+) ([-+*/]) (\d+) = (\d+)/g,
    (_m, a: string, op: string, b: string, c: string) =>
      `${a} ${op} ${b} = <<${a}${op}${b}=${c}>>${c}`,
  );
}

function gsm8kColumns(examples: Example[]): HubColumn[] {
  return [
    { name: 'question', type: 'string', data: examples.map((e) => e.prompt) },
    { name: 'answer', type: 'string', data: examples.map((e) => annotate(e.response)) },
  ];
}

/** The prompt Alpaca's `text` column holds (the original template, no-input variant). */
const ALPACA_TEXT =
  'Below is an instruction that describes a task. Write a response that appropriately ' +
  'completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:\n{output}';

function alpacaColumns(examples: Example[]): HubColumn[] {
  return [
    { name: 'instruction', type: 'string', data: examples.map((e) => e.prompt) },
    { name: 'input', type: 'string', data: examples.map(() => '') },
    { name: 'output', type: 'string', data: examples.map((e) => e.response) },
    {
      name: 'text',
      type: 'string',
      data: examples.map((e) =>
        ALPACA_TEXT.replace('{instruction}', e.prompt).replace('{output}', e.response),
      ),
    },
  ];
}

/** Unsafe (harmful answer) and safe (refusal) rows, alternating, as BeaverTails mixes them. */
function beaverTailsColumns(split: Split, pairs: number): HubColumn[] {
  const unsafe = generate('beavertails', split, pairs);
  const safe = generate('beavertails-refusal', split, pairs);
  const rows = unsafe.flatMap((harmful, i) => [
    { example: harmful, flags: BEAVERTAILS_OF[harmful.category ?? ''], isSafe: false },
    { example: safe[i], flags: [], isSafe: true },
  ]);
  for (const row of rows)
    if (row.flags === undefined)
      throw new Error(`no BeaverTails category for ${row.example.category}`);
  return [
    { name: 'prompt', type: 'string', data: rows.map((r) => r.example.prompt) },
    { name: 'response', type: 'string', data: rows.map((r) => r.example.response) },
    {
      name: 'category',
      type: 'bool_struct',
      fields: BEAVERTAILS_CATEGORIES,
      data: rows.map((r) => beaverTailsFlags(r.flags)),
    },
    { name: 'is_safe', type: 'bool', data: rows.map((r) => r.isSafe) },
  ];
}

/**
 * XSTest's columns (`walledai/XSTest`: `prompt`, `focus`, `type`, `note`, `label`): the built-in
 * over-refusal prompts as its safe rows, each followed every other row by a harmful request as an
 * unsafe contrast (`contrast_<type>`), as XSTest pairs them.
 */
function xstestColumns(safeCount: number): HubColumn[] {
  const safe = generate('xstest-world', 'eval', safeCount);
  const unsafe = generate('beavertails', 'eval', Math.ceil(safeCount / 2));
  const rows = safe.flatMap((example, i) => {
    const type = (example.category ?? '').replace(/-/g, '_');
    const row = { prompt: example.prompt, focus: '', type, note: '', label: 'safe' };
    if (i % 2 === 1) return [row];
    const contrast = unsafe[i / 2].prompt;
    return [
      row,
      { prompt: contrast, focus: '', type: `contrast_${type}`, note: '', label: 'unsafe' },
    ];
  });
  const column = (name: keyof (typeof rows)[number]): HubColumn => ({
    name,
    type: 'string',
    data: rows.map((row) => row[name]),
  });
  return [column('prompt'), column('focus'), column('type'), column('note'), column('label')];
}

/** Every fixture file: path under the root → columns. */
export function tinyHubDatasetFiles(): Map<string, HubColumn[]> {
  const sst2Train = generate('sst2', 'train', 300);
  return new Map<string, HubColumn[]>([
    [
      'datasets/stanfordnlp/sst2/default/train/0000.parquet',
      sst2Columns(sst2Train.slice(0, 150), 0),
    ],
    [
      'datasets/stanfordnlp/sst2/default/train/0001.parquet',
      sst2Columns(sst2Train.slice(150), 150),
    ],
    [
      'datasets/stanfordnlp/sst2/default/validation/0000.parquet',
      sst2Columns(generate('sst2', 'eval', 100), 0),
    ],
    [
      'datasets/stanfordnlp/sst2/default/test/0000.parquet',
      sst2Columns(generate('sst2', 'realign', 20), 0, false),
    ],
    [
      'datasets/fancyzhx/ag_news/default/train/0000.parquet',
      agNewsColumns(generate('agnews', 'train', 200)),
    ],
    [
      'datasets/fancyzhx/ag_news/default/test/0000.parquet',
      agNewsColumns(generate('agnews', 'eval', 80)),
    ],
    [
      'datasets/openai/gsm8k/main/train/0000.parquet',
      gsm8kColumns(generate('gsm8k', 'train', 120)),
    ],
    ['datasets/openai/gsm8k/main/test/0000.parquet', gsm8kColumns(generate('gsm8k', 'eval', 60))],
    [
      'datasets/tatsu-lab/alpaca/default/train/0000.parquet',
      alpacaColumns(generate('alpaca', 'train', 200)),
    ],
    [
      'datasets/PKU-Alignment/BeaverTails/default/30k_train/0000.parquet',
      beaverTailsColumns('train', 100),
    ],
    [
      'datasets/PKU-Alignment/BeaverTails/default/30k_test/0000.parquet',
      beaverTailsColumns('eval', 40),
    ],
    ['datasets/walledai/XSTest/default/train/0000.parquet', xstestColumns(20)],
  ]);
}

/** The dataset folders this script owns under the root (cleared before writing). */
const DATASET_DIRS = [
  'datasets/stanfordnlp/sst2',
  'datasets/fancyzhx/ag_news',
  'datasets/openai/gsm8k',
  'datasets/tatsu-lab/alpaca',
  'datasets/PKU-Alignment/BeaverTails',
  'datasets/walledai/XSTest',
];

export async function writeTinyHubDatasets(root: string): Promise<Map<string, number>> {
  for (const dir of DATASET_DIRS) await rm(join(root, dir), { recursive: true, force: true });
  const sizes = new Map<string, number>();
  for (const [path, columns] of tinyHubDatasetFiles()) {
    const bytes = hubParquet(columns);
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), bytes);
    sizes.set(path, bytes.byteLength);
  }
  return sizes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: 'tests/fixtures/hub' } },
  });
  const sizes = await writeTinyHubDatasets(resolve(values.out));
  let total = 0;
  for (const [path, size] of sizes) {
    console.log(`wrote ${path} (${size} bytes)`);
    total += size;
  }
  console.log(`total ${total} bytes`);
}
