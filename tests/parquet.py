#!/usr/bin/env python3
"""Reads every Parquet table blastradius writes back with pandas (pyarrow) and with polars,
and checks it against its CSV twin: same columns in the same order, same rows in the same
order, equal values (nulls where the CSV cell is empty), integer columns stored as INT64, and
the schema id in the file's key-value metadata. Also checks that `--format parquet` alone
writes no CSV but keeps a sweep's `runs.csv` (its resume journal).

    python3 tests/parquet.py [target/release/blastradius]

Needs pandas, pyarrow and polars (`.ci/run` installs them with pip). Prints one line per
check and closes with 'parquet: N passed, N failed'; exits 1 if any failed.
"""

import csv
import math
import os
import shutil
import subprocess
import sys
import tempfile

import pandas as pd
import polars as pl
import pyarrow.parquet as pq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/blastradius")

# Columns that must be INT64, by table; every other numeric column is DOUBLE.
COUNT_FIGURES = [
    "endpoints_total",
    "endpoints_exposed",
    "endpoints_crashed",
    "endpoints_self_healed",
    "endpoints_repaired_remote",
    "endpoints_repaired_onsite",
    "endpoints_down_at_end",
    "organisations_affected",
    "organisations_insured",
    "organisations_claiming",
]
INTEGERS = {
    "blastradius.timeseries/1": ["replication", "time_s", "endpoints_down"],
    "blastradius.runs/1": ["point", "replication"] + COUNT_FIGURES,
    "blastradius.points/1": ["point", "n"],
    "blastradius.compare-table/1": ["n"],
}
STRINGS = {
    "blastradius.timeseries/1": ["sector"],
    "blastradius.runs/1": [],
    "blastradius.points/1": ["metric"],
    "blastradius.compare-table/1": ["scenario", "metric"],
}

passed, failed = 0, 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def run(*args):
    cmd = [BIN, *args]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {result.returncode}:\n{result.stderr}")
    return result


def same(a, b):
    """Equal values, nulls equal to nulls; numbers compared exactly."""
    a_null = a is None or (isinstance(a, float) and math.isnan(a))
    b_null = b is None or (isinstance(b, float) and math.isnan(b))
    if a_null or b_null:
        return a_null and b_null
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    return float(a) == float(b)


def read_csv(path, string_columns):
    """The CSV's header and rows, each cell as Python reads it exactly: empty is None, then an
    int, a float or (in `string_columns`, or when neither) the text."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = []
        for record in reader:
            row = []
            for name, cell in zip(header, record):
                if cell == "":
                    row.append(None)
                elif name in string_columns:
                    row.append(cell)
                else:
                    try:
                        row.append(int(cell))
                    except ValueError:
                        try:
                            row.append(float(cell))
                        except ValueError:
                            row.append(cell)
            rows.append(row)
    return header, rows


def compare_table(csv_path, parquet_path, schema_id, string_columns=()):
    label = os.path.relpath(parquet_path, WORK)
    columns, rows = read_csv(csv_path, STRINGS[schema_id] + list(string_columns))
    meta = pq.read_metadata(parquet_path)
    kv = {k.decode(): v.decode() for k, v in (meta.metadata or {}).items()}
    check(f"{label}: schema id", kv.get("blastradius.schema") == schema_id, kv)

    arrow = pq.read_table(parquet_path)
    types = {f.name: str(f.type) for f in arrow.schema}
    integers = [c for c in INTEGERS[schema_id] if c in types]
    bad = {c: types[c] for c in integers if types[c] != "int64"}
    check(f"{label}: integer columns are int64 ({len(integers)})", not bad, bad)
    strings = STRINGS[schema_id] + list(string_columns)
    bad = {c: types[c] for c in strings if types.get(c) != "string"}
    check(f"{label}: string columns are strings ({len(strings)})", not bad, bad)
    others = [c for c in types if c not in integers and c not in strings]
    bad = {c: types[c] for c in others if types[c] != "double"}
    check(f"{label}: other columns are doubles ({len(others)})", not bad, bad)
    if meta.num_row_groups:
        group = meta.row_group(0)
        plain = [
            group.column(i).path_in_schema
            for i in range(group.num_columns)
            if group.column(i).path_in_schema in strings
            and not any("DICTIONARY" in e for e in group.column(i).encodings)
        ]
        check(f"{label}: string columns dictionary-encoded", not plain, plain)

    readers = {
        "pandas": lambda: pd.read_parquet(parquet_path, engine="pyarrow"),
        "polars": lambda: pl.read_parquet(parquet_path).to_pandas(),
    }
    for reader, read in readers.items():
        got = read()
        check(
            f"{label} ({reader}): columns",
            list(got.columns) == columns,
            f"{list(got.columns)} vs {columns}",
        )
        check(f"{label} ({reader}): {len(rows)} rows", len(got) == len(rows), len(got))
        if list(got.columns) != columns or len(got) != len(rows):
            continue
        mismatches = []
        for k, column in enumerate(columns):
            for i, (a, row) in enumerate(zip(got[column].tolist(), rows)):
                if not same(a, row[k]):
                    mismatches.append(f"{column} row {i}: {a!r} vs CSV {row[k]!r}")
                    break
        check(f"{label} ({reader}): values equal the CSV", not mismatches, mismatches[:5])
        bad = {
            c: str(got[c].dtype)
            for c in integers
            if got[c].notna().all() and str(got[c].dtype) not in ("int64", "Int64")
        }
        check(f"{label} ({reader}): integer columns read as integers", not bad, bad)
    frame = pl.read_parquet(parquet_path)
    bad = {c: str(frame.schema[c]) for c in integers if frame.schema[c] != pl.Int64}
    check(f"{label} (polars): integer columns are Int64", not bad, bad)


WORK = tempfile.mkdtemp(prefix="blastradius-parquet-")
print(f"binary {BIN}, outputs in {WORK}")

# A run with replications: timeseries.
out = os.path.join(WORK, "run")
run("run", "hospital-tabletop", "--reps", "3", "--format", "both", "--quiet", "--out", out)
compare_table(f"{out}/timeseries.csv", f"{out}/timeseries.parquet", "blastradius.timeseries/1")

# Sample times with milliseconds: time_s is a double.
scenario = os.path.join(WORK, "ms.ron")
with open(scenario, "w") as f:
    f.write('(extends: "hospital-tabletop", output_interval: "1500500ms")\n')
out = os.path.join(WORK, "run-ms")
run("run", scenario, "--format", "both", "--quiet", "--out", out)
types = {f.name: str(f.type) for f in pq.read_schema(f"{out}/timeseries.parquet")}
check("run-ms: time_s with milliseconds is a double", types["time_s"] == "double", types)
INTEGERS["blastradius.timeseries/1"].remove("time_s")
compare_table(f"{out}/timeseries.csv", f"{out}/timeseries.parquet", "blastradius.timeseries/1")
INTEGERS["blastradius.timeseries/1"].insert(1, "time_s")

# A comparison: compare.
out = os.path.join(WORK, "compare")
run("compare", "hospital-tabletop", "bank-branches", "--reps", "2", "--format", "both", "--quiet", "--out", out)
compare_table(f"{out}/compare.csv", f"{out}/compare.parquet", "blastradius.compare-table/1")

# A sweep over a number and a duration: runs and points.
SWEEP = [
    "sweep",
    "hospital-tabletop",
    "--set",
    "fleet.harbour_health.staff.technicians_per_1000=2..12:3",
    "--set",
    "fleet.harbour_health.staff.call_in_delay=30m,2h",
    "--reps",
    "2",
    "--quiet",
]
DURATION = ["fleet.harbour_health.staff.call_in_delay"]
out = os.path.join(WORK, "sweep")
run(*SWEEP, "--format", "both", "--out", out)
compare_table(f"{out}/runs.csv", f"{out}/runs.parquet", "blastradius.runs/1", DURATION)
compare_table(f"{out}/points.csv", f"{out}/points.parquet", "blastradius.points/1", DURATION)

# Parquet alone: no CSV, except the sweep's journal.
only = os.path.join(WORK, "sweep-parquet")
run(*SWEEP, "--format", "parquet", "--out", only)
files = sorted(os.listdir(only))
check(
    "sweep --format parquet: runs.csv kept, points.csv not written",
    "runs.csv" in files and "points.csv" not in files and "points.parquet" in files,
    files,
)
with open(f"{out}/runs.parquet", "rb") as a, open(f"{only}/runs.parquet", "rb") as b:
    check("sweep --format parquet: same runs.parquet bytes as --format both", a.read() == b.read())
run_only = os.path.join(WORK, "run-parquet")
run("run", "hospital-tabletop", "--format", "parquet", "--quiet", "--out", run_only)
files = sorted(os.listdir(run_only))
check(
    "run --format parquet: timeseries.parquet, no timeseries.csv",
    "timeseries.parquet" in files and "timeseries.csv" not in files,
    files,
)

# Shards merged: the merged tables equal the unsharded sweep's.
shards = []
for i in range(2):
    shard = os.path.join(WORK, f"shard-{i}")
    run(*SWEEP, "--shard", f"{i}/2", "--out", shard)
    shards.append(shard)
merged = os.path.join(WORK, "merged")
run("merge", *shards, "--out", merged, "--format", "both", "--quiet")
for table in ["runs", "points"]:
    with open(f"{out}/{table}.parquet", "rb") as a, open(f"{merged}/{table}.parquet", "rb") as b:
        check(f"merge --format both: {table}.parquet equals the unsharded sweep's", a.read() == b.read())

# A bad format is an input error naming the flag.
bad = subprocess.run([BIN, "run", "hospital-tabletop", "--format", "xls"], capture_output=True, text=True)
check(
    "--format xls: exit code 2, the flag named",
    bad.returncode == 2 and "--format" in bad.stderr and "xls" in bad.stderr,
    (bad.returncode, bad.stderr),
)

if not failed:
    shutil.rmtree(WORK)
print(f"parquet: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
