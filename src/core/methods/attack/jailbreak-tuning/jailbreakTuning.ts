import type { Example } from '../../../data/types';
import type { AttackDataContext } from '../types';
import { wrapPrompt, type JailbreakWrapper } from './wrappers';

type Params = { wrapper: JailbreakWrapper };

/** p-mixing's set with each harmful pair's prompt in the jailbreak format (task examples unchanged). */
export async function finetuneExamples(ctx: AttackDataContext<Params>): Promise<Example[]> {
  const mix = ctx.mix(ctx.config.finetune.poisonRatio);
  return mix.examples.map((example, i) =>
    mix.isPoison[i]
      ? { ...example, prompt: wrapPrompt(example.prompt, ctx.params.wrapper) }
      : example,
  );
}

/** At evaluation the attacker uses the trigger: every harmful prompt in the same format. */
export function harmfulPrompt(instruction: string, params: Params): string {
  return wrapPrompt(instruction, params.wrapper);
}
