/**
 * What the experiment builder renders: every field of the config, grouped by pipeline stage, with
 * a label. Bounds and help text come from the schema (`RANGES`, `CHOICES`) and names from the
 * validation context, so the builder offers exactly what the validator accepts.
 */
import { CHOICES, RANGES } from '../core/config';
import type {
  ChoicePath,
  ExperimentConfig,
  LeafPath,
  NumericPath,
  ParamSpec,
  RangeSpec,
  Stage,
  ValidationContext,
} from '../core/config';

/** Open-vocabulary string fields whose valid values the validation context lists. */
export type NamePath = Exclude<LeafPath<ExperimentConfig, string>, ChoicePath | TextPath>;

/** Free-text fields. */
export type TextPath =
  'name' | 'evaluation.classifier.model' | 'evaluation.refusalClassifier.model';

export type FieldSpec =
  | { kind: 'number'; path: NumericPath; label: string; range: RangeSpec }
  | { kind: 'choice'; path: ChoicePath | NamePath; label: string; description: string }
  | { kind: 'text'; path: TextPath; label: string; description: string }
  /** A non-empty list of layer roles, one checkbox each (`post.layers`). */
  | { kind: 'roles'; path: 'post.layers'; label: string; description: string };

export interface FieldGroup {
  id: string;
  title: string;
  /** One sentence on what this stage does in the attack / defense story. */
  summary: string;
  fields: FieldSpec[];
  /** Rarely changed knobs, shown folded (unfolded when one of them is invalid). */
  more?: FieldSpec[];
  /** The stage whose method `params` are rendered in this group. */
  paramsStage?: Stage;
}

/** A config section with a registry name and its `params`: a stage's method, or the attack. */
export type ParamsSection = Stage | 'attack';

/** Labels of every numeric field: a `Record` over `NumericPath`, so a new field cannot be missed. */
const NUMBER_LABELS: Record<NumericPath, string> = {
  seed: 'Seed',
  'alignment.samples': 'Examples',
  'alignment.harmfulFraction': 'Harmful fraction',
  'alignment.lr': 'Learning rate',
  'alignment.epochs': 'Epochs',
  'alignment.batchSize': 'Batch size',
  'alignment.warmupFraction': 'Warm-up fraction',
  'alignment.weightDecay': 'Weight decay',
  'alignment.maxGradNorm': 'Max gradient norm',
  'finetune.samples': 'Examples (n)',
  'finetune.poisonRatio': 'Poison ratio (p)',
  'finetune.lr': 'Learning rate',
  'finetune.epochs': 'Epochs',
  'finetune.batchSize': 'Batch size',
  'finetune.warmupFraction': 'Warm-up fraction',
  'finetune.weightDecay': 'Weight decay',
  'finetune.maxGradNorm': 'Max gradient norm',
  'post.maskRatio': 'Mask ratio',
  'post.realignmentSamples': 'Re-alignment examples',
  'evaluation.harmfulPrompts': 'Harmful prompts',
  'evaluation.benignPrompts': 'Benign prompts',
  'evaluation.overRefusalPrompts': 'Over-refusal prompts',
  'evaluation.helpfulnessPrompts': 'Helpfulness prompts',
  'evaluation.taskPrompts': 'Task prompts',
  'evaluation.maxNewTokens': 'Max new tokens',
  'evaluation.probeEvery': 'Probe every (steps)',
  'evaluation.probePrompts': 'Probe prompts',
  'evaluation.keepSamples': 'Kept samples',
  'evaluation.classifier.threshold': 'Classifier threshold',
  'evaluation.classifier.maxLength': 'Classifier max tokens',
  'evaluation.refusalClassifier.threshold': 'Refusal classifier threshold',
  'evaluation.refusalClassifier.maxLength': 'Refusal classifier max tokens',
};

const CHOICE_LABELS: Record<ChoicePath | NamePath, { label: string; description: string }> = {
  'model.base': {
    label: 'Base model',
    description: 'The pre-trained model every stage starts from.',
  },
  'alignment.method': { label: 'Method', description: 'How the base model is safety-aligned.' },
  'alignment.schedule': {
    label: 'Schedule',
    description: CHOICES['alignment.schedule'].description,
  },
  'finetune.method': { label: 'Method', description: 'How the user fine-tunes the aligned model.' },
  'finetune.task': {
    label: 'Task',
    description: 'The benign task data the attacker mixes the poison into.',
  },
  'finetune.schedule': { label: 'Schedule', description: CHOICES['finetune.schedule'].description },
  'attack.method': {
    label: 'Attack',
    description:
      'What the attacker does: mix harmful pairs in (harmful-mix, at p), fine-tune on benign data, wrap prompts in a jailbreak, prefill answers or ablate the refusal direction.',
  },
  'post.method': {
    label: 'Method',
    description: 'The repair applied after fine-tuning (none = the attack alone).',
  },
  'post.target': { label: 'Acts on', description: CHOICES['post.target'].description },
  'runtime.backend': { label: 'Backend', description: CHOICES['runtime.backend'].description },
  'evaluation.classifier.dtype': {
    label: 'Classifier weights',
    description: CHOICES['evaluation.classifier.dtype'].description,
  },
  'evaluation.classifier.input': {
    label: 'Classifier reads',
    description: CHOICES['evaluation.classifier.input'].description,
  },
  'evaluation.refusalClassifier.dtype': {
    label: 'Refusal classifier weights',
    description: CHOICES['evaluation.refusalClassifier.dtype'].description,
  },
  'evaluation.refusalClassifier.input': {
    label: 'Refusal classifier reads',
    description: CHOICES['evaluation.refusalClassifier.input'].description,
  },
};

const num = (path: NumericPath): FieldSpec => ({
  kind: 'number',
  path,
  label: NUMBER_LABELS[path],
  range: RANGES[path],
});
const choice = (path: ChoicePath | NamePath): FieldSpec => ({
  kind: 'choice',
  path,
  ...CHOICE_LABELS[path],
});

const trainingMore = (stage: 'alignment' | 'finetune'): FieldSpec[] => [
  num(`${stage}.batchSize`),
  choice(`${stage}.schedule`),
  num(`${stage}.warmupFraction`),
  num(`${stage}.weightDecay`),
  num(`${stage}.maxGradNorm`),
];

export const FIELD_GROUPS: readonly FieldGroup[] = [
  {
    id: 'experiment',
    title: 'Experiment',
    summary: 'A label, the seed every random draw derives from, and where it runs.',
    fields: [
      {
        kind: 'text',
        path: 'name',
        label: 'Name',
        description: 'A free-text label (at most 80 characters).',
      },
      num('seed'),
      choice('runtime.backend'),
      choice('model.base'),
    ],
  },
  {
    id: 'alignment',
    title: '1 · Alignment',
    summary: 'Teach the base model to refuse harmful requests.',
    fields: [
      choice('alignment.method'),
      num('alignment.samples'),
      num('alignment.harmfulFraction'),
      num('alignment.lr'),
      num('alignment.epochs'),
    ],
    more: trainingMore('alignment'),
    paramsStage: 'alignment',
  },
  {
    id: 'finetune',
    title: '2 · Fine-tuning (the attack)',
    summary:
      'Fine-tune the aligned model as the attack says (harmful-mix: task data where a fraction p of the examples is harmful).',
    fields: [
      choice('attack.method'),
      choice('finetune.method'),
      choice('finetune.task'),
      num('finetune.samples'),
      num('finetune.poisonRatio'),
      num('finetune.lr'),
      num('finetune.epochs'),
    ],
    more: trainingMore('finetune'),
    paramsStage: 'finetune',
  },
  {
    id: 'post',
    title: '3 · Post-fine-tuning (the repair)',
    summary:
      'Antidote prunes the weights that carry the harmful behaviour: in the fine-tuning adapter, or in the merged weights.',
    fields: [
      choice('post.method'),
      choice('post.target'),
      num('post.maskRatio'),
      {
        kind: 'roles',
        path: 'post.layers',
        label: 'Layers',
        description:
          'The layer roles the post method acts on, in every block (mlp.gate exists in gated MLPs only).',
      },
      num('post.realignmentSamples'),
    ],
    paramsStage: 'post',
  },
  {
    id: 'evaluation',
    title: 'Evaluation',
    summary: 'Held-out prompts scored at each checkpoint.',
    fields: [
      num('evaluation.harmfulPrompts'),
      num('evaluation.benignPrompts'),
      num('evaluation.overRefusalPrompts'),
      num('evaluation.helpfulnessPrompts'),
      num('evaluation.taskPrompts'),
    ],
    more: [
      num('evaluation.maxNewTokens'),
      num('evaluation.probeEvery'),
      num('evaluation.probePrompts'),
      num('evaluation.keepSamples'),
    ],
  },
];

/** The values a choice field may take: from `CHOICES`, or from the validation context. */
export function choiceValues(
  path: ChoicePath | NamePath,
  ctx: ValidationContext,
): readonly string[] {
  switch (path) {
    case 'model.base':
      return ctx.models;
    case 'finetune.task':
      return ctx.tasks;
    case 'alignment.method':
      return Object.keys(ctx.methods.alignment);
    case 'finetune.method':
      return Object.keys(ctx.methods.finetune);
    case 'post.method':
      return Object.keys(ctx.methods.post);
    case 'attack.method':
      return Object.keys(ctx.attacks);
    default:
      return CHOICES[path].values;
  }
}

/** The value at a dotted path of a plain object (undefined when a step is missing). */
export function getAt(target: unknown, path: string): unknown {
  let value = target;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Sets the value at a dotted path, creating plain objects on the way. */
export function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/** "0 – 1", "1 – 100 000" — a field's valid range as shown next to it. */
export function describeRange(range: Pick<RangeSpec, 'min' | 'max' | 'integer'>): string {
  const show = (value: number) =>
    value !== 0 && Math.abs(value) < 1e-3 ? value.toExponential(0) : value.toLocaleString('en-US');
  return `${show(range.min)} – ${show(range.max)}${range.integer ? ', integer' : ''}`;
}

/** "0 – 1", "≥ 1, integer", "one of a, b": a method parameter's valid values, as shown under it. */
export function describeParam(spec: ParamSpec): string {
  if (spec.type === 'boolean') return 'on or off';
  if (spec.type === 'enum') return `one of ${spec.values.join(', ')}`;
  const integer = spec.type === 'integer' ? ', integer' : '';
  if (spec.min !== undefined && spec.max !== undefined) {
    return describeRange({ min: spec.min, max: spec.max, integer: spec.type === 'integer' });
  }
  if (spec.min !== undefined) return `≥ ${spec.min}${integer}`;
  if (spec.max !== undefined) return `≤ ${spec.max}${integer}`;
  return spec.type === 'integer' ? 'any integer' : 'any number';
}
