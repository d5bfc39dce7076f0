//! Live capture: reading what the org's debug logs say about the MessagingSession
//! insert the widget asked for.
//!
//! With the admin's consent, the background script turns a trace flag on for the Automated
//! Process user (and the deployment's site guest user), the admin starts a chat, the new
//! `ApexLog` bodies are read here, and everything the capture created is removed again. The
//! core plans every request and reads every answer as plain data, so all of it is tested
//! natively.
//!
//! - [`log`]: the streaming debug-log parser → [`LogSummary`] (insert attempts, their causes,
//!   evidence lines, truncation and counts).
//! - [`plan`]: the capture as a state machine of API requests (find users, existing trace
//!   flags, create the DebugLevel and TraceFlags, poll ApexLog, read bodies, clean up) and
//!   the decoding of each answer.
//! - `requests`, `answers`, `cleanup`: the plan's request builders, the reading of one answer
//!   (what a write's answer proves), and the clean-up phases.
//! - [`report`]: the `capture/*` findings (the decisive insert's cause linked to the org check
//!   it confirms; refused, cancelled, no chat, clean-up). Codes: `docs/findings-capture.md`.
//! - [`time`]: epoch milliseconds ↔ the API's date-time text (the caller supplies the clock).

mod answers;
mod cleanup;
pub mod log;
pub mod plan;
pub mod report;
pub mod requests;
pub mod time;

pub use log::{
    parse_log, AttemptScope, DmlStatus, EvidenceLine, InsertAttempt, InsertOutcome, LogCause,
    LogCounts, LogLevel, LogParser, LogSummary, Truncation, TRACKED_OBJECTS,
};
pub use plan::{begin, step, CaptureEvent, CaptureInput, CaptureState, CaptureStep, Phase};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod plan_tests;
