#!/usr/bin/env bash
# One entry for every engine (Kubernetes Indexed Job, Slurm array, GNU parallel over SSH): takes
# this machine's shard from the environment, runs one shard of a sweep or a search into
# $RESULTS_DIR/shard-<i>, and exits with the lab's status. Afterwards, on any machine that sees
# $RESULTS_DIR: npm run lab -- merge $RESULTS_DIR
#
#   scripts/shard-entry.sh sweep|attack (<spec.json> | --preset <name>) [lab options…]
#
# The shard, from the first of these that is set:
#   JOB_COMPLETION_INDEX   0-based (a Kubernetes Indexed Job sets it): shard = index + 1, of
#                          SHARD_COUNT (set it to the Job's completions)
#   SLURM_ARRAY_TASK_ID    the array's own numbering, 0- or 1-based as --array says: shard =
#                          (ID - SLURM_ARRAY_TASK_MIN) / step + 1 of the array's task count
#                          (--array=0-2 and --array=1-3 both give shards 1/3 … 3/3); SHARD_COUNT,
#                          if set, must agree
#   SHARD_INDEX            1-based, with SHARD_COUNT (by hand, GNU parallel)
# Each shard keeps its own browser profile (its stage cache: $SAFETUNE_PROFILE_DIR, default
# ${TMPDIR:-/tmp}/safetune-profile-shard-<i>) and, unless SAFETUNE_LAB_PORT is set, its own port
# (41731 + i - 1), so shards sharing a host or a home folder do not share a Chromium profile.
# SAFETUNE_LAB_CMD replaces the lab command (default: npm run -s lab -- in this checkout).
# Bad environment: one line on stderr, exit 2 (the lab's own status for bad input).
set -euo pipefail

fail() {
  echo "shard-entry: $*" >&2
  exit 2
}
whole() { [[ "$1" =~ ^[0-9]+$ ]]; }

command="${1:-}"
[[ "$command" == sweep || "$command" == attack ]] ||
  fail "the first argument must be sweep or attack (got \"$command\")"
[[ -n "${RESULTS_DIR:-}" ]] || fail "RESULTS_DIR must name the shared results folder"
[[ -z "${SHARD_COUNT:-}" ]] || whole "$SHARD_COUNT" ||
  fail "SHARD_COUNT must be a whole number (got \"$SHARD_COUNT\")"

if [[ -n "${JOB_COMPLETION_INDEX:-}" ]]; then
  whole "$JOB_COMPLETION_INDEX" ||
    fail "JOB_COMPLETION_INDEX must be a whole number (got \"$JOB_COMPLETION_INDEX\")"
  [[ -n "${SHARD_COUNT:-}" ]] || fail "JOB_COMPLETION_INDEX needs SHARD_COUNT (the Job's completions)"
  index=$((10#$JOB_COMPLETION_INDEX + 1))
  count=$((10#$SHARD_COUNT))
  from="JOB_COMPLETION_INDEX=$JOB_COMPLETION_INDEX, 0-based"
elif [[ -n "${SLURM_ARRAY_TASK_ID:-}" ]]; then
  for name in SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX; do
    whole "${!name:-}" || fail "$name must be a whole number (got \"${!name:-}\"): run as an array job (sbatch --array=1-N)"
  done
  step="${SLURM_ARRAY_TASK_STEP:-1}"
  whole "$step" && ((step > 0)) || fail "SLURM_ARRAY_TASK_STEP must be a positive whole number (got \"$step\")"
  offset=$((10#$SLURM_ARRAY_TASK_ID - 10#$SLURM_ARRAY_TASK_MIN))
  ((offset >= 0 && offset % step == 0)) ||
    fail "SLURM_ARRAY_TASK_ID=$SLURM_ARRAY_TASK_ID is not in the range $SLURM_ARRAY_TASK_MIN-$SLURM_ARRAY_TASK_MAX:$step"
  index=$((offset / step + 1))
  count=$(((10#$SLURM_ARRAY_TASK_MAX - 10#$SLURM_ARRAY_TASK_MIN) / step + 1))
  if [[ -n "${SLURM_ARRAY_TASK_COUNT:-}" ]] && whole "$SLURM_ARRAY_TASK_COUNT"; then
    ((10#$SLURM_ARRAY_TASK_COUNT == count)) ||
      fail "the array is not one range (SLURM_ARRAY_TASK_COUNT=$SLURM_ARRAY_TASK_COUNT, range $SLURM_ARRAY_TASK_MIN-$SLURM_ARRAY_TASK_MAX:$step): use --array=1-N"
  fi
  if [[ -n "${SHARD_COUNT:-}" ]] && ((10#$SHARD_COUNT != count)); then
    fail "SHARD_COUNT=$SHARD_COUNT but the array has $count tasks"
  fi
  from="SLURM_ARRAY_TASK_ID=$SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_MIN-$SLURM_ARRAY_TASK_MAX"
elif [[ -n "${SHARD_INDEX:-}" ]]; then
  whole "$SHARD_INDEX" || fail "SHARD_INDEX must be a whole number, 1-based (got \"$SHARD_INDEX\")"
  [[ -n "${SHARD_COUNT:-}" ]] || fail "SHARD_INDEX needs SHARD_COUNT"
  index=$((10#$SHARD_INDEX))
  count=$((10#$SHARD_COUNT))
  from="SHARD_INDEX=$SHARD_INDEX, 1-based"
else
  fail "no shard in the environment: set JOB_COMPLETION_INDEX (0-based) or SHARD_INDEX (1-based) with SHARD_COUNT, or run as a Slurm array"
fi
((index >= 1 && index <= count && count <= 1000)) ||
  fail "shard $index/$count is outside 1 ≤ i ≤ n ≤ 1000 ($from)"

out="$RESULTS_DIR/shard-$index"
export SAFETUNE_PROFILE_DIR="${SAFETUNE_PROFILE_DIR:-${TMPDIR:-/tmp}/safetune-profile-shard-$index}"
export SAFETUNE_LAB_PORT="${SAFETUNE_LAB_PORT:-$((41731 + index - 1))}"
echo "shard-entry: $command shard $index/$count ($from) into $out" >&2

if [[ -n "${SAFETUNE_LAB_CMD:-}" ]]; then
  read -ra lab <<<"$SAFETUNE_LAB_CMD"
else
  # --prefix, not cd: the lab resolves relative paths against where this was started (INIT_CWD).
  lab=(npm --prefix "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" run -s lab --)
fi
exec "${lab[@]}" "$@" --shard "$index/$count" --out "$out"
