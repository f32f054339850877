#!/usr/bin/env bash
# Measures PHOLD config A's speed ratios on a noisy machine: runs the sequential BinaryHeap
# baseline, the engine on 1 thread and the engine on 2 threads in turn, several rounds, and
# prints each one's median events per second and the ratios of the medians. Interleaving
# spreads the machine's slow spells over all three, where criterion measures one after another.
#
#   scripts/phold-ratios.sh        # 7 rounds (about half a minute)
#   scripts/phold-ratios.sh 15     # more rounds
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-7}
cargo build --release --quiet
bin=target/release/blastradius
a=(--lps 1024 --events-per-lp 16 --remote 0.1 --lookahead 0.1 --mean 1.0 --end 1000 --seed 1)

rate() { "$bin" bench phold "${a[@]}" "$@" | sed -n 's/.*events_per_s=\([0-9]*\).*/\1/p'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

base=() one=() two=()
for _ in $(seq "$rounds"); do
    base+=("$(rate --baseline)")
    one+=("$(rate --threads 1)")
    two+=("$(rate --threads 2)")
done
b=$(printf '%s\n' "${base[@]}" | median)
e1=$(printf '%s\n' "${one[@]}" | median)
e2=$(printf '%s\n' "${two[@]}" | median)
awk -v b="$b" -v e1="$e1" -v e2="$e2" -v n="$rounds" 'BEGIN {
    printf "PHOLD A, median of %d interleaved rounds (events/s):\n", n
    printf "  baseline (sequential BinaryHeap)  %6.2f M\n", b / 1e6
    printf "  engine, 1 thread                  %6.2f M   %.2f x baseline\n", e1 / 1e6, e1 / b
    printf "  engine, 2 threads                 %6.2f M   %.2f x 1 thread\n", e2 / 1e6, e2 / e1
}'
