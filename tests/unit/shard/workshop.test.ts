import { describe, expect, it } from 'vitest';
import { encodeConfigForUrl, encodeJSONForUrl } from '../../../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT, resolvePreset } from '../../../src/core/lab';
import {
  WORKSHOP_KIND,
  decodeWorkshop,
  encodeWorkshop,
  planSweepShards,
  suggestShard,
  workshopCountProblem,
} from '../../../src/core/shard';
import { SWEEP_PRESETS, expandSweep } from '../../../src/core/sweep';

const CTX = DEFAULT_VALIDATION_CONTEXT;

/** A payload built by hand (not by the module under test) from arbitrary text. */
async function payloadOf(text: string): Promise<string> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return Buffer.from(bytes).toString('base64url');
}

function expandedPreset(name: string) {
  const result = expandSweep(
    SWEEP_PRESETS.find((s) => s.name === name),
    CTX,
  );
  if (!result.ok) throw new Error(result.errors[0].message);
  return result;
}

async function refusal(payload: string): Promise<string> {
  const decoded = await decodeWorkshop(payload, CTX);
  if (decoded.ok) throw new Error('expected the link to be refused');
  expect(decoded.message).not.toMatch(/\n/);
  expect(decoded.message.length).toBeLessThanOrEqual(300);
  return decoded.message;
}

describe('workshop links', () => {
  it('round-trip every built-in sweep and its shard count; every laptop makes the same plan', async () => {
    for (const preset of SWEEP_PRESETS) {
      const { spec, runs } = expandedPreset(preset.name);
      const count = Math.min(3, runs.length);
      const encoded = await encodeWorkshop(spec, runs.length, count);
      if (!encoded.ok) throw new Error(encoded.message);
      expect(encoded.payload).toMatch(/^[A-Za-z0-9_-]+$/);
      const decoded = await decodeWorkshop(encoded.payload, CTX);
      if (!decoded.ok) throw new Error(decoded.message);
      expect(decoded.workshop, preset.name).toEqual({ spec, runs, count });
      const [here, there] = await Promise.all([
        planSweepShards(runs, count),
        planSweepShards(decoded.workshop.runs, count),
      ]);
      expect(there.shardOfRun).toEqual(here.shardOfRun);
    }
  });

  it('take 1 to min(1000, runs) shards', async () => {
    const { spec, runs } = expandedPreset('defenses-vs-poison');
    expect(workshopCountProblem(1, runs.length)).toBeUndefined();
    expect(workshopCountProblem(runs.length, runs.length)).toBeUndefined();
    for (const bad of [0, -1, 1.5, runs.length + 1, NaN]) {
      expect(workshopCountProblem(bad, runs.length)).toBe(
        `the shard count must be a whole number from 1 to ${runs.length} (the sweep has ${runs.length} runs)`,
      );
      expect(await encodeWorkshop(spec, runs.length, bad)).toEqual({
        ok: false,
        message: workshopCountProblem(bad, runs.length),
      });
    }
    expect(workshopCountProblem(1001, 5000)).toMatch(/from 1 to 1000 /);
  });

  it('refuse a sweep too large for a link, saying what to share instead', async () => {
    const { spec, runs } = expandedPreset('defenses-vs-poison');
    // Incompressible text: a link past 32 KiB.
    let noise = '';
    for (let i = 0; noise.length < 40_000; i++) noise += ((i * 2654435761) >>> 0).toString(36);
    const encoded = await encodeWorkshop({ ...spec, description: noise }, runs.length, 2);
    expect(encoded.ok).toBe(false);
    expect(!encoded.ok && encoded.message).toMatch(
      /^this sweep makes a link of \d+ characters, at most 32768: share the sweep file and the shard count instead$/,
    );
  });

  it('refuse hostile or garbled links with one line each', async () => {
    const { spec, runs } = expandedPreset('defenses-vs-poison');
    const good = await encodeWorkshop(spec, runs.length, 3);
    if (!good.ok) throw new Error(good.message);
    const payload = (value: unknown) => encodeJSONForUrl(value);
    const workshop = { kind: WORKSHOP_KIND, schemaVersion: 1, sweep: spec, shards: 3 };

    expect(await refusal('')).toBe('the workshop link is empty');
    expect(await refusal('a'.repeat(40_000))).toBe(
      'the workshop link is too long (40000 characters, at most 32768)',
    );
    expect(await refusal('abc$%^')).toBe(
      'this link is damaged or incomplete: it holds characters a workshop link never has',
    );
    expect(await refusal(good.payload.slice(0, good.payload.length / 2))).toBe(
      'this link is damaged or incomplete: it was cut short or altered on the way',
    );
    expect(await refusal(await payloadOf(' '.repeat(2_000_000)))).toBe(
      'not a workshop link: it inflates to more than 1048576 bytes',
    );
    expect(await refusal(await payloadOf(`${'['.repeat(200_000)}${']'.repeat(200_000)}`))).toBe(
      'this workshop link is damaged: a workshop link is nested more than 32 levels deep',
    );
    expect(await refusal(await payloadOf('{"kind": '))).toMatch(
      /^this workshop link is damaged: not valid JSON \(/,
    );
    // A config's share link is not a workshop.
    expect(await refusal(await encodeConfigForUrl(resolvePreset('micro')))).toBe(
      'this is not a workshop link (it carries no workshop)',
    );
    expect(await refusal(await payload({ ...workshop, schemaVersion: 2 }))).toBe(
      'this workshop link is of version 2; this lab reads version 1',
    );
    expect(
      await refusal(
        await payload({
          ...workshop,
          sweep: { ...spec, axes: [{ field: 'finetune.poisonRatio', values: [0.1, 2] }] },
        }),
      ),
    ).toBe(
      "this workshop's sweep cannot run: runs[1] (p=2): finetune.poisonRatio: must be between 0 and 1",
    );
    expect(await refusal(await payload({ ...workshop, sweep: 'x'.repeat(10) }))).toBe(
      "this workshop's sweep cannot run: (root): a sweep must be a JSON object",
    );
    for (const shards of [0, runs.length + 1, '3', null, 2.5]) {
      expect(await refusal(await payload({ ...workshop, shards }))).toBe(
        `this workshop link's shards: the shard count must be a whole number from 1 to ${runs.length} (the sweep has ${runs.length} runs)`,
      );
    }
    const { shards: _shards, ...noShards } = workshop;
    expect(await refusal(await payload(noShards))).toMatch(/^this workshop link's shards: /);
  });
});

describe('the shard a page suggests', () => {
  const never = () => {
    throw new Error('no random pick expected');
  };

  it("is the link's shard when it names a valid one", () => {
    expect(suggestShard(4, 3, { picked: 1, done: [3] }, never)).toEqual({ shard: 3, why: 'link' });
    // Out of range or not whole: ignored.
    for (const linked of [0, 5, 2.5, NaN]) {
      expect(suggestShard(4, linked, { picked: 2, done: [] }, never)).toEqual({
        shard: 2,
        why: 'picked',
      });
    }
  });

  it('else the shard this browser picked, until it finished it; then a random unfinished one', () => {
    expect(suggestShard(4, undefined, { picked: 2, done: [1] }, never)).toEqual({
      shard: 2,
      why: 'picked',
    });
    // Picked 2 and finished it, and 1: a random one among 3 and 4.
    expect(suggestShard(4, undefined, { picked: 2, done: [1, 2] }, () => 0)).toEqual({
      shard: 3,
      why: 'random',
    });
    expect(suggestShard(4, undefined, { picked: 2, done: [1, 2] }, () => 0.999)).toEqual({
      shard: 4,
      why: 'random',
    });
    // Every shard finished here: any of them (a laptop may run one again).
    expect(suggestShard(3, undefined, { picked: 1, done: [1, 2, 3] }, () => 0.5)).toEqual({
      shard: 2,
      why: 'random',
    });
    // A first visit, and a remembered pick out of range (the link's count changed).
    expect(suggestShard(5, undefined, { done: [] }, () => 0.99)).toEqual({
      shard: 5,
      why: 'random',
    });
    expect(suggestShard(2, undefined, { picked: 7, done: [] }, () => 0)).toEqual({
      shard: 1,
      why: 'random',
    });
    // A random() of exactly 1 (some generators reach it) still names a shard.
    expect(suggestShard(3, undefined, { done: [] }, () => 1).shard).toBe(3);
  });
});
