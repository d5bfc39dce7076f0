//! Which step of the widget's life a request is, read from its URL, and the widget's requests
//! in order (the timeline).

use super::{is_positional_site_file, split_url};
use serde::{Deserialize, Serialize};

/// One step of the widget's life, as seen in a request URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Loader,
    Styles,
    Config,
    BusinessHours,
    SiteContext,
    Availability,
    Token,
    ConversationList,
    Conversation,
    Message,
    Events,
    ChatFrame,
}

impl Step {
    pub fn label(self) -> &'static str {
        match self {
            Step::Loader => "loader script",
            Step::Styles => "widget styles",
            Step::Config => "deployment configuration",
            Step::BusinessHours => "business hours",
            Step::SiteContext => "site-context frame",
            Step::Availability => "agent availability",
            Step::Token => "access token",
            Step::ConversationList => "open conversations",
            Step::Conversation => "conversation start",
            Step::Message => "message send",
            Step::Events => "event stream",
            Step::ChatFrame => "chat window",
        }
    }
}

/// The org id and deployment name a configuration request names (its `orgId` and
/// `esConfigName` parameters, each cut at 80 characters; empty when absent): which deployment
/// the widget actually asked for. The caller knows the URL is a configuration request.
pub fn config_request_names(url: &str) -> (String, String) {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.chars().take(80).collect::<String>())
            .unwrap_or_default()
    };
    (param("orgId"), param("esConfigName"))
}

/// Which step a URL is, from its path (hosts differ per org and custom domain).
pub fn classify(url: &str) -> Option<Step> {
    let (host, path) = match split_url(url) {
        Some((h, p)) => (h, p),
        None => (String::new(), url),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let p = path.replace("/iamessage/api/v2/", "/iamessage/v1/");
    let step = if p.ends_with("/assets/js/bootstrap.min.js")
        || p.ends_with("/assets/js/bootstrap.js")
        || is_positional_site_file(&host, path, "/assets/js/init.js")
    {
        Step::Loader
    } else if p.ends_with("/assets/styles/bootstrap.min.css")
        || is_positional_site_file(&host, path, "/assets/styles/init.min.css")
    {
        // (The second: the positional Agentforce Messaging generation's styles.)
        Step::Styles
    } else if p.ends_with("/embeddedservice/v1/embedded-service-config") {
        Step::Config
    } else if p.ends_with("/embeddedservice/v1/businesshours") {
        Step::BusinessHours
    } else if p.ends_with("/assets/htdocs/sitecontext.min.html") {
        Step::SiteContext
    } else if p.contains("/embeddedservice/") && p.ends_with("/agent-availability") {
        Step::Availability
    } else if p.contains("/iamessage/v1/authorization/") {
        Step::Token
    } else if p.ends_with("/iamessage/v1/queries/conversation/list") {
        Step::ConversationList
    } else if p.ends_with("/iamessage/v1/conversation") {
        Step::Conversation
    } else if p.contains("/iamessage/v1/conversation/") && p.ends_with("/message") {
        Step::Message
    } else if p.ends_with("/eventrouter/v1/sse") {
        Step::Events
    } else if url.contains("lwc.mode=") {
        Step::ChatFrame
    } else {
        return None;
    };
    Some(step)
}

/// One request of the widget, from resource timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub step: Step,
    pub url: String,
    /// HTTP status where the browser shows it (cross-origin requests that failed CORS, and
    /// some browsers, show none).
    pub status: Option<u16>,
    pub start_ms: Option<f64>,
    pub duration_ms: Option<f64>,
}

impl TimelineEntry {
    pub(super) fn failed(&self) -> bool {
        matches!(self.status, Some(s) if s >= 400)
    }
    pub(super) fn end_ms(&self) -> Option<f64> {
        Some(self.start_ms? + self.duration_ms.unwrap_or(0.0))
    }
    pub(super) fn describe(&self) -> String {
        let status = match self.status {
            Some(s) => format!("HTTP {s}"),
            None => "status not visible to the page".to_string(),
        };
        let timing = match (self.start_ms, self.duration_ms) {
            // Whole milliseconds as integers: float formatting would add ~30 KB to the Wasm.
            (Some(s), Some(d)) => {
                format!(", at {} ms, took {} ms", s.round() as i64, d.round() as i64)
            }
            _ => String::new(),
        };
        format!("{} — {}{}", self.url, status, timing)
    }
}

/// Browsers keep this many resource timing entries unless the page raises the limit.
pub const RESOURCE_BUFFER_DEFAULT: usize = 250;

pub(super) fn last(t: &[TimelineEntry], step: Step) -> Option<&TimelineEntry> {
    t.iter().rev().find(|e| e.step == step)
}
