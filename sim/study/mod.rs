//! Studies of many runs: comparing scenarios with common random numbers and sweeping
//! parameters. This module decides what to run and how to seed it; the engine's replication
//! runner runs it, `report` exports it and `cli` drives it. It does no I/O.

pub mod design;
pub mod sensitivity;
