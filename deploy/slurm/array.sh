#!/usr/bin/env bash
# One sweep (or attacker search) as a Slurm job array: task k of --array=1-N runs shard k/N
# (scripts/shard-entry.sh reads SLURM_ARRAY_TASK_ID against the array's own range, so --array=0-2
# works the same) into $RESULTS_DIR/shard-<k>, a folder every node sees.
#   sbatch deploy/slurm/array.sh                       # from the lab's checkout (npm ci && npm run build done)
#   sbatch --array=1-6 deploy/slurm/array.sh attack --preset worst-case-defenses --backend wasm
#   then: npm run lab -- merge "$RESULTS_DIR"
#SBATCH --job-name=safetune-sweep
#SBATCH --array=1-3
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=04:00:00
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail
# sbatch runs a copy of this file: the checkout is where it was submitted from.
cd "${SLURM_SUBMIT_DIR:?run with sbatch}"
export RESULTS_DIR="${RESULTS_DIR:-$PWD/results/slurm-$SLURM_ARRAY_JOB_ID}"
# The stage cache on the node's own disk, one profile per task.
export SAFETUNE_PROFILE_DIR="${TMPDIR:-/tmp}/safetune-profile-$SLURM_ARRAY_JOB_ID-$SLURM_ARRAY_TASK_ID"
if [[ $# -eq 0 ]]; then
  set -- sweep --preset defenses-vs-poison --backend wasm
fi
exec scripts/shard-entry.sh "$@"
