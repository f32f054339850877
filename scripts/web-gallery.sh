#!/usr/bin/env bash
# Regenerates the screenshots of the served tabletop in reports/gallery/ (the README shows
# them): the facilitator console, the projector view and the team view at 1920x1080, and the
# team view on a phone (390x844), from the browser test's scripted classroom session on
# hospital-tabletop. Needs chromium and chromedriver (Debian: apt-get install chromium
# chromium-driver).
set -euo pipefail
cd "$(dirname "$0")/.."
BLASTRADIUS_BROWSER_TESTS=required BLASTRADIUS_GALLERY="$PWD/reports/gallery" \
    cargo test --release --quiet --test browser
ls -l reports/gallery/tabletop-*.png
