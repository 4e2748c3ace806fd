import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../../src/core/config';
import { resolvePreset } from '../../../src/core/lab';
import { CURATED_MODELS, curatedModel } from '../../../src/core/hub/curated';
import { HubError } from '../../../src/core/hub/errors';
import { downloadHubFile } from '../../../src/core/hub/download';
import {
  describeHubRun,
  hubFailureAdvice,
  hubRunFacts,
  SLOW_SECONDS,
} from '../../../src/lib/hubRun';
import { curatedOptions } from '../../../src/lib/modelChoices';
import { RunProgress } from '../../../src/lib/runProgress.svelte';
import { RunSpeeds } from '../../../src/lib/runSpeeds.svelte';

const SMOLLM = 'HuggingFaceTB/SmolLM2-135M-Instruct';
const option = (repo: string) =>
  curatedOptions(CURATED_MODELS).find((o) => o.spec === curatedModel(repo)?.repo);

/** The page's one estimate, from a browser that has run nothing yet but knows the curated sizes. */
const speeds = new RunSpeeds(() => undefined);
speeds.knowModels(curatedOptions(CURATED_MODELS));
function facts(
  config: ExperimentConfig,
  repo: string | undefined,
  backend: 'wasm' | 'webgpu' | null,
) {
  return hubRunFacts(
    config,
    repo === undefined ? undefined : option(repo),
    backend,
    speeds.estimate(config, backend ?? undefined),
  );
}

function withBase(base: string): ExperimentConfig {
  const config = structuredClone(DEFAULT_CONFIG);
  config.model.base = base;
  return config;
}

describe('hubRunFacts: a Hub run before it starts', () => {
  it('is null for the built-in base model', () => {
    expect(facts(DEFAULT_CONFIG, undefined, 'wasm')).toBeNull();
  });

  it("states a curated model's download, memory, fit and a wasm time, and asks on wasm", () => {
    const config = resolvePreset('smollm2-135m-sst2');
    const found = facts(config, SMOLLM, 'wasm');
    expect(found).not.toBeNull();
    expect(found!.downloadBytes).toBe(curatedModel(SMOLLM)!.downloadBytes);
    expect(found!.memory!.bytes).toBeGreaterThan(curatedModel(SMOLLM)!.parameters * 4);
    expect(found!.memory!.fits).toBe(true);
    // Hours: the README's real-size run took 17 min for the micro preset's 48 rows.
    expect(found!.duration!.seconds).toBeGreaterThan(3600);
    expect(found!.duration!.source).toBe('scaled');
    expect(found!.slow).toBe(true);
    const lines = describeHubRun(found!);
    expect(lines[0]).toMatch(/^HuggingFaceTB\/SmolLM2-135M-Instruct: about \d+ MB to download/);
    expect(lines[1]).toMatch(/^Memory: about [\d.]+ [MG]B at its peak, within wasm's budget\.$/);
    expect(lines[2]).toMatch(
      /^Time: about \d+ h( \d+ min)? on one wasm thread .*scaled to this size/,
    );
  });

  it("is the Run card's estimate: the real-size run's own config takes the measured time", () => {
    // The README's real-size run, re-estimated: 2 + 1 steps of 16 rows, 3 × 120 answers, Antidote:
    // 517 + 253 + 72 + 204 s = 17.4 min of stages, scaled from 135M to the curated size.
    const micro = resolvePreset('micro');
    micro.model.base = SMOLLM;
    Object.assign(micro.alignment, { samples: 32, epochs: 1, batchSize: 16 });
    Object.assign(micro.finetune, { samples: 16, epochs: 1, batchSize: 16 });
    // That run was before the over-refusal evaluation.
    micro.evaluation.overRefusalPrompts = 0;
    const found = facts(micro, SMOLLM, 'wasm')!;
    const parameters = curatedModel(SMOLLM)!.parameters;
    expect(found.duration!.seconds).toBeCloseTo(((517 + 253 + 72 + 204) * parameters) / 135e6, 0);
  });

  it('does not ask on WebGPU, and says a model that does not fit will not', () => {
    const config = resolvePreset('smollm2-135m-sst2');
    const onGpu = facts(config, SMOLLM, 'webgpu')!;
    expect(onGpu.slow).toBe(false);
    // Nothing measured here says how fast a GPU is: the run's first steps do.
    expect(onGpu.duration).toBeNull();
    expect(describeHubRun(onGpu)[2]).toMatch(/^Time: its first steps measure it/);
    const qwen = withBase('Qwen/Qwen3-0.6B');
    qwen.finetune.lora = null;
    const found = facts(qwen, 'Qwen/Qwen3-0.6B', 'wasm')!;
    expect(found.memory!.fits).toBe(false);
    expect(describeHubRun(found)[1]).toContain('will not fit wasm');
  });

  it('asks on wasm for a repo of unknown size, and not while the backend is unknown', () => {
    const found = facts(withBase('tiny/llama'), undefined, 'wasm')!;
    expect(found.downloadBytes).toBeNull();
    expect(found.memory).toBeNull();
    expect(found.duration).toBeNull();
    expect(found.slow).toBe(true);
    expect(describeHubRun(found).join(' ')).toContain('known once its config.json downloads');
    expect(facts(withBase('tiny/llama'), undefined, null)!.slow).toBe(false);
  });

  it('does not ask for a small curated run that trains in minutes on wasm', () => {
    const config = withBase('EleutherAI/pythia-70m');
    for (const stage of [config.alignment, config.finetune]) {
      Object.assign(stage, { samples: 16, epochs: 1, batchSize: 16 });
    }
    Object.assign(config.evaluation, {
      harmfulPrompts: 8,
      benignPrompts: 8,
      helpfulnessPrompts: 8,
      taskPrompts: 8,
    });
    const found = facts(config, 'EleutherAI/pythia-70m', 'wasm')!;
    expect(found.duration!.seconds).toBeLessThan(SLOW_SECONDS);
    expect(found.slow).toBe(false);
  });
});

/** The message the download code writes when fetch itself fails. */
async function networkFailure(): Promise<string> {
  try {
    await downloadHubFile(
      {
        endpoint: 'https://huggingface.co',
        ref: { repo: SMOLLM, revision: 'main' },
        fetch: () => Promise.reject(new TypeError('Failed to fetch')),
      },
      'config.json',
    );
  } catch (error) {
    expect(error).toBeInstanceOf(HubError);
    return (error as HubError).message;
  }
  throw new Error('the download did not fail');
}

describe('hubFailureAdvice: what a failed Hub download says to do', () => {
  it('a fetch that failed on the base model: connection, mirror, built-in model', async () => {
    const message = await networkFailure();
    expect(hubFailureAdvice(message, `${SMOLLM}@main`)).toEqual({
      connection: true,
      mirror: true,
      builtIn: true,
    });
    // A dataset or a judge that failed to download on a built-in base: no model to go back to.
    expect(hubFailureAdvice(message, 'safetune-base')).toEqual({
      connection: true,
      mirror: true,
      builtIn: false,
    });
  });

  it('a server error suggests a mirror; a gated base repo only the built-in model; others nothing', () => {
    expect(
      hubFailureAdvice('config.json of a/b@main at https://x answered HTTP 503 Service', 'c/d'),
    ).toEqual({ connection: false, mirror: true, builtIn: false });
    expect(
      hubFailureAdvice(
        'config.json of a/b@main at https://x answered 401: the repo is gated',
        'a/b',
      ),
    ).toEqual({ connection: false, mirror: false, builtIn: true });
    expect(hubFailureAdvice('out of memory', 'a/b')).toBeNull();
    expect(hubFailureAdvice(null, 'a/b')).toBeNull();
  });
});

describe('RunProgress.halt: a run that failed while preparing', () => {
  it('stops the stage in progress, so it no longer says it is preparing', () => {
    const run = new RunProgress(0);
    run.apply(
      { type: 'download', repo: SMOLLM, file: 'config.json', loadedBytes: 0, totalBytes: null },
      10,
    );
    expect(run.downloading).toBe(true);
    run.halt(500);
    expect(run.downloading).toBe(false);
    expect(run.stages.map((s) => s.status)).toEqual(['stopped', 'pending', 'pending', 'pending']);
    expect(run.stages[0].endedAt).toBe(500);
  });
});
