#!/usr/bin/env bash
# Regenerates the committed report gallery (reports/gallery/) that the README shows: one run of
# each shipped scenario, a side-by-side comparison of the three rollout policies, 5,000 years of
# the shipped vendor-failures catalogue, the scripted hospital tabletop exercise (its
# transcript and debrief too), and a calibration of salem-health against its observed recovery
# (its best point as a scenario file too). Only the charts (SVG), the summaries (JSON), the HTML
# reports, the exercise's text and the calibration's non-implausible set are kept; the bulky
# CSV time series and sweep tables are not. Takes about twenty minutes on two cores.
#
#   scripts/gallery.sh            # every shipped scenario but the two largest (global-windows,
#                                 # os-update-global; the gallery keeps the latter)
#   scripts/gallery.sh --all      # global-windows and os-update-global too (4 GiB and 17 GiB,
#                                 # about ten minutes more)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
bin=target/release/blastradius
gallery=reports/gallery
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

scenarios=(crowdstrike-2024 canary-rings customer-lag hospital-tabletop airline-crew-backlog
    bank-branches salem-health)
if [ "${1:-}" = "--all" ]; then
    scenarios+=(global-windows os-update-global)
fi

keep() { # keep <from> <to>: the charts, the summary and the HTML report of a report folder
    rm -rf "$2"
    mkdir -p "$2"
    find "$1" -maxdepth 1 \( -name '*.svg' -o -name 'summary.json' -o -name '*.html' \) \
        -exec cp {} "$2"/ \;
}

for name in "${scenarios[@]}"; do
    echo "== $name"
    reps=1
    observed=()
    case "$name" in
        hospital-tabletop | airline-crew-backlog | bank-branches) reps=20 ;;
    esac
    case "$name" in
        # The worlds calibrated against 2024, scored against what was observed (five
        # replications, as the acceptance of the calibration reads them).
        crowdstrike-2024 | salem-health) reps=5 observed=(--observed 2024) ;;
    esac
    "$bin" run "$name" --reps "$reps" "${observed[@]}" --quiet --out "$work/$name"
    keep "$work/$name" "$gallery/$name"
done

echo "== compare: all at once, canary rings, customer lag"
"$bin" compare crowdstrike-2024 canary-rings customer-lag --reps 3 --quiet --out "$work/compare"
keep "$work/compare" "$gallery/compare-rollout"

echo "== catalogue: vendor failures on the mid-market book, 5,000 years"
"$bin" catalogue vendor-failures --years 5000 --quiet --out "$work/vendor-failures"
keep "$work/vendor-failures" "$gallery/vendor-failures"

echo "== tabletop: the scripted hospital exercise"
"$bin" tabletop hospital-tabletop --script tests/tabletop/hospital.txt --out "$work/tabletop" \
    >/dev/null
keep "$work/tabletop" "$gallery/hospital-tabletop-session"
cp "$work/tabletop"/{transcript,debrief,decisions}.txt "$gallery/hospital-tabletop-session/"

echo "== calibrate: salem-health against its observed recovery (2024), repair time and staffing"
"$bin" calibrate salem-health --observed 2024 \
    --set 'fleet.salem_health.repair.time.Workstation.mean=5m..30m' \
    --set 'fleet.salem_health.staff.technicians_per_1000=2..20' \
    --set 'fleet.salem_health.repair.key_desk_agents_per_1000=0.2..2' \
    --set 'fleet.salem_health.staff.volunteers.per_1000=0..50' \
    --design lhs --samples 200 --reps 10 --waves 2 --quiet --out "$work/calibrate"
calibration=$gallery/calibrate-salem-health
rm -rf "$calibration"
mkdir -p "$calibration"
cp "$work/calibrate"/{report.html,calibration.json,non_implausible.csv,best.ron} "$calibration"/
cp "$work/calibrate"/implausibility_vs_*.svg "$work/calibrate"/pair_*.svg "$calibration"/

du -sh "$gallery"
