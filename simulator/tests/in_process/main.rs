//! In-process tests of the simulator's router (no sockets), one module per area: save pipeline per
//! scenario, SOQL and pagination, describe and limits, composite, auth and error shapes, debug
//! logs, login, widget, static files and hosts. One test binary, so the simulator is linked once.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod composite;
mod debug_logs;
mod describe;
mod hosts;
mod login;
mod save_pipeline;
mod soql;
mod widget;
