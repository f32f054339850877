#!/usr/bin/env python3
"""Reads the ORD tables blastradius writes back with pandas and checks them against the ORD v1
headers of OasisLMF (github.com/OasisLMF/ODS_OpenResultsData, Schema/ORD_Table_Examples.csv, and
oasislmf.pytools elt/plt/aal/lec, which write them) and against the run's own summary.json:
`run --ord` (event loss tables, replications as samples) and `catalogue` (period, average and
exceedance-probability tables).

    python3 tests/ord.py [target/release/blastradius]

Needs pandas (`.ci/run` installs it with pip). Prints one line per check and closes with
'ord: N passed, N failed'; exits 1 if any failed.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/blastradius")

# ORD v1 columns, as OasisLMF writes them.
SELT = ["EventId", "SummaryId", "SampleId", "Loss", "ImpactedExposure"]
MELT = ["EventId", "SummaryId", "SampleType", "EventRate", "ChanceOfLoss", "MeanLoss", "SDLoss",
        "MaxLoss", "FootprintExposure", "MeanImpactedExposure", "MaxImpactedExposure"]
QELT = ["EventId", "SummaryId", "Quantile", "Loss"]
SPLT = ["Period", "PeriodWeight", "EventId", "Year", "Month", "Day", "Hour", "Minute", "SummaryId",
        "SampleId", "Loss", "ImpactedExposure"]
ALT = ["SummaryId", "SampleType", "MeanLoss", "SDLoss"]
EPT = ["SummaryId", "EPCalc", "EPType", "ReturnPeriod", "Loss"]
INFO = {
    "S1": ["summary_id", "sector", "tiv"],
    "S2": ["summary_id", "organisation", "archetype", "sector", "tiv"],
    "S3": ["summary_id", "portfolio", "tiv"],
}
PERSPECTIVES = {"gul": "loss_usd_total", "il": "insured_usd_total"}

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
    result = subprocess.run([BIN, *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} exited {result.returncode}:\n{result.stderr}")


def close(a, b, tolerance):
    return abs(a - b) <= tolerance


WORK = tempfile.mkdtemp(prefix="blastradius-ord-")
print(f"binary {BIN}, outputs in {WORK}")

# A run with replications: the event loss tables, against summary.json.
REPS = 4
out = os.path.join(WORK, "run")
run("run", "hospital-tabletop", "--reps", str(REPS), "--ord", "--quiet", "--out", out)
summary = json.load(open(os.path.join(out, "summary.json")))
sectors = {s["sector"]: s for s in summary["sectors"]}
for p, metric in PERSPECTIVES.items():
    mean = summary["metrics"][metric]["mean"]
    for s in ["S1", "S2", "S3"]:
        base = os.path.join(out, "ord", f"{p}_{s}")
        selt = pd.read_csv(f"{base}_selt.csv")
        melt = pd.read_csv(f"{base}_melt.csv")
        qelt = pd.read_csv(f"{base}_qelt.csv")
        info = pd.read_csv(f"{base}_summary-info.csv")
        for table, frame, columns in [("selt", selt, SELT), ("melt", melt, MELT), ("qelt", qelt, QELT),
                                      ("summary-info", info, INFO[s])]:
            check(f"run {p}_{s}_{table}: ORD v1 columns", list(frame.columns) == columns, list(frame.columns))
        tolerance = 0.01 * len(selt) + 1e-9 * mean
        total = selt["Loss"].sum() / REPS
        check(f"run {p}_{s}_selt: mean total {total:.2f} is {metric} {mean:.2f}", close(total, mean, tolerance))
        check(f"run {p}_{s}_selt: samples are the replications",
              set(selt["SampleId"]) <= set(range(1, REPS + 1)) and (selt["Loss"] > 0).all())
        check(f"run {p}_{s}_melt: mean losses add up to {metric}",
              close(melt["MeanLoss"].sum(), mean, 0.01 * len(melt) + 1e-9 * mean))
        check(f"run {p}_{s}_melt: sample statistics, no event rate",
              (melt["SampleType"] == 2).all() and melt["EventRate"].isna().all())
        check(f"run {p}_{s}_summary-info: every SummaryId described",
              set(selt["SummaryId"]) <= set(info["summary_id"]))
        if s == "S1":
            by = selt.merge(info, left_on="SummaryId", right_on="summary_id").groupby("sector")["Loss"].sum() / REPS
            key = "loss_usd_total" if p == "gul" else "insured_usd"
            bad = {k: (v, sectors[k][key]) for k, v in by.items() if not close(v, sectors[k][key], tolerance)}
            check(f"run {p}_S1: sector totals are summary.json's sectors[].{key}", not bad, bad)

# A catalogue: the period, average and exceedance tables, against its summary.json.
YEARS = 300
out = os.path.join(WORK, "catalogue")
run("catalogue", os.path.join(ROOT, "tests/catalogues/hospital.ron"), "--years", str(YEARS), "--quiet", "--out", out)
summary = json.load(open(os.path.join(out, "summary.json")))
for p, key in [("gul", "ground_up"), ("il", "insured")]:
    for s in ["S1", "S2", "S3"]:
        base = os.path.join(out, "ord", f"{p}_{s}")
        plt = pd.read_csv(f"{base}_plt.csv")
        alt = pd.read_csv(f"{base}_alt.csv")
        ept = pd.read_csv(f"{base}_ept.csv")
        for table, frame, columns in [("plt", plt, SPLT), ("alt", alt, ALT), ("ept", ept, EPT)]:
            check(f"catalogue {p}_{s}_{table}: ORD v1 columns", list(frame.columns) == columns, list(frame.columns))
        years = plt.groupby(["SummaryId", "Period"])["Loss"].sum().groupby("SummaryId")
        mean = years.sum() / YEARS
        merged = alt.set_index("SummaryId")["MeanLoss"]
        bad = {i: (merged[i], mean[i]) for i in mean.index if not close(merged[i], mean[i], 0.01 * len(plt))}
        check(f"catalogue {p}_{s}_alt: MeanLoss is the PLT's sum over {YEARS} years", not bad, bad)
        check(f"catalogue {p}_{s}_plt: one realisation per occurrence, periods in range",
              (plt["SampleId"] == 1).all() and plt["Period"].between(1, YEARS).all()
              and (abs(plt["PeriodWeight"] - 1 / YEARS) < 1e-6).all())
        check(f"catalogue {p}_{s}_ept: full uncertainty, OEP/AEP and their TVaR, return periods <= years",
              (ept["EPCalc"] == 2).all() and set(ept["EPType"]) <= {1, 2, 3, 4}
              and (ept["ReturnPeriod"] <= YEARS).all())
        if s == "S3":
            aal = summary["portfolio"][key]["aal_usd"]
            check(f"catalogue {p}_S3_alt: MeanLoss is summary.json's portfolio.{key}.aal_usd",
                  close(alt["MeanLoss"].iloc[0], aal, 1e-6 * max(aal, 1)))
            # The AEP at 2 years is the median year: half the years lose at least that much.
            aep2 = ept[(ept["EPType"] == 3) & (ept["ReturnPeriod"] == 2)]["Loss"].iloc[0]
            annual = plt.groupby("Period")["Loss"].sum().reindex(range(1, YEARS + 1), fill_value=0)
            ranked = sorted(annual, reverse=True)
            check(f"catalogue {p}_S3_ept: AEP(2 years) is the 150th largest year",
                  close(aep2, ranked[YEARS // 2 - 1], 0.01 * len(plt)), (aep2, ranked[YEARS // 2 - 1]))
    info = pd.read_csv(os.path.join(out, "ord", f"{p}_S1_summary-info.csv"))
    check(f"catalogue {p}_S1_summary-info: ORD columns", list(info.columns) == INFO["S1"], list(info.columns))

if not failed:
    shutil.rmtree(WORK)
print(f"ord: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
