//! Live capture (issue #7): reading what the org's debug logs say about the MessagingSession
//! insert the widget asked for.
//!
//! The popup turns a trace flag on for the Automated Process user (with the admin's consent),
//! has the admin start a chat, fetches the new `ApexLog` bodies and feeds them here. The core
//! reads them as plain text, so everything below is tested natively.
//!
//! - [`log`]: the streaming debug-log parser → [`LogSummary`] (insert attempts, their causes,
//!   evidence lines, truncation and counts). Finding codes: `docs/findings-capture.md`.

pub mod log;

pub use log::{
    parse_log, AttemptScope, DmlStatus, EvidenceLine, InsertAttempt, InsertOutcome, LogCause,
    LogCounts, LogLevel, LogParser, LogSummary, Truncation, TRACKED_OBJECTS,
};

#[cfg(test)]
mod tests;
