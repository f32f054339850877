//! A world in motion: builds the logical processes of one replication from a validated spec,
//! runs them on the engine, samples the per-sector time series at each output time, applies
//! decisions, and collects the results.
//!
//! LP layout: the vendor is LP 0, contractor pools follow, then every organisation in
//! archetype order and number order.

use std::sync::Arc;

use rayon::prelude::*;

use blastradius_engine::{Config, Ctx, EngineError, LpId, Model, SimDuration, SimTime, Simulation};

use super::calendar::DemandCurve;
use super::event::Event;
use super::figures::{Figure, Metric, Name, Scope};
use super::fleet::{OrgFleet, generate_org};
use super::insurance::{self, Aggregate, Outage, Payment};
use super::org::{Frozen, Note, Org};
use super::pool::Pool;
use super::results::{
    Figures, KeyEvent, OrgLoss, OrgOutcome, RunResult, SectorLoss, Series, time_of_share,
};
use super::shared::{ArchetypeTables, CustomerLink, Shared, service_table};
use super::spec::{ActionSpec, Class, Os, RevertSpec, Sector, TargetSpec, ToolSpec, WorldSpec};
use super::vendor::Vendor;

/// One logical process of the outage world. Every kind is boxed, so that the engine's record
/// of an LP (this, its queue and its counters) spans two cache lines, not four: there are tens
/// of thousands of organisations and one vendor.
#[derive(Clone)]
pub enum Lp {
    Vendor(Box<Vendor>),
    Pool(Box<Pool>),
    Org(Box<Org>),
}

impl Model for Lp {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Ctx<'_, Event>) {
        match self {
            Lp::Vendor(v) => v.handle(event, ctx),
            Lp::Pool(p) => p.handle(event, ctx),
            Lp::Org(o) => o.handle(event, ctx),
        }
    }

    fn priority(event: &Event) -> u8 {
        event.priority()
    }

    fn weight(&self) -> u64 {
        match self {
            Lp::Org(o) => u64::from(o.size()) + 50,
            _ => 1_000,
        }
    }

    /// An organisation's record spans 18 cache lines and a handler reads from most of them:
    /// every line is loaded, not only the first.
    fn prefetch(&self) {
        if let Lp::Org(o) = self {
            let base = std::ptr::from_ref(&**o).cast::<u8>();
            for line in 0..=std::mem::size_of::<Org>() / 64 {
                blastradius_engine::queue::prefetch_read(base.wrapping_add(line * 64));
            }
        }
    }

    fn prefetch_event(&self, next: &Event) {
        if let Lp::Org(o) = self {
            o.prefetch_event(next);
        }
    }

    fn lookahead(&self) -> SimDuration {
        match self {
            Lp::Vendor(v) => v.lookahead(),
            Lp::Pool(p) => p.dispatch_delay,
            Lp::Org(o) => o.lookahead(),
        }
    }
}

/// Why a world could not be built or run.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("{0}")]
    Inject(String),
}

/// How to run a replication.
#[derive(Clone, Copy, Debug)]
pub struct RunConfig {
    pub replication: u64,
    pub threads: usize,
}

/// Per-sector status now, for the tabletop and progress displays.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SectorStatus {
    pub sector: Option<Sector>,
    pub organisations: u64,
    pub endpoints: u64,
    pub down: u64,
    pub crashed: u64,
    pub capacity: f64,
    pub loss_usd: f64,
    pub staff_busy: u64,
    pub staff_present: u64,
}

#[derive(Clone)]
pub struct World {
    pub spec: Arc<WorldSpec>,
    shared: Arc<Shared>,
    sim: Simulation<Lp>,
    series: Series,
    /// Index of the next output time to sample.
    next_sample: u64,
    /// Revenue weight of each organisation (USD per average demand-hour), and sector totals.
    sector_weight: Vec<f64>,
    /// Tools released by decisions, with their times.
    released_tools: Vec<(SimTime, String)>,
    /// Each organisation's contribution at the last sample, by LP id.
    sample_cache: Vec<Contribution>,
    /// Their sums by sector.
    sector_totals: SectorTotals,
}

/// Down endpoints, milli-units of weighted capacity and cents of loss, by sector index.
#[derive(Clone, Debug, Default)]
struct SectorTotals([[i64; 3]; Sector::ALL.len()]);

/// What one organisation added to the last sample, and how many events it had handled then.
#[derive(Clone, Debug)]
struct Contribution {
    handled: u64,
    /// `u8::MAX` until first sampled.
    sector: u8,
    /// Whether money was accruing then (its loss must be read again at the next sample).
    accruing: bool,
    down: u64,
    capacity_milli: i64,
    loss_cents: i64,
    /// Its loss as it stood, to read at later samples without reading it (most archetypes).
    /// Boxed to keep the records that every sample scans small.
    frozen: Option<Box<Frozen>>,
}

/// The engine's lookahead: the shortest delay of any message between LPs.
fn lookahead(spec: &WorldSpec) -> SimDuration {
    let mut l = spec.vendor.propagation.min(spec.vendor.telemetry.latency);
    for pool in &spec.pools {
        l = l.min(pool.dispatch_delay).min(pool.request_delay);
    }
    for service in spec.archetypes.iter().flat_map(|a| &a.services) {
        if let Some(supplier) = &service.supplier {
            l = l.min(supplier.notice);
        }
    }
    l.max(SimDuration(1))
}

/// Which organisation supplies each customer's supplied services: for every service with a
/// supplier, the customer's number modulo the supplier archetype's organisations picks one.
/// Returns, for each organisation by index, its customers.
fn customer_links(
    spec: &WorldSpec,
    plan: &[(usize, u32)],
    first_org: LpId,
) -> Vec<Vec<CustomerLink>> {
    let mut first_of = Vec::with_capacity(spec.archetypes.len());
    let mut at = 0u32;
    for a in &spec.archetypes {
        first_of.push(at);
        at += a.organisations;
    }
    let mut links: Vec<Vec<CustomerLink>> = Vec::new();
    for (index, &(a, number)) in plan.iter().enumerate() {
        for (s, service) in spec.archetypes[a].services.iter().enumerate() {
            let Some(dep) = &service.supplier else { continue };
            let suppliers = spec.archetypes[dep.archetype].organisations;
            if suppliers == 0 {
                continue;
            }
            let supplier = (first_of[dep.archetype] + number % suppliers) as usize;
            if links.len() <= supplier {
                links.resize_with(supplier + 1, Vec::new);
            }
            links[supplier].push(CustomerLink {
                supplier_service: dep.service as u8,
                customer: first_org + index as LpId,
                service: s as u8,
                notice: dep.notice,
                required_capacity: dep.required_capacity,
            });
        }
    }
    links
}

impl World {
    /// Generates the fleet and builds every LP, with scheduled publications, tools and
    /// decisions in place.
    pub fn build(spec: Arc<WorldSpec>, config: RunConfig) -> Result<World, ModelError> {
        let seed = blastradius_engine::random::replication_seed(spec.seed, config.replication);
        let pools_n = spec.pools.len() as LpId;
        let plan: Vec<(usize, u32)> = spec
            .archetypes
            .iter()
            .enumerate()
            .flat_map(|(a, arch)| (0..arch.organisations).map(move |n| (a, n)))
            .collect();
        let generate = |&(a, n): &(usize, u32)| generate_org(seed, a, &spec.archetypes[a], n);
        let pool = if config.threads > 1 {
            Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(config.threads)
                    .build()
                    .map_err(|e| EngineError::InvalidConfig(format!("thread pool: {e}")))?,
            )
        } else {
            None
        };
        let fleets: Vec<OrgFleet> = match &pool {
            Some(pool) => pool.install(|| plan.par_iter().map(generate).collect()),
            None => plan.iter().map(generate).collect(),
        };

        let targets_os: Vec<[bool; Os::COUNT]> = spec
            .vendor
            .contents
            .iter()
            .map(|c| {
                let mut t = [false; Os::COUNT];
                for (os, flag) in t.iter_mut().enumerate() {
                    *flag = c.crash.iter().any(|row| row[os].get() > 0.0);
                }
                t
            })
            .collect();
        let mut acc = 0.0;
        let ring_cumulative: Vec<f64> = spec
            .vendor
            .rings
            .iter()
            .map(|r| {
                acc += r.share.get();
                acc
            })
            .collect();
        let archetypes = spec
            .archetypes
            .iter()
            .map(|a| ArchetypeTables {
                demand: DemandCurve::new(&a.economics.demand_weekday, &a.economics.demand_weekend),
                services: service_table(a),
                site_kinds: a.sites.len(),
            })
            .collect();
        let bad = spec.vendor.contents.iter().filter(|c| c.is_bad());
        let first_publication =
            SimTime::ZERO + bad.map(|c| c.published_after).min().unwrap_or(SimDuration::ZERO);
        let customers = customer_links(&spec, &plan, 1 + pools_n);
        let shared = Arc::new(Shared {
            spec: Arc::clone(&spec),
            replication: config.replication,
            seed,
            vendor: 0,
            pools: (1..=pools_n).collect(),
            first_org: 1 + pools_n,
            orgs: fleets.len() as u32,
            lookahead: lookahead(&spec),
            horizon: SimTime::ZERO + spec.horizon,
            telemetry_needed: !spec.vendor.gates.is_empty(),
            archetypes,
            targets_os,
            ring_cumulative,
            first_publication,
            customers,
        });

        // An organisation counts its endpoints into its service groups as it is built, which
        // for a lazy fleet is the one pass over all of them: built on the run's threads.
        let build = |(index, fleet): (usize, OrgFleet)| {
            Box::new(Org::new(Arc::clone(&shared), fleet, index as u32))
        };
        let orgs: Vec<Box<Org>> = match &pool {
            Some(pool) => pool.install(|| fleets.into_par_iter().enumerate().map(build).collect()),
            None => fleets.into_iter().enumerate().map(build).collect(),
        };
        let sensors: u64 = orgs.iter().map(|o| o.sensors()).sum();
        let mut sector_weight = vec![0.0; Sector::ALL.len()];
        let mut lps = Vec::with_capacity(orgs.len() + 1 + spec.pools.len());
        lps.push(Lp::Vendor(Box::new(Vendor::new(Arc::clone(&shared), sensors))));
        for p in &spec.pools {
            lps.push(Lp::Pool(Box::new(Pool::new(p))));
        }
        for org in orgs {
            sector_weight[org.sector.index()] += org.capacity_weight();
            lps.push(Lp::Org(org));
        }

        let mut engine = Config::new(shared.lookahead, shared.horizon);
        engine.threads = config.threads;
        engine.seed = spec.seed;
        engine.replication = config.replication;
        engine.event_budget = spec.event_budget;
        let sim = Simulation::new(lps, &engine)?;
        let sectors = Sector::ALL.into_iter().filter(|s| sector_weight[s.index()] > 0.0).collect();
        let mut world = World {
            spec,
            shared,
            sim,
            series: Series { sectors, ..Series::default() },
            next_sample: 0,
            sector_weight,
            released_tools: Vec::new(),
            sample_cache: Vec::new(),
            sector_totals: SectorTotals::default(),
        };
        world.sample_cache = vec![
            Contribution {
                handled: 0,
                sector: u8::MAX,
                accruing: false,
                down: 0,
                capacity_milli: 0,
                loss_cents: 0,
                frozen: None,
            };
            world.sim.lp_count() as usize
        ];
        world.schedule_start()?;
        Ok(world)
    }

    fn schedule_start(&mut self) -> Result<(), ModelError> {
        let spec = Arc::clone(&self.spec);
        for (c, content) in spec.vendor.contents.iter().enumerate() {
            let at = SimTime::ZERO + content.published_after;
            self.sim.schedule(0, at, Event::Publish { content: c as u8 })?;
        }
        if let RevertSpec::At(after) = spec.vendor.revert {
            let at = self.shared.first_publication + after;
            if at < self.shared.horizon {
                self.sim.schedule(0, at, Event::Revert)?;
            }
        }
        for (t, tool) in spec.tools.iter().enumerate() {
            let at = SimTime::ZERO + tool.available_after;
            if at < self.shared.horizon {
                for org in self.org_lps() {
                    self.sim.schedule(org, at, Event::ToolAvailable { tool: t as u8 })?;
                }
            }
        }
        for inject in &spec.injects {
            let at = SimTime::ZERO + inject.at;
            if at < self.shared.horizon {
                self.schedule_action(at, inject.action.clone())?;
            }
        }
        Ok(())
    }

    fn org_lps(&self) -> std::ops::Range<LpId> {
        self.shared.first_org..self.shared.first_org + self.shared.orgs
    }

    /// The organisations an action targets.
    pub fn targets(&self, target: &TargetSpec) -> Vec<LpId> {
        self.org_lps()
            .filter(|&lp| match (self.sim.lp(lp), target) {
                (Lp::Org(o), TargetSpec::All) => o.number < u32::MAX,
                (Lp::Org(o), TargetSpec::Sector(s)) => o.sector == *s,
                (Lp::Org(o), TargetSpec::Archetype(a)) => o.archetype == *a,
                (Lp::Org(o), TargetSpec::Org(a, n)) => o.archetype == *a && o.number == *n,
                _ => false,
            })
            .collect()
    }

    fn schedule_action(&mut self, at: SimTime, action: ActionSpec) -> Result<(), ModelError> {
        match &action {
            ActionSpec::HaltRollout => self.sim.schedule(0, at, Event::Halt)?,
            ActionSpec::PublishRevert => self.sim.schedule(0, at, Event::Revert)?,
            ActionSpec::ReleaseTool { name, share, mode, repair_time } => {
                let tool = ToolSpec {
                    name: name.clone(),
                    available_after: at.since(SimTime::ZERO),
                    share: *share,
                    mode: *mode,
                    repair_time: super::spec::DistSpec::new(*repair_time, 0.3),
                    needs_key: false,
                };
                for org in self.org_lps() {
                    self.sim.schedule(org, at, Event::ToolReleased(Box::new(tool.clone())))?;
                }
                self.released_tools.push((at, name.clone()));
            }
            other => {
                let Some(target) = other.target() else { return Ok(()) };
                let orgs = self.targets(target);
                if orgs.is_empty() {
                    return Err(ModelError::Inject("the decision targets no organisation".into()));
                }
                for org in orgs {
                    self.sim.schedule(org, at, Event::Inject(Box::new(action.clone())))?;
                }
            }
        }
        Ok(())
    }

    /// Applies a decision from now on (the tabletop's `inject`).
    pub fn inject(&mut self, action: ActionSpec) -> Result<(), ModelError> {
        let now = self.sim.clock();
        self.schedule_action(now, action)
    }

    /// Simulated time up to which everything has happened.
    pub fn clock(&self) -> SimTime {
        self.sim.clock()
    }

    pub fn horizon(&self) -> SimTime {
        self.shared.horizon
    }

    pub fn counters(&self) -> blastradius_engine::Counters {
        self.sim.counters()
    }

    fn sample_time(&self, k: u64) -> SimTime {
        SimTime(k.saturating_mul(self.spec.output_interval.0))
    }

    /// Runs until `t` (capped at the horizon), sampling every output time on the way.
    pub fn run_until(&mut self, t: SimTime) -> Result<(), ModelError> {
        let t = t.min(self.shared.horizon);
        loop {
            let at = self.sample_time(self.next_sample);
            if at > t {
                break;
            }
            self.sim.run_until(at)?;
            self.sample(at);
            self.next_sample += 1;
        }
        self.sim.run_until(t)?;
        Ok(())
    }

    /// Runs to the horizon.
    pub fn run(&mut self) -> Result<(), ModelError> {
        self.run_until(self.shared.horizon)
    }

    fn orgs(&self) -> impl Iterator<Item = &Org> + '_ {
        self.sim.models().filter_map(|m| match m {
            Lp::Org(o) => Some(&**o),
            _ => None,
        })
    }

    pub fn vendor(&self) -> &Vendor {
        match self.sim.lp(0) {
            Lp::Vendor(v) => v,
            _ => unreachable!("LP 0 is the vendor"),
        }
    }

    /// Samples every sector at `at`. Only organisations that handled an event since the last
    /// sample, or whose money was accruing then, are read again: any other has not changed.
    /// Contributions are integers (cents, milli-units of weighted capacity), so the sector
    /// totals, kept from sample to sample and moved by each contribution's change, are exact.
    fn sample(&mut self, at: SimTime) {
        // Reading an accruing organisation's loss is most of a sample's cost: done on the
        // worker threads, each organisation into its own record, each task adding up the
        // changes of its records.
        let shared = &*self.shared;
        let changed = |handled: u64, c: &Contribution| c.handled != handled || c.sector == u8::MAX;
        let prefetch = |lp: &Lp, stage: u8| {
            if let Lp::Org(o) = lp {
                o.prefetch_sample(stage);
            }
        };
        let changes = self.sim.par_fold_loading_ahead(
            &mut self.sample_cache,
            changed,
            prefetch,
            SectorTotals::default,
            |handled, lp, c, totals| {
                let cents = |usd: f64| (usd * 100.0).round() as i64;
                // The record alone answers for most: an organisation neither changed nor accruing
                // adds what it added last time, and a frozen one's loss is read from the record.
                // Only the rest read the LP (a scan of every LP's would be one miss an LP).
                let changed = changed(handled, c);
                if !changed && !c.accruing {
                    return;
                }
                let before = (c.down, c.capacity_milli, c.loss_cents);
                if !changed && let Some(frozen) = &c.frozen {
                    c.loss_cents = cents(frozen.loss_at(shared, at));
                } else {
                    // Opaque to the optimiser, so that the LP's record is not read ahead of the
                    // checks.
                    let Lp::Org(o) = std::hint::black_box(lp) else { return };
                    if changed {
                        let accruing = o.accruing();
                        let (loss, frozen) = if accruing {
                            let rates = o.rates();
                            (o.loss_at_rates(&rates, at), o.frozen(&rates))
                        } else {
                            (o.loss_at(at), None)
                        };
                        // The frozen record's box is kept for the next.
                        match (&mut c.frozen, frozen) {
                            (Some(kept), Some(frozen)) => **kept = frozen,
                            (kept, frozen) => *kept = frozen.map(Box::new),
                        }
                        c.handled = handled;
                        c.sector = o.sector.index() as u8;
                        c.accruing = accruing;
                        c.down = o.counts().down;
                        c.capacity_milli =
                            (o.capacity_weight() * o.ops_capacity() * 1_000.0).round() as i64;
                        c.loss_cents = cents(loss);
                    } else {
                        // Unchanged since the last sample, accruing, with a backlog: read again.
                        c.loss_cents = cents(o.loss_at(at));
                    }
                }
                // A slot starts at zero, so its first contribution is its change.
                let total = &mut totals.0[usize::from(c.sector)];
                total[0] += c.down as i64 - before.0 as i64;
                total[1] += c.capacity_milli - before.1;
                total[2] += c.loss_cents - before.2;
            },
        );
        for change in changes {
            for (total, change) in self.sector_totals.0.iter_mut().zip(change.0) {
                for (t, c) in total.iter_mut().zip(change) {
                    *t += c;
                }
            }
        }
        let [down, capacity_milli, loss_cents]: [Vec<i64>; 3] =
            std::array::from_fn(|k| self.sector_totals.0.iter().map(|t| t[k]).collect());
        let sectors = &self.series.sectors;
        let capacity = sectors
            .iter()
            .map(|s| {
                let w = self.sector_weight[s.index()].max(f64::MIN_POSITIVE);
                (capacity_milli[s.index()] as f64 / 1_000.0 / w).min(1.0)
            })
            .collect();
        self.series.times_s.push(at.as_secs_f64());
        self.series.down.push(sectors.iter().map(|s| down[s.index()] as u64).collect());
        self.series.capacity.push(capacity);
        self.series
            .loss_usd
            .push(sectors.iter().map(|s| loss_cents[s.index()] as f64 / 100.0).collect());
    }

    /// Each sector's state now.
    pub fn status(&self) -> Vec<SectorStatus> {
        let now = self.clock();
        let mut by_sector: Vec<SectorStatus> = Sector::ALL
            .iter()
            .map(|&s| SectorStatus { sector: Some(s), ..SectorStatus::default() })
            .collect();
        let mut weighted = vec![0.0; Sector::ALL.len()];
        for org in self.orgs() {
            let s = &mut by_sector[org.sector.index()];
            s.organisations += 1;
            s.endpoints += u64::from(org.size());
            s.down += org.counts().down;
            s.crashed += org.counts().crashed;
            s.loss_usd += org.loss_at(now);
            s.staff_busy += u64::from(org.staff_busy());
            s.staff_present += u64::from(org.staff_present_at(now));
            weighted[org.sector.index()] += org.capacity_weight() * org.ops_capacity();
        }
        by_sector
            .into_iter()
            .filter(|s| s.organisations > 0)
            .map(|mut s| {
                let i = s.sector.map_or(0, Sector::index);
                s.capacity = weighted[i] / self.sector_weight[i].max(f64::MIN_POSITIVE);
                s
            })
            .collect()
    }

    /// Notes of every organisation since `since` (inclusive) and before now, with the
    /// organisation, in time then organisation order.
    pub fn notes_since(&self, since: SimTime) -> Vec<(SimTime, &Org, &Note)> {
        let now = self.clock();
        let mut notes: Vec<(SimTime, &Org, &Note)> = self
            .orgs()
            .flat_map(|o| {
                o.notes()
                    .iter()
                    .filter(|(t, _)| *t >= since && *t < now)
                    .map(move |(t, n)| (*t, o, n))
            })
            .collect();
        notes.sort_by_key(|(t, o, _)| (*t, o.archetype, o.number));
        notes
    }

    /// The organisation LPs, for detailed status queries.
    pub fn organisations(&self) -> Vec<&Org> {
        self.orgs().collect()
    }

    /// Checks every organisation's conservation laws.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.orgs().try_for_each(Org::check_invariants)
    }

    /// Key events so far.
    pub fn key_events(&self, recovery: &[(f64, Option<u32>)]) -> Vec<KeyEvent> {
        let mut events = Vec::new();
        let vendor = self.vendor();
        if let Some(first) = self.orgs().filter_map(|o| o.first_crash()).min() {
            events.push(KeyEvent { at_s: first.as_secs_f64(), label: "first crash".into() });
        }
        for trip in &vendor.trips {
            events.push(KeyEvent {
                at_s: trip.at.as_secs_f64(),
                label: format!("gate trips on {} ({})", trip.signal.name(), trip.count),
            });
        }
        if let Some(t) = vendor.halted_at {
            events.push(KeyEvent { at_s: t.as_secs_f64(), label: "rollout halted".into() });
        }
        if let Some(t) = vendor.reverted_at {
            events.push(KeyEvent { at_s: t.as_secs_f64(), label: "revert published".into() });
        }
        for tool in &self.spec.tools {
            let at = SimTime::ZERO + tool.available_after;
            if at <= self.clock() {
                events.push(KeyEvent {
                    at_s: at.as_secs_f64(),
                    label: format!("{} available", tool.name),
                });
            }
        }
        for (at, name) in &self.released_tools {
            events.push(KeyEvent { at_s: at.as_secs_f64(), label: format!("{name} released") });
        }
        for (share, t) in recovery {
            if let Some(t) = t {
                let label = format!("{:.0}% recovered", share * 100.0);
                events.push(KeyEvent { at_s: f64::from(*t) / 1_000.0, label });
            }
        }
        events.sort_by(|a, b| a.at_s.total_cmp(&b.at_s).then(a.label.cmp(&b.label)));
        events
    }

    /// Collects the results as of now (normally the horizon).
    pub fn results(&self) -> RunResult {
        let now = self.clock();
        let publication = self.shared.first_publication;
        let since_publication = |t: SimTime| t.since(publication).as_secs_f64();
        let mut figures: Figures = Figure::run_wide().map(|f| (f, None)).collect();
        let mut set = |figure: Figure, v: f64| {
            figures.insert(figure, Some(v));
        };
        let mut sectors: Vec<SectorLoss> = Sector::ALL
            .iter()
            .map(|&s| SectorLoss { sector: Some(s), ..SectorLoss::default() })
            .collect();
        let mut service_hours = vec![0.0; Sector::ALL.len()];
        let mut downtime_by_sector = vec![0u128; Sector::ALL.len()];
        let (mut total, mut exposed, mut crashed, mut healed, mut remote, mut onsite, mut down) =
            (0u64, 0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
        let (mut downtime_ms, mut flights, mut affected, mut reimaged) = (0u128, 0.0, 0u64, 0u64);
        let mut by_owner = 0u64;
        let mut recoveries: Vec<u32> = Vec::new();
        let mut first_crash: Option<SimTime> = None;
        let mut orgs = Vec::new();
        let (mut insured, mut holders, mut claiming) = (Payment::default(), 0u64, 0u64);
        let mut organisations = Vec::new();
        for org in self.orgs() {
            let c = org.counts();
            total += u64::from(org.size());
            exposed += c.exposed;
            crashed += c.crashed;
            healed += c.self_healed;
            remote += c.repaired_remote;
            onsite += c.repaired_onsite;
            by_owner += c.repaired_by_owner;
            down += c.down;
            affected += u64::from(c.crashed > 0);
            let org_downtime = org.downtime_ms(now);
            downtime_ms += org_downtime;
            downtime_by_sector[org.sector.index()] += org_downtime;
            recoveries.extend_from_slice(org.recovery_times());
            first_crash = match (first_crash, org.first_crash()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let acc = org.accounts();
            let a = org.accrual(acc.last, now);
            let s = &mut sectors[org.sector.index()];
            s.organisations += 1;
            s.endpoints += u64::from(org.size());
            s.crashed += c.crashed;
            s.revenue_usd += acc.revenue_usd + a.revenue_usd;
            s.labour_usd += acc.labour_usd;
            s.penalties_usd += acc.penalties_usd + a.penalties_usd;
            s.backlog_usd += acc.backlog_usd + a.backlog_usd;
            s.productivity_usd += acc.productivity_usd + a.productivity_usd;
            let (holds, paid, outages) = policy_outcome(org, now);
            s.insured_usd += paid.total_usd();
            insured.business_interruption_usd += paid.business_interruption_usd;
            insured.contingent_usd += paid.contingent_usd;
            holders += u64::from(holds);
            claiming += u64::from(paid.total_usd() > 0.0);
            let ground_up = acc.total_usd() + a.total_usd();
            if self.spec.outputs.organisation_losses && (ground_up > 0.0 || paid.total_usd() > 0.0)
            {
                organisations.push(OrgOutcome {
                    archetype: org.archetype as u32,
                    number: org.number,
                    sector: org.sector,
                    exposure_usd: revenue_weight(org) * HOURS_PER_YEAR,
                    ground_up_usd: ground_up,
                    insured: holds,
                    insured_bi_usd: paid.business_interruption_usd,
                    insured_contingent_usd: paid.contingent_usd,
                    own_outage_hours: outages[0].duration.as_hours_f64(),
                    supplier_outage_hours: outages[1].duration.as_hours_f64(),
                });
            }
            reimaged += c.reimaged;
            flights += acc.flights_cancelled + a.flights_cancelled;
            service_hours[org.sector.index()] += acc.service_hours_lost + a.service_hours_lost;
            if c.crashed > 0 {
                orgs.push(OrgLoss {
                    name: org.name(),
                    sector: org.sector,
                    endpoints: u64::from(org.size()),
                    crashed: c.crashed,
                    downtime_hours: org_downtime as f64 / 3_600_000.0,
                    loss_usd: org.loss_at(now),
                    insured: holds,
                    insured_usd: paid.total_usd(),
                });
            }
        }
        let sectors: Vec<SectorLoss> =
            sectors.into_iter().filter(|s| s.organisations > 0).collect();
        set(Metric::EndpointsTotal.into(), total as f64);
        set(Metric::EndpointsExposed.into(), exposed as f64);
        set(Metric::EndpointsCrashed.into(), crashed as f64);
        set(Metric::EndpointsSelfHealed.into(), healed as f64);
        set(Metric::EndpointsRepairedRemote.into(), remote as f64);
        set(Metric::EndpointsRepairedOnsite.into(), onsite as f64);
        set(Metric::EndpointsRepairedByOwner.into(), by_owner as f64);
        set(Metric::EndpointsDownAtEnd.into(), down as f64);
        set(Metric::OrganisationsAffected.into(), affected as f64);
        set(Metric::EndpointDowntimeHours.into(), downtime_ms as f64 / 3_600_000.0);
        set(Metric::FlightsCancelled.into(), flights);
        let vendor = self.vendor();
        if let Some(t) = vendor.halted_at {
            set(Metric::RolloutHaltedAt.into(), since_publication(t));
        }
        if let Some(t) = vendor.reverted_at {
            set(Metric::RevertPublishedAt.into(), since_publication(t));
        }
        if let Some(t) = first_crash {
            set(Metric::FirstCrashAt.into(), since_publication(t));
        }
        let mut recovery = Vec::new();
        for (share, name) in [
            (0.5, Metric::Recovered50pctAt),
            (0.9, Metric::Recovered90pctAt),
            (0.99, Metric::Recovered99pctAt),
        ] {
            let t = time_of_share(&mut recoveries, crashed, share);
            if let Some(t) = t {
                set(name.into(), since_publication(SimTime(u64::from(t))));
            }
            recovery.push((share, t));
        }
        if crashed > 0 && down == 0 {
            let last = recoveries.iter().copied().max().unwrap_or(0);
            set(Metric::RecoveredAllAt.into(), since_publication(SimTime(u64::from(last))));
        }
        let sum = |f: fn(&SectorLoss) -> f64| sectors.iter().map(f).sum::<f64>();
        set(Metric::LossUsdRevenue.into(), sum(|s| s.revenue_usd));
        set(Metric::LossUsdLabour.into(), sum(|s| s.labour_usd));
        set(Metric::LossUsdPenalties.into(), sum(|s| s.penalties_usd));
        set(Metric::LossUsdBacklog.into(), sum(|s| s.backlog_usd));
        set(Metric::LossUsdProductivity.into(), sum(|s| s.productivity_usd));
        set(Metric::EndpointsReimaged.into(), reimaged as f64);
        set(Metric::LossUsd.into(), sum(SectorLoss::total_usd));
        set(Metric::ServiceHoursLost.into(), service_hours.iter().sum());
        let ground_up = sum(SectorLoss::total_usd);
        set(Metric::InsuredUsd.into(), insured.total_usd());
        set(Metric::InsuredUsdBi.into(), insured.business_interruption_usd);
        set(Metric::InsuredUsdContingent.into(), insured.contingent_usd);
        if ground_up > 0.0 {
            set(Metric::InsuredShare.into(), insured.total_usd() / ground_up);
        }
        set(Metric::OrganisationsInsured.into(), holders as f64);
        set(Metric::OrganisationsClaiming.into(), claiming as f64);
        for s in &sectors {
            let sector = s.sector.unwrap_or(Sector::Other);
            set(Figure::sector(Metric::LossUsd, sector), s.total_usd());
            set(Figure::sector(Metric::InsuredUsd, sector), s.insured_usd);
            set(Figure::sector(Metric::ServiceHoursLost, sector), service_hours[sector.index()]);
            let hours = downtime_by_sector[sector.index()] as f64 / 3_600_000.0;
            set(Figure::sector(Metric::EndpointDowntimeHours, sector), hours);
        }
        for &m in &self.spec.outputs.recovered_share_at_min {
            if crashed > 0 {
                let by = u64::from(m) * 60_000;
                let back = self.orgs().map(|o| back_by(o, by)).sum::<u64>();
                set(Figure::at(Metric::RecoveredShare, m), back as f64 / crashed as f64);
            }
        }
        for &a in &self.spec.outputs.archetypes {
            for (figure, value) in self.archetype_figures(a, now) {
                figures.insert(figure, value);
            }
        }
        orgs.sort_by(|a, b| b.loss_usd.total_cmp(&a.loss_usd).then(a.name.cmp(&b.name)));
        orgs.truncate(self.spec.outputs.top_orgs as usize);
        RunResult {
            replication: self.shared.replication,
            figures,
            series: self.series.clone(),
            key_events: self.key_events(&recovery),
            sectors,
            top_orgs: orgs,
            organisations,
            counters: self.sim.counters(),
            end: now,
        }
    }
}

impl World {
    /// The figures of one archetype named in the outputs, as of `now`.
    fn archetype_figures(&self, archetype: usize, now: SimTime) -> Vec<(Figure, Option<f64>)> {
        let spec = &self.spec.archetypes[archetype];
        let Some(name) = Name::new(&spec.name) else { return Vec::new() };
        let of = |metric: Metric| Figure { metric, scope: Scope::Archetype(name) };
        let orgs: Vec<&Org> = self.orgs().filter(|o| o.archetype == archetype).collect();
        let publication = self.shared.first_publication;
        let (mut total, mut crashed, mut down, mut downtime_ms, mut loss, mut flights) =
            (0u64, 0u64, 0u64, 0u128, 0.0, 0.0);
        let mut recoveries = Vec::new();
        let days = orgs.iter().map(|o| o.local_day(now) + 1).max().unwrap_or(1);
        let (mut scheduled, mut cancelled) = (vec![0.0; days], vec![0.0; days]);
        for org in &orgs {
            total += u64::from(org.size());
            crashed += org.counts().crashed;
            down += org.counts().down;
            downtime_ms += org.downtime_ms(now);
            loss += org.loss_at(now);
            recoveries.extend_from_slice(org.recovery_times());
            for (day, n) in org.flights_scheduled_by_day(SimTime::ZERO, now) {
                if day < days {
                    scheduled[day] += n;
                }
            }
            for (day, n) in org.flights_cancelled_by_day_at(now).into_iter().enumerate() {
                if day < days {
                    cancelled[day] += n;
                    flights += n;
                }
            }
        }
        let mut out = vec![
            (of(Metric::EndpointsTotal), Some(total as f64)),
            (of(Metric::EndpointsCrashed), Some(crashed as f64)),
            (of(Metric::EndpointsDownAtEnd), Some(down as f64)),
            (of(Metric::EndpointDowntimeHours), Some(downtime_ms as f64 / 3_600_000.0)),
            (of(Metric::LossUsd), Some(loss)),
            (of(Metric::FlightsCancelled), Some(flights)),
        ];
        let since = |t: u32| SimTime(u64::from(t)).since(publication).as_secs_f64();
        for (share, metric) in [
            (0.5, Metric::Recovered50pctAt),
            (0.9, Metric::Recovered90pctAt),
            (0.99, Metric::Recovered99pctAt),
        ] {
            out.push((of(metric), time_of_share(&mut recoveries, crashed, share).map(since)));
        }
        let all = (crashed > 0 && down == 0).then(|| recoveries.iter().copied().max().map(since));
        out.push((of(Metric::RecoveredAllAt), all.flatten()));
        for &m in &self.spec.outputs.recovered_share_at_min {
            let by = u64::from(m) * 60_000;
            let back = orgs.iter().map(|o| back_by(o, by)).sum::<u64>();
            let share = (crashed > 0).then(|| back as f64 / crashed as f64);
            out.push((
                Figure { metric: Metric::RecoveredShare, scope: Scope::ArchetypeAt(name, m) },
                share,
            ));
        }
        let all_scheduled: f64 = scheduled.iter().sum();
        if all_scheduled > 0.0 {
            out.push((of(Metric::FlightsCancelledShare), Some(flights / all_scheduled)));
            let normal = spec.economics.normal_cancellation_share.get();
            // The schedule is normal from the first day after the last day that was not.
            let mut normal_from = Some(1);
            for day in 0..days {
                if scheduled[day] <= 0.0 {
                    continue;
                }
                let share = cancelled[day] / scheduled[day];
                let scope = Scope::ArchetypeDay(name, (day + 1) as u16);
                out.push((Figure { metric: Metric::FlightsCancelledShare, scope }, Some(share)));
                if share >= normal {
                    normal_from = (day + 1 < days).then_some(day + 2);
                }
            }
            out.push((of(Metric::ScheduleNormalDay), normal_from.map(|d| d as f64)));
        }
        out
    }
}

/// Hours in a year: an organisation's exposure value is a year of its revenue at full capacity
/// (demand averages 1 over the week).
const HOURS_PER_YEAR: f64 = 8_760.0;

/// Whether an organisation holds a policy, what it pays for this run's outage (within its
/// aggregate limit) and the outages it measured: own, and supplier-caused.
fn policy_outcome(org: &Org, now: SimTime) -> (bool, Payment, [Outage; 2]) {
    let spec = org.spec();
    let policy = &spec.insurance;
    let holds = insurance::holds_policy(policy, &spec.name, org.number);
    match org.cover_outages(now) {
        Some(outages) => {
            let due = insurance::occurrence(policy, &outages[0], &outages[1]);
            let paid = Aggregate::new(policy.aggregate_limit_usd).pay(due.total_usd());
            (holds, due.scaled_to(paid), outages)
        }
        None => (holds, Payment::default(), [Outage::default(); 2]),
    }
}

/// How many of an organisation's crashed endpoints were back up by `by_ms`.
fn back_by(org: &Org, by_ms: u64) -> u64 {
    org.recovery_times().iter().filter(|&&t| u64::from(t) <= by_ms).count() as u64
}

/// An organisation's weight in its sector's capacity: its revenue per average hour.
fn revenue_weight(org: &Org) -> f64 {
    org.spec().economics.revenue_per_endpoint_hour_usd * f64::from(org.size())
}

/// Runs one replication to the horizon and returns its results.
pub fn run_replication(spec: Arc<WorldSpec>, config: RunConfig) -> Result<RunResult, ModelError> {
    let mut world = World::build(spec, config)?;
    world.run()?;
    debug_assert_eq!(world.check_invariants(), Ok(()));
    Ok(world.results())
}

/// Whether the class has endpoints that run the bad content at all (for summaries).
pub fn targeted(spec: &WorldSpec, class: Class) -> bool {
    spec.vendor.contents.iter().any(|c| c.crash[class.index()].iter().any(|p| p.get() > 0.0))
}
