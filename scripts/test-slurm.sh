#!/usr/bin/env bash
# scripts/slurm-sweep.sbatch on a real Slurm: a single-node cluster made in a temporary folder
# (munged, slurmctld and slurmd in the foreground as children of this script, no systemd, no
# cgroups), then
#   1. the README's cluster sweep scaled down (hospital-tabletop, 6 points, 3 replications,
#      3 shards, the script's default request): the merged runs.csv and points.csv must equal
#      a local `blastradius sweep` of the same command, byte for byte;
#   2. resume: a larger sweep (1,200 runs) with one shard cancelled mid-run (scancel); its
#      merge job is cancelled with it; the shard is resubmitted alone (--array=I), and after
#      the new merge every run is there exactly once and the tables equal the local sweep's;
#   3. a calibration (`calibrate` before SHARDS) of the known world in 2 shards with a second
#      wave: the merge job's scored calibration equals a local `blastradius calibrate`.
# Installs slurm-wlm and munge from Debian when missing. Safe to run twice (a fresh folder and
# free ports each time; the daemons it started are stopped on exit). .ci/run runs it.
#
#   scripts/test-slurm.sh            # uses target/release/blastradius (built if missing)
#   BLASTRADIUS=/path/to/blastradius scripts/test-slurm.sh
#   KEEP=1 scripts/test-slurm.sh     # keep the temporary folder
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
started=$(date +%s)
say() { printf '[slurm %3ds] %s\n' $(($(date +%s) - started)) "$*"; }

# --- What it needs. -----------------------------------------------------------------------
if ! command -v slurmctld > /dev/null || ! command -v slurmd > /dev/null ||
    ! command -v sbatch > /dev/null || ! command -v munged > /dev/null; then
    say "installing slurm-wlm and munge (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq > /dev/null
    apt-get install -y -qq slurm-wlm munge > /dev/null
fi
bin=${BLASTRADIUS:-$repo/target/release/blastradius}
if [[ ! -x "$bin" ]]; then
    say "building $bin"
    cargo build --release --quiet --bin blastradius
fi
bin=$(realpath "$bin")

# --- A cluster of one node in a temporary folder. -------------------------------------------
work=$(mktemp -d /tmp/blastradius-slurm.XXXXXX)
# munged wants every folder above its socket searchable by all, and none writable by others.
chmod 755 "$work"
mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/log"
chmod 755 "$work/munge"
pids=() jobs=()
cleanup() {
    local code=$?
    if [[ ${#jobs[@]} -gt 0 ]]; then scancel "${jobs[@]}" 2> /dev/null || true; fi
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2> /dev/null || true; done
    for pid in "${pids[@]+"${pids[@]}"}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2> /dev/null || true
    done
    if [[ $code -eq 0 && -z "${KEEP:-}" ]]; then rm -rf "$work"; else say "kept $work"; fi
    exit $code
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# On failure: what Slurm and its daemons say.
diagnose() {
    echo "---- squeue" >&2
    squeue -t all -o '%.12i %.20j %.10T %.10M %R' >&2 || true
    for job in "$@"; do
        echo "---- scontrol show job $job" >&2
        scontrol show job "$job" >&2 || true
    done
    for f in "$work"/log/*.log "$work"/log/*.out; do
        [[ -f "$f" ]] || continue
        echo "---- tail $f" >&2
        tail -n 25 "$f" >&2
    done
    for f in "$work"/*/slurm-*.out "$work"/*/merge-*.out; do
        [[ -f "$f" ]] || continue
        echo "---- $f" >&2
        tail -n 10 "$f" >&2
    done
}
die() {
    echo "FAIL: $1" >&2
    shift
    diagnose "$@"
    exit 1
}
# Waits until a command succeeds: wait_for SECONDS WHAT COMMAND...
wait_for() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$(($(date +%s) + seconds))
    until "$@" > /dev/null 2>&1; do
        (($(date +%s) < deadline)) || die "$what: not within ${seconds} s"
        sleep 0.2
    done
}

# Two free TCP ports, so a second run (or a real Slurm) on this machine does not collide.
read -r ctld_port slurmd_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')

say "munged"
head -c 1024 /dev/urandom > "$work/munge/munge.key"
chmod 600 "$work/munge/munge.key"
socket="$work/munge/munge.socket"
munged --foreground --socket="$socket" --key-file="$work/munge/munge.key" \
    --pid-file="$work/munge/munged.pid" --seed-file="$work/munge/munged.seed" \
    --log-file="$work/log/munged.log" > "$work/log/munged.out" 2>&1 &
pids+=($!)
wait_for 10 "munged to answer on $socket" bash -c "munge -n --socket='$socket' | unmunge --socket='$socket'"

host=$(hostname -s)
node=$(slurmd -C | head -n 1)
[[ "$node" == NodeName=* ]] || die "slurmd -C printed '$node', not a node line"
cat > "$work/slurm.conf" << EOF
# A single-node test cluster (scripts/test-slurm.sh).
ClusterName=blastradius-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
# Finished jobs stay visible to scontrol for the whole test.
MinJobAge=900
KillWait=5
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
# The sbatch input variables of a real site would change what is tested.
unset SBATCH_PARTITION SBATCH_ACCOUNT SBATCH_TIMELIMIT SBATCH_MEM_PER_NODE BLASTRADIUS_SBATCH_ARGS

say "slurmctld and slurmd (ports $ctld_port, $slurmd_port)"
slurmctld -D > "$work/log/slurmctld.out" 2>&1 &
pids+=($!)
wait_for 30 "slurmctld to answer" bash -c "scontrol ping | grep -q UP"
slurmd -D > "$work/log/slurmd.out" 2>&1 &
pids+=($!)
wait_for 60 "node $host to be idle" bash -c "sinfo -h -n '$host' -o %T | grep -qx idle"
say "cluster up: $(sinfo -h -o '%P %D %c CPUs %m MB %T' | head -n 1)"

# --- Helpers on jobs. ------------------------------------------------------------------------
# The states of a job (every task of an array), one per line.
states() { scontrol -o show job "$1" 2> /dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
# Waits for a job to reach a final state; fails unless every task is in one of the wanted.
wait_job() {
    local job=$1 seconds=$2 wanted=$3
    local deadline=$(($(date +%s) + seconds)) s
    while :; do
        s=$(states "$job" | sort -u | tr '\n' ' ')
        if [[ -n "$s" ]] && ! grep -qE 'PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED' <<< "$s"; then
            for state in $s; do
                [[ " $wanted " == *" $state "* ]] || die "job $job ended $s, not $wanted" "$job"
            done
            return 0
        fi
        if (($(date +%s) >= deadline)); then die "job $job still '$s' after ${seconds} s" "$job"; fi
        sleep 0.5
    done
}
# Submits through the script under test; sets $array and $merge.
submit() {
    local output
    output=$(scripts/slurm-sweep.sbatch "$@") || die "slurm-sweep.sbatch $* failed"
    sed 's/^/    | /' <<< "$output"
    array=$(sed -n 's/^submitted job array \([0-9]*\) .*/\1/p' <<< "$output")
    merge=$(sed -n 's/.* and merge job \([0-9]*\) .*/\1/p' <<< "$output")
    [[ -n "$array" && -n "$merge" ]] || die "no job ids in the script's output"
    jobs+=("$array" "$merge")
}
rows() { tail -n +2 "$1" | wc -l; }
# Every (point, replication) of a runs.csv exactly once, and as many as the plan has.
check_runs() {
    local file=$1 expected=$2 n distinct
    n=$(rows "$file")
    distinct=$(tail -n +2 "$file" | cut -d, -f1,2 | sort -u | wc -l)
    [[ "$n" -eq "$expected" ]] || die "$file has $n runs, not $expected"
    [[ "$distinct" -eq "$n" ]] || die "$file repeats runs: $n rows, $distinct distinct"
}
same_tables() {
    local merged=$1 local_dir=$2 table
    for table in runs.csv points.csv; do
        cmp -s "$merged/$table" "$local_dir/$table" ||
            die "$merged/$table differs from the local sweep's: $(diff "$merged/$table" "$local_dir/$table" | head -n 5)"
    done
}

export BLASTRADIUS=$bin

# --- 1. The README's example, scaled down. -----------------------------------------------------
sweep1=(hospital-tabletop --set 'fleet.harbour_health.staff.technicians_per_1000=2..12:3'
    --set 'fleet.harbour_health.staff.call_in_delay=30m,2h' --reps 3)
say "1. sweep of 18 runs in 3 shards, the script's default request"
submit 3 "$work/one" "${sweep1[@]}"
wait_job "$merge" 120 COMPLETED
wait_job "$array" 5 COMPLETED
"$bin" sweep "${sweep1[@]}" --out "$work/one-local" --quiet
check_runs "$work/one/merged/runs.csv" 18
same_tables "$work/one/merged" "$work/one-local"
say "1. merged runs.csv and points.csv equal the local sweep's (18 runs)"

# --- 2. Resume after a shard is cancelled mid-run. ---------------------------------------------
sweep2=(hospital-tabletop --set 'fleet.harbour_health.staff.technicians_per_1000=2..12:3'
    --set 'fleet.harbour_health.staff.call_in_delay=30m,2h' --reps 200)
# Each shard's runs take long enough on one CPU to be cancelled mid-way, and the whole part
# stays within a few minutes (with --reps 500 it took 400 s of the test's 428).
runs2=1200 victim=1 per_shard=400
say "2. sweep of $runs2 runs in 3 shards of 1 CPU each (sbatch options before --)"
submit --cpus-per-task=1 -- 3 "$work/two" "${sweep2[@]}"
journal="$work/two/shard-$victim/runs.csv"
# Cancel shard 1 once it has some runs and before it has them all.
deadline=$(($(date +%s) + 120))
while :; do
    if [[ -f "$journal" ]] && (($(rows "$journal") >= 20)); then break; fi
    (($(date +%s) < deadline)) || die "shard $victim wrote no runs within 120 s" "$array"
    sleep 0.05
done
scancel "${array}_$victim"
wait_job "${array}_$victim" 60 "CANCELLED COMPLETED"
task_state=$(states "${array}_$victim")
before=$(rows "$journal")
if [[ "$task_state" == COMPLETED ]]; then
    # The shard outran the cancel: lose its last runs by hand instead, and half a line.
    say "2. shard $victim finished before the cancel landed; cutting its journal instead"
    keep=$((before / 3))
    { head -n $((keep + 1)) "$journal"; tail -n 1 "$journal" | head -c 20; } > "$journal.cut"
    mv "$journal.cut" "$journal"
    before=$keep
    # The merge job may already have run; the point is the resubmission below.
fi
say "2. shard $victim cancelled with $before of $per_shard runs in its journal"
((before < per_shard)) || die "the cancelled shard has all its runs: nothing to resume"
wait_job "$array" 120 "COMPLETED CANCELLED"
wait_job "$merge" 60 "CANCELLED COMPLETED"
if [[ "$task_state" == CANCELLED ]]; then
    [[ "$(states "$merge")" == CANCELLED ]] || die "the merge job ran though shard $victim was cancelled" "$merge"
    [[ ! -e "$work/two/merged/runs.csv" ]] || die "a merged runs.csv exists though a shard was cancelled"
    say "2. the merge job was cancelled with the shard (its dependency can never be met)"
fi
first_array=$array
submit --cpus-per-task=1 --array=$victim -- 3 "$work/two" "${sweep2[@]}"
wait_job "$merge" 120 COMPLETED
wait_job "$array" 5 COMPLETED
check_runs "$journal" "$per_shard"
check_runs "$work/two/merged/runs.csv" "$runs2"
"$bin" sweep "${sweep2[@]}" --out "$work/two-local" --quiet
same_tables "$work/two/merged" "$work/two-local"
say "2. shard $victim resumed from $before runs (job $array after $first_array); merged: $runs2 runs, each once, equal to the local sweep"

# --- 3. A calibration: the first wave as the array, scored with its second wave after. ---------
cat > "$work/known-13.ron" << EOF
// The known world's shares back at 3 h and 6 h at 13 technicians (tests/calibrate.rs).
(name: "known-13", observations: [
    (name: "back_3h", figure: "recovered_share", at: "2024-07-19T07:09:00Z", observed: (low: 0.201, high: 0.241), source: "the model at 13 technicians"),
    (name: "back_6h", figure: "recovered_share", at: "2024-07-19T10:09:00Z", observed: (low: 0.425, high: 0.485), source: "the model at 13 technicians"),
])
EOF
calibrate3=(tests/known/calibrate.ron --observed "$work/known-13.ron"
    --set 'fleet.org.staff.technicians_per_1000=5..25' --design lhs --samples 40 --reps 2 --waves 2)
say "3. calibration: 80 runs of its first wave in 2 shards, then scoring and a second wave"
submit calibrate 2 "$work/three" "${calibrate3[@]}"
wait_job "$merge" 120 COMPLETED
wait_job "$array" 5 COMPLETED
"$bin" calibrate "${calibrate3[@]}" --out "$work/three-local" --quiet
for table in calibration.csv non_implausible.csv best.ron wave-2/runs.csv; do
    cmp -s "$work/three/merged/$table" "$work/three-local/$table" ||
        die "the cluster's $table differs from the local calibration's"
done
kept=$(grep -c ',true$' "$work/three/merged/calibration.csv" || true)
say "3. the cluster's calibration equals the local one ($kept of 80 points non-implausible)"

say "passed in $(($(date +%s) - started)) s"
echo "slurm: 3 passed, 0 failed"
