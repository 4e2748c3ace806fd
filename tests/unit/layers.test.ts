import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { upwardEdges } from '../../scripts/layers';

const CORE = fileURLToPath(new URL('../../src/core', import.meta.url));

describe('the layers of src/core', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('no import, type imports included, points up a layer', () => {
    expect(upwardEdges(CORE).map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('the checker finds an import that points up, and a folder that is in no layer', () => {
    const core = mkdtempSync(join(tmpdir(), 'layers-'));
    made.push(core);
    mkdirSync(join(core, 'model'));
    mkdirSync(join(core, 'pipeline'));
    writeFileSync(join(core, 'pipeline', 'types.ts'), 'export type Report = number;\n');
    writeFileSync(
      join(core, 'model', 'gpt.ts'),
      "import type { Report } from '../pipeline/types';\nexport const r: Report = 1;\n",
    );
    expect(upwardEdges(core).map((e) => `${e.from} -> ${e.to}`)).toEqual([
      'model/gpt.ts -> pipeline/types',
    ]);
    mkdirSync(join(core, 'gadgets'));
    writeFileSync(join(core, 'gadgets', 'x.ts'), 'export {};\n');
    expect(() => upwardEdges(core)).toThrow('src/core/gadgets/x.ts is in no layer');
  });
});
