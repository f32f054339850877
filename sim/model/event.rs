//! The events of the outage world, for every kind of logical process, and their tie-break
//! priorities.

use blastradius_engine::LpId;

use super::spec::{ActionSpec, ToolSpec};

/// An event. The vendor LP handles the rollout, telemetry and revert; organisation LPs handle
/// everything that happens to their endpoints, staff and services; contractor-pool LPs handle
/// requests and releases of shared contractors.
#[derive(Clone, Debug)]
pub enum Event {
    // The vendor.
    /// Begin the rollout of a content version.
    Publish {
        content: u8,
    },
    /// Release a ring of a content version.
    ReleaseRing {
        content: u8,
        ring: u8,
    },
    /// Counts reported by one organisation since its last report.
    Telemetry {
        heartbeats_lost: u32,
        crash_reports: u32,
    },
    /// Stop releasing rings.
    Halt,
    /// Publish the revert.
    Revert,

    // An organisation.
    /// A ring of a content version reached the organisation's cloud.
    Released {
        content: u8,
        ring: u8,
    },
    /// The organisation's customer lag ended: endpoints may fetch that ring now.
    Available {
        content: u8,
        ring: u8,
    },
    /// The revert reached the organisation: fetches from now on are good.
    RevertArrived,
    /// The vendor's manual workaround reached the organisation.
    WorkaroundArrived,
    /// The organisation worked the fix out itself.
    WorkaroundFound,
    /// Process the next due fetches of a fetch cursor.
    FetchNext {
        cursor: u16,
    },
    SelfHeal {
        endpoint: u32,
    },
    /// The next of the self-heals worked out when the revert arrived is due (they are kept
    /// in the organisation, in order, and this one event takes their place).
    SelfHeals,
    /// A remote worker's laptop can now be reached for repair.
    Reachable {
        endpoint: u32,
    },
    /// The vendor withdrew the content from distribution (a halt): fetches from now on get
    /// nothing new.
    Withdrawn,
    /// A technician finished; `crew` is the site whose staff it was, `site` where it worked.
    RepairDone {
        endpoint: u32,
        crew: u16,
        site: u16,
    },
    CloudRepairDone {
        endpoint: u32,
    },
    ToolRepairDone {
        endpoint: u32,
    },
    /// The organisation's earliest timers (owners' fixes, laptops within reach) are due.
    TimerDue,
    ToolAvailable {
        tool: u8,
    },
    /// A tool released by a decision during the run.
    ToolReleased(Box<ToolSpec>),
    IncidentDeclared,
    CallInArrives,
    ContractorsArrive {
        count: u32,
    },
    /// Grant of shared contractors from a pool, arriving now.
    PoolContractorsArrive {
        count: u32,
    },
    /// Volunteers arrive to help with repairs.
    VolunteersArrive,
    /// A shift or call-in window boundary: presence changes now.
    Staffing,
    /// The stand-down delay after services came back ended.
    StandDown,
    /// No grant from the contractor pool can arrive any more.
    PoolQuiet,
    /// A fallback (`kind` 0) or standby (`kind` 1) activation delay ended.
    ServiceTimer {
        service: u8,
        kind: u8,
    },
    /// A service's backlog clears now, if nothing changed since `generation`.
    BacklogDue {
        service: u8,
        generation: u32,
    },
    /// A supplier's service (that this organisation's `service` needs) is at `milli`
    /// thousandths of its capacity.
    SupplierCapacity {
        service: u8,
        milli: u16,
    },
    /// One step of an airline's operations model.
    OpsStep,
    /// Send the telemetry batched since the last heartbeat deadline.
    TelemetryFlush,
    /// A decision applied to this LP.
    Inject(Box<ActionSpec>),

    // A contractor pool.
    ContractorRequest {
        org: LpId,
        count: u32,
    },
    ContractorRelease {
        org: LpId,
        count: u32,
    },
}

impl Event {
    /// Tie-break at equal times: decisions first, then news from outside (releases, reverts,
    /// suppliers), then endpoint events, then people and services, so that an operations step
    /// sees everything at its instant.
    pub fn priority(&self) -> u8 {
        match self {
            Event::Inject(_) | Event::Halt | Event::Revert => 0,
            Event::Publish { .. }
            | Event::ReleaseRing { .. }
            | Event::Released { .. }
            | Event::Available { .. }
            | Event::RevertArrived
            | Event::Withdrawn
            | Event::WorkaroundArrived
            | Event::WorkaroundFound
            | Event::ToolAvailable { .. }
            | Event::ToolReleased(_)
            | Event::SupplierCapacity { .. } => 10,
            Event::FetchNext { .. }
            | Event::SelfHeal { .. }
            | Event::SelfHeals
            | Event::Reachable { .. }
            | Event::RepairDone { .. }
            | Event::CloudRepairDone { .. }
            | Event::ToolRepairDone { .. }
            | Event::TimerDue => 20,
            Event::IncidentDeclared
            | Event::CallInArrives
            | Event::ContractorsArrive { .. }
            | Event::PoolContractorsArrive { .. }
            | Event::VolunteersArrive
            | Event::Staffing
            | Event::StandDown
            | Event::PoolQuiet
            | Event::ServiceTimer { .. }
            | Event::BacklogDue { .. }
            | Event::ContractorRequest { .. }
            | Event::ContractorRelease { .. }
            | Event::Telemetry { .. } => 30,
            Event::TelemetryFlush => 40,
            Event::OpsStep => 50,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_stay_small() {
        assert!(std::mem::size_of::<Event>() <= 16, "{}", std::mem::size_of::<Event>());
    }
}
