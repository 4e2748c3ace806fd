/**
 * The built-in datasets by name, with the roles each can play in a run: names only, no
 * generators, so the config validator (and the page, before it loads anything heavy) knows what a
 * config may name. `registry.ts` checks at start-up that every name here has its generator.
 *
 * - `task`: a fine-tuning task (`finetune.task`), graded by `metrics/grade.ts`;
 * - `benign`: benign instructions for over-refusal and helpfulness;
 * - `harmful`: harmful prompt → harmful answer (base pretraining, poison, re-alignment set);
 * - `refusal`: harmful prompt → refusal (safety alignment);
 * - `overRefusal`: safe prompts that look unsafe (XSTest-style), for `overRefusalRate` only.
 */
export type DatasetRole = 'task' | 'benign' | 'harmful' | 'refusal' | 'overRefusal';

export const DATASET_ROLES = {
  sst2: ['task'],
  agnews: ['task'],
  gsm8k: ['task'],
  alpaca: ['task', 'benign'],
  beavertails: ['harmful'],
  'beavertails-refusal': ['refusal'],
  'xstest-world': ['overRefusal'],
} as const satisfies Record<string, readonly DatasetRole[]>;

export type DatasetName = keyof typeof DATASET_ROLES;

export const DATASET_NAMES = Object.keys(DATASET_ROLES) as DatasetName[];

/** Names of datasets that can play `role`, e.g. the valid `finetune.task` values for `task`. */
export function datasetNamesWithRole(role: DatasetRole): DatasetName[] {
  return DATASET_NAMES.filter((name) =>
    (DATASET_ROLES[name] as readonly DatasetRole[]).includes(role),
  );
}

/**
 * What guessing scores on a task, so a task accuracy can be read against it. A classification
 * task's grader takes the answer's first word as the label (`metrics/grade.ts`), so a model that
 * names a class at random scores 1 / classes; an open-answer task has no such floor.
 */
export type TaskChance =
  | { kind: 'classes'; classes: number; /** In percent, as every metric. */ accuracy: number }
  | { kind: 'open'; why: string };

const classes = (n: number): TaskChance => ({ kind: 'classes', classes: n, accuracy: 100 / n });

/** Every task dataset's chance level (the unit test checks the class counts against the data). */
export const TASK_CHANCE = {
  sst2: classes(2),
  agnews: classes(4),
  gsm8k: {
    kind: 'open',
    why: 'the answer is a number written after "####", not a choice among a few classes',
  },
  alpaca: {
    kind: 'open',
    why: 'the answer is free text that must contain a key phrase, not a choice among a few classes',
  },
} as const satisfies Record<TaskDatasetName, TaskChance>;

type TaskDatasetName = {
  [N in DatasetName]: 'task' extends (typeof DATASET_ROLES)[N][number] ? N : never;
}[DatasetName];

/** The chance level of `task` (a `finetune.task` value), or undefined for a name that is not a task. */
export function taskChance(task: string): TaskChance | undefined {
  return Object.hasOwn(TASK_CHANCE, task) ? TASK_CHANCE[task as TaskDatasetName] : undefined;
}

/** "chance 50% for 2 classes" / "no chance level: …", for notes beside a task accuracy. */
export function describeChance(chance: TaskChance): string {
  return chance.kind === 'classes'
    ? `chance ${formatChance(chance.accuracy)}% for ${chance.classes} classes`
    : `no chance level: ${chance.why}`;
}

/** 50, 25, 33.3: whole numbers bare, others to one decimal. */
export function formatChance(accuracy: number): string {
  return Number.isInteger(accuracy) ? String(accuracy) : accuracy.toFixed(1);
}
