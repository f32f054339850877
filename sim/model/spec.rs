//! The validated description of a world: what the scenario layer builds from a file and the
//! simulation consumes. These types carry no serde and cannot hold a bad value: probabilities
//! are in [0, 1], mixes add up to 1, counts are positive, names resolve. Only
//! `scenario::validate` constructs them (or tests, through the same checks).

use blastradius_engine::SimDuration;
use blastradius_engine::keyed::LogNormal;

/// Economic sectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sector {
    Airline,
    Hospital,
    Bank,
    Retail,
    Government,
    Media,
    Logistics,
    /// Health care outside hospitals: insurers, pharmacies, general practices.
    Health,
    Manufacturing,
    /// IT services and managed-service providers.
    ItServices,
    /// Households' own devices, repaired by their owners or at repair shops.
    Consumer,
    Other,
}

impl Sector {
    pub const ALL: [Sector; 12] = [
        Sector::Airline,
        Sector::Hospital,
        Sector::Bank,
        Sector::Retail,
        Sector::Government,
        Sector::Media,
        Sector::Logistics,
        Sector::Health,
        Sector::Manufacturing,
        Sector::ItServices,
        Sector::Consumer,
        Sector::Other,
    ];

    /// The lowercase name used in outputs (`loss_usd_hospital`, CSV rows).
    pub fn name(self) -> &'static str {
        match self {
            Sector::Airline => "airline",
            Sector::Hospital => "hospital",
            Sector::Bank => "bank",
            Sector::Retail => "retail",
            Sector::Government => "government",
            Sector::Media => "media",
            Sector::Logistics => "logistics",
            Sector::Health => "health",
            Sector::Manufacturing => "manufacturing",
            Sector::ItServices => "it_services",
            Sector::Consumer => "consumer",
            Sector::Other => "other",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            Sector::Airline => "airlines",
            Sector::Hospital => "hospitals",
            Sector::Bank => "banks",
            Sector::Retail => "retailers",
            Sector::Government => "government bodies",
            Sector::Media => "media companies",
            Sector::Logistics => "logistics firms",
            Sector::Health => "health providers and insurers",
            Sector::Manufacturing => "manufacturers",
            Sector::ItServices => "IT service firms",
            Sector::Consumer => "consumers",
            Sector::Other => "other organisations",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_name(name: &str) -> Option<Sector> {
        Sector::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Endpoint classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Workstation,
    Server,
    Kiosk,
    CloudVm,
}

impl Class {
    pub const ALL: [Class; 4] = [Class::Workstation, Class::Server, Class::Kiosk, Class::CloudVm];
    pub const COUNT: usize = 4;

    pub fn index(self) -> usize {
        self as usize
    }
    pub fn from_index(i: usize) -> Class {
        Class::ALL[i & 3]
    }
    pub fn name(self) -> &'static str {
        match self {
            Class::Workstation => "workstation",
            Class::Server => "server",
            Class::Kiosk => "kiosk",
            Class::CloudVm => "cloud VM",
        }
    }
    pub fn plural(self) -> &'static str {
        match self {
            Class::Workstation => "workstations",
            Class::Server => "servers",
            Class::Kiosk => "kiosks",
            Class::CloudVm => "cloud VMs",
        }
    }
    /// Servers, kiosks and cloud VMs never switch off.
    pub fn always_on(self) -> bool {
        self != Class::Workstation
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Os {
    Windows,
    MacOs,
    Linux,
}

impl Os {
    pub const ALL: [Os; 3] = [Os::Windows, Os::MacOs, Os::Linux];
    pub const COUNT: usize = 3;

    pub fn index(self) -> usize {
        self as usize
    }
    pub fn from_index(i: usize) -> Os {
        Os::ALL[i.min(2)]
    }
}

/// A value in [0, 1].
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Share(f64);

impl Share {
    pub const ZERO: Share = Share(0.0);
    pub const ONE: Share = Share(1.0);

    /// `None` unless `v` is a number in [0, 1].
    pub fn new(v: f64) -> Option<Share> {
        (0.0..=1.0).contains(&v).then_some(Share(v))
    }
    pub fn get(self) -> f64 {
        self.0
    }
}

/// A lognormal duration by mean and coefficient of variation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DistSpec {
    mean: SimDuration,
    cv: f64,
    /// Its law in milliseconds, set up once for the many draws of a run.
    law: LogNormal,
}

impl DistSpec {
    pub fn new(mean: SimDuration, cv: f64) -> DistSpec {
        DistSpec { mean, cv, law: LogNormal::new(mean.0 as f64, cv) }
    }

    pub fn mean(&self) -> SimDuration {
        self.mean
    }

    /// The coefficient of variation (standard deviation over mean).
    pub fn cv(&self) -> f64 {
        self.cv
    }

    /// A draw keyed on `key`, in milliseconds (unrounded).
    #[inline]
    pub fn sample_ms(&self, key: &[u64]) -> f64 {
        self.law.sample(key)
    }
}

/// A whole world, validated.
#[derive(Clone, Debug)]
pub struct WorldSpec {
    pub name: String,
    pub description: String,
    /// Simulated time zero, in seconds since the Unix epoch (UTC).
    pub start_unix_s: i64,
    pub horizon: SimDuration,
    pub seed: u64,
    pub output_interval: SimDuration,
    pub event_budget: u64,
    pub vendor: VendorSpec,
    pub boot_loop: BootLoopSpec,
    pub tools: Vec<ToolSpec>,
    /// In name order.
    pub archetypes: Vec<ArchetypeSpec>,
    /// In name order.
    pub pools: Vec<PoolSpec>,
    pub injects: Vec<InjectSpec>,
    pub outputs: OutputSpec,
}

#[derive(Clone, Debug)]
pub struct VendorSpec {
    pub name: String,
    pub contents: Vec<ContentSpec>,
    pub check_in_mean: SimDuration,
    pub propagation: SimDuration,
    /// Rings in release order; "all at once" is one ring holding everything.
    pub rings: Vec<RingSpec>,
    pub gates: Vec<GateSpec>,
    pub reaction_delay: SimDuration,
    pub telemetry: TelemetrySpec,
    pub revert: RevertSpec,
    pub workaround_after_revert: SimDuration,
    pub self_discovery: SimDuration,
}

#[derive(Clone, Debug)]
pub struct ContentSpec {
    pub name: String,
    pub published_after: SimDuration,
    /// Crash probability by class index and OS index.
    pub crash: [[Share; Os::COUNT]; Class::COUNT],
    pub crash_delay: SimDuration,
}

impl ContentSpec {
    /// Whether any endpoint can crash on this content.
    pub fn is_bad(&self) -> bool {
        self.crash.iter().flatten().any(|p| p.get() > 0.0)
    }
}

#[derive(Clone, Debug)]
pub struct RingSpec {
    pub name: String,
    pub share: Share,
    pub bake: SimDuration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    CrashReports,
    LostHeartbeats,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::CrashReports => "crash reports",
            Signal::LostHeartbeats => "lost heartbeats",
        }
    }
}

#[derive(Clone, Debug)]
pub struct GateSpec {
    pub signal: Signal,
    /// Trips when the count reaches this (when set).
    pub threshold_count: Option<u64>,
    /// Trips when the rate among released sensors reaches this (when set), once `min_sample`
    /// sensors are released.
    pub threshold_rate: Option<f64>,
    pub min_sample: u64,
}

#[derive(Clone, Debug)]
pub struct TelemetrySpec {
    pub latency: SimDuration,
    pub heartbeat_interval: SimDuration,
    pub crash_report_share: Share,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RevertSpec {
    At(SimDuration),
    AfterHalt(SimDuration),
    Never,
}

#[derive(Clone, Debug)]
pub struct BootLoopSpec {
    pub reboot_interval: SimDuration,
    pub self_heal_chance_per_reboot: Share,
    pub recovery_screen_share: Share,
    pub reboots_before_recovery_screen: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToolMode {
    Remote,
    HandsOn,
}

#[derive(Clone, Debug)]
pub struct ToolSpec {
    pub name: String,
    pub available_after: SimDuration,
    pub share: Share,
    pub mode: ToolMode,
    pub repair_time: DistSpec,
    pub needs_key: bool,
}

#[derive(Clone, Debug)]
pub struct ArchetypeSpec {
    pub name: String,
    pub sector: Sector,
    pub organisations: u32,
    pub size: SizeSpec,
    /// Share of endpoints by class index; adds up to 1.
    pub class_mix: [f64; Class::COUNT],
    /// Share of each class by OS index; each row adds up to 1.
    pub os_mix: [[f64; Os::COUNT]; Class::COUNT],
    pub agent_share: Share,
    pub bitlocker_share: [Share; Class::COUNT],
    pub wired_share: Share,
    pub critical_share: Share,
    pub regions: Vec<RegionSpec>,
    pub sites: Vec<SiteKindSpec>,
    pub online: OnlineSpec,
    pub staff: StaffSpec,
    pub repair: RepairSpec,
    pub services: Vec<ServiceSpec>,
    pub economics: EconomicsSpec,
    pub lag_share: Share,
    pub lag: SimDuration,
    pub exposure: ExposureSpec,
    /// Airline operations (crews, aircraft, crew scheduling), for carriers.
    pub airline: Option<AirlineSpec>,
    /// The cyber policy its organisations hold, if they hold one (see `InsuranceSpec`).
    pub insurance: InsuranceSpec,
    /// Keep a record only for endpoints that crash, drawing every endpoint's attributes from
    /// its own dice when needed (`fleet.rs`): for fleets of hundreds of millions where most
    /// endpoints never fetch bad content.
    pub lazy: bool,
}

/// Which of an organisation's agent endpoints the faulty content can reach: in 2024, hosts on
/// sensor versions before 7.11, or not on the content channel, were spared. Each organisation
/// draws its own share from a Beta distribution with this mean and standard deviation.
#[derive(Clone, Copy, Debug)]
pub struct ExposureSpec {
    pub affected_share: Share,
    /// 0: every organisation has exactly the mean.
    pub affected_share_sd: f64,
}

/// An airline's operations: flights need a working flight-operations service, a crew in
/// position and an aircraft in position. A flight cancelled by dispatch leaves its crew and its
/// aircraft out of position; one cancelled for want of a crew leaves its aircraft, one for want
/// of an aircraft its crew; a delayed one sometimes its crew. The crew-scheduling system puts
/// crews back at a limited rate, operations control aircraft: the spiral that kept one carrier
/// disrupted for days after its IT was back.
#[derive(Clone, Debug)]
pub struct AirlineSpec {
    /// Index of the service whose capacity flights need (dispatch, weight and balance).
    pub flight_service: usize,
    /// Index of the service whose shortfall delays flights (check-in and boarding).
    pub boarding_service: Option<usize>,
    /// Index of the crew-scheduling service: its capacity scales the reassignment rate.
    pub crew_service: usize,
    /// Crew pairings per scheduled flight of a day (crews_total = this x flights a day).
    pub crews_per_daily_flight: f64,
    /// Reassignments the crew-scheduling system makes an hour at full capacity, per 1,000
    /// flights a day.
    pub reassignments_per_hour_per_1000_flights: f64,
    /// Aircraft per scheduled flight of a day.
    pub aircraft_per_daily_flight: f64,
    /// Aircraft operations control repositions an hour at full flight-operations capacity, per
    /// 1,000 flights a day.
    pub repositions_per_hour_per_1000_flights: f64,
    /// Crews (or aircraft) left out of position by each cancelled flight that had them.
    pub strand_per_cancellation: f64,
    /// Crews left out of position by each delayed flight (crews timing out).
    pub strand_per_delay: f64,
    pub delay_minutes: f64,
    pub delay_cost_per_minute_usd: f64,
    /// The operations model's own step (not the output interval).
    pub step: SimDuration,
}

#[derive(Clone, Debug)]
pub struct SizeSpec {
    pub mean: f64,
    pub cv: f64,
    pub min: u32,
    pub max: u32,
    /// A share of organisations drawn instead from a second lognormal of very large ones (the
    /// heavy tail of big enterprises), clamped to the same bounds.
    pub tail_share: Share,
    pub tail_mean: f64,
    pub tail_cv: f64,
}

#[derive(Clone, Debug)]
pub struct RegionSpec {
    pub name: String,
    /// Minutes east of UTC.
    pub utc_offset_min: i32,
    pub share: f64,
}

#[derive(Clone, Debug)]
pub struct SiteKindSpec {
    pub name: String,
    pub count: u32,
    pub endpoint_share: f64,
    pub technician_share: f64,
    pub travel: SimDuration,
    /// Minutes east of UTC, when not the organisation's region.
    pub utc_offset_min: Option<i32>,
    pub hosts_key_escrow: bool,
}

#[derive(Clone, Debug)]
pub struct OnlineSpec {
    pub workday_start_hour: f64,
    pub workday_hours: f64,
    pub start_spread_hours: f64,
    pub on_weekday: Share,
    pub on_weekend: Share,
    pub left_on_overnight: Share,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Days {
    All,
    Weekdays,
    Weekends,
}

impl Days {
    /// Whether the rule applies on a day (0 = Monday .. 6 = Sunday).
    pub fn includes(self, weekday: u32) -> bool {
        match self {
            Days::All => true,
            Days::Weekdays => weekday < 5,
            Days::Weekends => weekday >= 5,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ShiftSpec {
    pub days: Days,
    pub from_hour: u8,
    pub to_hour: u8,
    pub share: Share,
}

#[derive(Clone, Debug)]
pub struct StaffSpec {
    pub technicians_per_1000: f64,
    pub technicians_min: u32,
    pub shifts: Vec<ShiftSpec>,
    pub incident_detection: SimDuration,
    pub call_in_share: Share,
    pub call_in_delay: SimDuration,
    /// Local hours in which called-in staff work.
    pub call_in_from_hour: u8,
    pub call_in_to_hour: u8,
    pub wage_hour_usd: f64,
    pub overtime_multiplier: f64,
    pub cloud_admins_per_1000_vms: f64,
    pub cloud_admins_min: u32,
    pub vms_in_parallel_per_admin: u32,
    pub surge: Option<SurgeSpec>,
    pub volunteers: Option<VolunteerSpec>,
    pub stand_down: StandDownSpec,
}

/// Non-IT staff who join the repair effort (hospitals added hundreds in 2024): slower than
/// technicians, in waking hours, at no extra wage.
#[derive(Clone, Debug)]
pub struct VolunteerSpec {
    pub per_1000: f64,
    /// From the incident being declared to their arrival.
    pub delay: SimDuration,
    /// How much longer a repair takes them than a technician.
    pub time_factor: f64,
    pub from_hour: u8,
    pub to_hour: u8,
}

/// When the extra effort stops: once the organisation's services are back (their weighted IT
/// capacity at least `capacity`) for `delay`, called-in staff return to their normal shifts,
/// contractors are released and volunteers go home; what is still broken is fixed at normal
/// hours by `staff_share` of each site's scheduled technicians (rounded up, so a site with
/// anyone on shift keeps at least one on it): the rest return to their usual work.
#[derive(Clone, Copy, Debug)]
pub struct StandDownSpec {
    pub capacity: f64,
    pub delay: SimDuration,
    pub staff_share: f64,
}

impl StaffSpec {
    /// Share of technicians scheduled on duty at a local weekday (0 = Monday) and hour.
    pub fn duty_share(&self, weekday: u32, hour: u32) -> f64 {
        self.shifts
            .iter()
            .filter(|s| {
                s.days.includes(weekday)
                    && u32::from(s.from_hour) <= hour
                    && hour < u32::from(s.to_hour)
            })
            .map(|s| s.share.get())
            .fold(0.0, f64::max)
    }
}

#[derive(Clone, Debug)]
pub struct SurgeSpec {
    pub technicians_per_1000: f64,
    pub delay: SimDuration,
    /// Index into `WorldSpec::pools`, or a private contract.
    pub pool: Option<usize>,
    pub wage_hour_usd: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepairOrder {
    Fifo,
    CriticalityFirst,
    ServiceAware,
}

impl RepairOrder {
    pub fn name(self) -> &'static str {
        match self {
            RepairOrder::Fifo => "FIFO",
            RepairOrder::CriticalityFirst => "criticality first",
            RepairOrder::ServiceAware => "service-aware",
        }
    }
}

#[derive(Clone, Debug)]
pub struct RepairSpec {
    pub order: RepairOrder,
    pub key_servers_first: bool,
    /// Hands-on time at the machine, by class.
    pub time: [DistSpec; Class::COUNT],
    /// Finding the machine and getting to it once at its site (walking, ladders for mounted
    /// displays), by class.
    pub access_time: [DistSpec; Class::COUNT],
    /// Reading out one BitLocker key at the key desk.
    pub key_retrieval: DistSpec,
    /// Agents at the key desk; with none, keys take `key_retrieval` with no queue.
    pub key_desk_agents_per_1000: f64,
    pub key_desk_agents_min: u32,
    pub key_escrow_servers: u32,
    pub offline_key_escrow: bool,
    pub offline_key_retrieval: SimDuration,
    /// Share of hands-on fixes that fail and leave the machine to be re-imaged.
    pub reimage_share: Share,
    /// Share of encrypted machines whose recovery key is not in escrow: re-imaged straight away.
    pub lost_key_share: Share,
    pub reimage_time: DistSpec,
    pub remote_worker_share: Share,
    /// From the crash until a remote worker can bring the laptop in or be walked through the
    /// fix; it becomes reachable at the start of the worker's next working day after that.
    pub remote_worker_delay: DistSpec,
    /// Share of remote laptops that are shipped back instead.
    pub remote_worker_ship_share: Share,
    pub remote_worker_ship_delay: DistSpec,
    pub remote_worker_time_factor: f64,
    /// Share of crashed machines their owners fix themselves once the fix is known.
    pub owner_share: Share,
    /// From the crash (or the fix becoming known, if later) until the owner has fixed it.
    pub owner_delay: DistSpec,
}

#[derive(Clone, Debug)]
pub struct ServiceSpec {
    pub name: String,
    /// Normalised: the weights of an archetype's services add up to 1.
    pub weight: f64,
    pub depends_on: Vec<DependencySpec>,
    /// Disabled backups keep their level, so a decision can still switch to them.
    pub manual_fallback: FallbackSpec,
    pub standby: FallbackSpec,
    pub backlog: Option<BacklogSpec>,
    /// A service of another organisation this one needs (a hosted record system).
    pub supplier: Option<SupplierSpec>,
}

/// A dependency on a supplier's service: the supplier organisation is the customer's number
/// modulo the supplier archetype's organisations; capacity from it is the supplier service's
/// capacity over `required_capacity`, capped at 1, known `notice` after it changes.
#[derive(Clone, Copy, Debug)]
pub struct SupplierSpec {
    pub archetype: usize,
    pub service: usize,
    pub required_capacity: f64,
    pub notice: SimDuration,
}

#[derive(Clone, Debug)]
pub struct DependencySpec {
    pub class: Class,
    /// A site kind index, or every site.
    pub site_kind: Option<usize>,
    pub required_share: f64,
    /// Only critical workstations (clinicians', dispatchers', traders') count.
    pub critical_only: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct FallbackSpec {
    pub enabled: bool,
    pub capacity: f64,
    pub activation: SimDuration,
}

#[derive(Clone, Copy, Debug)]
pub struct BacklogSpec {
    pub carryover_share: f64,
    pub drain_per_hour: f64,
    pub impairment: f64,
}

#[derive(Clone, Debug)]
pub struct EconomicsSpec {
    pub revenue_per_endpoint_hour_usd: f64,
    /// Demand by local hour, weekday then weekend, scaled so the week averages 1.
    pub demand_weekday: [f64; 24],
    pub demand_weekend: [f64; 24],
    pub recapture_share: Share,
    pub flights_per_1000_endpoints_day: f64,
    pub penalty_per_cancelled_flight_usd: f64,
    pub sla_capacity_threshold: Share,
    pub sla_penalty_per_hour_usd: f64,
    pub backlog_cost_share: f64,
    pub normal_cancellation_share: Share,
    /// Loaded wage of a workstation's user while the machine is down.
    pub productivity_wage_hour_usd: f64,
    pub users_per_workstation: f64,
    /// A user's working hours a week, spread over the week by the demand curve.
    pub working_hours_per_week: f64,
}

#[derive(Clone, Debug)]
pub struct PoolSpec {
    pub name: String,
    pub contractors: u32,
    pub dispatch_delay: SimDuration,
    /// Most contractors one organisation holds at once (0: no limit): a managed-service
    /// provider spreads its technicians over its clients.
    pub per_client_max: u32,
    /// From an organisation asking for (or releasing) contractors to the pool knowing it (a
    /// phone call, a ticket).
    pub request_delay: SimDuration,
}

/// Which organisations an action applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetSpec {
    All,
    Sector(Sector),
    /// An archetype index.
    Archetype(usize),
    /// An organisation: archetype index and number within it.
    Org(usize, u32),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ActionSpec {
    HaltRollout,
    PublishRevert,
    AddTechnicians { to: TargetSpec, count: u32 },
    AddContractors { to: TargetSpec, count: u32, arrive_in: SimDuration },
    ActivateFallback { to: TargetSpec, service: Option<String> },
    ReleaseTool { name: String, share: Share, mode: ToolMode, repair_time: SimDuration },
    SetRepairOrder { to: TargetSpec, order: RepairOrder },
    RestoreKeyEscrow { to: TargetSpec },
}

impl ActionSpec {
    /// The organisations affected, if the action is an organisation's (not the vendor's).
    pub fn target(&self) -> Option<&TargetSpec> {
        match self {
            ActionSpec::HaltRollout
            | ActionSpec::PublishRevert
            | ActionSpec::ReleaseTool { .. } => None,
            ActionSpec::AddTechnicians { to, .. }
            | ActionSpec::AddContractors { to, .. }
            | ActionSpec::ActivateFallback { to, .. }
            | ActionSpec::SetRepairOrder { to, .. }
            | ActionSpec::RestoreKeyEscrow { to } => Some(to),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct InjectSpec {
    pub at: SimDuration,
    pub action: ActionSpec,
}

#[derive(Clone, Debug)]
pub struct OutputSpec {
    pub charts: bool,
    pub png: bool,
    pub html: bool,
    pub timeseries: bool,
    pub top_orgs: u32,
    /// Archetypes reported on their own (indices into `WorldSpec::archetypes`, ascending).
    pub archetypes: Vec<usize>,
    /// Whole minutes after simulated time zero at which the share of crashed endpoints back up
    /// is reported, ascending, within the horizon.
    pub recovered_share_at_min: Vec<u32>,
    /// Keep every organisation's loss and cover in the results (`RunResult::organisations`),
    /// for tables by organisation: a report setting (the ORD tables, catalogues), not in files.
    pub organisation_losses: bool,
}

/// The name of organisation `number` of an archetype: `community_hospital-0003`.
pub fn org_name(archetype: &str, number: u32) -> String {
    format!("{archetype}-{number:04}")
}

/// The cyber policy an archetype's organisations hold: which of them hold it, whether it
/// answers a non-malicious system failure at all (the peril a faulty vendor update is), its
/// business-interruption cover for the organisation's own outage and its contingent cover for
/// loss caused by a supplier's outage, each with its own terms, and an aggregate limit on
/// everything it pays in a year.
///
/// An *outage*, the time a waiting period is measured against, runs from the first loss of
/// capacity (operating capacity below 1) until capacity is back at or above
/// `outage_threshold` for the rest of the run; its loss is what accrues from its start until
/// `extended_period` after its end (the period of indemnity). For the organisation's own cover
/// the capacity is what its own systems allow (every supplier at full capacity); for the
/// contingent cover it is 1 less the part of the shortfall its suppliers cause.
#[derive(Clone, Debug, PartialEq)]
pub struct InsuranceSpec {
    /// Share of the archetype's organisations that hold the policy (which ones is a keyed draw
    /// on the organisation's name: the same book whatever the seed).
    pub take_up: Share,
    /// Whether a non-malicious system failure (a faulty update) is a covered peril; without it
    /// the policy pays nothing here.
    pub system_failure_covered: bool,
    /// Operating capacity at or above which an outage is over.
    pub outage_threshold: f64,
    /// Business interruption from the organisation's own outage.
    pub business_interruption: CoverSpec,
    /// Contingent business interruption: loss caused by a supplier's outage.
    pub contingent: CoverSpec,
    /// Most the policy pays in a year, over every occurrence (`None`: no aggregate limit).
    pub aggregate_limit_usd: Option<f64>,
}

/// How a waiting period works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// A time deductible: once the outage lasts longer than this, the loss after this much of
    /// it is paid.
    TimeDeductible(SimDuration),
    /// A qualifying period: once the outage lasts longer than this, the loss from its start is
    /// paid.
    QualifyingPeriod(SimDuration),
}

impl Waiting {
    pub fn period(self) -> SimDuration {
        match self {
            Waiting::TimeDeductible(d) | Waiting::QualifyingPeriod(d) => d,
        }
    }
}

/// The terms of one cover of a policy, applied per occurrence.
#[derive(Clone, Debug, PartialEq)]
pub struct CoverSpec {
    pub enabled: bool,
    pub waiting: Waiting,
    /// Money the organisation bears of each occurrence's covered loss.
    pub retention_usd: f64,
    /// Most the cover pays for one occurrence (`None`: no sublimit).
    pub sublimit_usd: Option<f64>,
    /// Share of what is above the retention and within the sublimit that the organisation
    /// bears.
    pub coinsurance: Share,
    /// How long after the outage ends loss is still covered.
    pub extended_period: SimDuration,
}
