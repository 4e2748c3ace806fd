/** The CLI's help: the tool's usage and each command's options (`npm run lab -- <command> --help`). */
import { BACKENDS } from '../src/core/config';
import { MAX_WASM_THREADS } from '../src/core/runtime/threads';
import { MERGE_LIMITS } from '../src/core/shard/merge';
import { MAX_SHARD_COUNT } from '../src/core/shard/plan';
import { DEFAULT_MAX_NEW_TOKENS, type CommandName } from './args';

/** `run`, `sweep` and `attack` take the same `--threads`. */
const THREADS_OPTION = `  --threads <n>      wasm: XNNPACK threads for the run's worker (1 to ${MAX_WASM_THREADS}; default: half the
                     cores, 1 on 2; a Hub model trains faster on more: README, Hosting)`;

const USAGE = `SafeTune Lab on the command line: the real app bundle, in headless Chromium.

Usage: npm run lab -- <command> [options]

Commands:
  run <config.json>        run an experiment and write its results file
  run --preset <name>      run a built-in preset
  sweep <sweep.json>       run a grid of experiments and write a leaderboard (JSON and CSV)
  sweep --preset <name>    run a built-in sweep (defenses-vs-poison, hyperparameter-sensitivity,
                           mask-ratio)
  attack <search.json>     per defense, search the attacker's fine-tuning settings for the worst
                           harmful score under a utility floor: a robustness leaderboard
  attack --preset <name>   a built-in search (worst-case-defenses, worst-case-defenses-gpu)
  sweep|attack … --shard i/n
                           run only shard i of n (one of n machines; see README, Many machines)
  merge <folders|files>    the shards' results → the leaderboard of the whole sweep or search
  generate --model <m>     greedy generation from a built-in or Hugging Face Hub model
  methods                  list every registered method and attack with its parameters
  models                   list the built-in and curated Hub models with their memory needs
  validate <config.json>   check a config; exit 2 with one line per problem
  presets                  list the built-in presets
  preset <name>            print a preset's complete config as JSON

npm run lab -- <command> --help   shows a command's options.`;

export const HELP: Record<CommandName | 'lab', string> = {
  lab: USAGE,
  run: `Usage: npm run lab -- run <config.json> [options]
       npm run lab -- run --preset <name> [options]

Validates the config (exit 2 on problems), checks --out (exit 2 if it cannot be written), prints
a cost estimate on stderr (steps per stage, the model's parameters, a step's memory), runs the
three-stage pipeline in headless Chromium through the lab's worker, prints progress and the
metrics table, and writes the results file. Needs the built app: npm run build.

Options:
  --preset <name>    run a built-in preset instead of a config file (see: presets)
  --backend <name>   ${BACKENDS.join('|')}; overrides runtime.backend of the config
${THREADS_OPTION}
  --out <file>       results file (default: results/<configHash>.json); an existing file is kept:
                     the results go to the first free name beside it (<file>-1.json, …), said on
                     stderr; a directory, or a path under /proc, /sys or /dev, is refused (exit 2)
  --force            replace an existing --out file
  --verbose          also print the browser's console messages (on stderr)
  --fresh-profile    start with an empty stage cache (a cold run); by default the browser profile,
                     and so the cache of trained stages, is kept in $SAFETUNE_PROFILE_DIR or
                     ~/.cache/safetune-lab/chromium-profile
  -h, --help         this help

Exit status: 0 success, 1 the run failed, 2 bad input (config, arguments).`,
  validate: `Usage: npm run lab -- validate <config.json>

Checks a config file without running it. Valid: prints "valid: <path> (configHash <hex>)" and
exits 0 (missing fields are filled from the defaults; the hash is that of the complete config).
Invalid: prints one "<field.path>: <problem>" line per problem and exits 2.`,
  sweep: `Usage: npm run lab -- sweep <sweep.json> [options]
       npm run lab -- sweep --preset <name> [options]

A sweep is a base config plus axes whose grid product is the runs:
  { "schemaVersion": 1, "name": "p-by-lr", "base": { "preset": "bench-sst2" },
    "axes": [ { "field": "finetune.poisonRatio", "values": [0.05, 0.2] },
              { "name": "method", "variants": [ { "label": "antidote",
                  "patch": { "post": { "method": "antidote" } } } ] } ] }
Every run is validated first (exit 2 with one line per problem), and a cost estimate of them all
is printed on stderr. Runs go one after another in one kept browser profile, so stages trained by
one run are re-used by the next. Each run's results file is written to <out>/runs/; a run whose
file is already there is not run again (so an interrupted sweep resumes). Then
<out>/leaderboard.json and <out>/leaderboard.csv.

Options:
  --preset <name>    a built-in sweep instead of a file
  --backend <name>   ${BACKENDS.join('|')}; overrides runtime.backend of every run
${THREADS_OPTION}
  --out <dir>        output folder (default: results/sweeps/<sweep name>), checked and made before
                     the first run (a file, or a path under /proc, /sys or /dev: exit 2); a file in
                     <out>/runs/ holding another config's results is kept, the run's goes beside it
                     (000-1.json, …); the leaderboard files are rewritten
  --force            replace such files in <out>/runs/ instead
  --dry-run          list the runs (and the cost estimate, on stderr) and exit
  --shard <i/n>      run only shard i of n (1 ≤ i ≤ n ≤ ${MAX_SHARD_COUNT}): a disjoint part of the runs, the
                     same on every machine (placed by run hash and estimated cost, runs that share
                     their alignment kept together where the balance allows); writes
                     <out>/shard.json (the spec, i/n, the shard's runs) before the first run; the
                     default --out is results/sweeps/<sweep name>/shard-<i>-of-<n>. Then: merge.
  --verbose          also print the browser's console messages (on stderr)
  --fresh-profile    start with an empty stage cache
  -h, --help         this help

Exit status: 0 every run finished, 1 a run failed (the others still ran), 2 bad input.`,
  attack: `Usage: npm run lab -- attack <search.json> [options]
       npm run lab -- attack --preset <name> [options]

An attacker search: for each defense, the fine-tuning settings (finetune.lr, finetune.epochs,
finetune.poisonRatio, finetune.samples, finetune.lora.rank, each with a range) that give the
highest harmful score after the post stage, among runs whose task accuracy keeps a floor:
  { "schemaVersion": 1, "name": "my-search", "base": { "preset": "bench-sst2" },
    "defenses": [ { "label": "sft (no defense)", "patch": {} },
                  { "label": "vaccine", "patch": { "alignment": { "method": "vaccine" } } } ],
    "reference": "sft (no defense)", "utilityFloor": 0.9, "defaultSeeds": [1, 2, 3],
    "space": [ { "field": "finetune.lr", "min": 1e-3, "max": 3e-2, "scale": "log" },
               { "field": "finetune.epochs", "min": 2, "max": 10, "integer": true } ],
    "budget": 6, "randomTrials": 3, "seed": 1 }
First every defense runs at the default setting on each of defaultSeeds (the reference's
fine-tuned accuracy there, times utilityFloor, is the floor); then each defense gets budget
trials: randomTrials uniform random ones, then model-based (TPE) proposals. The same file
proposes the same trials; each run's results file is written to <out>/runs/ and re-used when the
search runs again, so an interrupted search resumes. Then <out>/robustness.json, robustness.csv
and the table.

Options:
  --preset <name>    a built-in search instead of a file
  --backend <name>   ${BACKENDS.join('|')}; overrides runtime.backend of every run
${THREADS_OPTION}
  --out <dir>        output folder (default: results/attacks/<search name>), checked and made before
                     the first run (a file, or a path under /proc, /sys or /dev: exit 2); a file in
                     <out>/runs/ holding another config's results is kept, the run's goes beside it
                     (…-1.json); the robustness files are rewritten
  --force            replace such files in <out>/runs/ instead
  --dry-run          list the plan (defenses, space, runs; the cost estimate on stderr) and exit
  --shard <i/n>      search only shard i of n (1 ≤ i ≤ n ≤ ${MAX_SHARD_COUNT}), sharded BY DEFENSE: TPE proposes
                     a defense's trials from its own history, so each defense's whole search runs
                     on one shard (placed by estimated cost). Every shard also runs the reference's
                     default-setting runs, which set the utility floor (merge folds the copies).
                     Writes <out>/shard.json before the first run; the default --out is
                     results/attacks/<search name>/shard-<i>-of-<n>. Then: merge.
  --verbose          also print the browser's console messages (on stderr)
  --fresh-profile    start with an empty stage cache
  -h, --help         this help

Exit status: 0 the search finished (failed trials are listed), 2 bad input.`,
  merge: `Usage: npm run lab -- merge <folder|file>… [--out <dir>] [--force]

Merges the results of a sweep's or a search's shards (--shard i/n, on one machine or many) into
the leaderboard the whole sweep or search run in one place writes: leaderboard.json and
leaderboard.csv (and leaderboard-runs.csv with seeds), or robustness.json and robustness.csv,
equal to the unsharded run's but for how the runs happened (train_seconds, run_seconds,
cached_stages); and <out>/runs/ with every merged run, so the folder resumes like a sweep's.
Each argument is a results file, a results bundle (a shard the page's workshop exported), a
shard's or a sweep's folder, or a folder holding such folders or bundles (searched 4 levels deep;
links are not followed); at most ${MERGE_LIMITS.maxFiles} JSON files, each bounded as a results
file. The spec comes from the shards' shard.json (or a leaderboard.json /
robustness.json); runs are matched by their config (runtime settings aside). A run found twice
with the same metrics is folded; with different metrics it is a conflict, printed with both
values and left out of the leaderboard; a run found nowhere is missing, named with its shard.
A search is replayed from its files (each trial proposed from the ones before it, as it was), so
a missing trial leaves its defense's later trials unknown.

Options:
  --out <dir>   output folder (default: results/merged/<sweep or search name>), checked and made
                first; a run file there holding another config's results is kept and the merged
                one goes beside it, unless --force
  --force       replace such files
  -h, --help    this help

Exit status: 0 every run found once or folded, 1 runs missing or in conflict (the leaderboard is
still written, listing them as failures), 2 bad input (an unreadable, oversized or foreign file,
no spec, shards of different specs or counts).`,
  generate: `Usage: npm run lab -- generate --model <repo[@revision]|built-in name> (--prompt TEXT | --prompt-ids 1,2,3) [options]

Loads the model in headless Chromium (a Hub repo from $HF_ENDPOINT, default
https://huggingface.co, cached in the browser profile) and decodes greedily until the model emits
its eos_token_id or --max-new-tokens tokens. --prompt is rendered with the model's chat template
(tokenizer_config.json), or the lab's own template when it has none; --prompt-ids are used as they
are.

Options:
  --model <m>            owner/name[@revision] (default revision main) or a built-in model name
  --prompt <text>        the instruction
  --prompt-ids <ids>     comma-separated token ids (no template)
  --max-new-tokens <n>   at most this many new tokens (default ${DEFAULT_MAX_NEW_TOKENS})
  --backend <name>       ${BACKENDS.join('|')} (default auto)
  --logits               also print the next-token logits at the last prompt position
  --show-prompt          also print the rendered prompt, exactly as the model sees it (the chat
                         template's text, special tokens shown), to stderr; with --json, as
                         "promptText" in the JSON object instead
  --json                 print exactly one JSON object on stdout: {"model", "architecture",
                         "parameters", "promptIds", "generatedIds", "text"} (+ "firstLogits",
                         "promptText"); progress goes to stderr
  --verbose              also print the browser's console messages (on stderr)
  --fresh-profile        start with an empty browser profile (nothing cached)
  -h, --help             this help

Exit status: 0 success, 1 loading or generation failed, 2 bad input.`,
  methods: `Usage: npm run lab -- methods

Lists every registered method by stage, then every attack (attack.method, with the phases it acts
in: data, weights, evaluation), with its parameters (type, default, range) and citation.`,
  models: `Usage: npm run lab -- models [--json]

Lists the built-in model and the curated Hugging Face Hub models known to fit in a browser: family,
parameters, approximate download, whether it has a chat template, and the estimated memory of the
lab's default LoRA fine-tuning (batch 4, seqLen 256, float32), with whether its largest tensor fits
WebGPU's default limits (maxStorageBufferBindingSize 128 MiB, maxBufferSize 256 MiB) or needs the
raised limits a desktop adapter grants, and the rows per forward/backward pass a step takes on wasm
(its micro-batches). Nothing is downloaded and no browser is started.

Options:
  --json       print one JSON array, an object per model with the whole estimate
  -h, --help   this help`,
  presets: `Usage: npm run lab -- presets

Lists the built-in presets with their descriptions.`,
  preset: `Usage: npm run lab -- preset <name>

Prints the preset's complete config as JSON, e.g. to start a config file of your own:
  npm run lab -s -- preset micro > micro.json`,
};
