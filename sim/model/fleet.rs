//! The synthetic fleet: organisations, their sites and their endpoints, generated
//! deterministically from the seed.
//!
//! An endpoint is an 8-byte record in a flat per-organisation array: what it is (class, OS,
//! agent, encryption, connectivity, criticality), where it is (site) and what happened to it
//! (state, when it went down). Everything else about it (its online habits, its dice) is derived
//! from its index on demand, so a hundred million endpoints take 800 MB.
//!
//! An archetype marked `lazy` keeps no record for an endpoint until it crashes: its attributes
//! are drawn from its own dice ([`LazyFleet::endpoint`]) whenever they are needed, and an
//! endpoint that never fetches bad content costs nothing but the counts of its group. The law
//! of every attribute is the same as a generated fleet's; only the draws differ.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use blastradius_engine::random::keyed::unit_of_bits;
use blastradius_engine::random::{hash_words, mix64};

use super::spec::{ArchetypeSpec, Class, Os};

/// One endpoint, packed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Endpoint {
    /// Bits 0-1 class, 2-3 OS, then the `AGENT`, `BITLOCKER`, `WIRED`, `CRITICAL` flags.
    kind: u8,
    /// A `State`, plus the `EXPOSED` bit once it fetched bad content, the `QUEUED` bit while
    /// it waits in a technicians' queue, the `REIMAGE` bit once it must be re-imaged and the
    /// `KEY_SERVER` bit for a key-escrow server.
    state: u8,
    pub site: u16,
    /// When it went down, in milliseconds of simulated time (the horizon is at most 49 days).
    pub down_since_ms: u32,
}

const AGENT: u8 = 1 << 4;
const BITLOCKER: u8 = 1 << 5;
const WIRED: u8 = 1 << 6;
const CRITICAL: u8 = 1 << 7;
const EXPOSED: u8 = 1 << 7;
const QUEUED: u8 = 1 << 6;
const REIMAGE: u8 = 1 << 5;
const KEY_SERVER: u8 = 1 << 3;

/// Where an endpoint is in its lifecycle (`model/org/mod.rs` draws the transitions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum State {
    Healthy = 0,
    /// In a boot loop or stopped at the recovery screen, waiting.
    Crashed = 1,
    /// A technician, cloud admin or tool is on it.
    InRepair = 2,
    SelfHealed = 3,
    RepairedRemote = 4,
    RepairedOnsite = 5,
    /// Fixed by its owner, without a technician.
    RepairedByOwner = 6,
}

impl State {
    pub const COUNT: usize = 7;
    fn from_bits(b: u8) -> State {
        match b & 0x7 {
            1 => State::Crashed,
            2 => State::InRepair,
            3 => State::SelfHealed,
            4 => State::RepairedRemote,
            5 => State::RepairedOnsite,
            6 => State::RepairedByOwner,
            _ => State::Healthy,
        }
    }
    pub fn is_down(self) -> bool {
        matches!(self, State::Crashed | State::InRepair)
    }
}

impl Endpoint {
    pub fn new(class: Class, os: Os, site: u16, flags: Flags) -> Endpoint {
        let mut kind = class.index() as u8 | ((os.index() as u8) << 2);
        for (on, bit) in [
            (flags.agent, AGENT),
            (flags.bitlocker, BITLOCKER),
            (flags.wired, WIRED),
            (flags.critical, CRITICAL),
        ] {
            if on {
                kind |= bit;
            }
        }
        Endpoint { kind, state: 0, site, down_since_ms: 0 }
    }
    #[inline]
    pub fn class(self) -> Class {
        Class::from_index(usize::from(self.kind & 3))
    }
    #[inline]
    pub fn os(self) -> Os {
        Os::from_index(usize::from((self.kind >> 2) & 3))
    }
    #[inline]
    pub fn agent(self) -> bool {
        self.kind & AGENT != 0
    }
    #[inline]
    pub fn bitlocker(self) -> bool {
        self.kind & BITLOCKER != 0
    }
    #[inline]
    pub fn wired(self) -> bool {
        self.kind & WIRED != 0
    }
    #[inline]
    pub fn critical(self) -> bool {
        self.kind & CRITICAL != 0
    }
    #[inline]
    pub fn state(self) -> State {
        State::from_bits(self.state)
    }
    #[inline]
    pub fn set_state(&mut self, s: State) {
        self.state = (self.state & (EXPOSED | QUEUED | REIMAGE | KEY_SERVER)) | s as u8;
    }
    #[inline]
    pub fn exposed(self) -> bool {
        self.state & EXPOSED != 0
    }
    #[inline]
    pub fn queued(self) -> bool {
        self.state & QUEUED != 0
    }
    #[inline]
    pub fn set_queued(&mut self, queued: bool) {
        if queued {
            self.state |= QUEUED;
        } else {
            self.state &= !QUEUED;
        }
    }
    /// Whether the machine must be (or was) re-imaged: a failed fix or a key never escrowed.
    #[inline]
    pub fn reimage(self) -> bool {
        self.state & REIMAGE != 0
    }
    #[inline]
    pub fn set_reimage(&mut self) {
        self.state |= REIMAGE;
    }
    #[inline]
    pub fn clear_reimage(&mut self) {
        self.state &= !REIMAGE;
    }
    /// Whether it is one of its organisation's key-escrow servers.
    #[inline]
    pub fn key_server(self) -> bool {
        self.state & KEY_SERVER != 0
    }
    #[inline]
    pub fn mark_key_server(&mut self) {
        self.state |= KEY_SERVER;
    }
    #[inline]
    pub fn mark_exposed(&mut self) {
        self.state |= EXPOSED;
    }
}

/// The yes/no attributes of an endpoint.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flags {
    pub agent: bool,
    pub bitlocker: bool,
    pub wired: bool,
    pub critical: bool,
}

/// One site of an organisation.
#[derive(Clone, Debug)]
pub struct SiteInfo {
    /// Index of its kind in the archetype's `sites`.
    pub kind: usize,
    pub utc_offset_min: i32,
    /// Technicians stationed here.
    pub technicians: u32,
}

/// An organisation as generated: endpoints, sites and where it is.
#[derive(Clone, Debug)]
pub struct OrgFleet {
    pub archetype: usize,
    pub number: u32,
    /// Stable across scenarios: derived from the archetype's name and the organisation number,
    /// so that common random numbers pair the same organisation in two scenarios.
    pub key: u64,
    pub region: usize,
    pub utc_offset_min: i32,
    pub sites: Vec<SiteInfo>,
    pub endpoints: Vec<Endpoint>,
    /// Indices of the key-escrow servers.
    pub key_servers: Vec<u32>,
    /// Share of its agents on the affected sensor versions and content channel.
    pub affected_share: f64,
    /// For a lazy archetype: how its endpoints are drawn (`endpoints` then holds only its
    /// key-escrow servers, endpoints `0..key_servers.len()`).
    pub lazy: Option<LazyFleet>,
}

/// What it takes to draw any endpoint of a lazy organisation from its index.
#[derive(Clone, Debug)]
pub struct LazyFleet {
    pub size: u32,
    key: u64,
    /// Cumulative shares: classes, each class's OSes, site kinds.
    class_cum: [f64; Class::COUNT],
    os_cum: [[f64; Os::COUNT]; Class::COUNT],
    kind_cum: Vec<f64>,
    /// First site instance of each kind, and how many it has.
    kind_sites: Vec<(u16, u32)>,
    agent: f64,
    bitlocker: [f64; Class::COUNT],
    wired: f64,
    critical: f64,
    /// The key-escrow servers, endpoints `0..servers`, are materialised at build.
    pub servers: u32,
}

/// Cumulative shares of `weights`, normalised; from the last positive weight on, exactly 1.
fn cumulative(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    let mut out: Vec<f64> = weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect();
    // Past the last positive weight nothing is ever picked.
    if let Some(last) = weights.iter().rposition(|&w| w > 0.0) {
        for c in &mut out[last..] {
            *c = 1.0;
        }
    }
    out
}

/// The first index whose cumulative share exceeds `u`.
#[inline]
fn pick_cum(cum: &[f64], u: f64) -> usize {
    cum.iter().position(|&c| u < c).unwrap_or(cum.len().saturating_sub(1))
}

impl LazyFleet {
    fn new(spec: &ArchetypeSpec, key: u64, size: u32, first_site_of_kind: &[usize]) -> LazyFleet {
        let mut class_cum = [0.0; Class::COUNT];
        class_cum.copy_from_slice(&cumulative(&spec.class_mix));
        let mut os_cum = [[0.0; Os::COUNT]; Class::COUNT];
        for (c, row) in os_cum.iter_mut().enumerate() {
            row.copy_from_slice(&cumulative(&spec.os_mix[c]));
        }
        let kind_weights: Vec<f64> = spec.sites.iter().map(|k| k.endpoint_share).collect();
        LazyFleet {
            size,
            key,
            class_cum,
            os_cum,
            kind_cum: cumulative(&kind_weights),
            kind_sites: spec
                .sites
                .iter()
                .zip(first_site_of_kind)
                .map(|(k, &first)| (first as u16, k.count.max(1)))
                .collect(),
            agent: spec.agent_share.get(),
            bitlocker: spec.bitlocker_share.map(|s| s.get()),
            wired: spec.wired_share.get(),
            critical: spec.critical_share.get(),
            servers: spec.repair.key_escrow_servers.min(size),
        }
    }

    /// Endpoint `index` as generated, healthy: each attribute from its own 64 bits of the
    /// endpoint's dice, with the archetype's shares.
    #[inline]
    pub fn endpoint(&self, index: u32) -> Endpoint {
        let mut h = hash_words(&[self.key, u64::from(index), ATTRIBUTES]);
        let mut next = || {
            h = mix64(h);
            h
        };
        let class = Class::from_index(pick_cum(&self.class_cum, unit_of_bits(next())));
        let os = Os::from_index(pick_cum(&self.os_cum[class.index()], unit_of_bits(next())));
        let kind = pick_cum(&self.kind_cum, unit_of_bits(next()));
        let (first, count) = self.kind_sites[kind];
        let instance = ((next() >> 32) * u64::from(count)) >> 32;
        let flags = Flags {
            agent: unit_of_bits(next()) < self.agent,
            bitlocker: unit_of_bits(next()) < self.bitlocker[class.index()],
            wired: unit_of_bits(next()) < self.wired,
            critical: class == Class::Workstation && unit_of_bits(next()) < self.critical,
        };
        Endpoint::new(class, os, first + instance as u16, flags)
    }
}

/// The purpose word of a lazy endpoint's attribute dice.
const ATTRIBUTES: u64 = 0x4154_5452;

/// The stable key of organisation `number` of the archetype named `archetype`.
pub fn org_key(seed: u64, archetype: &str, number: u32) -> u64 {
    let mut words = vec![seed, u64::from(number)];
    words.extend(archetype.bytes().map(u64::from));
    hash_words(&words)
}

/// Picks an index from cumulative weights with a uniform draw in [0, 1).
fn pick(weights: &[f64], u: f64) -> usize {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    for (i, w) in weights.iter().enumerate() {
        acc += w / total;
        if u < acc {
            return i;
        }
    }
    weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
}

/// Splits `total` into parts proportional to `weights`, by largest remainder.
pub fn apportion(total: u32, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| f64::from(total) * w / sum).collect();
    let mut parts: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
    let mut left = total - parts.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

/// A lognormal draw by mean and coefficient of variation (the mean itself when cv is 0).
fn lognormal(mean: f64, cv: f64, rng: &mut Xoshiro256PlusPlus) -> f64 {
    if cv <= 0.0 {
        return mean;
    }
    let sigma2 = (1.0 + cv * cv).ln();
    let mu = mean.ln() - sigma2 / 2.0;
    let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, rng);
    (mu + sigma2.sqrt() * z).exp()
}

/// Draws an organisation's size: lognormal by mean and coefficient of variation, or, for the
/// tail's share of organisations, from the tail's lognormal; clamped.
fn draw_size(spec: &ArchetypeSpec, rng: &mut Xoshiro256PlusPlus) -> u32 {
    let s = &spec.size;
    let in_tail = s.tail_share.get() > 0.0 && rng.random::<f64>() < s.tail_share.get();
    let size =
        if in_tail { lognormal(s.tail_mean, s.tail_cv, rng) } else { lognormal(s.mean, s.cv, rng) };
    (size.round() as u64).clamp(u64::from(s.min), u64::from(s.max)) as u32
}

/// Draws an organisation's share of agents on the affected versions: Beta with the
/// archetype's mean and standard deviation (exactly the mean when the spread is 0 or too
/// wide for a Beta).
fn draw_affected_share(spec: &ArchetypeSpec, rng: &mut Xoshiro256PlusPlus) -> f64 {
    let (m, sd) = (spec.exposure.affected_share.get(), spec.exposure.affected_share_sd);
    let var = sd * sd;
    if sd <= 0.0 || m <= 0.0 || m >= 1.0 || var >= m * (1.0 - m) {
        return m;
    }
    let k = m * (1.0 - m) / var - 1.0;
    match rand_distr::Beta::new(m * k, (1.0 - m) * k) {
        Ok(beta) => rand_distr::Distribution::sample(&beta, rng),
        Err(_) => m,
    }
}

/// Generates organisation `number` of archetype `archetype_index`.
pub fn generate_org(
    seed: u64,
    archetype_index: usize,
    spec: &ArchetypeSpec,
    number: u32,
) -> OrgFleet {
    let key = org_key(seed, &spec.name, number);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(key);
    let size = draw_size(spec, &mut rng);
    let affected_share = draw_affected_share(spec, &mut rng);
    let region_weights: Vec<f64> = spec.regions.iter().map(|r| r.share).collect();
    let region = pick(&region_weights, rng.random());
    let utc_offset_min = spec.regions[region].utc_offset_min;

    // Site instances, kind by kind; technicians split by kind, then evenly within a kind.
    let total_techs = ((spec.staff.technicians_per_1000 * f64::from(size) / 1_000.0).round()
        as u32)
        .max(spec.staff.technicians_min);
    let kind_techs =
        apportion(total_techs, &spec.sites.iter().map(|k| k.technician_share).collect::<Vec<_>>());
    let mut sites = Vec::new();
    let mut first_site_of_kind = Vec::new();
    for (k, kind) in spec.sites.iter().enumerate() {
        first_site_of_kind.push(sites.len());
        let per_site = apportion(kind_techs[k], &vec![1.0; kind.count as usize]);
        for techs in per_site {
            sites.push(SiteInfo {
                kind: k,
                utc_offset_min: kind.utc_offset_min.unwrap_or(utc_offset_min),
                technicians: techs,
            });
        }
    }
    let kind_weights: Vec<f64> = spec.sites.iter().map(|k| k.endpoint_share).collect();
    let escrow_kind = spec.sites.iter().position(|k| k.hosts_key_escrow).unwrap_or(0);
    let escrow_site = first_site_of_kind[escrow_kind] as u16;

    if spec.lazy {
        // Only the key-escrow servers have records from the start.
        let lazy = LazyFleet::new(spec, key, size, &first_site_of_kind);
        let key_servers: Vec<u32> = (0..lazy.servers).collect();
        let endpoints = key_servers
            .iter()
            .map(|&i| {
                let e = lazy.endpoint(i);
                let flags =
                    Flags { agent: e.agent(), bitlocker: false, wired: true, critical: false };
                Endpoint::new(Class::Server, Os::Windows, escrow_site, flags)
            })
            .collect();
        return OrgFleet {
            archetype: archetype_index,
            number,
            key,
            region,
            utc_offset_min,
            sites,
            endpoints,
            key_servers,
            affected_share,
            lazy: Some(lazy),
        };
    }

    let mut endpoints = Vec::with_capacity(size as usize);
    for _ in 0..size {
        let class = Class::from_index(pick(&spec.class_mix, rng.random()));
        let os = Os::from_index(pick(&spec.os_mix[class.index()], rng.random()));
        let kind = pick(&kind_weights, rng.random());
        let instance = rng.random_range(0..spec.sites[kind].count as usize);
        let site = (first_site_of_kind[kind] + instance) as u16;
        let flags = Flags {
            agent: rng.random::<f64>() < spec.agent_share.get(),
            bitlocker: rng.random::<f64>() < spec.bitlocker_share[class.index()].get(),
            wired: rng.random::<f64>() < spec.wired_share.get(),
            critical: class == Class::Workstation
                && rng.random::<f64>() < spec.critical_share.get(),
        };
        endpoints.push(Endpoint::new(class, os, site, flags));
    }

    // Key-escrow servers: the first endpoints, made Windows servers at the escrow site, since
    // the 2024 key stores ran on the same Windows fleet.
    let key_servers: Vec<u32> = (0..spec.repair.key_escrow_servers.min(size)).collect();
    for &i in &key_servers {
        let e = endpoints[i as usize];
        let flags = Flags { agent: e.agent(), bitlocker: false, wired: true, critical: false };
        endpoints[i as usize] = Endpoint::new(Class::Server, Os::Windows, escrow_site, flags);
    }

    OrgFleet {
        archetype: archetype_index,
        number,
        key,
        region,
        utc_offset_min,
        sites,
        endpoints,
        key_servers,
        affected_share,
        lazy: None,
    }
}

impl OrgFleet {
    /// Endpoints in the organisation, with a record or not.
    pub fn size(&self) -> u32 {
        self.lazy.as_ref().map_or(self.endpoints.len() as u32, |l| l.size)
    }

    /// Endpoint `index` as generated (before anything happened to it).
    pub fn endpoint(&self, index: u32) -> Endpoint {
        match &self.lazy {
            Some(l) if index >= l.servers => l.endpoint(index),
            _ => self.endpoints[index as usize],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_is_eight_bytes_and_keeps_its_fields() {
        assert_eq!(std::mem::size_of::<Endpoint>(), 8);
        let flags = Flags { agent: true, bitlocker: false, wired: true, critical: true };
        let mut e = Endpoint::new(Class::Kiosk, Os::Linux, 300, flags);
        assert_eq!((e.class(), e.os(), e.site), (Class::Kiosk, Os::Linux, 300));
        assert!(e.agent() && !e.bitlocker() && e.wired() && e.critical());
        assert_eq!(e.state(), State::Healthy);
        e.mark_exposed();
        e.set_state(State::Crashed);
        assert!(e.exposed() && e.state().is_down());
        e.set_state(State::SelfHealed);
        assert!(e.exposed() && !e.state().is_down());
    }

    #[test]
    fn apportion_splits_exactly_by_largest_remainder() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[0.5, 0.5]), vec![4, 3]);
        assert_eq!(apportion(5, &[0.0, 1.0]), vec![0, 5]);
        assert_eq!(apportion(3, &[]), Vec::<u32>::new());
        assert_eq!(apportion(100, &[0.7, 0.2, 0.1]).iter().sum::<u32>(), 100);
    }

    #[test]
    fn pick_follows_weights() {
        assert_eq!(pick(&[0.5, 0.5], 0.49), 0);
        assert_eq!(pick(&[0.5, 0.5], 0.5), 1);
        assert_eq!(pick(&[0.0, 1.0, 0.0], 0.999_999), 1);
    }
}
