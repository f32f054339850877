//! The scenario file format: serde types that mirror the RON file, field for field.
//!
//! Every record is partial (see `layer.rs`): a field left out takes the default written next to
//! it here, which is also what `blastradius validate` prints. Field names carry their units
//! (`_usd`, `_hours`, `_per_1000`); durations are strings with units; shares and probabilities
//! are fractions in [0, 1]. These types know nothing of the simulation: `validate/` turns
//! them into the model's types, which cannot hold a bad value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::units::Duration;
use crate::layered;

/// Economic sectors; airlines, hospitals and banks are modelled in most detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    /// Households' own devices, repaired by their owners or at repair shops (the office
    /// template; give the owners and shops in `repair` and `staff`).
    Consumer,
    Other,
}

/// Endpoint classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Class {
    Workstation,
    Server,
    /// Kiosks, point-of-sale terminals, airport and hospital displays.
    Kiosk,
    CloudVm,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Os {
    Windows,
    MacOs,
    Linux,
}

/// A mix of shares that must add up to 1; a higher layer replaces it whole.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Mix<K: Ord>(pub BTreeMap<K, f64>);

impl<K: Ord> crate::layer::Layer for Mix<K> {
    fn merge(&mut self, over: Self) {
        *self = over;
    }
    fn fill(&mut self) {}
}

fn mix<K: Ord, const N: usize>(entries: [(K, f64); N]) -> Mix<K> {
    Mix(entries.into_iter().collect())
}

/// Per-class values (repair times, crash probabilities): a higher layer overrides per class.
pub type PerClass<V> = BTreeMap<Class, V>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RolloutPolicy {
    /// Every customer at once (the 2024 content pipeline).
    AllAtOnce,
    /// Through `rings`, each released after the previous one's bake time.
    Rings,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Signal {
    /// Crash reports, sent only by machines that boot again (sampled: `crash_report_share`).
    CrashReports,
    /// Sensors that stop heartbeating, noticed at the next heartbeat deadline.
    LostHeartbeats,
}

/// When the vendor publishes the revert (good content replacing the bad).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Revert {
    /// At a fixed time after the first publication (2024: 78 minutes).
    At(Duration),
    /// This long after the rollout is halted by a health gate.
    AfterHalt(Duration),
    /// Never (until an inject publishes it).
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RepairOrder {
    /// First crashed, first repaired.
    Fifo,
    /// Servers, then critical workstations, then kiosks, then other workstations.
    CriticalityFirst,
    /// Most business capacity restored per technician-hour first.
    ServiceAware,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Days {
    All,
    Weekdays,
    Weekends,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToolMode {
    /// Fixes eligible endpoints with no one at the machine.
    Remote,
    /// Speeds up a technician's repair (a USB or PXE recovery image).
    HandsOn,
}

/// Which organisations an inject acts on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    All,
    Sector(Sector),
    Archetype(String),
    /// One organisation by name, e.g. `"community_hospital-0003"`.
    Org(String),
}

/// A decision taken during the outage, from a scenario file or the tabletop prompt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Action {
    /// Stop releasing further rings now.
    HaltRollout,
    /// Publish the revert now.
    PublishRevert,
    /// Add technicians to every targeted organisation, on duty now.
    AddTechnicians { to: Target, count: u32 },
    /// Contractors for every targeted organisation, arriving after `arrive_in`.
    AddContractors { to: Target, count: u32, arrive_in: Duration },
    /// Switch services to their manual fallback now (`service: None` for all services).
    ActivateFallback { to: Target, service: Option<String> },
    /// Release a recovery tool now.
    ReleaseTool { name: String, share: f64, mode: ToolMode, repair_time: Duration },
    /// Change the repair order.
    SetRepairOrder { to: Target, order: RepairOrder },
    /// Bring key escrow back (keys recovered from an offline copy).
    RestoreKeyEscrow { to: Target },
}

crate::replace_layer!(
    Sector,
    Class,
    Os,
    RolloutPolicy,
    Signal,
    Revert,
    RepairOrder,
    Days,
    ToolMode,
    Target,
    Action,
    CueKind,
    Option<Action>
);

layered! {
    /// One world: who runs what, what the vendor ships, how people respond.
    pub struct Scenario {
        /// A file or built-in scenario this one extends; its fields are the defaults here.
        extends: String = String::new(),
        name: String = "unnamed".to_string(),
        description: String = String::new(),
        /// UTC date-time of simulated time zero (RFC 3339).
        start: String = "2024-07-19T04:09:00Z".to_string(),
        horizon: Duration = Duration::days(14),
        seed: u64 = 1,
        /// Interval of the time series in the report.
        output_interval: Duration = Duration::mins(15),
        /// The run fails if it handles more events than this.
        event_budget: u64 = 2_000_000_000,
        vendor: Vendor = Vendor::default(),
        endpoints: Endpoints = Endpoints::default(),
        /// Recovery tools published during the outage.
        remediation: Vec<Tool> = vec![],
        /// Archetypes by name.
        fleet: BTreeMap<String, Archetype> = BTreeMap::new(),
        /// Shared surge-contractor pools by name.
        contractor_pools: BTreeMap<String, ContractorPool> = BTreeMap::new(),
        /// Overrides applied to every archetype.
        policies: Policies = Policies::default(),
        injects: Vec<Inject> = vec![],
        outputs: Outputs = Outputs::default(),
        /// A lesson for the tabletop: a briefing, and injects and discussion questions shown
        /// at simulated times. Left out of the resolved scenario when it says nothing.
        exercise: Exercise = Exercise::default(),
    }
}

layered! {
    pub struct Vendor {
        name: String = "vendor".to_string(),
        /// Content versions published; a version with crash rules is bad.
        contents: Vec<Content> = vec![Content::default()],
        distribution: Distribution = Distribution::default(),
        rollout: Rollout = Rollout::default(),
        telemetry: Telemetry = Telemetry::default(),
        revert: Revert = Revert::At(Duration::mins(78)),
        workaround: Workaround = Workaround::default(),
    }
}

layered! {
    pub struct Content {
        name: String = "channel-file-291".to_string(),
        /// Publication time after simulated time zero.
        published_after: Duration = Duration::millis(0),
        /// Which (class, OS) combinations crash on fetching it, and how likely.
        crashes: Vec<CrashRule> = vec![
            CrashRule::of(Class::Workstation, Os::Windows, 1.0),
            CrashRule::of(Class::Server, Os::Windows, 1.0),
            CrashRule::of(Class::Kiosk, Os::Windows, 1.0),
            CrashRule::of(Class::CloudVm, Os::Windows, 1.0),
        ],
        /// From fetching the content to the crash.
        crash_delay: Duration = Duration::secs(10),
    }
}

layered! {
    pub struct CrashRule {
        class: Class = Class::Workstation,
        os: Os = Os::Windows,
        probability: f64 = 1.0,
    }
}

impl CrashRule {
    pub fn of(class: Class, os: Os, probability: f64) -> CrashRule {
        CrashRule { class: Some(class), os: Some(os), probability: Some(probability) }
    }
}

layered! {
    pub struct Distribution {
        /// Mean of the exponential delay before an online endpoint checks in ("0s": at once).
        check_in_mean: Duration = Duration::mins(4),
        /// From the vendor publishing to content (or a revert) reaching customers' clouds.
        propagation: Duration = Duration::secs(30),
    }
}

layered! {
    pub struct Rollout {
        policy: RolloutPolicy = RolloutPolicy::AllAtOnce,
        rings: Vec<Ring> = vec![],
        gates: Vec<Gate> = vec![],
        /// From a gate tripping to the rollout halting (a person decides).
        reaction_delay: Duration = Duration::mins(15),
    }
}

layered! {
    pub struct Ring {
        name: String = "ring".to_string(),
        /// Share of all sensors in this ring; the shares of all rings add up to 1.
        share: f64 = 0.0,
        /// Wait after releasing this ring before releasing the next.
        bake: Duration = Duration::hours(1),
    }
}

layered! {
    /// Trips when the count of the signal reaches `threshold_count` (if above 0), or when the
    /// rate among released sensors reaches `threshold_rate` (if above 0) once `min_sample`
    /// sensors are released.
    pub struct Gate {
        signal: Signal = Signal::LostHeartbeats,
        threshold_count: u64 = 0,
        threshold_rate: f64 = 0.0,
        min_sample: u64 = 100,
    }
}

layered! {
    pub struct Telemetry {
        /// From a report leaving a customer to the vendor seeing it.
        latency: Duration = Duration::mins(2),
        heartbeat_interval: Duration = Duration::mins(5),
        /// Share of recovering machines that upload a crash report.
        crash_report_share: f64 = 0.3,
    }
}

layered! {
    pub struct Workaround {
        /// The manual fix is published this long after the revert.
        after_revert: Duration = Duration::mins(30),
        /// An organisation finds the fix itself this long after its first crash.
        self_discovery: Duration = Duration::hours(6),
    }
}

layered! {
    pub struct Endpoints {
        boot_loop: BootLoop = BootLoop::default(),
    }
}

layered! {
    /// After the revert, a crashed machine with good connectivity may fetch it in the short
    /// window after each reboot.
    pub struct BootLoop {
        reboot_interval: Duration = Duration::mins(2),
        self_heal_chance_per_reboot: f64 = 0.07,
        /// Share of crashed machines that stop at the recovery screen instead of looping.
        recovery_screen_share: f64 = 0.6,
        reboots_before_recovery_screen: u32 = 3,
    }
}

layered! {
    pub struct Tool {
        name: String = "recovery-tool".to_string(),
        /// Availability after simulated time zero.
        available_after: Duration = Duration::days(3),
        /// Share of endpoints it can reach.
        share: f64 = 0.5,
        mode: ToolMode = ToolMode::Remote,
        /// Remote: time from availability (or crash) to repaired. Hands-on: the repair time.
        repair_time: Dist = Dist::new(Duration::mins(30), 0.5),
        /// Hands-on tools still need the BitLocker key; remote tools do not.
        needs_key: bool = false,
    }
}

layered! {
    /// A lognormal time given by its mean and coefficient of variation (0: always the mean).
    pub struct Dist {
        mean: Duration = Duration::mins(15),
        cv: f64 = 0.5,
    }
}

impl Dist {
    pub fn new(mean: Duration, cv: f64) -> Dist {
        Dist { mean: Some(mean), cv: Some(cv) }
    }
}

layered! {
    /// A kind of organisation: how many, how large, what they run and how they respond.
    pub struct Archetype {
        sector: Sector = Sector::Other,
        organisations: u32 = 1,
        size: Size = Size::default(),
        class_mix: Mix<Class> = mix([
            (Class::Workstation, 0.75),
            (Class::Server, 0.1),
            (Class::Kiosk, 0.1),
            (Class::CloudVm, 0.05),
        ]),
        os_mix: PerClass<Mix<Os>> = [
            (Class::Workstation, mix([(Os::Windows, 0.9), (Os::MacOs, 0.1)])),
            (Class::Server, mix([(Os::Windows, 0.7), (Os::Linux, 0.3)])),
            (Class::Kiosk, mix([(Os::Windows, 0.9), (Os::Linux, 0.1)])),
            (Class::CloudVm, mix([(Os::Windows, 0.5), (Os::Linux, 0.5)])),
        ].into_iter().collect(),
        /// Share of endpoints running the vendor's agent (the rest run another or none).
        agent_share: f64 = 0.9,
        /// Share of each class with BitLocker-encrypted disks.
        bitlocker_share: PerClass<f64> = [
            (Class::Workstation, 0.8),
            (Class::Server, 0.1),
            (Class::Kiosk, 0.5),
            (Class::CloudVm, 0.0),
        ].into_iter().collect(),
        /// Share with wired, reliable network: only they can fetch the revert in a boot loop.
        wired_share: f64 = 0.5,
        /// Share of workstations whose users are critical (clinicians, dispatchers, traders).
        critical_share: f64 = 0.2,
        /// Where organisations are; each gets one region.
        regions: Vec<Region> = vec![
            Region::of("americas", -5.0, 0.4),
            Region::of("europe", 1.0, 0.35),
            Region::of("asia-pacific", 8.0, 0.25),
        ],
        sites: Vec<SiteKind> = vec![SiteKind::default()],
        online: Online = Online::default(),
        staff: Staff = Staff::default(),
        repair: Repair = Repair::default(),
        services: Vec<Service> = vec![],
        economics: Economics = Economics::default(),
        update: Update = Update::default(),
        exposure: Exposure = Exposure::default(),
        /// Airline operations: crews in position and the crew-scheduling system.
        airline: Airline = Airline::default(),
        /// The cyber policy its organisations hold: business interruption and contingent
        /// business interruption after a waiting period.
        insurance: Insurance = Insurance::default(),
        /// Keep a record only for endpoints that crash, and draw every endpoint's attributes
        /// from its own dice when they are needed: for fleets of hundreds of millions where
        /// most endpoints never fetch bad content (consumer devices). The same shares give
        /// the same laws, but other draws than a generated fleet. Needs a single content
        /// version.
        lazy: bool = false,
    }
}

layered! {
    /// Which agents the faulty content can reach: each organisation's share of hosts on the
    /// affected sensor versions and content channel is drawn from a Beta distribution with
    /// this mean and standard deviation (0: every organisation has the mean).
    pub struct Exposure {
        affected_share: f64 = 1.0,
        affected_share_sd: f64 = 0.0,
    }
}

layered! {
    /// A carrier's operations. A flight operates if flight operations can dispatch it and a
    /// crew is in position; a cancelled flight strands crews, a delayed one some; the
    /// crew-scheduling system puts crews back at a rate its own IT scales.
    pub struct Airline {
        enabled: bool = false,
        /// Services, by name, that flights need, that delay boarding, and that schedule crews.
        flight_service: String = "flight-operations".to_string(),
        boarding_service: String = "check-in-and-boarding".to_string(),
        crew_service: String = "crew-scheduling".to_string(),
        /// Crew pairings per flight of a day.
        crews_per_daily_flight: f64 = 0.5,
        /// Crew reassignments an hour at full capacity, per 1,000 flights a day.
        reassignments_per_hour_per_1000_flights: f64 = 20.0,
        /// Aircraft per flight of a day.
        aircraft_per_daily_flight: f64 = 0.2,
        /// Aircraft repositioned an hour by operations control at full capacity, per 1,000
        /// flights a day.
        repositions_per_hour_per_1000_flights: f64 = 40.0,
        /// Crews (or aircraft) left out of position by a cancelled flight that had them, and
        /// crews by a delayed one.
        strand_per_cancellation: f64 = 1.0,
        strand_per_delay: f64 = 0.05,
        /// Delay of a flight that leaves late, and its cost per minute.
        delay_minutes: f64 = 45.0,
        delay_cost_per_minute_usd: f64 = 100.8,
        /// The operations model's own step.
        step: Duration = Duration::mins(15),
    }
}

layered! {
    /// Endpoints per organisation: lognormal with this mean and coefficient of variation,
    /// clamped to [min, max].
    pub struct Size {
        mean: f64 = 1_000.0,
        cv: f64 = 0.5,
        min: u32 = 20,
        max: u32 = 1_000_000,
        /// A share of organisations drawn instead from a lognormal of very large ones.
        tail_share: f64 = 0.0,
        tail_mean: f64 = 50_000.0,
        tail_cv: f64 = 1.0,
    }
}

layered! {
    pub struct Region {
        name: String = "region".to_string(),
        utc_offset_hours: f64 = 0.0,
        share: f64 = 1.0,
    }
}

impl Region {
    pub fn of(name: &str, utc_offset_hours: f64, share: f64) -> Region {
        Region {
            name: Some(name.to_string()),
            utc_offset_hours: Some(utc_offset_hours),
            share: Some(share),
        }
    }
}

layered! {
    /// A kind of site; an organisation has `count` of them.
    pub struct SiteKind {
        name: String = "hq".to_string(),
        count: u32 = 1,
        /// Share of the organisation's endpoints at sites of this kind (all of them together).
        endpoint_share: f64 = 1.0,
        /// Share of the organisation's technicians stationed at sites of this kind.
        technician_share: f64 = 1.0,
        /// Travel time from the IT base to a site of this kind.
        travel: Duration = Duration::millis(0),
        /// The organisation's region's offset, or `Hours(h)` for sites elsewhere (a carrier's
        /// far airports).
        utc_offset: Offset = Offset::Region,
        /// Key-escrow servers stand at the first site of this kind.
        hosts_key_escrow: bool = false,
    }
}

layered! {
    /// When workstations are on; servers, kiosks and cloud VMs are always on.
    pub struct Online {
        workday_start_hour: f64 = 8.0,
        workday_hours: f64 = 9.0,
        /// Users' start times spread uniformly this many hours either side.
        start_spread_hours: f64 = 1.0,
        /// Chance a workstation's user is in on a weekday, and on a weekend day.
        on_weekday: f64 = 0.85,
        on_weekend: f64 = 0.1,
        /// Chance a workstation is left on overnight.
        left_on_overnight: f64 = 0.2,
    }
}

layered! {
    pub struct Staff {
        technicians_per_1000: f64 = 8.0,
        technicians_min: u32 = 1,
        /// Share of technicians on duty by local day and hour; the largest matching share wins.
        shifts: Vec<Shift> = vec![
            Shift::of(Days::Weekdays, 8, 18, 1.0),
            Shift::of(Days::All, 0, 24, 0.1),
        ],
        /// From the first crash to the organisation declaring an incident.
        incident_detection: Duration = Duration::mins(15),
        /// Share of all technicians on duty once called in.
        call_in_share: f64 = 0.6,
        call_in_delay: Duration = Duration::hours(2),
        /// Called-in staff work extended days, not around the clock: local hours from
        /// `call_in_from_hour` to `call_in_to_hour`.
        call_in_from_hour: u8 = 6,
        call_in_to_hour: u8 = 22,
        wage_hour_usd: f64 = 45.0,
        overtime_multiplier: f64 = 1.5,
        cloud_admins_per_1000_vms: f64 = 5.0,
        cloud_admins_min: u32 = 1,
        /// VMs one cloud admin restores at once (scripts, snapshots).
        vms_in_parallel_per_admin: u32 = 10,
        surge: Surge = Surge::default(),
        volunteers: Volunteers = Volunteers::default(),
        stand_down: StandDown = StandDown::default(),
    }
}

layered! {
    /// Non-IT staff who join the repair effort, slower than technicians, in waking hours.
    pub struct Volunteers {
        enabled: bool = false,
        per_1000: f64 = 20.0,
        /// From the incident being declared to their arrival.
        delay: Duration = Duration::hours(12),
        /// How much longer a repair takes them than a technician.
        time_factor: f64 = 2.0,
        from_hour: u8 = 7,
        to_hour: u8 = 22,
    }
}

layered! {
    /// Once services are back (their weighted IT capacity at least `capacity`) for `delay`,
    /// called-in staff return to their shifts, contractors are released and volunteers go
    /// home; what is still broken is fixed at normal hours by `staff_share` of the normal
    /// staff (the rest go back to their usual work).
    pub struct StandDown {
        capacity: f64 = 1.0,
        delay: Duration = Duration::millis(0),
        staff_share: f64 = 1.0,
    }
}

layered! {
    pub struct Shift {
        days: Days = Days::All,
        from_hour: u8 = 0,
        to_hour: u8 = 24,
        share: f64 = 1.0,
    }
}

impl Shift {
    pub fn of(days: Days, from_hour: u8, to_hour: u8, share: f64) -> Shift {
        Shift {
            days: Some(days),
            from_hour: Some(from_hour),
            to_hour: Some(to_hour),
            share: Some(share),
        }
    }
}

layered! {
    /// Surge contractors requested when an incident is declared.
    pub struct Surge {
        enabled: bool = false,
        technicians_per_1000: f64 = 5.0,
        /// From the request to arrival, for a private contract.
        delay: Duration = Duration::hours(24),
        /// A shared pool in `contractor_pools` to request from instead ("": a private contract).
        pool: String = String::new(),
        wage_hour_usd: f64 = 120.0,
    }
}

layered! {
    pub struct ContractorPool {
        contractors: u32 = 100,
        /// From a pool granting contractors to their arrival on site.
        dispatch_delay: Duration = Duration::hours(6),
        /// Most contractors one organisation holds at once (0: no limit); a managed-service
        /// provider spreads its technicians over its clients.
        per_client_max: u32 = 0,
        /// From an organisation asking for (or releasing) contractors to the pool knowing it.
        request_delay: Duration = Duration::mins(15),
    }
}

layered! {
    pub struct Repair {
        order: RepairOrder = RepairOrder::Fifo,
        /// Repair crashed key-escrow servers before anything else, whatever the order.
        key_servers_first: bool = true,
        /// Finding the machine and getting to it at its site, by class (walking a campus, a
        /// ladder for a mounted display; "0s": none).
        access_time: PerClass<Dist> = [
            (Class::Workstation, Dist::new(Duration::millis(0), 0.0)),
            (Class::Server, Dist::new(Duration::millis(0), 0.0)),
            (Class::Kiosk, Dist::new(Duration::millis(0), 0.0)),
            (Class::CloudVm, Dist::new(Duration::millis(0), 0.0)),
        ].into_iter().collect(),
        /// Hands-on repair time by class (cloud VMs: the cloud admins' time).
        time: PerClass<Dist> = [
            (Class::Workstation, Dist::new(Duration::mins(12), 0.5)),
            (Class::Server, Dist::new(Duration::mins(30), 0.5)),
            (Class::Kiosk, Dist::new(Duration::mins(15), 0.5)),
            (Class::CloudVm, Dist::new(Duration::mins(20), 0.5)),
        ].into_iter().collect(),
        /// Extra time to look up and type a BitLocker recovery key (mean; each key's time is
        /// lognormal with `key_retrieval_cv`).
        key_retrieval: Duration = Duration::mins(5),
        key_retrieval_cv: f64 = 0.0,
        /// Agents at the key desk reading keys out of escrow, one at a time, first come first
        /// served ("0.0" and "0": no desk, every key takes `key_retrieval` without queueing).
        key_desk_agents_per_1000: f64 = 0.0,
        key_desk_agents_min: u32 = 0,
        key_escrow_servers: u32 = 2,
        /// Keys kept offline too, so retrieval works while the escrow servers are down.
        offline_key_escrow: bool = false,
        offline_key_retrieval: Duration = Duration::mins(10),
        /// Share of hands-on fixes that fail, leaving the machine to be re-imaged (it goes back
        /// to the queue, last).
        reimage_share: f64 = 0.0,
        /// Share of encrypted machines whose key is not in escrow: re-imaged straight away.
        lost_key_share: f64 = 0.0,
        /// Hands-on time to re-image a machine.
        reimage_time: Dist = Dist::new(Duration::hours(2), 0.5),
        /// Share of workstations that are laptops of remote workers: out of technicians' reach
        /// until their users bring them in or are walked through the fix.
        remote_worker_share: f64 = 0.0,
        /// From the crash until the user can bring the laptop in; it becomes reachable at the
        /// start of their next working day after that.
        remote_worker_delay: Dist = Dist::new(Duration::days(2), 0.6),
        /// Share of remote laptops shipped back instead, and the shipping time.
        remote_worker_ship_share: f64 = 0.0,
        remote_worker_ship_delay: Dist = Dist::new(Duration::days(4), 0.5),
        /// How much longer a remote laptop's repair takes (by phone, or a drop-in).
        remote_worker_time_factor: f64 = 2.0,
        /// Share of crashed machines their owners fix themselves, following the published
        /// fix, with no technician (consumer devices; the rest go to the technicians, who
        /// for consumers are repair shops).
        owner_share: f64 = 0.0,
        /// From the crash, or from when the organisation knows the fix if that is later,
        /// until the owner has fixed it (finding the steps, a second device for the key).
        owner_delay: Dist = Dist::new(Duration::days(1), 1.0),
    }
}

layered! {
    /// A business service and the endpoints it needs.
    pub struct Service {
        name: String = "service".to_string(),
        /// Share of the organisation's revenue and operations that rides on it (normalised).
        weight: f64 = 1.0,
        depends_on: Vec<Dependency> = vec![],
        manual_fallback: Fallback = Fallback::off(0.3, Duration::hours(2)),
        /// A standby on another vendor or OS that takes over after `activation`.
        standby: Fallback = Fallback::off(0.8, Duration::mins(15)),
        backlog: Backlog = Backlog::default(),
        /// A service of another archetype's organisation that this one needs.
        supplier: Supplier = Supplier::default(),
    }
}

layered! {
    /// A supplier's service this service needs (a hosted record system): organisation k of
    /// this archetype uses organisation k modulo the supplier archetype's count. Capacity from
    /// it is the supplier service's IT capacity over `required_capacity`, capped at 1, known
    /// `notice` after it changes. `archetype: ""` means none.
    pub struct Supplier {
        archetype: String = String::new(),
        service: String = String::new(),
        required_capacity: f64 = 0.5,
        notice: Duration = Duration::mins(5),
    }
}

layered! {
    /// Capacity from this dependency is the share of its endpoints up divided by
    /// `required_share`, capped at 1; a service runs at its weakest dependency.
    pub struct Dependency {
        class: Class = Class::Workstation,
        /// A site kind, or "*" for every site.
        site: String = "*".to_string(),
        required_share: f64 = 0.8,
        /// Only critical workstations (clinicians', dispatchers', traders') count; with
        /// `required_share: 1.0` the capacity is the share of them up.
        critical_only: bool = false,
    }
}

layered! {
    pub struct Fallback {
        enabled: bool = false,
        /// Capacity the fallback provides.
        capacity: f64 = 0.3,
        /// From capacity falling below that level to the fallback working.
        activation: Duration = Duration::hours(2),
    }
}

impl Fallback {
    pub fn off(capacity: f64, activation: Duration) -> Fallback {
        Fallback { enabled: Some(false), capacity: Some(capacity), activation: Some(activation) }
    }
}

layered! {
    /// Work that piles up while capacity is short and must be worked off after.
    pub struct Backlog {
        enabled: bool = false,
        /// Share of the work not done that becomes backlog (the rest is lost).
        carryover_share: f64 = 0.5,
        /// Backlog worked off per hour once capacity is back, in hours of normal work.
        drain_per_hour: f64 = 0.25,
        /// Share of operations still lost while a backlog remains.
        impairment: f64 = 0.2,
    }
}

layered! {
    pub struct Economics {
        revenue_per_endpoint_hour_usd: f64 = 40.0,
        /// Demand by local hour (24 values) on weekdays and weekends, relative to each other.
        demand_weekday: Vec<f64> = office_day().to_vec(),
        demand_weekend: Vec<f64> = office_day().iter().map(|d| d * 0.3).collect(),
        /// Share of lost revenue won back later.
        recapture_share: f64 = 0.2,
        flights_per_1000_endpoints_day: f64 = 0.0,
        penalty_per_cancelled_flight_usd: f64 = 0.0,
        /// A penalty per hour while operations run below this capacity.
        sla_capacity_threshold: f64 = 0.5,
        sla_penalty_per_hour_usd: f64 = 0.0,
        /// Cost of working off backlog, as a share of the revenue value of that work.
        backlog_cost_share: f64 = 0.25,
        /// An airline's schedule counts as back to normal on a day it cancels less than this
        /// share of its flights (`schedule_normal_day`).
        normal_cancellation_share: f64 = 0.02,
        /// Loaded wage of a workstation user idled by a down machine (0: not counted).
        productivity_wage_hour_usd: f64 = 0.0,
        users_per_workstation: f64 = 1.0,
        /// A user's working hours a week, spread over the week by the demand curve.
        working_hours_per_week: f64 = 40.0,
    }
}

/// An office's demand by local hour: nothing at night, a working day from 8 to 18.
pub fn office_day() -> [f64; 24] {
    let mut day = [0.05; 24];
    for (h, d) in day.iter_mut().enumerate() {
        if (8..18).contains(&h) {
            *d = 1.0;
        } else if (6..8).contains(&h) || (18..21).contains(&h) {
            *d = 0.4;
        }
    }
    day
}

layered! {
    /// Customer-controlled content lag.
    pub struct Update {
        /// Share of organisations that take content late.
        lag_share: f64 = 0.0,
        lag: Duration = Duration::hours(24),
    }
}

/// A site's UTC offset.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Offset {
    /// The organisation's region's offset.
    Region,
    /// Hours east of UTC.
    Hours(f64),
}

crate::replace_layer!(Offset, Waiting);

/// How a waiting period works.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Waiting {
    /// Once the outage lasts longer than this, the loss after this much of it is paid.
    TimeDeductible(Duration),
    /// Once the outage lasts longer than this, the loss from its start is paid.
    QualifyingPeriod(Duration),
}

layered! {
    /// A cyber policy. An outage runs from the first loss of operating capacity until capacity
    /// is back at or above `outage_threshold` for the rest of the run; its loss is what accrues
    /// from its start until `extended_period` after its end. The organisation's own outage is
    /// measured on what its own systems allow (every supplier fully up), the contingent one on
    /// the part of the shortfall its suppliers cause. Defaults (assumptions; the waiting
    /// period is the middle of the 4 to 12 hours Guy Carpenter and Fitch report): every
    /// organisation insured, an 8-hour time deductible, no retention, limits or coinsurance.
    pub struct Insurance {
        /// Share of the archetype's organisations that hold the policy (the same ones in every
        /// run: a draw keyed on the organisation's name).
        take_up: f64 = 1.0,
        /// Whether a non-malicious system failure (a faulty update) is a covered peril.
        system_failure_covered: bool = true,
        /// Operating capacity at or above which an outage is over.
        outage_threshold: f64 = 0.95,
        /// Business interruption from the organisation's own outage.
        business_interruption: Cover = Cover::default(),
        /// Contingent business interruption: loss caused by a supplier's outage.
        contingent: Cover = Cover::default(),
        /// Most the policy pays in a year, over every occurrence (0: no aggregate limit, as in
        /// OasisLMF's exposure data).
        aggregate_limit_usd: f64 = 0.0,
    }
}

layered! {
    /// One cover of a policy, applied to each occurrence.
    pub struct Cover {
        enabled: bool = true,
        waiting: Waiting = Waiting::TimeDeductible(Duration::hours(8)),
        /// Money the organisation bears of each occurrence's covered loss.
        retention_usd: f64 = 0.0,
        /// Most the cover pays for one occurrence (0: no sublimit).
        sublimit_usd: f64 = 0.0,
        /// Share of what is above the retention and within the sublimit that the organisation
        /// bears.
        coinsurance: f64 = 0.0,
        /// How long after the outage ends its loss is still covered.
        extended_period: Duration = Duration::millis(0),
    }
}

/// A policy applied to every archetype, or left to each.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Setting<T> {
    /// Each archetype keeps its own value.
    #[default]
    Archetype,
    /// Every archetype uses this value.
    All(T),
}

impl<T: Clone> crate::layer::Layer for Setting<T> {
    fn merge(&mut self, over: Self) {
        *self = over;
    }
    fn fill(&mut self) {}
}

layered! {
    /// Policies for the whole fleet, overriding the archetypes' own.
    pub struct Policies {
        repair_order: Setting<RepairOrder> = Setting::Archetype,
        offline_key_escrow: Setting<bool> = Setting::Archetype,
        manual_fallback: Setting<bool> = Setting::Archetype,
        standby: Setting<bool> = Setting::Archetype,
        surge: Setting<bool> = Setting::Archetype,
        content_lag_share: Setting<f64> = Setting::Archetype,
        technicians_per_1000: Setting<f64> = Setting::Archetype,
        /// Every archetype's `exposure.affected_share` and `exposure.affected_share_sd`.
        affected_share: Setting<f64> = Setting::Archetype,
        affected_share_sd: Setting<f64> = Setting::Archetype,
    }
}

layered! {
    pub struct Inject {
        /// Time after simulated time zero.
        at: Duration = Duration::millis(0),
        action: Action = Action::HaltRollout,
    }
}

layered! {
    /// An exercise script, as a facilitator's situation manual has it: the lesson's title, the
    /// briefing read out at the start, and cues (injects and discussion questions) that the
    /// tabletop shows when the simulated clock reaches them. It changes nothing in the world:
    /// a cue's `suggest`ed decision is only taken if the facilitator takes it.
    pub struct Exercise {
        title: String = String::new(),
        briefing: String = String::new(),
        script: Vec<Cue> = vec![],
    }
}

impl Exercise {
    /// Whether the exercise says nothing (then the resolved scenario leaves it out).
    pub fn is_empty(&self) -> bool {
        self.title().is_empty() && self.briefing().is_empty() && self.script().is_empty()
    }
}

/// What a cue is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CueKind {
    /// News that reaches the room (a call from the emergency department, a press query).
    Inject,
    /// A question for the room to discuss.
    Question,
}

layered! {
    /// One cue of an exercise script, shown when the clock reaches `at`.
    pub struct Cue {
        /// Time after simulated time zero.
        at: Duration = Duration::millis(0),
        kind: CueKind = CueKind::Inject,
        /// A short headline (optional for questions).
        title: String = String::new(),
        text: String = String::new(),
        /// A decision the facilitator can take with one click when the cue comes up, written
        /// as in `injects` (an inject only).
        suggest: Option<Action> = None,
    }
}

layered! {
    pub struct Outputs {
        charts: bool = true,
        png: bool = true,
        html: bool = true,
        timeseries: bool = true,
        /// Organisations listed by loss in the report.
        top_orgs: u32 = 10,
        /// Archetypes reported on their own as well (a named carrier, one hospital system):
        /// their loss, crashes, recovery, and for airlines their daily cancellations.
        archetypes: Vec<String> = vec![],
        /// UTC date-times (RFC 3339) at which to report the share of crashed endpoints back
        /// up (`recovered_share_at_<time>`), for comparing with what was observed then.
        recovered_share_at: Vec<String> = vec![],
    }
}

// ---------------------------------------------------------------------------------------------
// Observations files: what was observed in the world, to set runs against (see
// `observations.rs`). Plain records, not layers: an observations file extends nothing.

/// An observations file: a name, a description, and the observations.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observations {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub observations: Vec<Observation>,
}

/// One observed outcome: which figure, of what and when, the band observed, and who said so.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    /// Short and unique in the file.
    pub name: String,
    /// A catalogue metric stem: `recovered_share`, `recovered_99pct_at_s`, `loss_usd`, ...
    pub figure: String,
    /// For figures at a moment: a date-time (RFC 3339).
    #[serde(default)]
    pub at: Option<String>,
    /// For figures of one archetype, named as in the fleet.
    #[serde(default)]
    pub archetype: Option<String>,
    /// For daily figures: a local date (`"2024-07-20"`) or a day number (1: the day of the
    /// start).
    #[serde(default)]
    pub day: Option<Day>,
    /// The scenarios it applies to (a run applies it when its scenario is, or extends, one of
    /// them); every run when left out.
    #[serde(default)]
    pub scenarios: Option<Vec<String>>,
    pub observed: Band,
    /// The observation's standard deviation, for calibration (`blastradius calibrate`): a
    /// number in the figure's unit, or a duration (`"6h"`) for times. Left out, a band with
    /// both ends is read as the observation's 95% interval, ±1.96 standard deviations about
    /// its middle (so the standard deviation is the width divided by 3.92), and a band with
    /// one end is not scored.
    #[serde(default)]
    pub sd: Option<Spread>,
    /// Who stated it.
    pub source: String,
}

/// A standard deviation as written: a number, or a duration with units.
#[derive(Clone, Debug, PartialEq)]
pub enum Spread {
    Number(f64),
    Duration(String),
}

impl<'de> Deserialize<'de> for Spread {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Spread, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Spread;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number such as 0.03, or a duration such as \"6h\"")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Spread, E> {
                Ok(Spread::Number(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Spread, E> {
                Ok(Spread::Number(v as f64))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Spread, E> {
                Ok(Spread::Number(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Spread, E> {
                Ok(Spread::Duration(v.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The band observed; an end left out is open. Time figures may give an end as a date-time.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    #[serde(default)]
    pub low: Option<f64>,
    #[serde(default)]
    pub high: Option<f64>,
    /// For time figures: the low end as a date-time (RFC 3339), "not before".
    #[serde(default)]
    pub low_at: Option<String>,
    /// For time figures: the high end as a date-time (RFC 3339), "by".
    #[serde(default)]
    pub high_at: Option<String>,
}

/// A day of a daily figure: a local date or a day number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Day {
    /// 1 is the day simulated time zero falls on.
    Number(u64),
    /// A local date, `"2024-07-20"`.
    Date(String),
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Day, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Day;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a day number such as 2 or a local date such as \"2024-07-20\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Day, E> {
                Ok(Day::Number(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Day, E> {
                u64::try_from(v)
                    .map(Day::Number)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Day, E> {
                Ok(Day::Date(v.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Catalogue files: a set of events with annual rates, to simulate over many years (see
// `catalogue.rs`). Plain records, not layers: a catalogue extends nothing.

/// A catalogue file: a name, a description, a seed and the events.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The seed every occurrence's seed derives from (`--seed` overrides it).
    #[serde(default)]
    pub seed: Option<u64>,
    pub events: Vec<CatalogueEvent>,
}

/// One event of a catalogue: a scenario (a built-in or a file), fields set on it, and how
/// often a year it happens.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueEvent {
    /// Short and unique in the file.
    pub name: String,
    /// A built-in scenario's name, or a scenario file relative to the catalogue file.
    pub scenario: String,
    /// Expected occurrences a year (0 or more).
    pub rate: f64,
    /// Fields set on the scenario, `PATH=VALUE` as `sweep --set` takes them.
    #[serde(default)]
    pub set: Vec<String>,
}
