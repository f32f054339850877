#!/usr/bin/env bash
# Fuzzes the scenario front end and the tabletop command parser with cargo fuzz (libFuzzer,
# nightly toolchain): RUNS executions of each target (default 1,000,000), starting from the
# committed corpus (fuzz/corpus/TARGET) and seeds made here from the shipped scenarios, the
# data-driven bad-input cases and the scripted tabletop session. New inputs that reach new
# code are added to the corpus; `--cmin` then keeps, of those, only the inputs that reach an
# edge the seeds and the committed corpus do not, ready to commit. A crash stops the
# run and is saved in fuzz/artifacts/TARGET/: make it a case of tests/scenario_errors.rs or
# tests/tabletop.rs, and tests/fuzz_corpus.rs replays the corpus on every `cargo test`.
#
#   scripts/fuzz.sh [RUNS] [--cmin]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
cmin=${2:-}
# The longest input the fuzzer makes or reads: a scenario that `extends` a built-in reaches
# every part of the front end in a few hundred bytes, and the corpus stays small (at 4096,
# twice the bytes for 3% more edges).
max_len=2048

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "error: the nightly toolchain is needed (rustup toolchain install nightly)" >&2
    exit 2
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$seeds/scenario" "$seeds/tabletop_command"
for f in scenarios/*.ron tests/scenarios/*.ron tests/scenarios/bad/*.ron sim/scenario/sectors/*.ron; do
    [[ -f "$f" ]] && cp "$f" "$seeds/scenario/$(echo "$f" | tr / _)"
done
i=0
while IFS= read -r line; do
    [[ -n "$line" ]] || continue
    printf '%s' "$line" > "$seeds/tabletop_command/line-$i"
    i=$((i + 1))
done < <(cat tests/tabletop/*.txt; printf '%s\n' \
    "help inject" "propose red technicians hospital 20 -- the clinics are on their own" \
    "accept 1" "reject 2 not yet" "until recovered 90%" "run 6h" "status hospital" \
    "inject contractors bank 50" "inject order hospital criticality-first" "inject halt" \
    "inject revert" "inject escrow hospital" "inject fallback hospital" "undo" "end")

for target in scenario tabletop_command; do
    mkdir -p "fuzz/corpus/$target"
    echo "== fuzz $target: $runs executions"
    log="$seeds/$target.log"
    status=0
    (cd fuzz && cargo +nightly fuzz run "$target" --sanitizer none --debug-assertions \
        "corpus/$target" "$seeds/$target" -- \
        -runs="$runs" -max_len="$max_len" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1) \
        > "$log" 2>&1 || status=$?
    grep -E "^Done [0-9]+ runs|^stat::(number_of_executed_units|peak_rss_mb|new_units_added)" "$log" || true
    if ((status != 0)) || compgen -G "fuzz/artifacts/$target/crash-*" >/dev/null; then
        tail -n 40 "$log" >&2
        echo "error: fuzz $target failed (exit $status); inputs that crash are in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    if [[ "$cmin" == --cmin ]]; then
        # Minimised against the seeds, which every run makes afresh from the repository, and
        # the inputs already committed, which stay: of the inputs this run added, only those
        # that reach an edge none of those reach are kept (each cut to the length the fuzzer
        # reads), so the corpus grows by what is new and its history by no more.
        kept="$seeds/kept-$target"
        added="$seeds/added-$target"
        mkdir -p "$kept" "$added"
        cp "$seeds/$target"/* "$kept"/
        git ls-files "fuzz/corpus/$target" | sed 's|.*/||' | sort > "$seeds/committed"
        for f in "fuzz/corpus/$target"/*; do
            [[ -e "$f" ]] || continue
            if grep -qxF "$(basename "$f")" "$seeds/committed"; then
                cp "$f" "$kept"/
            else
                mv "$f" "$added"/
            fi
        done
        ls "$kept" | sort > "$seeds/before"
        bin="target/$(rustc -vV | sed -n 's/^host: //p')/release/$target"
        (cd fuzz && "$bin" -merge=1 -use_counters=0 -max_len="$max_len" "$kept" "$added") \
            > "$seeds/$target.cmin.log" 2>&1 || { tail -n 20 "$seeds/$target.cmin.log" >&2; exit 1; }
        ls "$kept" | sort | comm -13 "$seeds/before" - | while IFS= read -r f; do
            cp "$kept/$f" "fuzz/corpus/$target/"
        done
        echo "corpus/$target: $(comm -13 "$seeds/before" <(ls "$kept" | sort) | wc -l) inputs" \
            "added, $(ls "fuzz/corpus/$target" | wc -l) in all," \
            "$(cat "fuzz/corpus/$target"/* | wc -c) bytes"
    fi
done
