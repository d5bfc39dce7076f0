//! Watch mode: what the extension's recorder saw on this page from its very first
//! request, and what the page analysis makes of it.
//!
//! When the admin turns watch mode on for a site, two content scripts run there at
//! `document_start` and record, on the page's `performance.now()` clock: every resource timing
//! entry (a buffered `PerformanceObserver`, so also the entries from before it started and
//! beyond the browser's 250-entry buffer), every `securitypolicyviolation` event, the widget's
//! `onEmbeddedMessaging*` window events, and the loader's console messages (facts
//! miaw-widget.md §2, §3). The collector hands that record to the core as
//! [`PageEvidence::watch`](super::PageEvidence::watch).
//!
//! Everything in it is page-controlled text: the page can dispatch the widget's events itself
//! and write the loader's console lines. It is used as evidence and to decide between stages
//! the requests already point to, never for anything else; every list is capped when it is read
//! and every string copied into a finding is cut to a few hundred characters.

mod events;
mod findings;
mod merge;
mod record;
#[cfg(test)]
mod tests;
mod text;

pub use events::{
    agentforce_refused, event_evidence, load_error_evidence, ran_evidence, stage_console_evidence,
    EventFacts, LoaderMessage,
};
pub use findings::recorded_finding;
pub(super) use findings::runtime_duplicate_finding;
pub use merge::merged_resources;
pub use record::{
    ConsoleLine, LoadError, WatchCsp, WatchEvidence, WatchStats, WidgetEvent, EVENTS_LISTED,
    LATE_START_MS, MAX_WATCH_CONSOLE, MAX_WATCH_CSP, MAX_WATCH_EVENTS, MAX_WATCH_LOAD_ERRORS,
    MAX_WATCH_RESOURCES, MAX_WATCH_SHORT, MAX_WATCH_TEXT, MAX_WATCH_URL,
};
pub use text::{capped, secs};
