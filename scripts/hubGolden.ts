/**
 * Regenerates the tiny Hub-layout checkpoints (`scripts/tinyHubModels.ts`) and their golden
 * numbers from the independent PyTorch reference (`scripts/reference/hf_reference.py`, Debian's
 * python3-torch): the logits at every prompt position and the greedy continuation. The unit tests
 * (`tests/unit/hub/golden.test.ts`) compare the lab's forward pass and generation against them.
 *
 *   npm run golden:hub
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TINY_MODELS, writeTinyModel } from './tinyHubModels';

export const GOLDEN_PROMPT = [5, 71, 200, 33, 260, 9, 140, 77];
export const GOLDEN_NEW_TOKENS = 12;

const root = resolve('tests/fixtures/hub');
const goldenDir = resolve('tests/fixtures/hub-golden');
await mkdir(goldenDir, { recursive: true });
for (const model of TINY_MODELS) {
  await writeTinyModel(root, model);
  const output = execFileSync(
    'python3',
    [
      'scripts/reference/hf_reference.py',
      '--model-dir',
      join(root, ...model.repo.split('/')),
      '--prompt-ids',
      GOLDEN_PROMPT.join(','),
      '--max-new-tokens',
      String(GOLDEN_NEW_TOKENS),
    ],
    { encoding: 'utf8' },
  );
  const reference = JSON.parse(output) as Record<string, unknown>;
  const name = model.repo.split('/')[1];
  await writeFile(
    join(goldenDir, `${name}.json`),
    `${JSON.stringify({ repo: model.repo, reference: 'scripts/reference/hf_reference.py', ...reference })}\n`,
  );
  console.log(`${model.repo}: generated ${JSON.stringify(reference.generatedIds)}`);
}
