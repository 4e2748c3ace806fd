/**
 * AG-News-like headline topics: four classes (world, sports, business, tech) answered with the
 * class word. Classes share slot words on purpose (a country launches a satellite: tech; a
 * country's bank raises rates: business), so the class must be read from the whole headline.
 *
 * Splits: a headline is a (class, template, slots) combination split by `splitOf` (modulus 6); the
 * instruction wrapped around it is drawn at random and is not part of the split key. Classes are
 * drawn in equal numbers although their pools differ in size.
 */
import { combinations, defineGenerator, fill, splitOf } from './pool';
import type { Example, Split } from './types';
import { COUNTRIES } from './words';

export type TopicLabel = 'world' | 'sports' | 'business' | 'tech';
export const TOPIC_LABELS: readonly TopicLabel[] = ['world', 'sports', 'business', 'tech'];

const countries = COUNTRIES.map((c) => c.country);
const TEAMS = ['lions', 'tigers', 'eagles', 'sharks', 'bears', 'wolves', 'hawks', 'bulls'];
const GOODS = ['oil', 'gold', 'steel', 'coffee', 'wheat', 'sugar'];
const MOVES = ['rise', 'fall'];
const DEVICES = ['phone', 'laptop', 'robot', 'chip', 'camera', 'tablet'];

/** A headline template; `{a}`, `{b}`, `{c}` are filled from `slots` in order. */
interface HeadlineTemplate {
  text: string;
  slots: readonly (readonly string[])[];
}

const TEMPLATES: Record<TopicLabel, readonly HeadlineTemplate[]> = {
  world: [
    { text: '{a} and {b} hold peace talks .', slots: [countries, countries] },
    { text: '{a} votes in a new election .', slots: [countries] },
    { text: 'protests grow in {a} after the election .', slots: [countries] },
    { text: 'the president of {a} visits {b} .', slots: [countries, countries] },
    { text: 'troops leave the border of {a} .', slots: [countries] },
    { text: '{a} sends aid to {b} after the flood .', slots: [countries, countries] },
  ],
  sports: [
    { text: 'the {a} beat the {b} in the final .', slots: [TEAMS, TEAMS] },
    { text: 'the {a} win the cup after a late goal .', slots: [TEAMS] },
    { text: 'the {a} sign a new star player from {b} .', slots: [TEAMS, countries] },
    { text: 'the {a} lose at home to the {b} .', slots: [TEAMS, TEAMS] },
    { text: 'the {a} coach is fired after a bad season .', slots: [TEAMS] },
    { text: '{a} wins gold at the games in {b} .', slots: [countries, countries] },
  ],
  business: [
    { text: '{a} prices {b} in {c} as markets open .', slots: [GOODS, MOVES, countries] },
    { text: '{a} company shares {b} after profit report .', slots: [GOODS, MOVES] },
    { text: 'investors in {c} worry as {a} sales {b} .', slots: [GOODS, MOVES, countries] },
    { text: 'the {a} maker plans to cut jobs in {b} .', slots: [GOODS, countries] },
    { text: 'the central bank of {a} raises interest rates .', slots: [countries] },
    { text: 'the biggest {a} firm buys a rival .', slots: [GOODS] },
  ],
  tech: [
    { text: 'a new {a} runs on faster software .', slots: [DEVICES] },
    { text: 'scientists in {b} build a smarter {a} .', slots: [DEVICES, countries] },
    { text: 'users in {b} report a bug in the latest {a} update .', slots: [DEVICES, countries] },
    { text: 'a new {a} app helps users track their sleep .', slots: [DEVICES] },
    { text: '{a} launches a new satellite into space .', slots: [countries] },
    { text: 'the {a} maker releases a cheaper model .', slots: [DEVICES] },
  ],
};

/** Instructions wrapped around a headline. */
export const TOPIC_INSTRUCTIONS: readonly string[] = [
  'what is the topic of this headline ? {headline}',
  'topic of this news : {headline}',
  'is this news about world , sports , business or tech ? {headline}',
];

/** The wording real AG News headlines are given by the file loader. */
export function topicPrompt(headline: string, instruction = TOPIC_INSTRUCTIONS[0]): string {
  return fill(instruction, { headline });
}

interface Headline {
  text: string;
  label: TopicLabel;
}

const MODULUS = 6;

function enumerateHeadlines(split: Split): Headline[] {
  const out: Headline[] = [];
  TOPIC_LABELS.forEach((label, k) => {
    TEMPLATES[label].forEach((template, t) => {
      for (const slots of combinations(template.slots.map((s) => s.length))) {
        const words = slots.map((s, i) => template.slots[i][s]);
        // "france and france hold peace talks": two slots of one kind take different values.
        if (template.slots[0] === template.slots[1] && words[0] === words[1]) continue;
        if (splitOf([k, t, ...slots], MODULUS) !== split) continue;
        const [a = '', b = '', c = ''] = words;
        out.push({ text: fill(template.text, { a, b, c }), label });
      }
    });
  });
  return out;
}

export const topic = defineGenerator<Headline>({
  name: 'agnews',
  description: 'AG-News-like headlines in four classes, answered world, sports, business or tech.',
  kind: 'topic',
  enumerate: enumerateHeadlines,
  stratum: (headline) => headline.label,
  render: (headline, rng): Example => ({
    prompt: topicPrompt(headline.text, rng.pick(TOPIC_INSTRUCTIONS)),
    response: headline.label,
    kind: 'topic',
    category: headline.label,
    label: headline.label,
  }),
});
