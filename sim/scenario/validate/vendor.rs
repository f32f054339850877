//! The vendor: its content versions and which machines each crashes, how content reaches
//! endpoints (check-ins, propagation, rollout rings and health gates), its telemetry, and the
//! revert and workaround. It knows nothing of the fleet.

use std::collections::BTreeMap;

use blastradius_engine::SimDuration;
use blastradius_model::spec::{self as m, Share};

use super::check::{Checker, class, os};
use crate::raw;

pub fn vendor(c: &mut Checker, v: &raw::Vendor, horizon: SimDuration) -> m::VendorSpec {
    let contents = contents(c, &v.contents(), horizon);
    let d = v.distribution();
    let propagation = c.min_duration(
        "vendor.distribution.propagation",
        d.propagation(),
        SimDuration::from_secs(1),
        "news takes at least a second to travel (it is also the engine's lookahead)",
    );
    let rollout = v.rollout();
    let rings = rings(c, &rollout);
    let gates = rollout.gates().iter().enumerate().map(|(i, g)| gate(c, i, g)).collect();
    let telemetry = telemetry(c, &v.telemetry());
    let revert = match v.revert() {
        raw::Revert::At(d) => m::RevertSpec::At(d.0),
        raw::Revert::AfterHalt(d) => m::RevertSpec::AfterHalt(d.0),
        raw::Revert::Never => m::RevertSpec::Never,
    };
    let w = v.workaround();
    m::VendorSpec {
        name: v.name(),
        contents,
        check_in_mean: d.check_in_mean().0,
        propagation,
        rings,
        gates,
        reaction_delay: rollout.reaction_delay().0,
        telemetry,
        revert,
        workaround_after_revert: w.after_revert().0,
        self_discovery: w.self_discovery().0,
    }
}

fn contents(c: &mut Checker, raw: &[raw::Content], horizon: SimDuration) -> Vec<m::ContentSpec> {
    if raw.is_empty() {
        c.fail(
            "vendor.contents",
            "the vendor publishes no content",
            "list at least one content version",
        );
    }
    if raw.len() > 200 {
        c.fail("vendor.contents", "more than 200 content versions", "model fewer versions");
    }
    raw.iter().enumerate().map(|(i, content)| self::content(c, i, content, horizon)).collect()
}

fn content(
    c: &mut Checker,
    i: usize,
    content: &raw::Content,
    horizon: SimDuration,
) -> m::ContentSpec {
    let p = format!("vendor.contents[{i}]");
    let mut crash = [[Share::ZERO; m::Os::COUNT]; m::Class::COUNT];
    let mut seen = BTreeMap::new();
    for (r, rule) in content.crashes().iter().enumerate() {
        let rp = format!("{p}.crashes[{r}]");
        let (cl, o) = (class(rule.class()), os(rule.os()));
        if let Some(first) = seen.insert((cl, o), r) {
            c.fail(
                &rp,
                format!("{cl:?} on {o:?} already has a crash rule (crashes[{first}])"),
                "keep one rule per class and OS",
            );
        }
        crash[cl.index()][o.index()] = c.share(&format!("{rp}.probability"), rule.probability());
    }
    let published_after = content.published_after().0;
    if published_after >= horizon {
        c.fail(
            format!("{p}.published_after"),
            "the content is published at or after the horizon",
            "publish it before the horizon ends",
        );
    }
    m::ContentSpec {
        name: content.name(),
        published_after,
        crash,
        crash_delay: content.crash_delay().0,
    }
}

fn rings(c: &mut Checker, rollout: &raw::Rollout) -> Vec<m::RingSpec> {
    let rings = rollout.rings();
    match rollout.policy() {
        raw::RolloutPolicy::AllAtOnce => {
            if !rings.is_empty() {
                c.fail(
                    "vendor.rollout.rings",
                    "rings are listed but the policy is AllAtOnce",
                    "set policy: Rings, or remove the rings",
                );
            }
            vec![m::RingSpec { name: "all".into(), share: Share::ONE, bake: SimDuration::ZERO }]
        }
        raw::RolloutPolicy::Rings => {
            if rings.is_empty() {
                c.fail(
                    "vendor.rollout.rings",
                    "policy Rings needs at least one ring",
                    "list rings, e.g. rings: [(name: \"canary\", share: 0.01, bake: \"4h\"), \
                     (name: \"rest\", share: 0.99)]",
                );
            }
            if rings.len() > 250 {
                c.fail("vendor.rollout.rings", "more than 250 rings", "use fewer rings");
            }
            if !rings.is_empty() {
                let shares: Vec<f64> = rings.iter().map(|r| r.share()).collect();
                c.mix("vendor.rollout.rings", &shares);
            }
            rings.iter().enumerate().map(|(i, r)| ring(c, i, r)).collect()
        }
    }
}

fn ring(c: &mut Checker, i: usize, r: &raw::Ring) -> m::RingSpec {
    let share = c.share(&format!("vendor.rollout.rings[{i}].share"), r.share());
    if share.get() == 0.0 {
        c.fail(
            format!("vendor.rollout.rings[{i}].share"),
            "a ring with share 0 holds no one",
            "give it a share above 0 or remove it",
        );
    }
    m::RingSpec { name: r.name(), share, bake: r.bake().0 }
}

fn gate(c: &mut Checker, i: usize, g: &raw::Gate) -> m::GateSpec {
    let p = format!("vendor.rollout.gates[{i}]");
    let rate = g.threshold_rate();
    if !(rate.is_finite() && (0.0..=1.0).contains(&rate)) {
        c.fail(
            format!("{p}.threshold_rate"),
            format!("{rate} is not a rate in [0, 1]"),
            "e.g. 0.001 for one in a thousand",
        );
    }
    if g.threshold_count() == 0 && rate <= 0.0 {
        c.fail(
            &p,
            "the gate has neither a threshold_count nor a threshold_rate, so it never trips",
            "set threshold_count: 50 or threshold_rate: 0.01",
        );
    }
    m::GateSpec {
        signal: match g.signal() {
            raw::Signal::CrashReports => m::Signal::CrashReports,
            raw::Signal::LostHeartbeats => m::Signal::LostHeartbeats,
        },
        threshold_count: (g.threshold_count() > 0).then_some(g.threshold_count()),
        threshold_rate: (rate > 0.0).then_some(rate),
        min_sample: g.min_sample(),
    }
}

fn telemetry(c: &mut Checker, t: &raw::Telemetry) -> m::TelemetrySpec {
    m::TelemetrySpec {
        latency: c.min_duration(
            "vendor.telemetry.latency",
            t.latency(),
            SimDuration::from_secs(1),
            "telemetry takes at least a second (it is also the engine's lookahead)",
        ),
        heartbeat_interval: c.min_duration(
            "vendor.telemetry.heartbeat_interval",
            t.heartbeat_interval(),
            SimDuration::from_secs(1),
            "sensors heartbeat at most once a second",
        ),
        crash_report_share: c.share("vendor.telemetry.crash_report_share", t.crash_report_share()),
    }
}
