#!/usr/bin/env bash
# Checks that the crate graph is the one ARCHITECTURE.md draws: the direct dependencies among
# the workspace's crates must be exactly the arrows of its "Crate graph" block, and each crate
# may use only the external crates that block allows it. A new edge, a missing one, or a
# forbidden crate (ron outside scenario, plotters outside report, clap outside cli, ...) fails.
# .ci/run runs it; it needs cargo and python3, and no network.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --filter-platform "$(rustc -vV | sed -n "s/^host: //p")" > "${TMPDIR:-/tmp}/blastradius-metadata.json"
python3 - "${TMPDIR:-/tmp}/blastradius-metadata.json" ARCHITECTURE.md <<'PY'
import json, re, sys

meta = json.load(open(sys.argv[1]))
doc = open(sys.argv[2]).read()
block = re.search(r"```text\n# crate graph\n(.*?)```", doc, re.S)
if not block:
    sys.exit("ARCHITECTURE.md has no ```text block starting '# crate graph'")
# Each line: `crate -> its workspace dependencies [! not used directly] [!! nowhere in its tree]`.
arrows, direct_forbidden, tree_forbidden = {}, {}, {}
for line in block.group(1).splitlines():
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    if "->" not in line:
        sys.exit(f"ARCHITECTURE.md crate graph: cannot read {line!r}")
    name, rest = (part.strip() for part in line.split("->", 1))
    sets, current = {"->": set(), "!": set(), "!!": set()}, "->"
    for word in rest.split():
        if word in sets:
            current = word
        else:
            sets[current].add(word)
    arrows[name], direct_forbidden[name], tree_forbidden[name] = sets["->"], sets["!"], sets["!!"]

ours = {p["id"]: p for p in meta["packages"] if p["source"] is None}
names = {p["name"] for p in ours.values()} - {"blastradius"}
problems = []
if names != set(arrows):
    problems.append(f"crates {sorted(names)} but the graph names {sorted(arrows)}")

nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
pkg = {p["id"]: p["name"] for p in meta["packages"]}

def normal_deps(node_id):
    out = set()
    for d in nodes[node_id]["deps"]:
        if any(k["kind"] in (None, "build") for k in d["dep_kinds"]):
            out.add(d["pkg"])
    return out

for pid, p in ours.items():
    name = p["name"]
    if name not in arrows:
        continue
    direct = {pkg[d] for d in normal_deps(pid)}
    internal = {d for d in direct if d.startswith("blastradius-")}
    if internal != arrows[name]:
        extra, missing = internal - arrows[name], arrows[name] - internal
        if extra:
            problems.append(f"{name} depends on {sorted(extra)}, which ARCHITECTURE.md does not draw")
        if missing:
            problems.append(f"{name} no longer depends on {sorted(missing)}: update ARCHITECTURE.md")
    bad = direct & direct_forbidden[name]
    if bad:
        problems.append(f"{name} uses {sorted(bad)} directly, which it must not know")
    # Forbidden crates anywhere in the crate's normal dependency tree.
    seen, todo = set(), [pid]
    while todo:
        n = todo.pop()
        for d in normal_deps(n):
            if d not in seen:
                seen.add(d)
                todo.append(d)
    bad = {pkg[d] for d in seen} & tree_forbidden[name]
    if bad:
        problems.append(f"{name} reaches {sorted(bad)}, which it must not know")

if problems:
    print("crate graph differs from ARCHITECTURE.md:")
    for p in problems:
        print("  -", p)
    sys.exit(1)
print(f"crate graph matches ARCHITECTURE.md ({len(arrows)} crates)")
PY
