#!/usr/bin/env bash
# Measures PHOLD config A's speed ratios on a noisy machine: runs the sequential BinaryHeap
# baseline, the engine on 1 thread and the engine on 2 threads in turn, several rounds, and
# prints each one's median events per second and, for each ratio, the median over rounds of
# the ratio within a round. Interleaving spreads the machine's slow spells over all three, and
# taking the ratio within a round cancels the spells that last longer than a round, where
# criterion measures the three one after another.
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

for _ in $(seq "$rounds"); do
    echo "$(rate --baseline) $(rate --threads 1) $(rate --threads 2)"
done | awk -v n="$rounds" '
    function median(v, k,    i, j, t) {
        for (i = 2; i <= k; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
            t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
        }
        return (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
    }
    function range(v, k,    i, lo, hi) {
        lo = hi = v[1]
        for (i = 2; i <= k; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i] }
        return sprintf("%.2f to %.2f", lo, hi)
    }
    { b[NR] = $1; e1[NR] = $2; e2[NR] = $3; r1[NR] = $2 / $1; r2[NR] = $3 / $2 }
    END {
        printf "PHOLD A, %d interleaved rounds (events/s, median):\n", n
        printf "  baseline (sequential BinaryHeap)  %6.2f M\n", median(b, NR) / 1e6
        printf "  engine, 1 thread                  %6.2f M\n", median(e1, NR) / 1e6
        printf "  engine, 2 threads                 %6.2f M\n", median(e2, NR) / 1e6
        s1 = range(r1, NR); s2 = range(r2, NR)
        printf "ratios within a round (median, range):\n"
        printf "  1 thread / baseline   %.2f x   (%s)\n", median(r1, NR), s1
        printf "  2 threads / 1 thread  %.2f x   (%s)\n", median(r2, NR), s2
    }'
