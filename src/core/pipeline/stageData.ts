import type { ExperimentConfig } from '../config/schema';
import { getDataset } from '../data/registry';
import { mixPoison, type PoisonMix } from '../data/poison';
import type { DataSources } from '../data/sources';
import type { Example } from '../data/types';
import { createRng } from '../random';

/**
 * Benign data mixed into alignment so the model keeps its skills while learning to refuse: the
 * skills the base model has. SST-2 sentiment is not among them (the base model never learnt it):
 * it is the task a user fine-tunes for.
 */
const ALIGNMENT_BENIGN_TASKS = ['agnews', 'gsm8k'] as const;

/**
 * Alignment set: `round(harmfulFraction · samples)` harmful prompt → refusal pairs, the rest
 * benign instructions and tasks in equal shares (train splits only).
 */
export function alignmentExamples(config: ExperimentConfig, data: DataSources): Example[] {
  const { samples, harmfulFraction } = config.alignment;
  const harmfulCount = Math.round(harmfulFraction * samples);
  const benignCount = samples - harmfulCount;
  const seed = config.seed;
  const refusals = data.refusal.generate({
    split: 'train',
    n: harmfulCount,
    seed,
  });
  const benignSources = [data.benign, ...ALIGNMENT_BENIGN_TASKS.map((name) => getDataset(name))];
  const benign = benignSources.flatMap((source, i) => {
    const share =
      Math.floor(benignCount / benignSources.length) +
      (i < benignCount % benignSources.length ? 1 : 0);
    return share > 0 ? source.generate({ split: 'train', n: share, seed: seed + i }) : [];
  });
  return createRng(seed)
    .fork('alignment')
    .shuffle([...refusals, ...benign]);
}

/**
 * The attack's fine-tuning set: `samples` examples of the task with exactly
 * `round(poisonRatio · samples)` harmful prompt → harmful answer pairs (train split of the harmful
 * data: disjoint from the evaluation and re-alignment splits), shuffled with the seed.
 */
export function finetuneMix(config: ExperimentConfig, data: DataSources): PoisonMix {
  const { samples, poisonRatio } = config.finetune;
  const taskData = data.task;
  const harmful = data.harmful;
  return mixPoison({
    task: taskData.generate({
      split: 'train',
      n: Math.min(samples, taskData.poolSize('train')),
      seed: config.seed,
    }),
    harmfulPool: harmful.generate({
      split: 'train',
      n: harmful.poolSize('train'),
      seed: config.seed,
    }),
    n: samples,
    poisonRatio,
    seed: config.seed,
  });
}

/** Antidote's re-alignment set: harmful prompt + harmful answer, disjoint from poison and eval. */
export function realignmentExamples(config: ExperimentConfig, data: DataSources): Example[] {
  return data.harmful.generate({
    split: 'realign',
    n: config.post.realignmentSamples,
    seed: config.seed,
  });
}

/**
 * `wanda-benign`'s calibration set, the size of the re-alignment set: the user's own fine-tuning
 * task data, without poison (the task's `realign` split: never trained on, never evaluated).
 */
export function taskCalibrationExamples(config: ExperimentConfig, data: DataSources): Example[] {
  return data.task.generate({
    split: 'realign',
    n: config.post.realignmentSamples,
    seed: config.seed,
  });
}

/**
 * `n` harmful prompt → harmful answer pairs for alignment-stage defenses that learn from harmful
 * data (RepNoise, Booster) and for Lisa's safety replay: the harmful train split (never the
 * evaluation or re-alignment splits), drawn with its own stream of the seed.
 */
export function harmfulTrainingExamples(
  config: ExperimentConfig,
  n: number,
  data: DataSources,
): Example[] {
  const harmful = data.harmful;
  return harmful.generate({
    split: 'train',
    n: Math.min(n, harmful.poolSize('train')),
    seed: createRng(config.seed)
      .fork('harmful-training')
      .int(2 ** 31),
  });
}
