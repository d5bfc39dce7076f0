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

use super::snippet::Family;
use super::watch::{self, EventFacts, WatchEvidence};
use super::{split_url, DomEvidence, Loader, LocatedInit, PageEvidence, ResourceEvidence};
use crate::finding::{Evidence, Finding, Severity};
use serde::{Deserialize, Serialize};

/// Time after the loader arrived by which a healthy widget has its button.
pub const STALL_AFTER_MS: f64 = 10_000.0;

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

/// Which step a URL is, from its path (hosts differ per org and custom domain).
pub fn classify(url: &str) -> Option<Step> {
    let path = match split_url(url) {
        Some((_, p)) => p,
        None => url,
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let p = path.replace("/iamessage/api/v2/", "/iamessage/v1/");
    let step =
        if p.ends_with("/assets/js/bootstrap.min.js") || p.ends_with("/assets/js/bootstrap.js") {
            Step::Loader
        } else if p.ends_with("/assets/styles/bootstrap.min.css") {
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
    fn failed(&self) -> bool {
        matches!(self.status, Some(s) if s >= 400)
    }
    fn end_ms(&self) -> Option<f64> {
        Some(self.start_ms? + self.duration_ms.unwrap_or(0.0))
    }
    fn describe(&self) -> String {
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
    /// Agentforce Messaging built its chat frame (`#agentforce-messaging-frame`).
    AgentforceReady,
    /// Agentforce Messaging's loader is on the page, but no chat frame after the stall
    /// threshold; `container`: its `#agentforce-messaging` container is there.
    AgentforceStalled { container: bool },
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

/// Browsers keep this many resource timing entries unless the page raises the limit.
pub const RESOURCE_BUFFER_DEFAULT: usize = 250;

/// The document whose widget is followed: the page itself, or the same-origin frame that
/// carries the widget (its own resource timing, DOM and time origin).
#[derive(Debug, Clone, Copy)]
pub struct WidgetDoc<'a> {
    pub resources: &'a [ResourceEvidence],
    pub dom: &'a DomEvidence,
    pub page_age_ms: Option<f64>,
    /// What watch mode recorded in this document (the page only): its requests are already
    /// in `resources`; its widget events decide between stages.
    pub watch: Option<&'a WatchEvidence>,
}

impl<'a> WidgetDoc<'a> {
    /// The page itself, with the requests the browser's buffer kept (see [`assess`] for the
    /// watch-mode recording merged in).
    pub fn page(ev: &'a PageEvidence) -> Self {
        WidgetDoc {
            resources: &ev.resources,
            dom: &ev.dom,
            page_age_ms: ev.page_age_ms,
            watch: ev.watch.as_ref(),
        }
    }
}

/// The timeline and the stage, from the evidence and the loaders/init calls already found.
pub fn assess(
    ev: &PageEvidence,
    loaders: &[Loader],
    inits: &[LocatedInit],
) -> (Vec<TimelineEntry>, Option<Stage>) {
    let resources = watch::merged_resources(&ev.resources, ev.watch.as_ref());
    let doc = WidgetDoc {
        resources: &resources,
        ..WidgetDoc::page(ev)
    };
    assess_in(ev, doc, loaders, inits)
}

/// [`assess`] for the widget of one document of the page.
pub fn assess_in(
    ev: &PageEvidence,
    doc: WidgetDoc<'_>,
    loaders: &[Loader],
    inits: &[LocatedInit],
) -> (Vec<TimelineEntry>, Option<Stage>) {
    let timeline: Vec<TimelineEntry> = doc
        .resources
        .iter()
        .filter_map(|r| {
            classify(&r.url).map(|step| TimelineEntry {
                step,
                url: r.url.clone(),
                status: r.status,
                start_ms: r.start_ms,
                duration_ms: r.duration_ms,
            })
        })
        .collect();
    let miaw = loaders.iter().any(|l| l.family.is_messaging())
        || inits.iter().any(|i| i.call.family.is_messaging());
    // No timing evidence at all (not from a browser): nothing to say about the life cycle.
    let no_evidence = doc.page_age_ms.is_none() && doc.resources.is_empty();
    if !miaw || no_evidence {
        return (timeline, None);
    }
    // Agentforce Messaging alone: its own container and frame tell its stage (its requests go to
    // an agent, not the v1 start-up sequence).
    let v1 = loaders
        .iter()
        .any(|l| l.family.is_messaging() && l.family != Family::EnhancedV2)
        || inits
            .iter()
            .any(|i| i.call.family.is_messaging() && i.call.family != Family::EnhancedV2);
    if !v1 {
        let stage = if doc.dom.agentforce_frames > 0 {
            Stage::AgentforceReady
        } else if doc.page_age_ms.unwrap_or(f64::MAX) < STALL_AFTER_MS {
            Stage::Starting
        } else {
            Stage::AgentforceStalled {
                container: doc.dom.agentforce_containers > 0,
            }
        };
        return (timeline, Some(stage));
    }
    let stage = stage(ev, doc, &timeline);
    let stage = relative_site_url(doc, inits).map_or(stage.clone(), |(site_url, seen)| {
        let stuck = !stage.widget_started() && !matches!(stage, Stage::Starting);
        match seen {
            // The browser shows the request on this website: that is where start-up went.
            Some(r) if !stage.widget_started() => Stage::RelativeSiteUrl {
                site_url,
                requested: Some(r.url.clone()),
                status: r.status,
            },
            None if stuck => Stage::RelativeSiteUrl {
                site_url,
                requested: None,
                status: None,
            },
            _ => stage,
        }
    });
    (timeline, Some(stage))
}

/// A Messaging init call whose site URL has no scheme (`acme.my.site.com/ESW…`): the loader
/// accepts it and builds its file addresses as paths relative to the page (facts §1, §2). Returns
/// the site URL and the request the browser shows for it on this website, if any.
fn relative_site_url<'d>(
    doc: WidgetDoc<'d>,
    inits: &[LocatedInit],
) -> Option<(String, Option<&'d ResourceEvidence>)> {
    let site = inits
        .iter()
        .filter(|i| i.call.family.is_messaging())
        .filter_map(|i| i.call.site_url.as_deref())
        .map(|u| u.trim().trim_end_matches('/'))
        .find(|u| !u.is_empty() && !u.contains("://") && !u.starts_with("//"))?;
    let needle = format!("{site}/assets/");
    // On this website: the site text comes after the page's own path, not right after `://`
    // (the loader tag itself may be written with the full https:// address).
    let seen = doc
        .resources
        .iter()
        .find(|r| r.url.contains(&needle) && !r.url.contains(&format!("://{needle}")));
    Some((site.chars().take(200).collect(), seen))
}

fn last(t: &[TimelineEntry], step: Step) -> Option<&TimelineEntry> {
    t.iter().rev().find(|e| e.step == step)
}

fn stage(ev: &PageEvidence, doc: WidgetDoc<'_>, t: &[TimelineEntry]) -> Stage {
    let failed_messages: u32 = ev.storage.iter().map(|s| s.failed_messages).sum();
    let started = last(t, Step::Conversation);
    if failed_messages > 0 || last(t, Step::Message).is_some_and(|m| m.failed()) {
        return Stage::MessagesNotSent {
            count: failed_messages.max(1),
        };
    }
    for step in [Step::Token, Step::Conversation] {
        if let Some(e) = last(t, step).filter(|e| e.failed()) {
            return Stage::StalledAfterClick {
                step,
                status: e.status,
            };
        }
    }
    if doc.dom.buttons > 0 {
        if started.is_some() || doc.dom.buttons_visible > 0 {
            return Stage::Healthy;
        }
        return Stage::ButtonHidden;
    }
    // Watch mode: the widget's own events. Ready (start-up finished) or business hours ended
    // with no button on the page: the button is hidden, not a failure. An InitError without
    // Ready: start-up failed, so the widget is not "still starting" however young the page.
    let events = doc.watch.map(EventFacts::of).unwrap_or_default();
    let failed_startup = events.failed_startup();
    if events.ready || events.hours_closed && !failed_startup {
        return Stage::ButtonHidden;
    }
    // With watch mode the recording is the whole history, whatever the browser's buffer kept.
    let buffer_full = match doc.watch {
        Some(w) => !w.timeline_complete(doc.resources.len()),
        None => doc.resources.len() >= RESOURCE_BUFFER_DEFAULT,
    };
    let age = doc.page_age_ms.unwrap_or(f64::MAX);
    let load_failed = |url: &str| doc.watch.is_some_and(|w| w.load_error(url).is_some());
    let loader = last(t, Step::Loader);
    match loader {
        None if !failed_startup => {
            return if buffer_full {
                Stage::TimelineIncomplete
            } else if age < STALL_AFTER_MS {
                Stage::Starting
            } else {
                Stage::LoaderBlocked
            };
        }
        Some(l) if l.failed() => return Stage::LoaderBlocked,
        // Watch mode saw the loader's element fail (a cross-origin script shows no status).
        Some(l) if load_failed(&l.url) => return Stage::LoaderBlocked,
        _ => {}
    }
    if last(t, Step::Styles).is_some_and(|e| e.failed() || load_failed(&e.url)) {
        return Stage::StylesFailed;
    }
    for step in [Step::Config, Step::BusinessHours, Step::Availability] {
        if let Some(status) = last(t, step).filter(|e| e.failed()).and_then(|e| e.status) {
            return Stage::ConfigFailed { status };
        }
    }
    // Where the browser shows statuses, a successful cross-origin answer shows one: none at all
    // on every configuration request means the answer was withheld.
    // But in Chromium a request the page's CSP refused leaves the same entry (no status) when it
    // was sent with XMLHttpRequest, as the loader does: only the browser's CSP reports (or watch
    // mode's recorded violations) tell the two apart, so a reported refusal decides first.
    let config: Vec<&TimelineEntry> = t.iter().filter(|e| e.step == Step::Config).collect();
    if !config.is_empty() && config.iter().all(|e| e.status.is_none()) {
        let csp = salesforce_violations(ev);
        if config.iter().all(|e| refused_by_csp(&csp, &e.url)) {
            return Stage::StartupRequestsBlocked;
        }
        if ev.response_status_supported {
            return Stage::StartupAnswersWithheld;
        }
    }
    let since_loader = loader
        .and_then(|l| l.end_ms())
        .map(|end| age - end)
        .unwrap_or(age);
    if since_loader < STALL_AFTER_MS && !failed_startup {
        return Stage::Starting;
    }
    let asked = |s: Step| last(t, s).is_some();
    if buffer_full && !(asked(Step::Config) && asked(Step::BusinessHours)) {
        return Stage::TimelineIncomplete;
    }
    let startup_unasked = !asked(Step::Config) && !asked(Step::BusinessHours);
    if failed_startup {
        // Init ran (the widget reported its failure). Its start-up requests never left: CSP
        // (reported) or, with its container on the page, CSP or an ad blocker. Otherwise the
        // stall names the answers that are missing, or none (init threw before any request).
        if startup_unasked && (doc.dom.containers > 0 || !salesforce_violations(ev).is_empty()) {
            return Stage::StartupRequestsBlocked;
        }
    } else if !asked(Step::Styles) && !asked(Step::Config) && doc.dom.containers == 0 {
        return Stage::InitNeverCalled;
    } else if startup_unasked {
        return Stage::StartupRequestsBlocked;
    }
    let missing: Vec<Step> = [
        Step::Styles,
        Step::Config,
        Step::BusinessHours,
        Step::SiteContext,
    ]
    .into_iter()
    .filter(|s| !(asked(*s) || *s == Step::SiteContext && doc.dom.site_context_frames > 0))
    .collect();
    Stage::StalledBeforeReady { missing }
}

/// The origin (`https://host[:port]`) of a URL, lower-cased; the whole text when it has none.
fn origin_of(u: &str) -> String {
    let after = u.find("://").map(|i| i + 3).unwrap_or(0);
    let end = u[after..]
        .find(['/', '?', '#'])
        .map(|i| after + i)
        .unwrap_or(u.len());
    u[..end].to_ascii_lowercase()
}

/// A Salesforce origin written plainly (no user name, escapes or odd characters), fit to name in
/// a fix.
fn plain_https(o: &str) -> bool {
    o.starts_with("https://")
        && o[8..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && is_salesforce_url(o)
}

/// The CSP fix with the hosts the scan saw (the loader's site host, the scrt2 host of the
/// start-up requests or of the refused URLs); a placeholder only for a host it never saw.
/// Only plainly written Salesforce https hosts are named.
fn csp_fix(t: &[TimelineEntry], csp: &[SeenViolation<'_>]) -> String {
    let seen = |pick: &dyn Fn(&str) -> bool| -> Option<String> {
        t.iter()
            .map(|e| e.url.as_str())
            .chain(csp.iter().map(|v| v.blocked_url))
            .map(origin_of)
            .find(|o| plain_https(o) && pick(o))
    };
    let scrt2 = seen(&|o| o.contains(".salesforce-scrt.com"))
        .unwrap_or_else(|| "https://<My Domain>.my.salesforce-scrt.com".into());
    let site = t
        .iter()
        .filter(|e| matches!(e.step, Step::Loader | Step::Styles | Step::SiteContext))
        .map(|e| origin_of(&e.url))
        .find(|o| plain_https(o))
        .or_else(|| seen(&|o| o.contains(".site.com")))
        .unwrap_or_else(|| "https://<My Domain>.my.site.com".into());
    format!(
        "Add {scrt2} to the page's Content-Security-Policy connect-src, and {site} to script-src, style-src and frame-src."
    )
}

/// Whether the browser reported (or watch mode recorded) a CSP refusal of this request: the same
/// URL, or — where the report carries only the origin (cross-origin reports may be cut to it) — a
/// connect-src refusal of that origin.
fn refused_by_csp(csp: &[SeenViolation<'_>], url: &str) -> bool {
    let origin = origin_of;
    let target = origin(url);
    csp.iter().any(|v| {
        v.blocked_url == url
            || v.directive.starts_with("connect-src")
                && origin(v.blocked_url) == target
                && (v.blocked_url.len() == target.len()
                    || v.blocked_url.trim_end_matches('/').len() == target.len()
                    || classify(v.blocked_url).is_some())
    })
}

/// Most widget requests listed in a finding: the first ones (the start-up) and the last ones
/// (where it stopped); a page that sends thousands gets "and N more" between them.
const TIMELINE_HEAD: usize = 30;
const TIMELINE_TAIL: usize = 10;

fn timeline_evidence(f: Finding, t: &[TimelineEntry]) -> Finding {
    let line = |f: Finding, e: &TimelineEntry| {
        f.with_evidence(Evidence::new(
            format!("Request: {}", e.step.label()),
            e.describe(),
        ))
    };
    if t.len() <= TIMELINE_HEAD + TIMELINE_TAIL {
        return t.iter().fold(f, line);
    }
    let (head, rest) = t.split_at(TIMELINE_HEAD);
    let tail = &rest[rest.len() - TIMELINE_TAIL..];
    let f = head.iter().fold(f, line).with_evidence(Evidence::new(
        "Requests",
        format!(
            "and {} more widget requests (not listed)",
            rest.len() - TIMELINE_TAIL
        ),
    ));
    tail.iter().fold(f, line)
}

/// The finding for a stage, with the timeline as evidence. `Healthy` and `Starting` give an
/// informational finding so the admin sees what was checked.
pub fn finding_for(stage: &Stage, t: &[TimelineEntry], ev: &PageEvidence) -> Finding {
    finding_for_in(stage, t, ev, ev.watch.as_ref())
}

/// [`finding_for`] for the widget of one document: `watch` is that document's recording (the
/// page's, or none for a frame), whose widget events and loader messages join the evidence.
/// CSP violations are always the page's (the browser's reports and watch mode's).
pub fn finding_for_in(
    stage: &Stage,
    t: &[TimelineEntry],
    ev: &PageEvidence,
    watch: Option<&WatchEvidence>,
) -> Finding {
    let csp = salesforce_violations(ev);
    let facts = watch.map(EventFacts::of).unwrap_or_default();
    let failed_startup = facts.failed_startup() && !stage.widget_started();
    let storage_evidence = |f: Finding| {
        ev.storage.iter().fold(f, |f, s| {
            f.with_evidence(Evidence::new(
                "Session storage",
                format!(
                    "{}: {} message(s) under FAILED_MESSAGES",
                    s.key, s.failed_messages
                ),
            ))
        })
    };
    let f = match stage {
        Stage::MessagesNotSent { count } => storage_evidence(
            Finding::new(
                "page/message-not-sent",
                Severity::Error,
                if *count == 1 {
                    "The chat started but a message was not sent".to_string()
                } else {
                    format!("The chat started but {count} messages were not sent")
                },
                "The widget loaded and the conversation started, but the customer's messages were \
                 kept as failed (\"Not sent\"). The requests from the page succeeded, so the \
                 failure is in the org: most often the MessagingSession record could not be \
                 created (a required field, a validation rule, a flow or trigger, or full storage).",
            )
            .with_fix("Run the org checks (log in to the org's Setup in this browser and open Messaging Doctor again) to see which automation blocks the MessagingSession.")
            .with_fix("Or capture a debug log of the Automated Process user while a test chat is started."),
        ),
        Stage::StalledAfterClick { step, status } => Finding::new(
            "page/request-failed",
            Severity::Error,
            format!("Starting a chat failed at the {}", step.label()),
            format!(
                "The chat button works, but the {} request was refused ({}). For the access token this \
                 usually means guest access is off for the deployment, or it requires authenticated \
                 users and the page never gives a token; for the conversation, the deployment or \
                 channel is not usable.",
                step.label(),
                status.map(|s| format!("HTTP {s}")).unwrap_or_else(|| "no status".into())
            ),
        )
        .with_fix("In Setup, open the deployment's settings and check guest (unauthenticated) access and the messaging channel.")
        .with_link("Embedded Service Deployments (Setup)", "/lightning/setup/EmbeddedServiceDeployments/home"),
        Stage::ConfigFailed { status } => Finding::new(
            "page/request-failed",
            Severity::Error,
            format!("The widget's configuration request failed (HTTP {status})"),
            match status {
                404 => "The messaging service does not know this deployment for this org: the deployment is not published, was renamed or deleted, or the snippet's org id or deployment name is wrong. The widget stops and never shows its button.".to_string(),
                423 => "The org is under maintenance or does not support messaging right now (HTTP 423): the widget shows chat as unavailable.".to_string(),
                s => format!("The messaging service answered HTTP {s} to the widget's start-up request; the widget stops and never shows its button."),
            },
        )
        .with_fix("In Setup, open Embedded Service Deployments, open the deployment and click Publish; wait a few minutes and reload the page.")
        .with_fix("Compare the snippet's org id and deployment API name with the deployment's Code Snippet.")
        .with_link("Embedded Service Deployments (Setup)", "/lightning/setup/EmbeddedServiceDeployments/home"),
        Stage::StartupRequestsBlocked => {
            let observed = !csp.is_empty();
            // The loader builds its container only after the configuration answers, so the
            // container is not the proof that it started: its requests (or styles) are.
            let f = Finding::new(
                "page/csp-blocked",
                Severity::Error,
                if observed {
                    "The page's Content-Security-Policy blocked the widget's requests"
                } else {
                    "The widget's requests to the messaging service were never sent"
                },
                if observed {
                    "The chat loader started, but the browser reported that the page's \
                     Content-Security-Policy blocked its requests to Salesforce (listed below), so \
                     it never got its configuration and business hours and stops without a button."
                } else {
                    "The chat loader started, but the browser never sent its configuration and \
                     business-hours requests to the messaging (scrt2) host. This is what a page \
                     Content-Security-Policy without that host in connect-src, or an ad blocker, does."
                },
            );
            let f = f.with_fix(csp_fix(t, &csp));
            if observed {
                f
            } else {
                f.with_fix("Try the page in a private window without extensions to rule out an ad blocker.")
            }
        }
        Stage::StartupAnswersWithheld => Finding::new(
            "page/cors-blocked",
            Severity::Error,
            "The browser withheld the messaging service's answers from this site (CORS)",
            "The widget asked the messaging (scrt2) host for its configuration, but the browser \
             did not let the page read the answers: the org does not allow this website's origin \
             in its CORS allowlist. The widget stops and never shows its button.",
        )
        .with_fix("In Setup, open CORS and add this website's origin (for example https://www.example.com) to the allowlist; add every domain the chat runs on.")
        .with_link("CORS (Setup)", "/lightning/setup/CorsWhitelistEntries/home"),
        Stage::LoaderBlocked if csp.iter().any(|v| classify(v.blocked_url) == Some(Step::Loader)) => Finding::new(
            "page/csp-blocked",
            Severity::Error,
            "The page's Content-Security-Policy blocked the chat loader",
            "The browser reported that the page's Content-Security-Policy refused the chat loader \
             (bootstrap.min.js), so nothing of the chat can start.",
        )
        .with_fix(csp_fix(t, &csp)),
        Stage::LoaderBlocked => Finding::new(
            "page/request-failed",
            Severity::Error,
            "The chat loader script did not load",
            "The page names the chat loader (bootstrap.min.js) but the browser has no successful \
             download of it: the site URL is wrong, the site is inactive, or a Content-Security-Policy \
             or ad blocker stops it. Nothing of the chat can start.",
        )
        .with_fix("Open the loader URL from the snippet in a new tab: it must return JavaScript, not an error page.")
        .with_fix("Check that the deployment's Experience Cloud site is active and that the page's CSP allows the site host in script-src."),
        Stage::RelativeSiteUrl {
            site_url,
            requested,
            status,
        } => {
            let f = Finding::new(
                "page/widget-stalled",
                Severity::Error,
                "The snippet's site URL has no https://, so the loader asks this website for its files",
                match requested {
                    Some(_) => format!(
                        "The init call's site URL is \"{site_url}\", without https://. The loader \
                         takes it as a path on this website and asked this website for its styles \
                         ({}) instead of the Salesforce site; start-up ends there, silently, and the \
                         button never appears. This is not an ad blocker or a network problem.",
                        status
                            .map(|s| format!("HTTP {s}"))
                            .unwrap_or_else(|| "no status".into())
                    ),
                    None => format!(
                        "The init call's site URL is \"{site_url}\", without https://. The loader \
                         takes it as a path on this website, so its requests for the widget's files \
                         go to this website instead of the Salesforce site, and start-up ends there."
                    ),
                },
            );
            let f = match requested {
                Some(u) => f.with_evidence(Evidence::new("Requested on this website", u.clone())),
                None => f,
            };
            f.with_fix(format!(
                "Write the site URL as https://{site_url} in the init call, or copy the whole snippet again from the deployment's Code Snippet page."
            ))
        }
        Stage::AgentforceReady => Finding::new(
            "page/widget-ready",
            Severity::Ok,
            "Agentforce Messaging built its chat window",
            "The page has Agentforce Messaging's container and its chat frame \
             (#agentforce-messaging-frame). It talks to an Agentforce agent (the snippet's agentId \
             on the org's My Domain), not through an Embedded Service deployment, so the org checks \
             of deployments and MessagingSession records may not be what decides how it behaves.",
        ),
        Stage::AgentforceStalled { container } => Finding::new(
            "page/widget-stalled",
            Severity::Error,
            if *container {
                "Agentforce Messaging built its container but not its chat window"
            } else {
                "Agentforce Messaging never built its chat window"
            },
            if *container {
                "The #agentforce-messaging container is on the page, but after 10 s there is no chat \
                 frame (#agentforce-messaging-frame): the site URL does not answer or refuses to be \
                 framed by this website."
            } else {
                "The Agentforce Messaging loader (init.js) is on the page, but after 10 s there is no \
                 #agentforce-messaging container: init did not run, or refused the snippet's values \
                 (siteUrl, agentId and domainUrl are mandatory), or the loader did not load."
            },
        )
        .with_fix("Check the snippet's siteUrl, agentId (0Xx…) and domainUrl (https://<My Domain>.my.salesforce.com) against the agent's deployment in Setup.")
        .with_fix("Open the browser console on the page: Agentforce Messaging logs why its init refused to start."),
        Stage::StylesFailed => Finding::new(
            "page/widget-stalled",
            Severity::Error,
            "The widget stopped at its first request (styles)",
            "The loader could not load its styles from the site URL, and stops there without an \
             error. This is what a site URL without https:// or on the wrong host does.",
        )
        .with_fix("Copy the snippet again from the deployment's Code Snippet page; the site URL must be the full https:// address."),
        Stage::InitNeverCalled => Finding::new(
            "page/widget-stalled",
            Severity::Error,
            "The chat loader loaded but was never started",
            "The loader script arrived, but the browser shows none of its start-up requests \
             (styles, configuration). Either init never ran (the script tag's onload is missing, or \
             initEmbeddedMessaging was overwritten or threw before calling init), or init failed \
             before its first request: the loader rejected the snippet's values, or it ran from \
             <head> before <body> existed. Watch mode records the widget's start-up error to tell \
             which.",
        )
        .with_fix("Keep the snippet as one unit, in <body>: the initEmbeddedMessaging function and the loader tag with onload=\"initEmbeddedMessaging()\".")
        .with_fix("Turn on watch mode for this site and reload the page to record what the widget reported."),
        Stage::StalledBeforeReady { missing } if failed_startup => Finding::new(
            "page/widget-stalled",
            Severity::Error,
            "The widget reported a start-up error and never showed its button",
            format!(
                "Watch mode recorded the widget's own failure signal ({}) and no Ready event: \
                 its start-up failed. {}",
                facts.init_error_words(),
                if [Step::Styles, Step::Config, Step::BusinessHours]
                    .iter()
                    .all(|s| missing.contains(s))
                {
                    "It made none of its start-up requests, so the loader rejected the snippet's \
                     values (org id, deployment name, site URL, scrt2URL), or init ran before the \
                     page's <body> existed (a copy of the snippet in <head>), or its init threw an \
                     exception."
                        .to_string()
                } else if missing.is_empty() {
                    "Every start-up request answered, so the failure came from the widget itself \
                     (for example its chat window failed to initialize)."
                        .to_string()
                } else {
                    format!(
                        "No answer was seen for: {}.",
                        missing.iter().map(|s| s.label()).collect::<Vec<_>>().join(", ")
                    )
                }
            ),
        )
        .with_fix("Open the browser console on the page: the loader logs the reason next to the error.")
        .with_fix("Copy the snippet again from the deployment's Code Snippet page and compare its values."),
        Stage::StalledBeforeReady { missing } => Finding::new(
            "page/widget-stalled",
            Severity::Error,
            "The widget is stuck loading",
            format!(
                "Its start-up requests went out, but it never showed its button{}. The loader waits \
                 for every answer with no timeout of its own, so it keeps loading forever.",
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; no answer was seen for: {}",
                        missing.iter().map(|s| s.label()).collect::<Vec<_>>().join(", ")
                    )
                }
            ),
        )
        .with_fix("Reload the page with watch mode on to record the whole start-up, then look for the request that never answered."),
        Stage::ButtonHidden => Finding::new(
            "page/button-hidden",
            Severity::Info,
            "The chat button is hidden",
            "The widget started, but its button is not displayed: business hours are closed, no \
             agent is available (availability check), or the page hides it \
             (hideChatButtonOnLoad). This is not a failure.",
        ),
        Stage::Starting => Finding::new(
            "page/widget-starting",
            Severity::Info,
            "The widget is still starting",
            format!(
                "The loader arrived less than {} s ago; a healthy widget shows its button within \
                 that time. Check again in a few seconds.",
                STALL_AFTER_MS as i64 / 1000
            ),
        ),
        Stage::TimelineIncomplete => Finding::new(
            "page/timeline-incomplete",
            Severity::Info,
            "The page's request history is too long to tell where the widget stopped",
            "The browser keeps only the first 250 requests of a page, and this page made more,              so the widget's start-up requests may be missing from it. The other checks still ran.",
        )
        .with_fix("Turn on watch mode for this site and reload: it records the widget's start-up from the first request."),
        Stage::Healthy => Finding::new(
            "page/widget-ready",
            Severity::Ok,
            "The widget started and shows its button",
            "The loader, its configuration and business hours answered and the chat button is \
             on the page.",
        ),
    };
    let mut f = timeline_evidence(f, t);
    if let Some(w) = watch {
        if failed_startup {
            if !matches!(stage, Stage::StalledBeforeReady { .. }) {
                f.message.push_str(&format!(
                    " The widget itself reported the failure: watch mode recorded {}.",
                    facts.init_error_words()
                ));
            }
            f = f.with_evidence(Evidence::new(
                "Widget start-up error",
                facts.init_error_words(),
            ));
        }
        if *stage == Stage::ButtonHidden && facts.hours_closed {
            f = f.with_evidence(Evidence::new(
                "Business hours",
                "the widget reported that business hours ended: the button stays hidden until \
                 they start again (not a failure)",
            ));
        } else if *stage == Stage::ButtonHidden && facts.ready {
            f = f.with_evidence(Evidence::new(
                "Start-up",
                "the widget reported Ready (start-up finished), but no chat button is displayed \
                 on the page",
            ));
        }
        f = watch::load_error_evidence(f, w, is_salesforce_url);
        f = watch::event_evidence(f, w);
        f = watch::stage_console_evidence(f, w, stage.widget_started());
    }
    if matches!(
        stage,
        Stage::Healthy | Stage::Starting | Stage::ButtonHidden
    ) && csp.is_empty()
    {
        return f;
    }
    csp_evidence(f, stage, &csp, ev)
}

/// Hosts whose blocking stops the widget: the site, scrt2, My Domain and legacy chat hosts.
fn is_salesforce_url(url: &str) -> bool {
    let Some((host, _)) = split_url(url) else {
        return false;
    };
    [
        ".salesforce-scrt.com",
        ".site.com",
        ".force.com",
        ".salesforce.com",
        ".salesforceliveagent.com",
    ]
    .iter()
    .any(|d| host.ends_with(d))
        || classify(url).is_some()
}

/// A CSP violation for this page: one the browser kept for a late observer (Chromium), or one
/// watch mode recorded as it happened (both browsers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeenViolation<'a> {
    pub blocked_url: &'a str,
    pub directive: &'a str,
    /// When it happened (watch mode only).
    pub at_ms: Option<f64>,
    /// Recorded by watch mode.
    pub watched: bool,
}

/// The CSP violations for Salesforce URLs (the widget's loader, styles, frames and requests):
/// the browser's reports, then watch mode's recordings that are not the same violation again
/// (same URL and directive: the loader's retry is blocked twice).
pub fn salesforce_violations(ev: &PageEvidence) -> Vec<SeenViolation<'_>> {
    let mut out: Vec<SeenViolation<'_>> = ev
        .csp_violations
        .iter()
        .filter(|v| is_salesforce_url(&v.blocked_url))
        .map(|v| SeenViolation {
            blocked_url: &v.blocked_url,
            directive: &v.directive,
            at_ms: None,
            watched: false,
        })
        .collect();
    let Some(w) = &ev.watch else {
        return out;
    };
    for v in w.csp() {
        let dup = out
            .iter()
            .take(super::CSP_REPORTS_KEPT + watch::MAX_WATCH_CSP)
            .any(|o| o.blocked_url == v.blocked_url && o.directive == v.directive);
        if !dup && is_salesforce_url(&v.blocked_url) {
            out.push(SeenViolation {
                blocked_url: &v.blocked_url,
                directive: &v.directive,
                at_ms: v.at_ms,
                watched: true,
            });
        }
    }
    out
}

/// Says whether CSP blocking was observed (the browser reported violations, listed) or can only
/// be inferred (requests that never happened), for every stage where it matters. Watch mode
/// records every violation since the page started, in Firefox too, so with it "not observed"
/// means none happened.
fn csp_evidence(
    mut f: Finding,
    stage: &Stage,
    csp: &[SeenViolation<'_>],
    ev: &PageEvidence,
) -> Finding {
    for v in csp.iter().take(10) {
        let url = watch::capped(v.blocked_url, watch::MAX_WATCH_URL);
        let directive = watch::capped(v.directive, watch::MAX_WATCH_SHORT);
        f = f.with_evidence(if v.watched {
            Evidence::new(
                "CSP violation (recorded by watch mode)",
                format!("{directive} blocked {url} at {}", watch::secs(v.at_ms)),
            )
        } else {
            Evidence::new(
                "CSP violation (reported by the browser)",
                format!("{directive} blocked {url}"),
            )
        });
    }
    let blocked_stage = matches!(stage, Stage::StartupRequestsBlocked | Stage::LoaderBlocked);
    let how = if csp.iter().any(|v| v.watched) {
        "observed: the browser reported the violations above (recorded by watch mode since the \
         page started)"
    } else if !csp.is_empty() {
        "observed: the browser reported the violations above"
    } else if !blocked_stage {
        return f;
    } else if ev.watch.as_ref().is_some_and(|w| w.csp_complete()) {
        "not observed: the browser reported no Content-Security-Policy violation for Salesforce \
         hosts on this page (recorded by watch mode since the page started), so an ad blocker, \
         another extension or the network is the likelier cause"
    } else if ev.csp_reports_readable && ev.csp_violations.len() < super::CSP_REPORTS_KEPT {
        "not observed: the browser reported no Content-Security-Policy violation for Salesforce \
         hosts on this page, so an ad blocker, another extension or the network is the likelier cause"
    } else {
        "inferred: this browser does not let Messaging Doctor read the page's past \
         Content-Security-Policy violations, so CSP is inferred from requests that never happened"
    };
    f.with_evidence(Evidence::new("CSP blocking", how))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::{
        analyze, CspViolation, DomEvidence, PageEvidence, ResourceEvidence, ScriptEvidence,
        StorageEvidence,
    };

    const SITE: &str = "https://acme.my.site.com/ESWWebChat1712345678901";
    const SCRT: &str = "https://acme.my.salesforce-scrt.com";

    fn res(url: &str, status: Option<u16>, start: f64) -> ResourceEvidence {
        ResourceEvidence {
            url: url.to_string(),
            initiator: "fetch".into(),
            status,
            duration_ms: Some(50.0),
            start_ms: Some(start),
        }
    }

    fn page(
        resources: Vec<ResourceEvidence>,
        dom: DomEvidence,
        storage: Vec<StorageEvidence>,
        age: f64,
    ) -> PageEvidence {
        page_in(resources, dom, storage, age, true)
    }

    fn page_in(
        resources: Vec<ResourceEvidence>,
        dom: DomEvidence,
        storage: Vec<StorageEvidence>,
        age: f64,
        status_supported: bool,
    ) -> PageEvidence {
        PageEvidence {
            url: "https://www.acme-shop.test/".into(),
            scripts: vec![
                ScriptEvidence {
                    index: 1,
                    inline: Some(format!("embeddedservice_bootstrap.init('00D8c000001Hlt1','Web_Chat','{SITE}',{{scrt2URL:'{SCRT}'}})")),
                    ..Default::default()
                },
                ScriptEvidence {
                    index: 2,
                    src: Some(format!("{SITE}/assets/js/bootstrap.min.js")),
                    ..Default::default()
                },
            ],
            resources,
            dom,
            storage,
            page_age_ms: Some(age),
            response_status_supported: status_supported,
            ..Default::default()
        }
    }

    fn startup(config: Option<u16>) -> Vec<ResourceEvidence> {
        vec![
            res(&format!("{SITE}/assets/js/bootstrap.min.js"), Some(200), 100.0),
            res(&format!("{SITE}/assets/styles/bootstrap.min.css"), Some(200), 200.0),
            res(&format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=00D8c000001Hlt1&esConfigName=Web_Chat&language=en_US"), config, 300.0),
            res(&format!("{SCRT}/embeddedservice/v1/businesshours?orgId=00D8c000001Hlt1&esConfigName=Web_Chat"), Some(204), 300.0),
        ]
    }

    fn ready_dom() -> DomEvidence {
        DomEvidence {
            containers: 1,
            buttons: 1,
            buttons_visible: 1,
            site_context_frames: 1,
            ..Default::default()
        }
    }

    fn code_and_stage(ev: &PageEvidence) -> (String, Stage) {
        let r = analyze(ev);
        let (_, stage) = assess(ev, &r.loaders, &r.init_calls);
        let stage = stage.expect("a MIAW page has a stage");
        let f = finding_for(&stage, &[], ev);
        (f.code, stage)
    }

    #[test]
    fn classifies_the_widget_requests() {
        let rows = [
            (
                format!("{SITE}/assets/js/bootstrap.min.js"),
                Some(Step::Loader),
            ),
            (
                format!("{SITE}/assets/styles/bootstrap.min.css"),
                Some(Step::Styles),
            ),
            (
                format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=x"),
                Some(Step::Config),
            ),
            (
                format!("{SCRT}/embeddedservice/v1/businesshours?orgId=x"),
                Some(Step::BusinessHours),
            ),
            (
                format!("{SCRT}/embeddedservice/v2/agent-availability?orgId=x"),
                Some(Step::Availability),
            ),
            (
                format!("{SITE}/assets/htdocs/sitecontext.min.html?parent_domain=x"),
                Some(Step::SiteContext),
            ),
            (
                format!("{SCRT}/iamessage/v1/authorization/unauthenticated/accessToken"),
                Some(Step::Token),
            ),
            (
                format!("{SCRT}/iamessage/api/v2/authorization/unauthenticated/access-token"),
                Some(Step::Token),
            ),
            (
                format!("{SCRT}/iamessage/v1/conversation"),
                Some(Step::Conversation),
            ),
            (
                format!("{SCRT}/iamessage/v1/conversation/abc/message"),
                Some(Step::Message),
            ),
            (
                format!("{SCRT}/iamessage/v1/queries/conversation/list"),
                Some(Step::ConversationList),
            ),
            (format!("{SCRT}/eventrouter/v1/sse"), Some(Step::Events)),
            (format!("{SITE}/?lwc.mode=prod"), Some(Step::ChatFrame)),
            ("https://www.acme-shop.test/app.js".to_string(), None),
        ];
        for (url, want) in rows {
            assert_eq!(classify(&url), want, "{url}");
        }
    }

    /// Each row: what the page shows → the stage and the finding code. Shapes from the facts'
    /// observed behaviours (unpublished deployment 404, CSP without scrt2, site URL without
    /// https, failed insert → FAILED_MESSAGES).
    #[test]
    fn stage_table() {
        let ok_conv = |mut v: Vec<ResourceEvidence>, msg: Option<u16>| {
            v.push(res(
                &format!("{SCRT}/iamessage/v1/authorization/unauthenticated/accessToken"),
                Some(200),
                2000.0,
            ));
            v.push(res(
                &format!("{SCRT}/iamessage/v1/conversation"),
                Some(201),
                2100.0,
            ));
            if let Some(s) = msg {
                v.push(res(
                    &format!("{SCRT}/iamessage/v1/conversation/c1/message"),
                    Some(s),
                    2500.0,
                ));
            }
            v
        };
        let failed_store = vec![StorageEvidence {
            key: "00D8c000001Hlt1_WEB_STORAGE".into(),
            failed_messages: 1,
            unreadable: false,
        }];
        let container_only = DomEvidence {
            containers: 1,
            ..Default::default()
        };
        let cases: Vec<(&str, PageEvidence, &str, &str)> = vec![
            ("healthy", page(startup(Some(200)), ready_dom(), vec![], 30_000.0), "page/widget-ready", "healthy"),
            ("healthy conversation", page(ok_conv(startup(Some(200)), Some(202)), ready_dom(), vec![], 30_000.0), "page/widget-ready", "healthy"),
            ("insert failed: message kept as failed", page(ok_conv(startup(Some(200)), Some(400)), ready_dom(), failed_store.clone(), 30_000.0), "page/message-not-sent", "messages-not-sent"),
            ("failed messages from an earlier page view", page(startup(Some(200)), ready_dom(), failed_store, 30_000.0), "page/message-not-sent", "messages-not-sent"),
            ("unpublished deployment: config 404", page(startup(Some(404)), container_only.clone(), vec![], 30_000.0), "page/request-failed", "config-failed"),
            ("maintenance: 423", page(startup(Some(423)), container_only.clone(), vec![], 30_000.0), "page/request-failed", "config-failed"),
            ("CSP connect-src: no scrt2 request seen", page(startup(Some(200)).into_iter().take(2).collect(), container_only.clone(), vec![], 30_000.0), "page/csp-blocked", "startup-requests-blocked"),
            ("CORS: config requested twice, answers withheld", page({ let mut v = startup(None); v.retain(|e| !e.url.contains("businesshours")); v }, container_only.clone(), vec![], 3_000.0), "page/cors-blocked", "startup-answers-withheld"),
            ("no status because the browser never shows one: not CORS", page_in(startup(None), container_only.clone(), vec![], 3_000.0, false), "page/widget-starting", "starting"),
            ("loader never fetched", page(vec![], DomEvidence::default(), vec![], 30_000.0), "page/request-failed", "loader-blocked"),
            ("loader 404", page(vec![res(&format!("{SITE}/assets/js/bootstrap.min.js"), Some(404), 100.0)], DomEvidence::default(), vec![], 30_000.0), "page/request-failed", "loader-blocked"),
            ("site URL without https: styles 404 on the shop's host", page(vec![res(&format!("{SITE}/assets/js/bootstrap.min.js"), Some(200), 100.0), res("https://www.acme-shop.test/acme.my.site.com/ESWWebChat1712345678901/assets/styles/bootstrap.min.css", Some(404), 200.0)], container_only.clone(), vec![], 30_000.0), "page/widget-stalled", "styles-failed"),
            ("init never called", page(vec![res(&format!("{SITE}/assets/js/bootstrap.min.js"), Some(200), 100.0)], DomEvidence::default(), vec![], 30_000.0), "page/widget-stalled", "init-never-called"),
            ("still starting", page(vec![res(&format!("{SITE}/assets/js/bootstrap.min.js"), Some(200), 100.0)], DomEvidence::default(), vec![], 2_000.0), "page/widget-starting", "starting"),
            ("loader still downloading", page(vec![], DomEvidence::default(), vec![], 2_000.0), "page/widget-starting", "starting"),
            ("stalled: answers seen, no button", page(startup(Some(200)), container_only, vec![], 30_000.0), "page/widget-stalled", "stalled-before-ready"),
            ("business hours closed: button hidden", page(startup(Some(200)), DomEvidence { containers: 1, buttons: 1, ..Default::default() }, vec![], 30_000.0), "page/button-hidden", "button-hidden"),
            ("token refused after the click", page({ let mut v = startup(Some(200)); v.push(res(&format!("{SCRT}/iamessage/v1/authorization/unauthenticated/accessToken"), Some(401), 2000.0)); v }, ready_dom(), vec![], 30_000.0), "page/request-failed", "stalled-after-click"),
        ];
        for (name, ev, code, stage) in cases {
            let (got_code, got_stage) = code_and_stage(&ev);
            // Externally tagged: "healthy", or {"config-failed": {"status": 404}}.
            let stage_tag = match serde_json::to_value(&got_stage).unwrap() {
                serde_json::Value::String(s) => s,
                serde_json::Value::Object(m) => m.keys().next().unwrap().clone(),
                other => panic!("unexpected stage shape {other}"),
            };
            assert_eq!(
                (got_code.as_str(), stage_tag.as_str()),
                (code, stage),
                "{name}: {got_stage:?}"
            );
        }
    }

    #[test]
    fn a_duplicate_whose_widget_started_ranks_below_the_failed_messages() {
        let mut ev = page(
            startup(Some(200)),
            ready_dom(),
            vec![StorageEvidence {
                key: "00D8c000001Hlt1_WEB_STORAGE".into(),
                failed_messages: 1,
                unreadable: false,
            }],
            30_000.0,
        );
        ev.scripts.extend(ev.scripts.clone());
        let d = crate::report::diagnose(Some(&analyze(&ev)));
        let codes: Vec<_> = d
            .findings
            .iter()
            .map(|f| (f.code.as_str(), f.severity))
            .collect();
        assert_eq!(
            &codes[..2],
            &[
                ("page/message-not-sent", Severity::Error),
                ("page/duplicate-snippet", Severity::Warning)
            ]
        );
        assert!(d.findings[1].message.contains("latent conflict"));
        // Without a working widget the duplicate stays an error.
        let mut stalled = page(
            startup(Some(404)),
            DomEvidence {
                containers: 1,
                ..Default::default()
            },
            vec![],
            30_000.0,
        );
        stalled.scripts.extend(stalled.scripts.clone());
        let r = analyze(&stalled);
        let dup = r
            .findings
            .iter()
            .find(|f| f.code == "page/duplicate-snippet")
            .unwrap();
        assert_eq!(dup.severity, Severity::Error);
    }

    #[test]
    fn stalled_names_the_missing_answer() {
        let mut r = startup(Some(200));
        r.retain(|e| !e.url.contains("businesshours"));
        let ev = page(
            r,
            DomEvidence {
                containers: 1,
                ..Default::default()
            },
            vec![],
            30_000.0,
        );
        let (_, stage) = code_and_stage(&ev);
        assert_eq!(
            stage,
            Stage::StalledBeforeReady {
                missing: vec![Step::BusinessHours, Step::SiteContext]
            }
        );
        let f = finding_for(&stage, &[], &ev);
        assert!(
            f.message.contains("business hours, site-context frame"),
            "{}",
            f.message
        );
    }

    #[test]
    fn a_full_timing_buffer_is_not_evidence_of_a_missing_loader() {
        let filler: Vec<ResourceEvidence> = (0..RESOURCE_BUFFER_DEFAULT)
            .map(|i| {
                res(
                    &format!("https://cdn.acme-shop.test/img/{i}.png"),
                    Some(200),
                    i as f64,
                )
            })
            .collect();
        let ev = page(filler, DomEvidence::default(), vec![], 30_000.0);
        assert_eq!(code_and_stage(&ev).0, "page/timeline-incomplete");
    }

    #[test]
    fn legacy_only_pages_get_no_stage() {
        let ev = PageEvidence {
            url: "https://x.test/".into(),
            scripts: vec![ScriptEvidence {
                index: 1,
                src: Some("https://service.force.com/embeddedservice/5.0/esw.min.js".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let r = analyze(&ev);
        assert_eq!(assess(&ev, &r.loaders, &r.init_calls).1, None);
    }

    #[test]
    fn timeline_is_evidence_with_status_and_timing() {
        let ev = page(
            startup(Some(404)),
            DomEvidence {
                containers: 1,
                ..Default::default()
            },
            vec![],
            30_000.0,
        );
        let r = analyze(&ev);
        let (t, stage) = assess(&ev, &r.loaders, &r.init_calls);
        let f = finding_for(&stage.unwrap(), &t, &ev);
        let config = f
            .evidence
            .iter()
            .find(|e| e.label == "Request: deployment configuration")
            .unwrap();
        assert!(
            config.value.contains("HTTP 404, at 300 ms, took 50 ms"),
            "{}",
            config.value
        );
        assert_eq!(f.evidence.len(), 4);
    }

    #[test]
    fn csp_blocking_says_whether_it_was_observed_or_inferred() {
        let container_only = DomEvidence {
            containers: 1,
            ..Default::default()
        };
        let blocked = |readable: bool, violations: Vec<CspViolation>| {
            let mut ev = page(
                startup(Some(200)).into_iter().take(2).collect(),
                container_only.clone(),
                vec![],
                30_000.0,
            );
            ev.csp_reports_readable = readable;
            ev.csp_violations = violations;
            analyze(&ev)
                .findings
                .into_iter()
                .find(|f| f.code == "page/csp-blocked")
                .expect("csp-blocked")
        };
        let how = |f: &Finding| {
            f.evidence
                .iter()
                .find(|e| e.label == "CSP blocking")
                .map(|e| e.value.clone())
                .unwrap()
        };
        let observed = blocked(
            true,
            vec![
                CspViolation {
                    blocked_url: format!(
                        "{SCRT}/embeddedservice/v1/embedded-service-config?orgId=x"
                    ),
                    directive: "connect-src".into(),
                },
                // Not Salesforce: not listed.
                CspViolation {
                    blocked_url: "https://fonts.example.com/x.woff".into(),
                    directive: "font-src".into(),
                },
            ],
        );
        assert!(
            observed.title.contains("Content-Security-Policy blocked"),
            "{}",
            observed.title
        );
        assert!(how(&observed).starts_with("observed"));
        let listed: Vec<_> = observed
            .evidence
            .iter()
            .filter(|e| e.label == "CSP violation (reported by the browser)")
            .collect();
        assert_eq!(listed.len(), 1);
        assert!(listed[0]
            .value
            .starts_with("connect-src blocked https://acme.my.salesforce-scrt.com/"));

        let quiet = blocked(true, vec![]);
        assert!(how(&quiet).starts_with("not observed"));
        assert!(quiet.title.contains("never sent"));
        let unknown = blocked(false, vec![]);
        assert!(how(&unknown).starts_with("inferred"));
    }

    #[test]
    fn a_loader_refused_by_csp_is_csp_blocked_not_a_failed_request() {
        let mut ev = page(vec![], DomEvidence::default(), vec![], 30_000.0);
        ev.csp_reports_readable = true;
        ev.csp_violations = vec![CspViolation {
            blocked_url: format!("{SITE}/assets/js/bootstrap.min.js"),
            directive: "script-src-elem".into(),
        }];
        let r = analyze(&ev);
        let f = r
            .findings
            .iter()
            .find(|f| f.code == "page/csp-blocked")
            .unwrap();
        assert!(f.title.contains("blocked the chat loader"));
        // Without the report it stays a failed request, and CSP is only one of the causes.
        ev.csp_violations.clear();
        let r = analyze(&ev);
        assert!(r.findings.iter().any(|f| f.code == "page/request-failed"));
    }

    /// Chromium: an XMLHttpRequest refused by CSP leaves a resource-timing entry with no status,
    /// exactly like a CORS-withheld answer; only the browser's CSP reports tell them apart. No
    /// container: the loader builds it only after the configuration answers.
    #[test]
    fn a_csp_refused_xhr_with_a_timing_entry_is_csp_not_cors() {
        let entries = || {
            let mut v = startup(None);
            for e in v.iter_mut().filter(|e| e.url.contains("businesshours")) {
                e.status = None;
            }
            v
        };
        let mut ev = page(entries(), DomEvidence::default(), vec![], 30_000.0);
        ev.csp_reports_readable = true;
        ev.csp_violations = vec![CspViolation {
            blocked_url: format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=00D8c000001Hlt1&esConfigName=Web_Chat&language=en_US"),
            directive: "connect-src".into(),
        }];
        let r = analyze(&ev);
        let f = r
            .findings
            .iter()
            .find(|f| f.code == "page/csp-blocked")
            .expect("csp-blocked");
        assert!(!r.findings.iter().any(|f| f.code == "page/cors-blocked"));
        assert!(
            !f.message.contains("container is on the page"),
            "{}",
            f.message
        );
        // The fix names the hosts the scan saw, not a placeholder.
        assert!(f.fix.iter().any(|x| x.contains("Add https://acme.my.salesforce-scrt.com to the page's Content-Security-Policy connect-src, and https://acme.my.site.com to script-src")), "{:?}", f.fix);
        assert!(!f.fix.iter().any(|x| x.contains("ad blocker")));
        // A report cut to the origin still counts (connect-src of that origin).
        ev.csp_violations[0].blocked_url = SCRT.to_string();
        assert!(analyze(&ev)
            .findings
            .iter()
            .any(|f| f.code == "page/csp-blocked"));
        // Without any report it stays CORS.
        ev.csp_violations.clear();
        let r = analyze(&ev);
        assert!(r.findings.iter().any(|f| f.code == "page/cors-blocked"));
        // A report about another host does not turn it into CSP.
        ev.csp_violations = vec![CspViolation {
            blocked_url:
                "https://other.my.salesforce-scrt.com/embeddedservice/v1/embedded-service-config"
                    .into(),
            directive: "connect-src".into(),
        }];
        assert!(analyze(&ev)
            .findings
            .iter()
            .any(|f| f.code == "page/cors-blocked"));
    }

    /// A site URL without https:// makes the loader ask the customer's own website for its
    /// styles (404): the finding says so, names the request, and never blames an ad blocker.
    #[test]
    fn a_site_url_without_https_is_named_not_an_ad_blocker() {
        let bare = "acme.my.site.com/ESWWebChat1712345678901";
        let with_bare = |resources: Vec<ResourceEvidence>, age: f64| {
            let mut ev = page(resources, DomEvidence::default(), vec![], age);
            ev.scripts[0].inline = Some(format!(
                "embeddedservice_bootstrap.init('00D8c000001Hlt1','Web_Chat','{bare}',{{scrt2URL:'{SCRT}'}})"
            ));
            ev.csp_reports_readable = true;
            ev
        };
        let asked = format!("https://www.acme-shop.test/{bare}/assets/styles/bootstrap.min.css");
        let ev = with_bare(
            vec![
                res(
                    &format!("{SITE}/assets/js/bootstrap.min.js"),
                    Some(200),
                    100.0,
                ),
                res(&asked, Some(404), 200.0),
            ],
            30_000.0,
        );
        let r = analyze(&ev);
        let f = r
            .findings
            .iter()
            .find(|f| f.title.contains("no https://"))
            .expect("relative site URL finding");
        assert_eq!(f.code, "page/widget-stalled");
        assert!(f.message.contains("HTTP 404"), "{}", f.message);
        assert!(f.message.contains(bare));
        assert!(
            !f.message.contains("ad blocker is")
                && !f.evidence.iter().any(|e| e.value.contains("ad blocker"))
        );
        assert!(f
            .evidence
            .iter()
            .any(|e| e.label == "Requested on this website" && e.value == asked));
        assert!(f.fix[0].contains(&format!("https://{bare}")));
        // Young page, nothing requested yet: still starting.
        let young = with_bare(
            vec![res(
                &format!("{SITE}/assets/js/bootstrap.min.js"),
                Some(200),
                100.0,
            )],
            1_000.0,
        );
        assert!(analyze(&young)
            .findings
            .iter()
            .any(|f| f.code == "page/widget-starting"));
        // Old page, the request not in the history: still named from the snippet.
        let old = with_bare(
            vec![res(
                &format!("{SITE}/assets/js/bootstrap.min.js"),
                Some(200),
                100.0,
            )],
            30_000.0,
        );
        assert!(analyze(&old)
            .findings
            .iter()
            .any(|f| f.title.contains("no https://")));
    }

    /// Agentforce Messaging's stage comes from its own container and frame.
    #[test]
    fn agentforce_stage_from_its_own_container_and_frame() {
        let af = |dom: DomEvidence, age: f64| {
            let mut ev = page(vec![], dom, vec![], age);
            ev.scripts = vec![
                ScriptEvidence {
                    index: 1,
                    src: Some("https://service.force.com/embeddedservice/agentforcemessaging/1.0/init.js".into()),
                    onload: Some("agentforce_messaging.init({siteUrl: 'https://acme.my.site.com/ESWAgent1712345678901', agentApiConfiguration: {agentId: '0XxHu000000abcd', domainUrl: 'https://acme.my.salesforce.com'}})".into()),
                    ..Default::default()
                },
            ];
            analyze(&ev)
        };
        let ready = af(
            DomEvidence {
                agentforce_containers: 1,
                agentforce_frames: 1,
                ..Default::default()
            },
            30_000.0,
        );
        let f = ready
            .findings
            .iter()
            .find(|f| f.code == "page/widget-ready")
            .expect("ready");
        assert!(f.message.contains("Agentforce agent"));
        let stalled = af(
            DomEvidence {
                agentforce_containers: 1,
                ..Default::default()
            },
            30_000.0,
        );
        let f = stalled
            .findings
            .iter()
            .find(|f| f.code == "page/widget-stalled")
            .expect("stalled");
        assert!(f.title.contains("container but not its chat window"));
        // The init call in the onload attribute is read (its values are evidence).
        assert_eq!(ready.init_calls.len(), 1);
        assert_eq!(
            ready.init_calls[0].call.agent_id.as_deref(),
            Some("0XxHu000000abcd")
        );
        let none = af(DomEvidence::default(), 30_000.0);
        assert!(none
            .findings
            .iter()
            .any(|f| f.title == "Agentforce Messaging never built its chat window"));
        let young = af(DomEvidence::default(), 1_000.0);
        assert!(young
            .findings
            .iter()
            .any(|f| f.code == "page/widget-starting"));
    }
}
