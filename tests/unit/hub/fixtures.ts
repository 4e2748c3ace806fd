/**
 * Small repos in the Hub's layout, written to a temp dir for `startHubServer`: a single-file
 * model, a sharded one (an index and two shards), a pinned revision, and broken variants.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors, type NamedTensor } from '../../../src/core/model/safetensors';

export const SINGLE = 'lab/tiny';
export const SHARDED = 'lab/tiny-sharded';
export const SHARDS = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];

export const CONFIG = { model_type: 'gpt2', n_embd: 4, n_layer: 1, n_head: 1, vocab_size: 3 };
export const TOKENIZER = { version: '1.0', model: { type: 'WordLevel', vocab: { a: 0 } } };

export function tensor(shape: number[], seed: number): NamedTensor {
  const count = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: count }, (_, i) => seed + i / 8) };
}

export interface FixtureRoot {
  dir: string;
  /** Path of a file in a repo (`owner/name`, or `owner/name@rev` for a pinned revision). */
  path(repo: string, file: string): string;
  write(repo: string, file: string, content: string | Uint8Array): void;
  remove(): void;
}

export function createFixtureRoot(): FixtureRoot {
  const dir = mkdtempSync(join(tmpdir(), 'safetune-hub-'));
  const root: FixtureRoot = {
    dir,
    path: (repo, file) => join(dir, ...repo.split('/'), file),
    write(repo, file, content) {
      mkdirSync(join(dir, ...repo.split('/')), { recursive: true });
      writeFileSync(root.path(repo, file), content);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };

  root.write(SINGLE, 'config.json', JSON.stringify(CONFIG));
  root.write(SINGLE, 'tokenizer.json', JSON.stringify(TOKENIZER));
  root.write(SINGLE, 'generation_config.json', JSON.stringify({ eos_token_id: 2 }));
  root.write(
    SINGLE,
    'model.safetensors',
    writeSafetensors(
      new Map([
        ['wte.weight', tensor([3, 4], 1)],
        ['ln_f.bias', tensor([4], 2)],
      ]),
      { format: 'pt' },
    ),
  );
  // The same repo at another revision, with a different config.
  root.write(`${SINGLE}@v2`, 'config.json', JSON.stringify({ ...CONFIG, n_layer: 2 }));
  root.write(`${SINGLE}@v2`, 'tokenizer.json', JSON.stringify(TOKENIZER));
  root.write(
    `${SINGLE}@v2`,
    'model.safetensors',
    writeSafetensors(new Map([['wte.weight', tensor([3, 4], 5)]])),
  );

  root.write(SHARDED, 'config.json', JSON.stringify(CONFIG));
  root.write(SHARDED, 'tokenizer.json', JSON.stringify(TOKENIZER));
  root.write(SHARDED, 'tokenizer_config.json', JSON.stringify({ model_max_length: 8 }));
  // Big enough that the body arrives in several chunks.
  const first = new Map([
    ['h.0.attn.weight', tensor([256, 256], 3)],
    ['wte.weight', tensor([3, 4], 1)],
  ]);
  const second = new Map([['h.0.mlp.weight', tensor([256, 128], 4)]]);
  root.write(SHARDED, SHARDS[0], writeSafetensors(first));
  root.write(SHARDED, SHARDS[1], writeSafetensors(second));
  root.write(
    SHARDED,
    'model.safetensors.index.json',
    JSON.stringify({
      metadata: { total_size: (256 * 256 + 12 + 256 * 128) * 4 },
      // Listed out of order, and each shard more than once: fetched once each, in sorted order.
      weight_map: {
        'h.0.mlp.weight': SHARDS[1],
        'h.0.attn.weight': SHARDS[0],
        'wte.weight': SHARDS[0],
      },
    }),
  );
  return root;
}

/** Copy a repo's files into another repo name, so a test can break one without the others. */
export function copyRepo(root: FixtureRoot, from: string, to: string, files: string[]): void {
  for (const file of files) {
    root.write(to, file, readBytes(root.path(from, file)));
  }
}

export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
