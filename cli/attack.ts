/**
 * `npm run lab -- attack`: checks an attacker search, runs it in headless Chromium (one kept
 * profile, so each defense's alignment is trained once for all its trials), writes every results
 * file as it arrives, and ends with the robustness leaderboard as JSON, CSV and a table. Running
 * the same search again re-uses the files already written: an interrupted search resumes with
 * the same trial sequence.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { validateConfig, type ExperimentConfig } from '../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT } from '../src/core/lab';
import {
  attackRunCount,
  attackRunFileName,
  buildRobustnessBoard,
  checkAttackSpec,
  describePoint,
  fromUnit,
  getAttackPreset,
  robustnessCsv,
  robustnessTable,
  runAttack,
  trialConfig,
  type AttackRun,
  type AttackSpec,
  type Point,
  type RobustnessBoard,
} from '../src/core/attack';
import type { Command } from './args';
import { defaultProfileDir } from './browser';
import { EXIT_BAD_INPUT, EXIT_OK } from './exit';
import type { CliContext } from './lab';
import { estimateLine, formatPlanEstimate, type PlannedRun } from './estimate';
import {
  SHARD_MANIFEST_FILE,
  SHARD_MANIFEST_KIND,
  SHARD_MANIFEST_SCHEMA_VERSION,
  defensesOfShard,
  describeShardPlan,
  planAttackShards,
  type ShardManifest,
} from '../src/core/shard';
import { LAB_VERSION } from '../src/core/version';
import {
  prepareOut,
  readSpecSource,
  runConfigInBrowser,
  savedResults,
  writeRunFile,
} from './sweep';

export async function attack(
  command: Extract<Command, { name: 'attack' }>,
  cli: CliContext,
  out: (line?: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const input = await readSpecSource(
    'preset' in command.source ? command.source : { path: command.source.searchPath },
    getAttackPreset,
    cli.cwd,
    err,
  );
  if (input === undefined) return EXIT_BAD_INPUT;
  const checked = checkAttackSpec(input, DEFAULT_VALIDATION_CONTEXT);
  if (!checked.ok) {
    for (const e of checked.errors) err(`${e.path}: ${e.message}`);
    return EXIT_BAD_INPUT;
  }
  const { spec } = checked;
  const { shard } = command;
  // By defense: a defense's trials are proposed from its own history, so its search stays whole.
  const plan =
    shard && planAttackShards(spec, checked.base, DEFAULT_VALIDATION_CONTEXT, shard.count);
  const defenses = plan && shard ? defensesOfShard(spec, plan, shard) : undefined;
  // Where the results go is checked (and made) before anything runs.
  const dir = resolve(
    cli.cwd,
    command.out ??
      join(
        'results',
        'attacks',
        spec.name,
        ...(shard ? [`shard-${shard.index}-of-${shard.count}`] : []),
      ),
  );
  const runsDir = join(dir, 'runs');
  if (!command.dryRun && !prepareOut('attack', dir, command.out, cli.cwd, err)) {
    return EXIT_BAD_INPUT;
  }
  const base =
    command.backend === undefined
      ? checked.base
      : { ...checked.base, runtime: { ...checked.base.runtime, backend: command.backend } };
  out(
    `attack: ${spec.name}, ${spec.defenses.length} defenses × (${spec.defaultSeeds.length} default ` +
      `seeds + ${spec.budget} trials) = ${attackRunCount(spec)} runs`,
  );
  out(`  defenses: ${spec.defenses.map((d) => d.label).join(', ')}`);
  if (plan && shard && defenses) {
    out(
      `${describeShardPlan(plan, shard, defenses.length, spec.defenses.length, 'defenses')}; ` +
        `sharded by defense (each defense's search on one shard, as TPE proposes from its own trials)`,
    );
    out(
      `  this shard: ${defenses.length > 0 ? defenses.join(', ') : 'none'}` +
        (defenses.length > 0 && !defenses.includes(spec.reference)
          ? ` (+ ${spec.reference}'s default runs, for the utility floor)`
          : '') +
        `; ${attackRunCount(spec, defenses)} runs`,
    );
  }
  for (const dim of spec.space) {
    out(
      `  ${dim.field}: ${'values' in dim ? dim.values.join(' | ') : `${dim.min} … ${dim.max}${dim.scale === 'log' ? ' (log)' : ''}${dim.integer ? ' (whole)' : ''}`}`,
    );
  }
  out(
    `  utility floor: ${Math.round(spec.utilityFloor * 100)}% of ${spec.reference}'s fine-tuned FA at the default setting; ${spec.randomTrials} random trials then TPE, seed ${spec.seed}`,
  );
  err(
    estimateLine(() =>
      formatPlanEstimate(
        plannedRuns(spec, base, defenses),
        'trials counted at the top of the space',
      ),
    ),
  );
  if (command.dryRun) return EXIT_OK;
  if (shard && defenses) {
    // Before the first run: a merge then knows which defenses this shard was to search.
    const manifest: ShardManifest = {
      schemaVersion: SHARD_MANIFEST_SCHEMA_VERSION,
      kind: SHARD_MANIFEST_KIND,
      command: 'attack',
      spec: spec as unknown as Record<string, unknown>,
      shard,
      backend: command.backend ?? null,
      defenses,
      labVersion: LAB_VERSION,
    };
    await writeFile(join(dir, SHARD_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  const fileOf = (run: AttackRun) => join(runsDir, attackRunFileName(run));
  const started = cli.now();
  const profileDir = command.freshProfile
    ? await mkdtemp(join(tmpdir(), 'safetune-attack-'))
    : defaultProfileDir();
  let reused = 0;

  const outcome = await runAttack(
    spec,
    base,
    async (run) => {
      const results = await runConfigInBrowser(run.config, cli, command, profileDir, out, err);
      await writeRunFile(fileOf(run), results, command.force, cli.cwd, err);
      return results;
    },
    {
      ctx: DEFAULT_VALIDATION_CONTEXT,
      defenses,
      known: async (run) => {
        const saved = await savedResults(fileOf(run), run.config);
        if (saved) reused += 1;
        return saved;
      },
      onRunStart: (run, position, total) =>
        out(
          `[${position + 1}/${total}] ${run.defense}: ${run.kind === 'default' ? `default setting, seed ${run.seed}` : `${run.kind} trial ${run.index + 1}/${spec.budget} (${describePoint(run.point)})`}`,
        ),
      onRunEnd: (done, so) => {
        if (done.error !== undefined) out(`    failed: ${done.error}`);
        else if (done.run.kind === 'default' && so.floorAccuracy === null) {
          out(`    HS ${done.harmfulScore?.toFixed(1)}, FA ${done.finetuneAccuracy?.toFixed(1)}`);
        } else {
          out(
            `    HS ${done.harmfulScore?.toFixed(1)}, FA ${done.finetuneAccuracy?.toFixed(1)}` +
              (done.feasible ? '' : ` (below the floor FA ${so.floorAccuracy?.toFixed(1)})`),
          );
        }
      },
    },
  );
  if (reused > 0) out(`re-used ${reused} results files from ${relative(cli.cwd, runsDir)}`);

  const board = buildRobustnessBoard(outcome);
  await writeRobustnessFiles(dir, board);
  out();
  out(robustnessTable(board));
  out();
  out(`wall time: ${((cli.now() - started) / 1000).toFixed(0)} s`);
  out(`robustness leaderboard: ${join(dir, 'robustness.json')} and robustness.csv`);
  return EXIT_OK;
}

/** `robustness.json` and `robustness.csv` (attack and merge alike). */
export async function writeRobustnessFiles(dir: string, board: RobustnessBoard): Promise<void> {
  await writeFile(join(dir, 'robustness.json'), `${JSON.stringify(board, null, 2)}\n`);
  await writeFile(join(dir, 'robustness.csv'), robustnessCsv(board));
}

/**
 * The runs of a search for its cost estimate: each defense's default-setting runs, and its trials
 * as if each were at the top of the space (every dimension at its highest: the most epochs and
 * samples, the largest rank), the trials' settings being known only as the search goes.
 */
function plannedRuns(
  spec: AttackSpec,
  base: ExperimentConfig,
  defenses?: readonly string[],
): PlannedRun[] {
  const valid = (config: ExperimentConfig): ExperimentConfig | undefined => {
    const checked = validateConfig(config, DEFAULT_VALIDATION_CONTEXT);
    return checked.ok ? checked.config : undefined;
  };
  const top: Point = Object.fromEntries(spec.space.map((dim) => [dim.field, fromUnit(dim, 1)]));
  const searched = (label: string) => defenses === undefined || defenses.includes(label);
  return spec.defenses.flatMap((defense) => {
    // A shard makes its defenses' runs, and the reference's default runs (the floor).
    if (!searched(defense.label) && (defense.label !== spec.reference || defenses?.length === 0)) {
      return [];
    }
    const defaults = spec.defaultSeeds.flatMap((seed) => {
      const config = valid(trialConfig(spec, base, defense, {}, seed));
      return config ? [{ config }] : [];
    });
    const trial =
      valid(trialConfig(spec, base, defense, top, base.seed)) ??
      valid(trialConfig(spec, base, defense, {}, base.seed));
    return spec.budget > 0 && trial && searched(defense.label)
      ? [...defaults, { config: trial, trials: spec.budget }]
      : defaults;
  });
}
