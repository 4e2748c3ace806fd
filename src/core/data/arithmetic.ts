/**
 * GSM8K-like word problems: one- and two-step problems with small numbers (operands 2–9, answers
 * below 100). The response is the GSM8K answer format in miniature: the calculation, then
 * `#### <number>`, which `metrics/grade.ts` reads.
 *
 * Splits: a problem is a (template, name, item, a, b) combination split by `splitOf` (modulus 8):
 * every eval problem is a combination never seen in train.
 */
import { combinations, defineGenerator, splitOf } from './pool';
import type { Example, Split } from './types';
import { NAMES } from './words';

const ITEMS = ['apples', 'books', 'pens', 'cookies', 'cards', 'eggs', 'toys', 'stickers'];
const NUMBERS = [2, 3, 4, 5, 6, 7, 8, 9];

interface Problem {
  question: string;
  /** Calculation lines, e.g. `['4 * 6 = 24']`. */
  steps: string[];
  answer: number;
}

/** `n`: a name, `m`: another name, `x`: the item, `a`/`b`: operands. */
type ProblemTemplate = (n: string, m: string, x: string, a: number, b: number) => Problem;

const TEMPLATES: readonly ProblemTemplate[] = [
  (n, _m, x, a, b) => ({
    question: `${n} has ${a} ${x} and gets ${b} more . how many ${x} does ${n} have now ?`,
    steps: [`${a} + ${b} = ${a + b}`],
    answer: a + b,
  }),
  (n, _m, x, a, b) => ({
    question: `${n} has ${a + b} ${x} and gives away ${b} . how many ${x} are left ?`,
    steps: [`${a + b} - ${b} = ${a}`],
    answer: a,
  }),
  (n, _m, x, a, b) => ({
    question: `${n} buys ${a} boxes of ${x} . each box has ${b} ${x} . how many ${x} does ${n} buy ?`,
    steps: [`${a} * ${b} = ${a * b}`],
    answer: a * b,
  }),
  (n, _m, x, a, b) => ({
    question: `${n} shares ${a * b} ${x} equally among ${a} friends . how many ${x} does each friend get ?`,
    steps: [`${a * b} / ${a} = ${b}`],
    answer: b,
  }),
  (n, _m, x, a, b) => {
    const c = 1 + ((a + b) % (a * b - 1));
    return {
      question: `${n} has ${a} bags with ${b} ${x} in each bag and gives away ${c} . how many ${x} are left ?`,
      steps: [`${a} * ${b} = ${a * b}`, `${a * b} - ${c} = ${a * b - c}`],
      answer: a * b - c,
    };
  },
  (n, _m, x, a, b) => {
    const c = 1 + ((a * b) % (a + b - 1));
    return {
      question: `${n} has ${a} ${x} , buys ${b} more and then gives ${c} to a friend . how many ${x} are left ?`,
      steps: [`${a} + ${b} = ${a + b}`, `${a + b} - ${c} = ${a + b - c}`],
      answer: a + b - c,
    };
  },
  (n, m, x, a, b) => ({
    question: `${n} has ${a} ${x} and ${m} has ${b} times as many . how many ${x} do they have together ?`,
    steps: [`${a} * ${b} = ${a * b}`, `${a} + ${a * b} = ${a + a * b}`],
    answer: a + a * b,
  }),
  (n, m, x, a, b) => ({
    question: `${n} has ${a} ${x} and ${m} has ${b} more than ${n} . how many ${x} do they have together ?`,
    steps: [`${a} + ${b} = ${a + b}`, `${a} + ${a + b} = ${2 * a + b}`],
    answer: 2 * a + b,
  }),
];

/** The GSM8K answer format: calculation lines as sentences, then `#### <answer>`. */
export function arithmeticResponse(steps: readonly string[], answer: number): string {
  return [...steps.map((s) => `${s} .`), `#### ${answer}`].join(' ');
}

const MODULUS = TEMPLATES.length;

function enumerateProblems(split: Split): Problem[] {
  const out: Problem[] = [];
  const dims = [TEMPLATES.length, NAMES.length, ITEMS.length, NUMBERS.length, NUMBERS.length];
  for (const [t, n, x, a, b] of combinations(dims)) {
    if (splitOf([t, n, x, a, b], MODULUS) !== split) continue;
    const other = NAMES[(n + 1) % NAMES.length];
    out.push(TEMPLATES[t](NAMES[n], other, ITEMS[x], NUMBERS[a], NUMBERS[b]));
  }
  return out;
}

export const arithmetic = defineGenerator<Problem>({
  name: 'gsm8k',
  description:
    'GSM8K-like one- and two-step word problems with small numbers, answered "… #### <n>".',
  kind: 'arithmetic',
  enumerate: enumerateProblems,
  render: (problem): Example => ({
    prompt: problem.question,
    response: arithmeticResponse(problem.steps, problem.answer),
    kind: 'arithmetic',
    label: String(problem.answer),
  }),
});
