//! The stage the widget reached: the verdict of the lifecycle reading.

use crate::page::requests::Step;
use serde::{Deserialize, Serialize};

/// Time after the loader arrived by which a healthy widget has its button.
pub const STALL_AFTER_MS: f64 = 10_000.0;

/// Where the widget is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The loader script never arrived (blocked or failed).
    LoaderBlocked,
    /// The loader ran, but start-up never began.
    InitNeverCalled,
    /// Styles from the site host failed: start-up ends there, silently.
    StylesFailed,
    /// The snippet's site URL has no scheme, so the loader asked the customer's own website for
    /// its files (a relative path, typically 404) and stopped: `requested` is that request when
    /// the browser shows it.
    RelativeSiteUrl {
        site_url: String,
        requested: Option<String>,
        status: Option<u16>,
    },
    /// The configuration (or business hours) answered with an error.
    ConfigFailed { status: u16 },
    /// Start-up began (the widget's container exists) but its requests to the messaging host
    /// were never made: CSP connect-src or an ad blocker stops them before they leave.
    StartupRequestsBlocked,
    /// The start-up requests went out but the browser withheld the answers: this site's origin
    /// is not allowed by the org's CORS allowlist (or the network failed).
    StartupAnswersWithheld,
    /// Start-up requests answered, but no button after the stall threshold.
    StalledBeforeReady { missing: Vec<Step> },
    /// Still within the normal start-up time.
    Starting,
    /// The button exists but is hidden (business hours closed, no agents, or
    /// hideChatButtonOnLoad).
    ButtonHidden,
    /// The button was clicked, but the token or conversation request failed.
    StalledAfterClick { step: Step, status: Option<u16> },
    /// A conversation started and messages were kept as failed: the org could not create
    /// the MessagingSession (or deliver).
    MessagesNotSent { count: u32 },
    /// Button shown (and any conversation working).
    Healthy,
    /// The chat app in Agentforce Messaging's frame (`#agentforce-messaging-frame`) reported
    /// its state (simulator/CONTRACT.md `C-AGENTFORCE-APP-STATE`).
    AgentforceReady,
    /// Agentforce Messaging's loader is on the page, but its chat app reported no state after
    /// the stall threshold (or, with watch mode, the loader said it refused the values).
    /// `frame`: the loader built its container and frame, which it does at once when init
    /// accepts the values (`C-AGENTFORCE-FRAME-AT-ONCE`); `site_url`: the init call's siteUrl.
    AgentforceStalled {
        frame: bool,
        site_url: Option<String>,
    },
    /// The page's request history is incomplete (the resource timing buffer is full), so a
    /// missing request proves nothing.
    TimelineIncomplete,
}

impl Stage {
    /// The widget got as far as its button (whatever happened after).
    pub fn widget_started(&self) -> bool {
        matches!(
            self,
            Stage::Healthy
                | Stage::AgentforceReady
                | Stage::ButtonHidden
                | Stage::StalledAfterClick { .. }
                | Stage::MessagesNotSent { .. }
        )
    }
}
