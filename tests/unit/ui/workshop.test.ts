/**
 * The page's workshop state and the presenter's merge, without a browser: a link opens the same
 * workshop and suggests the shard it names, then another once that one is done; bundles merge a
 * drop at a time, and a drop that cannot join (a garbled file, another sweep, too many files) is
 * refused with one line while what was merged before stays.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_VALIDATION_CONTEXT as ctx } from '../../../src/core/lab';
import type { ResultsFile } from '../../../src/core/pipeline/types';
import {
  encodeWorkshop,
  makeBundle,
  planSweepShards,
  runsOfShard,
  sweepShardManifest,
} from '../../../src/core/shard';
import { expandSweep } from '../../../src/core/sweep';
import { BundleMerge, PAGE_MERGE_LIMITS } from '../../../src/lib/bundleMerge.svelte';
import { workshopFromHash, workshopLinkFor } from '../../../src/lib/shareLink';
import { WorkshopState } from '../../../src/lib/workshop.svelte';
import { fakeResults } from '../sweep/fakeResults';

const LOCATION = { origin: 'http://lab.test', pathname: '/' };

const sweepOf = (name: string) => ({
  schemaVersion: 1,
  name,
  base: { preset: 'micro' },
  axes: [
    { field: 'finetune.poisonRatio', values: [0.1, 0.2] },
    { field: 'post.maskRatio', values: [0.05, 0.1] },
  ],
});

function expanded(name = 'ws') {
  const result = expandSweep(sweepOf(name), ctx);
  if (!result.ok) throw new Error(result.errors[0].message);
  return result;
}

/** Shard k of 2's bundle as a dropped file. */
async function bundleFile(k: number, name = 'ws'): Promise<File> {
  const { spec, runs } = expanded(name);
  const plan = await planSweepShards(runs, 2);
  const shard = { index: k, count: 2 };
  const results = new Map<number, ResultsFile>();
  for (const run of runsOfShard(runs, plan, shard)) {
    results.set(run.index, await fakeResults(run.config));
  }
  const bundle = makeBundle(sweepShardManifest(spec, runs, plan, shard, 'wasm'), results);
  return new File([JSON.stringify(bundle)], `${name}.shard-${k}-of-2.bundle.json`);
}

describe('workshop links in the page', () => {
  it('carry the payload and the suggested shard in the fragment', () => {
    const link = workshopLinkFor('abc_-9', LOCATION, 3);
    expect(link).toBe('http://lab.test/#workshop=abc_-9&shard=3');
    expect(workshopFromHash(new URL(link).hash)).toEqual({ payload: 'abc_-9', shard: 3 });
    expect(workshopFromHash('#workshop=abc&shard=x')).toEqual({ payload: 'abc', shard: undefined });
    expect(workshopFromHash('#config=abc')).toBeUndefined();
  });

  it("open the workshop, suggest the link's shard, then one this browser has not finished", async () => {
    const { spec, runs } = expanded();
    const encoded = await encodeWorkshop(spec, runs.length, 2);
    if (!encoded.ok) throw new Error(encoded.message);
    const workshop = new WorkshopState(ctx);
    await workshop.openHash(`#workshop=${encoded.payload}&shard=2`, LOCATION);
    expect(workshop.linkError).toBeNull();
    expect(workshop.fromLink).toBe(true);
    expect(workshop.open?.count).toBe(2);
    expect(workshop.open?.link).toBe(`http://lab.test/#workshop=${encoded.payload}`);
    expect(workshop.open?.suggestion).toEqual({ shard: 2, why: 'link' });
    expect(workshop.open?.plan.shardOfRun).toEqual((await planSweepShards(runs, 2)).shardOfRun);
    workshop.finished(2);
    expect(workshop.open?.suggestion).toEqual({ shard: 1, why: 'random' });

    const broken = new WorkshopState(ctx);
    await broken.openHash(`#workshop=${encoded.payload.slice(0, 40)}`, LOCATION);
    expect(broken.open).toBeNull();
    expect(broken.fromLink).toBe(true);
    expect(broken.linkError).toBe(
      'this link is damaged or incomplete: it was cut short or altered on the way',
    );
  });
});

describe("the presenter's merge", () => {
  it('grows with each bundle, names the missing shard, and keeps the merge when a drop is refused', async () => {
    const merge = new BundleMerge(ctx);
    await merge.add([await bundleFile(1)]);
    expect(merge.refused).toEqual([]);
    const { runs } = expanded();
    const second = runsOfShard(runs, await planSweepShards(runs, 2), { index: 2, count: 2 });
    expect(merge.merged?.board.rows).toHaveLength(runs.length - second.length);
    expect(merge.merged?.shards).toEqual([
      {
        shard: 1,
        runs: runs.length - second.length,
        merged: runs.length - second.length,
        manifest: true,
      },
      { shard: 2, runs: second.length, merged: 0, manifest: false },
    ]);
    expect(merge.merged?.report.missing).toHaveLength(second.length);
    expect(merge.received).toEqual([
      { name: 'ws.shard-1-of-2.bundle.json', what: `bundle of shard 1/2: 2 of 2 runs` },
    ]);

    // A garbled file and a bundle of another sweep, in one drop: one line each, nothing merged.
    await merge.add([new File(['{"kind": '], 'garbled.json'), await bundleFile(2, 'other')]);
    expect(merge.refused).toHaveLength(2);
    expect(merge.refused[0]).toMatch(/^garbled\.json: not valid JSON \(/);
    expect(merge.refused[1]).toBe(
      'other.shard-2-of-2.bundle.json: not merged: other.shard-2-of-2.bundle.json/shard.json and ws.shard-1-of-2.bundle.json/shard.json are of different specs (sweep "other", sweep "ws"): merge one sweep or search at a time',
    );
    expect(merge.merged?.board.rows).toHaveLength(runs.length - second.length);
    expect(merge.received).toHaveLength(1);

    // Too many files at once: refused before any is read.
    const many = Array.from(
      { length: PAGE_MERGE_LIMITS.maxFilesAtOnce + 1 },
      (_, i) => new File(['{}'], `${i}.json`),
    );
    await merge.add(many);
    expect(merge.refused).toEqual([
      `${many.length} files at once; at most ${PAGE_MERGE_LIMITS.maxFilesAtOnce}: drop them in parts`,
    ]);

    // The second shard's bundle, twice: the whole sweep, the repeated runs folded.
    await merge.add([await bundleFile(2), await bundleFile(2)]);
    expect(merge.refused).toEqual([]);
    expect(merge.merged?.board.rows.map((r) => r.index)).toEqual(runs.map((r) => r.index));
    expect(merge.merged?.report).toMatchObject({
      missing: [],
      conflicts: [],
      folded: second.length,
    });
    expect(merge.merged?.shards.every((s) => s.merged === s.runs && s.manifest)).toBe(true);

    merge.clear();
    expect(merge.merged).toBeNull();
    expect(merge.received).toEqual([]);
  });
});
