//! A stand-in for Slurm's `sbatch` for tests of `scripts/slurm-sweep.sbatch` (the same as the
//! one in `tests/cli.rs`).

/// A stand-in for Slurm's `sbatch` that runs jobs at once: array tasks one after another with
/// SLURM_ARRAY_TASK_ID and SLURM_CPUS_PER_TASK set, and another job (the merge) at once. It
/// logs each submission's options.
pub const FAKE_SBATCH: &str = r#"#!/usr/bin/env bash
array=""; cpus=1; opts=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --array=*) array="${1#--array=}"; opts+=("$1"); shift ;;
        --cpus-per-task=*) cpus="${1#--cpus-per-task=}"; opts+=("$1"); shift ;;
        --*) opts+=("$1"); shift ;;
        *) break ;;
    esac
done
echo "${opts[*]}" >> "$SBATCH_LOG"
script=$1; shift
# A job that is not an array (the merge) runs at once; its failure is the job's, not sbatch's.
if [[ -z "$array" ]]; then bash "$script" "$@" > /dev/null 2>&1 || true; echo 2; exit 0; fi
IFS=',' read -ra parts <<< "$array"
for part in "${parts[@]}"; do
    for i in $(seq "${part%-*}" "${part#*-}"); do
        SLURM_ARRAY_TASK_ID=$i SLURM_CPUS_PER_TASK=$cpus bash "$script" "$@" || exit 1
    done
done
echo 1
"#;
