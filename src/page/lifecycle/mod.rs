//! Where the widget stopped: its start-up and conversation requests, read back from what the
//! page still shows when the admin clicks (resource timing, DOM, session storage).
//!
//! How the v1 loader starts (facts: miaw-widget.md §3, §5): styles from the site host, then
//! configuration and business hours from the scrt2 host, the site-context frame, agent
//! availability if enabled; only when every one of them answered does it create the button and
//! fire Ready. It has no timeout of its own, so a missing answer is a stall, not an error. A
//! click then asks for an access token and starts the conversation; the MessagingSession is
//! created in the org after that, so a failed insert shows up as messages "Not sent"
//! (`FAILED_MESSAGES`) with every request answered.
//!
//! Stall threshold: a healthy start-up answers in a second or two and the loader retries a
//! failed request once, so a widget that has not shown its button [`STALL_AFTER_MS`] after its
//! loader arrived is stalled.

mod assess;
mod csp;
mod finding;
mod stage;
#[cfg(test)]
mod tests;

// Which request is which step is decided in `page/requests.rs`, which watch mode uses too
// (without depending on the lifecycle reading); the public paths stay here.
pub use super::requests::{
    classify, config_request_names, Step, TimelineEntry, RESOURCE_BUFFER_DEFAULT,
};
pub use assess::{assess, assess_in, WidgetDoc};
pub use csp::{salesforce_violations, SeenViolation};
pub use finding::{finding_for, finding_for_in};
pub use stage::{Stage, STALL_AFTER_MS};
