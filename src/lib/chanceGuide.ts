import { describeChance, taskChance } from '../core/data/names';

/**
 * The chance line a chart of task accuracy draws for `task` (a `finetune.task`), or undefined
 * when the task has no chance level (open answers) or is unknown.
 */
export function chanceGuide(
  task: string | null | undefined,
): { y: number; label: string } | undefined {
  const chance = task ? taskChance(task) : undefined;
  return chance?.kind === 'classes'
    ? { y: chance.accuracy, label: describeChance(chance) }
    : undefined;
}
