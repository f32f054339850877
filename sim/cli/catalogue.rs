//! `blastradius catalogue`: many simulated years of a catalogue's events, resumable and
//! shardable like `sweep`. A catalogue folder holds `catalogue.json` (the plan) and
//! `occurrences.csv` (one line per simulated occurrence, appended as each finishes). Running
//! the same command into the same folder skips the occurrences already there, so an
//! interrupted catalogue loses nothing; `--shard I/N` takes every N-th year and `merge` joins
//! the shard folders. When every occurrence is in, the journal is rewritten in occurrence
//! order and the tables (`ord/`), `summary.json`, the EP chart and `report.html` written.
//!
//! Each occurrence's seed and start derive from the catalogue's seed, its year, its event and
//! its number alone (`study::catalogue`), so the tables are the same whatever the shards and
//! threads.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::Args;

use super::output::{OutputDir, read_journal, safe_name, write_atomically, write_failed};
use super::progress::Progress;
use super::run::{shell_word, threads};
use super::{CliError, CliResult, flags, memory};
use blastradius_engine::replicate::run_indexed;
use blastradius_report::catalogue::{self as out, CatalogueResult, EventInfo, Manifest};
use blastradius_report::ord::{self, EventSamples};
use blastradius_scenario::catalogue as file;
use blastradius_study::catalogue::{
    Book, Event, Occurrence, OccurrenceId, OccurrenceLoss, PeriodLosses, Plan, period,
};
use blastradius_study::design::Shard;

#[derive(Debug, Args)]
pub struct CatalogueArgs {
    /// A catalogue file, or the name of a built-in catalogue (vendor-failures)
    pub catalogue: String,
    /// Years to simulate
    #[arg(long, allow_negative_numbers = true, value_parser = flags::whole::<u64>)]
    pub years: u64,
    /// Simulate only the I-th of N disjoint slices of the years (I from 0)
    #[arg(long, value_name = "I/N", allow_hyphen_values = true)]
    pub shard: Option<String>,
    /// Seed every occurrence's seed derives from (default: the catalogue's own)
    #[arg(long, allow_negative_numbers = true, value_parser = flags::whole::<u64>)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores)
    #[arg(long, allow_negative_numbers = true, value_parser = flags::whole::<usize>)]
    pub threads: Option<usize>,
    /// Output folder (default: reports/catalogue-<name>); an existing one is resumed if it
    /// holds this catalogue, replaced whole if it is a previous report, else refused
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the --out folder even if it is not a previous blastradius report
    #[arg(long)]
    pub force: bool,
    /// Most memory to use, e.g. 16GiB (default: what the machine has available)
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// No progress bar and no summary on the terminal
    #[arg(long)]
    pub quiet: bool,
    /// Check the catalogue and print its size (years, occurrences, this shard's), then stop
    #[arg(long)]
    pub dry_run: bool,
}

/// Most years a catalogue simulates.
const MAX_YEARS: u64 = 10_000_000;

/// A loaded catalogue, its plan and what the outputs say of its events.
struct Loaded {
    plan: Plan,
    source: String,
    description: String,
    events: Vec<file::Event>,
}

fn load(reference: &str, years: u64, seed: Option<u64>) -> Result<Loaded, CliError> {
    if years == 0 || years > MAX_YEARS {
        return Err(CliError::input(format!(
            "--years {years}: simulate between 1 and {MAX_YEARS} years\n  hint: 10000 years \
             estimate return periods up to 10,000 years"
        )));
    }
    let catalogue = file::load(reference)?;
    for e in &catalogue.events {
        super::run::warn(&format!("{reference} (event {})", e.name), &e.spec);
    }
    let specs: Vec<&blastradius_model::spec::WorldSpec> =
        catalogue.events.iter().map(|e| &e.spec).collect();
    let book = Book::of(&specs);
    let plan = Plan {
        name: catalogue.name.clone(),
        seed: seed.or(catalogue.seed).unwrap_or(1),
        years,
        events: catalogue
            .events
            .iter()
            .map(|e| Event { name: e.name.clone(), rate: e.rate, spec: Arc::new(e.spec.clone()) })
            .collect(),
        book,
    };
    Ok(Loaded {
        plan,
        source: reference.to_string(),
        description: catalogue.description,
        events: catalogue.events,
    })
}

fn plan_record(l: &Loaded) -> out::PlanRecord {
    out::PlanRecord {
        name: l.plan.name.clone(),
        source: l.source.clone(),
        seed: l.plan.seed,
        years: l.plan.years,
        events: l
            .events
            .iter()
            .map(|e| out::EventRecord {
                name: e.name.clone(),
                rate: e.rate,
                scenario: e.scenario.clone(),
                set: e.set.clone(),
                world: out::fingerprint(&e.resolved_ron),
            })
            .collect(),
    }
}

fn command(l: &Loaded) -> String {
    format!(
        "blastradius catalogue {} --years {} --seed {}",
        shell_word(&l.source),
        l.plan.years,
        l.plan.seed
    )
}

/// How a catalogue starts in its folder.
enum Start {
    /// A new folder (or one replacing a previous report), built in its staging folder, which
    /// is renamed into place with the first occurrence in its journal.
    Fresh(OutputDir),
    /// The folder holds this very catalogue (this shard of it): its occurrences are kept.
    Resume,
}

/// Decides how the catalogue starts in `dir`, refusing a folder that holds something else: a
/// different catalogue, another shard of it, a journal without the manifest that says whose
/// it is, or files that are not ours (unless `--force`).
fn start(dir: &Path, l: &Loaded, shard: Shard, force: bool) -> Result<Start, CliError> {
    let manifest = dir.join("catalogue.json");
    if force || !dir.is_dir() {
        return OutputDir::prepare(dir, "--out", force).map(Start::Fresh);
    }
    if std::fs::symlink_metadata(&manifest).is_ok() {
        let text = read_journal(&manifest, "the catalogue's catalogue.json")?;
        let other = out::parse_manifest(&text).map_err(|e| {
            CliError::input(format!(
                "{}: {e}\n  hint: use another --out folder, or --force to start over there",
                manifest.display()
            ))
        })?;
        if other.plan != plan_record(l) {
            return Err(CliError::input(format!(
                "{} holds a different catalogue (other events, rates, worlds, seed or years)\n  \
                 hint: use another --out folder, the same command as before to resume, or \
                 --force to start this catalogue there instead",
                dir.display()
            )));
        }
        let here = format!("{}/{}", shard.index, shard.count);
        if other.shard != here {
            return Err(CliError::input(format!(
                "{} holds shard {} of this catalogue, not {here}\n  hint: give each shard its own \
                 --out folder",
                dir.display(),
                other.shard
            )));
        }
        return Ok(Start::Resume);
    }
    if std::fs::symlink_metadata(dir.join("occurrences.csv")).is_ok() {
        return Err(CliError::input(format!(
            "{}: there is no catalogue.json beside it, so which catalogue its occurrences belong \
             to cannot be checked\n  hint: put back the folder's catalogue.json, use another \
             --out folder, or add --force to start over there",
            dir.join("occurrences.csv").display()
        )));
    }
    OutputDir::prepare(dir, "--out", force).map(Start::Fresh)
}

/// Reads the occurrences already in a resumed folder's journal; a partial last line (an
/// interrupted write) is dropped from the file. Every one must be an occurrence of the plan in
/// the shard, each once.
fn resume(dir: &Path, l: &Loaded, shard: Shard) -> Result<Vec<OccurrenceLoss>, CliError> {
    let journal = dir.join("occurrences.csv");
    if std::fs::symlink_metadata(&journal).is_err() {
        write_atomically(&journal, out::JOURNAL_HEADER.as_bytes())?;
        return Ok(Vec::new());
    }
    let text = read_journal(&journal, "the catalogue's occurrences.csv")?;
    let complete = text.rfind('\n').map_or("", |i| &text[..=i]);
    if complete.len() != text.len() {
        write_atomically(&journal, complete.as_bytes())?;
    }
    if complete.is_empty() {
        write_atomically(&journal, out::JOURNAL_HEADER.as_bytes())?;
        return Ok(Vec::new());
    }
    let found = out::parse_journal(complete)
        .map_err(|e| CliError::input(format!("{}: {e}", journal.display())))?;
    check_journal(&found, &l.plan, shard, &journal)?;
    Ok(found)
}

/// Refuses a catalogue whose worlds (the largest event's, on every thread) and occurrences'
/// losses would not fit in memory.
fn check_memory(
    l: &Loaded,
    occurrences: usize,
    threads: usize,
    limit: Option<&memory::Limit>,
) -> CliResult {
    use blastradius_model::footprint::footprint;
    use blastradius_study::budget;
    let Some(largest) = l
        .plan
        .events
        .iter()
        .map(|e| footprint(&e.spec))
        .max_by(|a, b| a.world_bytes.total_cmp(&b.world_bytes))
    else {
        return Ok(());
    };
    let none = budget::Tables { timeseries_csv: false, timeseries_parquet: false, charts: false };
    let mut estimate = budget::replications(&largest, threads as u64, threads, none);
    // Each occurrence keeps a loss per organisation of the book (ground-up and insured).
    estimate.add(
        format!("the losses of {occurrences} occurrences"),
        occurrences as f64 * (64.0 + 32.0 * l.plan.book.orgs().len() as f64),
    );
    memory::check(
        &estimate,
        limit,
        "this catalogue",
        "simulate fewer --years, or split them with --shard I/N, or use fewer --threads",
    )
}

/// Every journaled occurrence is one the plan has in this shard, with its start, and appears
/// once.
fn check_journal(
    found: &[OccurrenceLoss],
    plan: &Plan,
    shard: Shard,
    path: &Path,
) -> Result<(), CliError> {
    let mut seen = BTreeSet::new();
    let mut by_year: BTreeMap<u64, Vec<Occurrence>> = BTreeMap::new();
    for o in found {
        let bad = |what: &str| {
            CliError::input(format!(
                "{}: occurrence (year {}, event {}, {}) {what}\n  hint: the folder was written by \
                 another catalogue or program version; use another --out folder",
                path.display(),
                o.id.year,
                o.id.event,
                o.id.number
            ))
        };
        if o.id.year == 0 || o.id.year > plan.years || !shard.includes(o.id.year - 1) {
            return Err(bad("is not in this catalogue's years or shard"));
        }
        let year = by_year.entry(o.id.year).or_insert_with(|| plan.occurrences(o.id.year));
        if !year.iter().any(|p| p.id == o.id && p.start_unix_s == o.start_unix_s) {
            return Err(bad("is not one this catalogue has"));
        }
        if !seen.insert(o.id) {
            return Err(bad("appears twice"));
        }
    }
    Ok(())
}

pub fn catalogue(args: CatalogueArgs) -> CliResult {
    let threads = threads(args.threads)?;
    let limit = memory::limit(args.memory_limit.as_deref())?;
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).map_err(CliError::input)?,
        None => Shard::ALL,
    };
    let l = load(&args.catalogue, args.years, args.seed)?;
    let occurrences = l.plan.shard_occurrences(shard);
    if args.dry_run {
        let all = if shard == Shard::ALL {
            occurrences.len()
        } else {
            l.plan.shard_occurrences(Shard::ALL).len()
        };
        return super::scenarios::print(&format!(
            "years={} events={} occurrences={all} shard={}/{} shard_occurrences={}\n",
            l.plan.years,
            l.plan.events.len(),
            shard.index,
            shard.count,
            occurrences.len()
        ));
    }
    check_memory(&l, occurrences.len(), threads, limit.as_ref())?;
    let out_path = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(format!("catalogue-{}", safe_name(&l.plan.name)))
    });
    let manifest = Manifest {
        plan: plan_record(&l),
        shard: format!("{}/{}", shard.index, shard.count),
        command: command(&l),
    };
    let manifest_json = out::manifest_json(&manifest);
    let (done, journal_path, pending) = match start(&out_path, &l, shard, args.force)? {
        // A new folder appears with its first occurrence: a catalogue that fails before any
        // finishes leaves nothing behind, and what was there stays.
        Start::Fresh(mut dir) => {
            dir.write("catalogue.json", manifest_json.as_bytes())?;
            dir.write("occurrences.csv", out::JOURNAL_HEADER.as_bytes())?;
            (Vec::new(), dir.staging().join("occurrences.csv"), Some(dir))
        }
        Start::Resume => {
            let done = resume(&out_path, &l, shard)?;
            write_atomically(&out_path.join("catalogue.json"), manifest_json.as_bytes())?;
            (done, out_path.join("occurrences.csv"), None)
        }
    };
    let finished: BTreeSet<OccurrenceId> = done.iter().map(|o| o.id).collect();
    let todo: Vec<Occurrence> =
        occurrences.into_iter().filter(|o| !finished.contains(&o.id)).collect();
    let journal = OpenOptions::new().append(true).open(&journal_path)?;
    let journal = Mutex::new((journal, pending));
    let progress = Progress::new(args.quiet);
    progress.start_count(todo.len() as u64, "occurrences");
    let numbers: Vec<u64> = (0..todo.len() as u64).collect();
    let result = run_indexed(
        &numbers,
        threads,
        |i| {
            let occurrence = todo[i as usize];
            let sample = l.plan.run(&occurrence).map_err(|e| CliError::Failed(e.into()))?;
            let loss =
                OccurrenceLoss { id: occurrence.id, start_unix_s: occurrence.start_unix_s, sample };
            // Each occurrence goes to disk as one whole line as soon as it finishes, so
            // nothing finished is lost if the catalogue is killed.
            let line = out::journal_line(&loss);
            let mut guard = journal
                .lock()
                .map_err(|_| CliError::Failed(anyhow::anyhow!("journal lock poisoned")))?;
            let (f, pending) = &mut *guard;
            f.write_all(line.as_bytes())
                .and_then(|()| f.flush())
                .map_err(|e| write_failed(&journal_path, &e))?;
            // The open file moves with its folder.
            if let Some(dir) = pending.take() {
                dir.commit()?;
            }
            Ok::<OccurrenceLoss, CliError>(loss)
        },
        |n| progress.set(n),
    );
    progress.finish();
    let mut all = done;
    all.extend(result?);
    // The folder's final form is built whole beside it and replaces it.
    let mut dir = OutputDir::prepare(&out_path, "--out", true)?;
    dir.write("catalogue.json", manifest_json.as_bytes())?;
    finish(dir, &l, all, shard, args.quiet)
}

/// Rewrites the journal in occurrence order and, for a whole catalogue, writes its tables,
/// summary, chart and report.
fn finish(
    mut dir: OutputDir,
    l: &Loaded,
    mut occurrences: Vec<OccurrenceLoss>,
    shard: Shard,
    quiet: bool,
) -> CliResult {
    occurrences.sort_by_key(|o| o.id);
    let out_path = dir.path().to_path_buf();
    let mut journal = out::JOURNAL_HEADER.to_string();
    for o in &occurrences {
        journal.push_str(&out::journal_line(o));
    }
    dir.write("occurrences.csv", journal.as_bytes())?;
    if shard != Shard::ALL {
        dir.commit()?;
        if !quiet {
            super::scenarios::print(&format!(
                "{} occurrences in {}\nshard done: combine the shards with `blastradius merge \
                 DIR... --out DIR`\n",
                occurrences.len(),
                out_path.display()
            ))?;
        }
        return Ok(());
    }
    let book = &l.plan.book;
    // The event loss tables take each occurrence as it happened; the period tables after each
    // year's aggregate limits.
    let event_samples: Vec<EventSamples<'_>> = l
        .plan
        .events
        .iter()
        .enumerate()
        .map(|(e, event)| EventSamples {
            event_id: e as u32 + 1,
            rate: Some(event.rate),
            samples: occurrences
                .iter()
                .filter(|o| o.id.event as usize == e)
                .map(|o| &o.sample)
                .collect(),
        })
        .collect();
    let mut files = ord::summary_info(book);
    files.extend(ord::event_loss_tables(book, &event_samples));
    let mut by_year: BTreeMap<u64, Vec<OccurrenceLoss>> = BTreeMap::new();
    for o in &occurrences {
        by_year.entry(o.id.year).or_default().push(o.clone());
    }
    let mut losses = PeriodLosses::default();
    let mut eroded = Vec::with_capacity(occurrences.len());
    for (_, year) in by_year {
        let year = period(book, year);
        losses.add(book, &year);
        eroded.extend(year);
    }
    files.extend(ord::period_loss_tables(book, l.plan.years, &eroded));
    files.extend(ord::average_and_ep_tables(book, l.plan.years, &losses));
    for (name, text) in &files {
        dir.write(&format!("ord/{name}"), text.as_bytes())?;
    }
    let result = CatalogueResult {
        name: l.plan.name.clone(),
        description: l.description.clone(),
        seed: l.plan.seed,
        years: l.plan.years,
        command: command(l),
        program: format!("blastradius {}", env!("CARGO_PKG_VERSION")),
        events: l
            .events
            .iter()
            .enumerate()
            .map(|(e, ev)| EventInfo {
                name: ev.name.clone(),
                rate: ev.rate,
                scenario: ev.scenario.clone(),
                set: ev.set.clone(),
                occurrences: occurrences.iter().filter(|o| o.id.event as usize == e).count() as u64,
                resolved_ron: ev.resolved_ron.clone(),
            })
            .collect(),
        book,
        occurrences: &eroded,
        losses: &losses,
    };
    dir.write("summary.json", out::summary_json(&result).as_bytes())?;
    let chart = out::ep_chart(&result).map_err(|e| CliError::Failed(e.into()))?;
    dir.write("ep_curve.svg", chart.svg.as_bytes())?;
    dir.write("ep_curve.png", &chart.png)?;
    dir.write("report.html", out::report_html(&result, &[chart]).as_bytes())?;
    dir.commit()?;
    if !quiet {
        let mut text = out::summary_table(&result);
        text.push_str(&format!(
            "\ntables: {}\nreport: {}\n",
            out_path.join("ord").display(),
            out_path.join("report.html").display()
        ));
        super::scenarios::print(&text)?;
    }
    Ok(())
}

/// `blastradius merge` of catalogue shard folders: the same plan in every one, every
/// occurrence of the plan exactly once among them.
pub fn merge(dirs: &[PathBuf], out_path: &Path, quiet: bool, force: bool) -> CliResult {
    let dir = OutputDir::prepare(out_path, "--out", force)?;
    let mut loaded: Option<(Loaded, Manifest)> = None;
    let mut occurrences: BTreeMap<OccurrenceId, OccurrenceLoss> = BTreeMap::new();
    for d in dirs {
        let path = d.join("catalogue.json");
        if std::fs::symlink_metadata(&path).is_err() {
            return Err(CliError::input(format!(
                "{}: there is no catalogue.json in this folder\n  hint: give folders written by \
                 `blastradius catalogue`",
                d.display()
            )));
        }
        let text = read_journal(&path, "the catalogue's catalogue.json")?;
        let manifest = out::parse_manifest(&text)
            .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
        let (l, first) = match loaded {
            Some(ref entry) => entry,
            None => {
                let p = &manifest.plan;
                let l = load(&p.source, p.years, Some(p.seed)).map_err(|e| {
                    CliError::input(format!(
                        "{}: the catalogue {} cannot be read again: {e}\n  hint: run merge from the \
                         folder the shards ran in",
                        path.display(),
                        p.source
                    ))
                })?;
                if plan_record(&l) != manifest.plan {
                    return Err(CliError::input(format!(
                        "{}: the catalogue {} has changed since the shards ran\n  hint: rerun the \
                         shards with the current catalogue",
                        path.display(),
                        p.source
                    )));
                }
                loaded.insert((l, manifest.clone()))
            }
        };
        if manifest.plan != first.plan {
            return Err(CliError::input(format!(
                "{} is part of a different catalogue than {}\n  hint: merge only the shards of one \
                 catalogue",
                d.display(),
                dirs[0].display()
            )));
        }
        let journal = d.join("occurrences.csv");
        let text = read_journal(&journal, "the catalogue's occurrences.csv")?;
        let complete = text.rfind('\n').map_or("", |i| &text[..=i]);
        let found = out::parse_journal(complete)
            .map_err(|e| CliError::input(format!("{}: {e}", journal.display())))?;
        check_journal(&found, &l.plan, Shard::ALL, &journal)?;
        for o in found {
            if let Some(existing) = occurrences.get(&o.id)
                && *existing != o
            {
                return Err(CliError::input(format!(
                    "occurrence (year {}, event {}, {}) differs between shards\n  hint: the shards \
                     were made by different program versions",
                    o.id.year, o.id.event, o.id.number
                )));
            }
            occurrences.insert(o.id, o);
        }
    }
    let (l, first) = loaded.ok_or_else(|| CliError::input("no folders to merge"))?;
    let expected = l.plan.shard_occurrences(Shard::ALL).len();
    if occurrences.len() != expected {
        return Err(CliError::input(format!(
            "{} of {expected} occurrences are missing from these folders\n  hint: rerun the \
             missing shards (their commands resume), then merge again",
            expected - occurrences.len().min(expected)
        )));
    }
    let mut dir = dir;
    let manifest = Manifest { shard: "0/1".into(), ..first };
    dir.write("catalogue.json", out::manifest_json(&manifest).as_bytes())?;
    finish(dir, &l, occurrences.into_values().collect(), Shard::ALL, quiet)
}
