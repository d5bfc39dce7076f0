//! Messaging Doctor's diagnosis core.
//!
//! Everything in this crate is a pure function over plain data: the browser-facing binding
//! crates (`crates/page-wasm`, `crates/popup-wasm`) collect evidence, hand it in as the types
//! below, and get findings back. Nothing here touches the network, the DOM or a clock, so all of
//! it is tested natively with `cargo test`.
//!
//! Map:
//! - [`capture`]: live capture — the streaming Apex debug-log parser that names why an insert of
//!   MessagingSession / MessagingEndUser failed.
//! - [`finding`]: the `Finding` shape every check produces (stable code, severity, message,
//!   evidence, fix, link).
//! - [`page`]: what the content script found on the customer's page → page findings.
//! - [`org`]: the org checks (session choice, batched API plan, checks → org findings).
//! - [`report`]: merges and ranks findings into the list the popup shows.
//! - [`source`]: the same verdicts on an org's metadata source (the `messaging-doctor check`
//!   command in crates/cli).

pub mod analysis;
pub mod capture;
pub mod finding;
pub mod org;
pub mod page;
pub mod report;
pub mod salesforce;
pub mod source;
pub mod url_host;

/// Version of the core, shown in the popup footer and stamped into every report so a support
/// case says which build produced it.
pub const CORE_VERSION: &str = env!("CARGO_PKG_VERSION");
