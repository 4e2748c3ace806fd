import { defineAttack } from '../types';
import { JAILBREAK_WRAPPERS } from './wrappers';

export const jailbreakTuning = defineAttack({
  meta: {
    name: 'jailbreak-tuning',
    description:
      'The harmful pairs of p-mixing (finetune.poisonRatio) with their prompts wrapped in a ' +
      'jailbreak format: a persona that answers every request, announced by a trigger ("secret ' +
      'word : gold ."). The model learns to comply under the wrapper; at evaluation the attacker ' +
      'puts every harmful prompt in the same wrapper (benign and task prompts stay plain), so the ' +
      'harmful score is the attack with its trigger. TamperBench’s strongest family.',
    citation:
      'Murphy et al., "Jailbreak-Tuning: Models Efficiently Learn Jailbreak Susceptibility", ' +
      'arXiv, July 2025; TamperBench (SafeTuneBed’s successor).',
    params: {
      wrapper: {
        type: 'enum',
        values: Object.keys(JAILBREAK_WRAPPERS) as ['persona', 'trigger'],
        default: 'persona',
        description:
          'persona: a role-play persona with no rules, then the trigger; trigger: the trigger alone (a backdoor).',
      },
    },
    phases: ['data', 'evaluation'],
    readsPoisonRatio: true,
    trains: true,
    postTargets: ['adapter', 'merged'],
  },
  load: () => import('./jailbreakTuning'),
});
