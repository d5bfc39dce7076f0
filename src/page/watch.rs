//! Watch mode (issue #4): what the extension's recorder saw on this page from its very first
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

use super::lifecycle::classify;
use super::{Loader, LocatedInit, PageEvidence, ResourceEvidence};
use crate::finding::{Evidence, Finding, Severity};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Most recorded requests read (the recorder's own cap).
pub const MAX_WATCH_RESOURCES: usize = 5_000;
/// Most recorded CSP violations read (the recorder's own cap).
pub const MAX_WATCH_CSP: usize = 200;
/// Most recorded widget events read.
pub const MAX_WATCH_EVENTS: usize = 500;
/// Most recorded loader console lines read (the recorder's own cap).
pub const MAX_WATCH_CONSOLE: usize = 50;
/// Most failed loads (`error` events of script and stylesheet elements) read from a record.
pub const MAX_WATCH_LOAD_ERRORS: usize = 100;
/// Longest URL kept from the record (bytes, cut at a character boundary).
pub const MAX_WATCH_URL: usize = 4_096;
/// Longest console line kept (the recorder's own cap).
pub const MAX_WATCH_TEXT: usize = 300;
/// Longest short field kept: event names, details, directives, initiator, level.
pub const MAX_WATCH_SHORT: usize = 120;
/// A recorder that started later than this (ms after the page's time origin) missed the CSP
/// reports, widget events and console lines of the page's first moments. `document_start`
/// normally runs within a few milliseconds; requests are not affected (the buffered observer
/// hands over the earlier entries).
pub const LATE_START_MS: f64 = 1_000.0;
/// Most widget events listed one by one in a finding.
pub const EVENTS_LISTED: usize = 20;
/// Most loader console lines of one kind listed in a finding.
const CONSOLE_LISTED: usize = 5;

/// What the watch-mode recorder saw (content/watch.js's record, version 1). Every field is
/// optional and unknown fields are ignored; lists are capped as they are read and a value of
/// the wrong type reads as absent, so a damaged record degrades instead of failing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchEvidence {
    #[serde(default, deserialize_with = "lenient::count")]
    pub version: u32,
    /// `performance.now()` when the recorder started (`document_start`).
    #[serde(default, deserialize_with = "lenient::number")]
    pub started_ms: Option<f64>,
    /// Every request the page made (status 0 reads as absent).
    #[serde(default, deserialize_with = "lenient::resources")]
    pub resources: Vec<ResourceEvidence>,
    /// Requests the recorder did not keep because its own cap was reached.
    #[serde(default, deserialize_with = "lenient::count")]
    pub resources_dropped: u32,
    /// `securitypolicyviolation` events since the recorder started.
    #[serde(default, deserialize_with = "lenient::csp")]
    pub csp: Vec<WatchCsp>,
    #[serde(default, deserialize_with = "lenient::count")]
    pub csp_dropped: u32,
    /// The widget's `onEmbeddedMessaging*` window events.
    #[serde(default, deserialize_with = "lenient::events")]
    pub events: Vec<WidgetEvent>,
    /// The loader's console messages (only lines matching its known messages).
    #[serde(default, deserialize_with = "lenient::console")]
    pub console: Vec<ConsoleLine>,
    /// Script and stylesheet elements whose load failed (`error` events since the recorder
    /// started): the only sign of a cross-origin loader that answered 404 or was stopped by an
    /// ad blocker, because resource timing hides a cross-origin script's status.
    #[serde(default, deserialize_with = "lenient::load_errors")]
    pub load_errors: Vec<LoadError>,
}

/// One element whose resource failed to load.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadError {
    #[serde(default, deserialize_with = "lenient::url")]
    pub url: String,
    /// The element: `script` or `link`.
    #[serde(default, deserialize_with = "lenient::short")]
    pub tag: String,
    #[serde(default, deserialize_with = "lenient::number")]
    pub at_ms: Option<f64>,
}

/// One `securitypolicyviolation` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchCsp {
    #[serde(default, deserialize_with = "lenient::url")]
    pub blocked_url: String,
    #[serde(default, deserialize_with = "lenient::short")]
    pub directive: String,
    #[serde(default, deserialize_with = "lenient::number")]
    pub at_ms: Option<f64>,
}

/// One of the widget's window events (`onEmbeddedMessagingReady`, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetEvent {
    #[serde(default, deserialize_with = "lenient::short")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::number")]
    pub at_ms: Option<f64>,
    /// A short detail the recorder kept (`buttonVisibility` of ButtonCreated).
    #[serde(default, deserialize_with = "lenient::opt_short")]
    pub detail: Option<String>,
}

/// One console message of the loader.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleLine {
    #[serde(default, deserialize_with = "lenient::short")]
    pub level: String,
    #[serde(default, deserialize_with = "lenient::text")]
    pub text: String,
    #[serde(default, deserialize_with = "lenient::number")]
    pub at_ms: Option<f64>,
}

/// What the record holds, for the page report's `stats.watch`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchStats {
    /// The collector was given a record it could not read.
    #[serde(default)]
    pub unreadable: bool,
    #[serde(default)]
    pub started_ms: Option<f64>,
    #[serde(default)]
    pub requests: u32,
    #[serde(default)]
    pub requests_dropped: u32,
    #[serde(default)]
    pub csp_reports: u32,
    #[serde(default)]
    pub csp_dropped: u32,
    #[serde(default)]
    pub widget_events: u32,
    #[serde(default)]
    pub console_lines: u32,
}

impl WatchEvidence {
    /// The recorded requests, capped (a record built in code skips the reading caps).
    pub fn resources(&self) -> &[ResourceEvidence] {
        &self.resources[..self.resources.len().min(MAX_WATCH_RESOURCES)]
    }
    pub fn csp(&self) -> &[WatchCsp] {
        &self.csp[..self.csp.len().min(MAX_WATCH_CSP)]
    }
    /// The widget's events (names that are not the widget's are left out), capped.
    pub fn events(&self) -> impl Iterator<Item = &WidgetEvent> {
        self.events[..self.events.len().min(MAX_WATCH_EVENTS)]
            .iter()
            .filter(|e| e.name.starts_with(EVENT_PREFIX))
    }
    pub fn console(&self) -> &[ConsoleLine] {
        &self.console[..self.console.len().min(MAX_WATCH_CONSOLE)]
    }
    pub fn load_errors(&self) -> &[LoadError] {
        &self.load_errors[..self.load_errors.len().min(MAX_WATCH_LOAD_ERRORS)]
    }
    /// The recorded failed load of `url`, if any.
    pub fn load_error(&self, url: &str) -> Option<&LoadError> {
        self.load_errors().iter().find(|e| e.url == url)
    }
    /// The recorder started at `document_start`, early enough to have seen the page's first
    /// CSP reports, events and console lines.
    pub fn started_early(&self) -> bool {
        self.started_ms
            .is_some_and(|s| (0.0..=LATE_START_MS).contains(&s))
    }
    /// Every CSP violation since the page started was kept.
    pub fn csp_complete(&self) -> bool {
        self.started_early() && self.csp_dropped == 0 && self.csp.len() <= MAX_WATCH_CSP
    }
    /// Whether the recorded requests are the page's whole request history: the recorder kept
    /// every entry, and it saw requests at all when the browser's own buffer is full (a
    /// recorder that saw none did not work, and proves nothing).
    pub fn timeline_complete(&self, collected: usize) -> bool {
        self.resources_dropped == 0
            && self.resources.len() <= MAX_WATCH_RESOURCES
            && !(self.resources.is_empty()
                && collected >= super::lifecycle::RESOURCE_BUFFER_DEFAULT)
    }

    pub fn stats(&self) -> WatchStats {
        WatchStats {
            unreadable: false,
            started_ms: self.started_ms,
            requests: self.resources().len() as u32,
            requests_dropped: self
                .resources_dropped
                .saturating_add(self.resources.len().saturating_sub(MAX_WATCH_RESOURCES) as u32),
            csp_reports: self.csp().len() as u32,
            csp_dropped: self.csp_dropped,
            widget_events: self.events().count() as u32,
            console_lines: self.console().len() as u32,
        }
    }
}

/// `s` cut to at most `max` bytes at a character boundary, with `…` when cut.
pub fn capped(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    Cow::Owned(format!("{}…", &s[..cut]))
}

/// A time on the page's clock as seconds with two decimals (`1.23 s`). Integer arithmetic:
/// float formatting would add ~30 KB to the content script.
pub fn secs(ms: Option<f64>) -> String {
    match ms {
        Some(ms) if ms.is_finite() && ms >= 0.0 => {
            let cs = (ms / 10.0).round() as u64;
            format!("{}.{:02} s", cs / 100, cs % 100)
        }
        _ => "an unknown time".to_string(),
    }
}

/// `1 request`, `2 requests`.
fn count_of(n: u32, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}

/// Whole milliseconds, for the recorder's start (`3 ms`).
fn whole_ms(ms: f64) -> i64 {
    if ms.is_finite() {
        ms.max(0.0).round() as i64
    } else {
        0
    }
}

/// Most requests with one start time compared when merging (see [`merged_resources`]).
const TIES_COMPARED: usize = 64;

/// Deduplication key of a request: its URL and its start rounded to 0.1 ms.
fn start_key(r: &ResourceEvidence) -> i64 {
    match r.start_ms {
        Some(s) if s.is_finite() => (s * 10.0).round() as i64,
        _ => i64::MIN,
    }
}

/// The page's own request history: the requests the collector read from the browser's buffer,
/// merged with the ones watch mode recorded (same URL and start to 0.1 ms = one request), in
/// start order. Without a record, the collector's list unchanged.
///
/// Both lists arrive in start order (the browser lists entries chronologically), so a merge
/// keeps that order without sorting (a sort's monomorphisation costs kilobytes in the content
/// script); a copy of an entry then lies next to it. Out-of-order input only costs a duplicate
/// line in the timeline.
pub fn merged_resources<'a>(
    page: &'a [ResourceEvidence],
    watch: Option<&WatchEvidence>,
) -> Cow<'a, [ResourceEvidence]> {
    let Some(extra) = watch.map(|w| w.resources()).filter(|r| !r.is_empty()) else {
        return Cow::Borrowed(page);
    };
    let mut out: Vec<ResourceEvidence> = Vec::with_capacity(page.len() + extra.len());
    let (mut i, mut j) = (0, 0);
    while i < page.len() || j < extra.len() {
        let take_page =
            j >= extra.len() || (i < page.len() && start_key(&page[i]) <= start_key(&extra[j]));
        if take_page {
            out.push(page[i].clone());
            i += 1;
            continue;
        }
        let e = &extra[j];
        j += 1;
        let k = start_key(e);
        // Only the nearest few entries with the same start are compared: a page (or a forged
        // record) with thousands of requests at one instant made this quadratic; past them a
        // copy costs a duplicate line, as out-of-order input does.
        let seen = out
            .iter()
            .rev()
            .take_while(|o| start_key(o) == k)
            .take(TIES_COMPARED)
            .any(|o| o.url == e.url)
            || page[i..]
                .iter()
                .take_while(|p| start_key(p) == k)
                .take(TIES_COMPARED)
                .any(|p| p.url == e.url);
        if !seen {
            out.push(ResourceEvidence {
                url: capped(&e.url, MAX_WATCH_URL).into_owned(),
                initiator: capped(&e.initiator, MAX_WATCH_SHORT).into_owned(),
                status: e.status.filter(|s| *s > 0),
                duration_ms: e.duration_ms.filter(|d| d.is_finite()),
                start_ms: e.start_ms.filter(|s| s.is_finite()),
            });
        }
    }
    Cow::Owned(out)
}

/// Every widget event starts with this.
const EVENT_PREFIX: &str = "onEmbeddedMessaging";

/// A widget event's name in plain words (facts §3).
fn event_words(name: &str) -> Cow<'_, str> {
    let rest = name.strip_prefix(EVENT_PREFIX).unwrap_or(name);
    Cow::Borrowed(match rest {
        "Ready" => "Ready (start-up finished)",
        "ButtonCreated" => "Button created",
        "ButtonClicked" => "Button clicked",
        "ConversationStarted" => "Conversation started",
        "InitSuccess" => "Chat window loaded",
        "InitError" => "Start-up error (onEmbeddedMessagingInitError)",
        "BusinessHoursEnded" => "Business hours ended",
        "BusinessHoursStarted" => "Business hours started",
        "WindowMaximized" => "Chat window opened",
        "WindowMinimized" => "Chat window minimized",
        "SessionStatusUpdate" => "Session status changed",
        "ConversationClosed" => "Conversation closed",
        "PreChatSubmitted" => "Pre-chat form submitted",
        _ => return capped(name, 80),
    })
}

/// What the widget's events say, for the stage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFacts {
    /// `onEmbeddedMessagingReady` fired: start-up finished.
    pub ready: bool,
    /// Times of `onEmbeddedMessagingInitError`, the widget's failure signal.
    pub init_errors: Vec<Option<f64>>,
    /// The last business-hours event said they ended.
    pub hours_closed: bool,
}

impl EventFacts {
    pub fn of(w: &WatchEvidence) -> Self {
        let mut f = EventFacts::default();
        for e in w.events() {
            match &e.name[EVENT_PREFIX.len()..] {
                "Ready" => f.ready = true,
                "InitError" => f.init_errors.push(e.at_ms),
                "BusinessHoursEnded" => f.hours_closed = true,
                "BusinessHoursStarted" => f.hours_closed = false,
                _ => {}
            }
        }
        f
    }

    /// The widget reported a start-up failure and never became ready.
    pub fn failed_startup(&self) -> bool {
        !self.init_errors.is_empty() && !self.ready
    }

    /// When the first InitError fired, and how often, in words.
    pub fn init_error_words(&self) -> String {
        let n = self.init_errors.len();
        let first = secs(self.init_errors.first().copied().flatten());
        if n == 1 {
            format!("onEmbeddedMessagingInitError at {first}")
        } else {
            format!("onEmbeddedMessagingInitError {n} times, first at {first}")
        }
    }
}

/// The widget's events as timeline lines (`Widget event: Ready at 1.23 s`), at most
/// [`EVENTS_LISTED`].
/// One evidence line per failed load of a chat URL (`is_chat_url`), at most 10.
pub fn load_error_evidence(
    mut f: Finding,
    w: &WatchEvidence,
    is_chat_url: impl Fn(&str) -> bool,
) -> Finding {
    for e in w
        .load_errors()
        .iter()
        .filter(|e| is_chat_url(&e.url))
        .take(10)
    {
        let tag = if e.tag.is_empty() { "element" } else { &e.tag };
        f = f.with_evidence(Evidence::new(
            "Failed to load (recorded by watch mode)",
            format!(
                "the browser reported an error loading {} (the <{}> element) at {}",
                capped(&e.url, 300),
                capped(tag, 20),
                secs(e.at_ms)
            ),
        ));
    }
    f
}

pub fn event_evidence(mut f: Finding, w: &WatchEvidence) -> Finding {
    let mut n = 0;
    for e in w.events() {
        n += 1;
        if n > EVENTS_LISTED {
            continue;
        }
        let mut value = format!("{} at {}", event_words(&e.name), secs(e.at_ms));
        if let Some(d) = e.detail.as_deref().filter(|d| !d.is_empty()) {
            value.push_str(&format!(" ({})", capped(d, 100)));
        }
        f = f.with_evidence(Evidence::new("Widget event", value));
    }
    if n > EVENTS_LISTED {
        f = f.with_evidence(Evidence::new(
            "Widget events",
            format!("and {} more", n - EVENTS_LISTED),
        ));
    }
    f
}

/// The loader's console messages Messaging Doctor knows (facts §2, and Enhanced Chat v2's own
/// double-load message, §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoaderMessage {
    /// The browser evaluated the loader a second time and the loader refused it.
    SecondLoader,
    /// `init` was called a second time and ignored: the page runs the first one.
    SecondInit,
    /// A second conversation start was refused.
    SecondConversation,
    /// The deployment's configuration could not be loaded.
    ConfigUnavailable,
}

impl LoaderMessage {
    /// Which known message a console line is, by its distinctive part (case-insensitive).
    pub fn of(text: &str) -> Option<Self> {
        let t = text.to_ascii_lowercase();
        let has = |s: &str| t.contains(s);
        if has("attempting to load miaw script when one is already loaded") {
            Some(Self::SecondLoader)
        } else if has("attempted to initialize bootstrap multiple times")
            || has("agentforce messaging has already been initialized")
        {
            Some(Self::SecondInit)
        } else if has("attempting to create new conversation multiple times") {
            Some(Self::SecondConversation)
        } else if has("unable to load embedded messaging configuration") {
            Some(Self::ConfigUnavailable)
        } else {
            None
        }
    }

    fn meaning(self) -> &'static str {
        match self {
            Self::SecondLoader => {
                "the browser ran the loader a second time and the loader refused the second copy"
            }
            Self::SecondInit => "a second init was ignored: the page runs the first one it reached",
            Self::SecondConversation => {
                "a second conversation start was refused (a double click, or two widgets)"
            }
            Self::ConfigUnavailable => "the loader could not get the deployment's configuration",
        }
    }
}

/// The console lines of the given kinds, in order.
fn lines_of<'a>(
    w: &'a WatchEvidence,
    kinds: &'a [LoaderMessage],
) -> impl Iterator<Item = (LoaderMessage, &'a ConsoleLine)> + 'a {
    w.console()
        .iter()
        .filter_map(|c| LoaderMessage::of(&c.text).map(|k| (k, c)))
        .filter(move |(k, _)| kinds.contains(k))
}

/// One console line as evidence: the quoted text, when, and what it means.
fn console_value(kind: LoaderMessage, c: &ConsoleLine) -> String {
    format!(
        "\"{}\" at {}: {}",
        capped(c.text.trim(), MAX_WATCH_TEXT),
        secs(c.at_ms),
        kind.meaning()
    )
}

fn console_evidence(mut f: Finding, w: &WatchEvidence, kinds: &[LoaderMessage]) -> Finding {
    for (k, c) in lines_of(w, kinds).take(CONSOLE_LISTED) {
        f = f.with_evidence(Evidence::new("Loader console message", console_value(k, c)));
    }
    f
}

/// Console lines that belong on the stage finding: the configuration could not be loaded (for
/// a widget that did not start), a second conversation start (any stage).
pub fn stage_console_evidence(f: Finding, w: &WatchEvidence, started: bool) -> Finding {
    let f = if started {
        f
    } else {
        console_evidence(f, w, &[LoaderMessage::ConfigUnavailable])
    };
    console_evidence(f, w, &[LoaderMessage::SecondConversation])
}

const RUN_TWICE: [LoaderMessage; 2] = [LoaderMessage::SecondLoader, LoaderMessage::SecondInit];

/// On a duplicate the page's code shows, what the browser actually ran: the loader's messages
/// about a second copy or init, or that a full recording has none.
pub fn ran_evidence(mut f: Finding, w: &WatchEvidence) -> Finding {
    let mut any = false;
    for (k, c) in lines_of(w, &RUN_TWICE).take(CONSOLE_LISTED) {
        any = true;
        f = f.with_evidence(Evidence::new(
            "What the browser actually ran",
            console_value(k, c),
        ));
    }
    if !any && w.started_early() {
        f = f.with_evidence(Evidence::new(
            "What the browser actually ran",
            "watch mode recorded no loader message about a second copy or a second init since \
             the page started (older loaders run a second copy without a message)",
        ));
    }
    f
}

/// The page's code holds the chat once, but the loader's own messages say it was loaded or
/// started a second time while the page ran (a single-page app re-running the tag on a route
/// change, a tag manager adding the snippet again, or adding it and removing it later).
pub(super) fn runtime_duplicate_finding(
    w: &WatchEvidence,
    loaders: &[Loader],
    inits: &[LocatedInit],
    seen: &super::inventory::Seen,
) -> Option<Finding> {
    let second_loader = lines_of(w, &[LoaderMessage::SecondLoader]).next().is_some();
    let second_init = lines_of(w, &[LoaderMessage::SecondInit]).next().is_some();
    if !second_loader && !second_init {
        return None;
    }
    let (title, what) = if second_loader {
        (
            "The chat snippet was loaded twice at run time",
            "the loader was run a second time while the page was open",
        )
    } else {
        (
            "The chat was started (init) twice at run time",
            "init was called a second time while the page was open",
        )
    };
    let mut f = Finding::new(
        "page/duplicate-snippet",
        Severity::Error,
        title,
        format!(
            "The page's code holds the chat snippet once, but watch mode recorded the loader's \
             own messages saying {what}. A single-page app that runs the tag again on each \
             route change, or a tag manager that adds the snippet again (or adds it and removes \
             it later), does this. The loader refuses the second copy and keeps the first one's \
             settings, so a second deployment or changed settings never take effect, and \
             repeated starts count against the rate limits."
        ),
    );
    for (k, c) in lines_of(w, &RUN_TWICE).take(CONSOLE_LISTED) {
        f = f.with_evidence(Evidence::new(
            "What the browser actually ran",
            console_value(k, c),
        ));
    }
    // The page decides how many there are: the first few, then how many more.
    let listed = super::EVIDENCE_LISTED;
    let mut shown = 0;
    for l in loaders
        .iter()
        .filter(|l| l.family.is_messaging())
        .take(listed)
    {
        f = f.with_evidence(Evidence::new("Loader", &l.url).at(&l.origin));
        shown += 1;
    }
    f = super::and_more(
        f,
        "Loaders",
        shown,
        seen.loaders_of(super::snippet::Family::is_messaging),
    );
    shown = 0;
    for i in inits
        .iter()
        .filter(|i| i.call.family.is_messaging())
        .take(listed)
    {
        f = f.with_evidence(
            Evidence::new("Init call", super::describe_call(&i.call)).at(i.location()),
        );
        shown += 1;
    }
    f = super::and_more(
        f,
        "Init calls",
        shown,
        seen.inits_of(super::snippet::Family::is_messaging),
    );
    Some(
        f.with_fix("Make the tag that adds the snippet fire once per page load: in a tag manager, set it to fire once per page; in a single-page app, add the snippet outside the route components.")
            .with_fix("Only add the loader when it is not on the page yet (for example, check window.embeddedservice_bootstrap before inserting it), and run initEmbeddedMessaging from one place.")
            .with_link(
                "Embedded Service Deployments (Setup)",
                "/lightning/setup/EmbeddedServiceDeployments/home",
            ),
    )
}

/// `page/watch-recorded`: what the recorder saw, so the admin knows the timeline is complete,
/// or what it missed. Also when the record could not be read at all.
pub fn recorded_finding(ev: &PageEvidence) -> Option<Finding> {
    if let Some(why) = ev
        .watch_unreadable
        .as_deref()
        .filter(|_| ev.watch.is_none())
    {
        return Some(
            Finding::new(
                "page/watch-recorded",
                Severity::Info,
                "Watch mode was on, but its recording could not be read",
                "Watch mode recorded this page, but Messaging Doctor could not read the \
                 recording, so this check used only what the browser keeps by itself (the first \
                 250 requests, and CSP reports only in Chromium).",
            )
            .with_evidence(Evidence::new(
                "Watch data",
                format!("watch data unreadable: {}", capped(why, 200)),
            ))
            .with_fix("Reload the page and run the check again; if it stays unreadable, turn watch mode off and on for this site."),
        );
    }
    let w = ev.watch.as_ref()?;
    let s = w.stats();
    let widget_requests = w
        .resources()
        .iter()
        .filter(|r| classify(&r.url).is_some())
        .count();
    let late = !w.started_early();
    let dropped = s.requests_dropped > 0 || s.csp_dropped > 0;
    let since = match w.started_ms {
        Some(ms) => format!("{} ms after the page started", whole_ms(ms)),
        None => "an unknown time after the page started".to_string(),
    };
    let mut message = format!(
        "Watch mode recorded {}, {}, {} and {} on this page, from {since}.",
        count_of(s.requests, "request"),
        count_of(s.csp_reports, "Content-Security-Policy report"),
        count_of(s.widget_events, "widget event"),
        count_of(s.console_lines, "loader console message"),
    );
    if !late && !dropped {
        message.push_str(
            " The request timeline is complete, so the widget's stage was decided from every \
             request it made, not only the first 250 the browser keeps.",
        );
    }
    if late {
        message.push_str(&format!(
            " It started late (more than {} s after the page started), so Content-Security-Policy \
             reports, widget events and loader messages from before then are missing; requests \
             are not (the browser hands those over).",
            LATE_START_MS as i64 / 1000
        ));
    }
    if s.requests_dropped > 0 {
        message.push_str(&format!(
            " It kept the first {MAX_WATCH_RESOURCES} requests and left out {} more, so the \
             timeline may miss late requests.",
            s.requests_dropped
        ));
    }
    if s.csp_dropped > 0 {
        message.push_str(&format!(
            " It kept {MAX_WATCH_CSP} Content-Security-Policy reports and left out {} more.",
            s.csp_dropped
        ));
    }
    let title = if late || dropped {
        "Watch mode recorded this page, with gaps"
    } else {
        "Watch mode recorded this page from its first request"
    };
    let mut f = Finding::new("page/watch-recorded", Severity::Info, title, message)
        .with_evidence(Evidence::new("Recorder started", since))
        .with_evidence(Evidence::new(
            "Requests recorded",
            format!(
                "{} ({widget_requests} of them the chat widget's)",
                s.requests
            ),
        ))
        .with_evidence(Evidence::new(
            "CSP reports recorded",
            s.csp_reports.to_string(),
        ))
        .with_evidence(Evidence::new(
            "Widget events recorded",
            s.widget_events.to_string(),
        ))
        .with_evidence(Evidence::new(
            "Loader console messages recorded",
            s.console_lines.to_string(),
        ));
    if s.requests_dropped > 0 {
        f = f.with_evidence(Evidence::new(
            "Requests not kept",
            s.requests_dropped.to_string(),
        ));
    }
    if s.csp_dropped > 0 {
        f = f.with_evidence(Evidence::new(
            "CSP reports not kept",
            s.csp_dropped.to_string(),
        ));
    }
    if late {
        f = f.with_fix("Reload the page with watch mode on, so the recorder starts with the page.");
    }
    Some(f)
}

/// Reading the record tolerantly: a value of the wrong type reads as absent, an entry that is
/// not an object is skipped, lists stop at their cap (the rest is skipped unread), strings are
/// cut at a character boundary. Works with any self-describing deserializer (JSON,
/// `serde-wasm-bindgen`).
mod lenient {
    use super::*;
    use serde::de::{
        self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
    };
    use std::fmt;
    use std::marker::PhantomData;

    /// Skips a value of a type the field does not take.
    macro_rules! absent_for_other_types {
        ($out:expr) => {
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok($out)
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
                Ok($out)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok($out)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok($out)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok($out)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok($out)
            }
        };
    }

    /// A string cut to `MAX` bytes; other types read as absent.
    struct Text<const MAX: usize>;
    impl<'de, const MAX: usize> Visitor<'de> for Text<MAX> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(capped(v, MAX).into_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            if v.len() <= MAX {
                Ok(Some(v))
            } else {
                self.visit_str(&v)
            }
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        absent_for_other_types!(None);
    }

    /// A finite number; other types read as absent.
    struct Number;
    impl<'de> Visitor<'de> for Number {
        type Value = Option<f64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(v.is_finite().then_some(v))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        absent_for_other_types!(None);
    }

    pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        d.deserialize_any(Number)
    }

    /// A non-negative count (saturating); anything else reads as 0.
    pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        Ok(number(d)?
            .filter(|n| *n > 0.0)
            .map(|n| n.min(u32::MAX as f64) as u32)
            .unwrap_or(0))
    }

    pub fn url<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(d.deserialize_any(Text::<MAX_WATCH_URL>)?
            .unwrap_or_default())
    }
    pub fn short<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(d.deserialize_any(Text::<MAX_WATCH_SHORT>)?
            .unwrap_or_default())
    }
    pub fn opt_short<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(Text::<MAX_WATCH_SHORT>)
    }
    pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(d.deserialize_any(Text::<MAX_WATCH_TEXT>)?
            .unwrap_or_default())
    }

    /// One list entry: an object read as `T`, anything else skipped.
    struct Entry<T>(Option<T>);
    impl<'de, T: DeserializeOwned> Deserialize<'de> for Entry<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V<T>(PhantomData<T>);
            impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
                type Value = Option<T>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                    T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
                }
                fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(None)
                }
            }
            d.deserialize_any(V(PhantomData)).map(Entry)
        }
    }

    /// A list of at most `MAX` entries (the rest skipped unread); not a list reads as empty.
    struct List<T, const MAX: usize>(PhantomData<T>);
    impl<'de, T: DeserializeOwned, const MAX: usize> Visitor<'de> for List<T, MAX> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(Entry(e)) = seq.next_element::<Entry<T>>()? {
                if let Some(e) = e {
                    out.push(e);
                }
                if out.len() == MAX {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    break;
                }
            }
            Ok(out)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }
    }

    fn list<'de, D: Deserializer<'de>, T: DeserializeOwned, const MAX: usize>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        d.deserialize_any(List::<T, MAX>(PhantomData))
    }

    /// A recorded request, read leniently, then made a [`ResourceEvidence`].
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct RawResource {
        #[serde(default, deserialize_with = "url")]
        url: String,
        #[serde(default, deserialize_with = "short")]
        initiator: String,
        #[serde(default, deserialize_with = "number")]
        status: Option<f64>,
        #[serde(default, deserialize_with = "number")]
        duration_ms: Option<f64>,
        #[serde(default, deserialize_with = "number")]
        start_ms: Option<f64>,
    }

    pub fn resources<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ResourceEvidence>, D::Error> {
        let raw: Vec<RawResource> = list::<D, RawResource, MAX_WATCH_RESOURCES>(d)?;
        Ok(raw
            .into_iter()
            .map(|r| ResourceEvidence {
                url: r.url,
                initiator: r.initiator,
                // 0 = the browser does not expose it; HTTP statuses are 100..=599.
                status: r
                    .status
                    .filter(|s| (1.0..=999.0).contains(s))
                    .map(|s| s as u16),
                duration_ms: r.duration_ms,
                start_ms: r.start_ms,
            })
            .collect())
    }
    pub fn csp<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<WatchCsp>, D::Error> {
        list::<D, WatchCsp, MAX_WATCH_CSP>(d)
    }
    pub fn events<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<WidgetEvent>, D::Error> {
        list::<D, WidgetEvent, MAX_WATCH_EVENTS>(d)
    }
    pub fn console<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ConsoleLine>, D::Error> {
        list::<D, ConsoleLine, MAX_WATCH_CONSOLE>(d)
    }
    pub fn load_errors<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<LoadError>, D::Error> {
        list::<D, LoadError, MAX_WATCH_LOAD_ERRORS>(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::lifecycle::RESOURCE_BUFFER_DEFAULT;
    use crate::page::{analyze, CspViolation, DomEvidence, PageReport, ScriptEvidence};
    use crate::report;

    const SITE: &str = "https://acme.my.site.com/ESWWebChat1712345678901";
    const SCRT: &str = "https://acme.my.salesforce-scrt.com";
    const WRAPPER: &str = "function initEmbeddedMessaging(){try{embeddedservice_bootstrap.init('00D8c000001Hlt1','Web_Chat','https://acme.my.site.com/ESWWebChat1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'})}catch(e){}}";
    const SECOND_INIT: &str =
        "[EmbeddedServiceBootstrap] Attempted to initialize bootstrap multiple times";
    const SECOND_LOADER: &str =
        "[EmbeddedServiceBootstrap] attempting to load MIAW script when one is already loaded";

    fn res(url: &str, status: Option<u16>, start: f64) -> ResourceEvidence {
        ResourceEvidence {
            url: url.to_string(),
            initiator: "fetch".into(),
            status,
            duration_ms: Some(50.0),
            start_ms: Some(start),
        }
    }

    fn loader(start: f64) -> ResourceEvidence {
        res(
            &format!("{SITE}/assets/js/bootstrap.min.js"),
            Some(200),
            start,
        )
    }

    /// The widget's start-up requests from `start` ms: loader, styles, config, business hours.
    fn startup(start: f64, config: Option<u16>) -> Vec<ResourceEvidence> {
        vec![
            loader(start),
            res(&format!("{SITE}/assets/styles/bootstrap.min.css"), Some(200), start + 100.0),
            res(&format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=00D8c000001Hlt1&esConfigName=Web_Chat"), config, start + 200.0),
            res(&format!("{SCRT}/embeddedservice/v1/businesshours?orgId=00D8c000001Hlt1&esConfigName=Web_Chat"), Some(204), start + 200.0),
        ]
    }

    fn filler(n: usize) -> Vec<ResourceEvidence> {
        (0..n)
            .map(|i| {
                res(
                    &format!("https://cdn.acme-shop.test/img/{i}.png"),
                    Some(200),
                    i as f64,
                )
            })
            .collect()
    }

    /// One v1 snippet (wrapper + loader tag), the page `age` ms old.
    fn page(resources: Vec<ResourceEvidence>, dom: DomEvidence, age: f64) -> PageEvidence {
        PageEvidence {
            url: "https://www.acme-shop.test/".into(),
            scripts: vec![
                ScriptEvidence {
                    index: 1,
                    inline: Some(WRAPPER.into()),
                    ..Default::default()
                },
                ScriptEvidence {
                    index: 2,
                    src: Some(format!("{SITE}/assets/js/bootstrap.min.js")),
                    onload: Some("initEmbeddedMessaging()".into()),
                    ..Default::default()
                },
            ],
            resources,
            dom,
            page_age_ms: Some(age),
            response_status_supported: true,
            ..Default::default()
        }
    }

    fn watched(mut ev: PageEvidence, w: WatchEvidence) -> PageEvidence {
        ev.watch = Some(w);
        ev
    }

    /// A record from a recorder that started at 3 ms.
    fn record() -> WatchEvidence {
        WatchEvidence {
            version: 1,
            started_ms: Some(3.0),
            ..Default::default()
        }
    }

    fn event(name: &str, at: f64) -> WidgetEvent {
        WidgetEvent {
            name: format!("onEmbeddedMessaging{name}"),
            at_ms: Some(at),
            detail: None,
        }
    }

    fn line(text: &str, at: f64) -> ConsoleLine {
        ConsoleLine {
            level: "error".into(),
            text: text.into(),
            at_ms: Some(at),
        }
    }

    fn container() -> DomEvidence {
        DomEvidence {
            containers: 1,
            ..Default::default()
        }
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

    fn find<'a>(r: &'a PageReport, code: &str) -> Option<&'a Finding> {
        r.findings.iter().find(|f| f.code == code)
    }

    fn stage_tag(r: &PageReport) -> String {
        match serde_json::to_value(r.stage.as_ref().unwrap()).unwrap() {
            serde_json::Value::String(s) => s,
            serde_json::Value::Object(m) => m.keys().next().unwrap().clone(),
            other => panic!("unexpected stage shape {other}"),
        }
    }

    /// The stage finding: the one with the timeline (the last page finding before watch's).
    fn stage_code(r: &PageReport) -> &str {
        r.findings
            .iter()
            .rev()
            .find(|f| f.code != "page/watch-recorded" && f.code != "page/scan-truncated")
            .map(|f| f.code.as_str())
            .unwrap()
    }

    fn evidence<'a>(f: &'a Finding, label: &str) -> Vec<&'a str> {
        f.evidence
            .iter()
            .filter(|e| e.label == label)
            .map(|e| e.value.as_str())
            .collect()
    }

    #[test]
    fn seconds_are_formatted_without_float_formatting() {
        assert_eq!(secs(Some(1234.0)), "1.23 s");
        assert_eq!(secs(Some(900.5)), "0.90 s");
        assert_eq!(secs(Some(0.0)), "0.00 s");
        assert_eq!(secs(Some(61_005.0)), "61.01 s");
        assert_eq!(secs(Some(-1.0)), "an unknown time");
        assert_eq!(secs(Some(f64::NAN)), "an unknown time");
        assert_eq!(secs(None), "an unknown time");
    }

    #[test]
    fn loader_messages_match_case_insensitively_on_their_distinctive_part() {
        use LoaderMessage::*;
        let rows = [
            (SECOND_LOADER, Some(SecondLoader)),
            (
                "ATTEMPTING TO LOAD MIAW SCRIPT WHEN ONE IS ALREADY LOADED",
                Some(SecondLoader),
            ),
            (SECOND_INIT, Some(SecondInit)),
            (
                "Agentforce Messaging has already been initialized",
                Some(SecondInit),
            ),
            (
                "Attempting to create new conversation multiple times!",
                Some(SecondConversation),
            ),
            (
                "Unable to load Embedded Messaging configuration.",
                Some(ConfigUnavailable),
            ),
            (
                "[EmbeddedServiceBootstrap] Error loading config: HTTP 404",
                None,
            ),
            ("", None),
        ];
        for (text, want) in rows {
            assert_eq!(LoaderMessage::of(text), want, "{text}");
        }
    }

    #[test]
    fn merged_history_deduplicates_by_url_and_start_to_a_tenth_of_a_millisecond() {
        let page = vec![
            res("https://a.test/1", Some(200), 10.0),
            res("https://a.test/2", Some(200), 20.0),
        ];
        let w = WatchEvidence {
            resources: vec![
                res("https://a.test/0", Some(200), 5.0),
                // The same request as the buffer's, its start differing below 0.05 ms.
                res("https://a.test/1", Some(200), 10.04),
                // Same URL, another request (a retry).
                res("https://a.test/1", None, 15.0),
                res("https://a.test/2", Some(0), 20.0),
                res("https://a.test/3", Some(0), 30.0),
            ],
            ..record()
        };
        let merged = merged_resources(&page, Some(&w));
        let got: Vec<_> = merged
            .iter()
            .map(|r| (r.url.as_str(), r.start_ms.unwrap(), r.status))
            .collect();
        assert_eq!(
            got,
            vec![
                ("https://a.test/0", 5.0, Some(200)),
                ("https://a.test/1", 10.0, Some(200)),
                ("https://a.test/1", 15.0, None),
                ("https://a.test/2", 20.0, Some(200)),
                ("https://a.test/3", 30.0, None),
            ]
        );
        // Without a record the collector's list is used as it is.
        assert!(matches!(merged_resources(&page, None), Cow::Borrowed(_)));
    }

    /// A cross-origin loader that answered 404 shows no status in resource timing, so unwatched
    /// the page reads as "loaded but never started"; watch mode saw its element's `error`
    /// event, so the stage is the loader that did not load, with the failed load as evidence.
    #[test]
    fn a_recorded_load_error_on_the_loader_means_it_did_not_load() {
        let old = 30_000.0;
        // The loader's entry carries no status (cross-origin, no-cors), and nothing follows it.
        let mut seen = loader(400.0);
        seen.status = None;
        let unwatched = analyze(&page(vec![seen.clone()], DomEvidence::default(), old));
        assert_eq!(stage_tag(&unwatched), "init-never-called");

        let failed = LoadError {
            url: seen.url.clone(),
            tag: "script".into(),
            at_ms: Some(410.0),
        };
        let w = WatchEvidence {
            resources: vec![seen.clone()],
            load_errors: vec![failed.clone()],
            ..record()
        };
        let r = analyze(&watched(
            page(vec![seen.clone()], DomEvidence::default(), old),
            w,
        ));
        assert_eq!(stage_tag(&r), "loader-blocked");
        let f = find(&r, "page/request-failed").expect("request-failed");
        assert_eq!(f.title, "The chat loader script did not load");
        let line = f
            .evidence
            .iter()
            .find(|e| e.label == "Failed to load (recorded by watch mode)")
            .expect("the failed load as evidence");
        assert!(line.value.contains(&seen.url) && line.value.contains("<script>"));

        // A failed load of something that is not the chat's is no evidence about the chat.
        let other = WatchEvidence {
            resources: vec![seen.clone()],
            load_errors: vec![LoadError {
                url: "https://cdn.acme-shop.test/app.js".into(),
                ..failed
            }],
            ..record()
        };
        let r = analyze(&watched(
            page(vec![seen], DomEvidence::default(), old),
            other,
        ));
        assert_eq!(stage_tag(&r), "init-never-called");
        assert!(r.findings.iter().all(|f| f
            .evidence
            .iter()
            .all(|e| !e.label.starts_with("Failed to load"))));
    }

    /// A stylesheet whose element failed (no status visible) stops the loader at its first step.
    #[test]
    fn a_recorded_load_error_on_the_styles_means_styles_failed() {
        let old = 30_000.0;
        let mut styles = res(
            &format!("{SITE}/assets/styles/bootstrap.min.css"),
            None,
            500.0,
        );
        styles.status = None;
        let seen = vec![loader(400.0), styles.clone()];
        let w = WatchEvidence {
            resources: seen.clone(),
            load_errors: vec![LoadError {
                url: styles.url.clone(),
                tag: "link".into(),
                at_ms: Some(520.0),
            }],
            ..record()
        };
        let r = analyze(&watched(page(seen, container(), old), w));
        assert_eq!(stage_tag(&r), "styles-failed");
    }

    /// Load errors are read leniently and capped like the rest of the record.
    #[test]
    fn load_errors_are_read_leniently_and_capped() {
        let one = r#"{"url":"https://acme.my.site.com/x/assets/js/bootstrap.min.js","tag":"script","atMs":5}"#;
        let many = vec![one; MAX_WATCH_LOAD_ERRORS + 20].join(",");
        let json = format!(r#"{{"loadErrors":[7,"x",null,{many}]}}"#);
        let w: WatchEvidence = serde_json::from_str(&json).unwrap();
        assert_eq!(w.load_errors.len(), MAX_WATCH_LOAD_ERRORS);
        assert_eq!(w.load_errors[0].tag, "script");
        let w: WatchEvidence = serde_json::from_str(r#"{"loadErrors":"nope"}"#).unwrap();
        assert!(w.load_errors.is_empty());
    }

    /// Each row: what the page and the recording show → the stage and its finding. A watched
    /// page is judged on its whole request history and on the widget's own events.
    #[test]
    fn watched_stage_table() {
        let young = 2_000.0;
        let old = 30_000.0;
        let init_error = || WatchEvidence {
            events: vec![event("InitError", 900.0)],
            ..record()
        };
        let over_buffer = |config: Option<u16>| {
            let mut all = filler(300);
            all.extend(startup(400.0, config));
            all
        };
        let rows: Vec<(&str, PageEvidence, &str, &str)> = vec![
            // Over 250 requests: unwatched, the buffer hides the widget; watched, the real stage.
            (
                "buffer full, not watched",
                page(filler(RESOURCE_BUFFER_DEFAULT), container(), old),
                "page/timeline-incomplete",
                "timeline-incomplete",
            ),
            (
                "buffer full, watched: config 404 found past the buffer",
                watched(
                    page(filler(RESOURCE_BUFFER_DEFAULT), container(), old),
                    WatchEvidence {
                        resources: over_buffer(Some(404)),
                        ..record()
                    },
                ),
                "page/request-failed",
                "config-failed",
            ),
            (
                "buffer full, watched: answers seen, no button",
                watched(
                    page(filler(RESOURCE_BUFFER_DEFAULT), container(), old),
                    WatchEvidence {
                        resources: over_buffer(Some(200)),
                        ..record()
                    },
                ),
                "page/widget-stalled",
                "stalled-before-ready",
            ),
            (
                "buffer full, watched: healthy",
                watched(
                    page(filler(RESOURCE_BUFFER_DEFAULT), ready_dom(), old),
                    WatchEvidence {
                        resources: over_buffer(Some(200)),
                        ..record()
                    },
                ),
                "page/widget-ready",
                "healthy",
            ),
            (
                "watched, but the recorder dropped entries",
                watched(
                    page(filler(RESOURCE_BUFFER_DEFAULT), container(), old),
                    WatchEvidence {
                        resources: filler(300),
                        resources_dropped: 7,
                        ..record()
                    },
                ),
                "page/timeline-incomplete",
                "timeline-incomplete",
            ),
            (
                "watched, but the recorder saw no request at all",
                watched(
                    page(filler(RESOURCE_BUFFER_DEFAULT), container(), old),
                    record(),
                ),
                "page/timeline-incomplete",
                "timeline-incomplete",
            ),
            // InitError without Ready: start-up failed, even on a young page.
            (
                "young, no error: still starting",
                watched(
                    page(vec![loader(100.0)], DomEvidence::default(), young),
                    record(),
                ),
                "page/widget-starting",
                "starting",
            ),
            (
                "young, InitError, scrt2 requests never sent",
                watched(
                    page(
                        startup(100.0, Some(200)).into_iter().take(2).collect(),
                        container(),
                        young,
                    ),
                    init_error(),
                ),
                "page/csp-blocked",
                "startup-requests-blocked",
            ),
            (
                "young, InitError, config 404",
                watched(
                    page(startup(100.0, Some(404)), container(), young),
                    init_error(),
                ),
                "page/request-failed",
                "config-failed",
            ),
            (
                "young, InitError, config answers withheld",
                watched(
                    page(
                        {
                            let mut v = startup(100.0, None);
                            v.retain(|e| !e.url.contains("businesshours"));
                            v
                        },
                        container(),
                        young,
                    ),
                    init_error(),
                ),
                "page/cors-blocked",
                "startup-answers-withheld",
            ),
            (
                "young, InitError before any request (values rejected)",
                watched(
                    page(vec![loader(100.0)], DomEvidence::default(), young),
                    init_error(),
                ),
                "page/widget-stalled",
                "stalled-before-ready",
            ),
            (
                "young, InitError, loader not in the history",
                watched(page(vec![], DomEvidence::default(), young), init_error()),
                "page/widget-stalled",
                "stalled-before-ready",
            ),
            (
                "old, InitError, no request, no container: init ran, so not 'never called'",
                watched(
                    page(vec![loader(100.0)], DomEvidence::default(), old),
                    init_error(),
                ),
                "page/widget-stalled",
                "stalled-before-ready",
            ),
            (
                "young, InitError after every answer",
                watched(
                    page(startup(100.0, Some(200)), container(), young),
                    init_error(),
                ),
                "page/widget-stalled",
                "stalled-before-ready",
            ),
            (
                "InitError then Ready and a button: started",
                watched(
                    page(startup(100.0, Some(200)), ready_dom(), young),
                    WatchEvidence {
                        events: vec![event("InitError", 500.0), event("Ready", 900.0)],
                        ..record()
                    },
                ),
                "page/widget-ready",
                "healthy",
            ),
            // Ready or business hours ended without a button: hidden, not a failure.
            (
                "Ready, no button on the page",
                watched(
                    page(startup(100.0, Some(200)), container(), young),
                    WatchEvidence {
                        events: vec![event("Ready", 900.0)],
                        ..record()
                    },
                ),
                "page/button-hidden",
                "button-hidden",
            ),
            (
                "business hours ended, no button",
                watched(
                    page(startup(100.0, Some(200)), container(), old),
                    WatchEvidence {
                        events: vec![event("BusinessHoursEnded", 900.0)],
                        ..record()
                    },
                ),
                "page/button-hidden",
                "button-hidden",
            ),
            (
                "business hours ended then started again: judged on the requests",
                watched(
                    page(startup(100.0, Some(200)), container(), old),
                    WatchEvidence {
                        events: vec![
                            event("BusinessHoursEnded", 900.0),
                            event("BusinessHoursStarted", 5_000.0),
                        ],
                        ..record()
                    },
                ),
                "page/widget-stalled",
                "stalled-before-ready",
            ),
        ];
        for (name, ev, code, stage) in rows {
            let r = analyze(&ev);
            assert_eq!(
                (stage_code(&r), stage_tag(&r).as_str()),
                (code, stage),
                "{name}: {:?}",
                r.stage
            );
        }
    }

    #[test]
    fn a_widget_in_a_frame_is_not_judged_on_the_page_s_record() {
        // The record is the top page's (its clock, events and console); the widget lives in a
        // same-origin frame 1 s old: still starting, whatever the page's record says.
        let mut ev = watched(
            PageEvidence {
                url: "https://www.acme-shop.test/".into(),
                page_age_ms: Some(30_000.0),
                ..Default::default()
            },
            WatchEvidence {
                events: vec![event("InitError", 100.0)],
                ..record()
            },
        );
        let framed = page(vec![loader(100.0)], DomEvidence::default(), 1_000.0);
        ev.frames.push(crate::page::FrameEvidence {
            index: 1,
            url: "https://www.acme-shop.test/chat.html".into(),
            inspectable: true,
            scripts: framed.scripts,
            resources: framed.resources,
            page_age_ms: framed.page_age_ms,
            ..Default::default()
        });
        let r = analyze(&ev);
        assert_eq!(stage_tag(&r), "starting");
        let f = find(&r, "page/widget-starting").unwrap();
        assert!(evidence(f, "Widget event").is_empty());
        assert!(find(&r, "page/watch-recorded").is_some());
    }

    #[test]
    fn over_the_buffer_the_timeline_has_every_widget_request_once() {
        let mut all = filler(300);
        all.extend(startup(400.0, Some(404)));
        // The recorder's list holds the buffer's 250 entries too (buffered observer).
        let ev = watched(
            page(filler(RESOURCE_BUFFER_DEFAULT), container(), 30_000.0),
            WatchEvidence {
                resources: all,
                ..record()
            },
        );
        let r = analyze(&ev);
        assert_eq!(r.timeline.len(), 4);
        assert_eq!(r.stats.resources, 304);
        let w = r.stats.watch.as_ref().unwrap();
        assert_eq!((w.requests, w.requests_dropped), (304, 0));
    }

    #[test]
    fn an_init_error_is_named_in_the_stage_finding() {
        let ev = watched(
            page(
                startup(100.0, Some(200)).into_iter().take(2).collect(),
                container(),
                2_000.0,
            ),
            WatchEvidence {
                events: vec![event("InitError", 900.0), event("InitError", 1_400.0)],
                ..record()
            },
        );
        let r = analyze(&ev);
        let f = find(&r, "page/csp-blocked").unwrap();
        assert!(
            f.message.contains("The widget itself reported the failure: watch mode recorded onEmbeddedMessagingInitError 2 times, first at 0.90 s."),
            "{}",
            f.message
        );
        assert_eq!(
            evidence(f, "Widget start-up error"),
            vec!["onEmbeddedMessagingInitError 2 times, first at 0.90 s"]
        );
        assert_eq!(
            evidence(f, "Widget event"),
            vec![
                "Start-up error (onEmbeddedMessagingInitError) at 0.90 s",
                "Start-up error (onEmbeddedMessagingInitError) at 1.40 s"
            ]
        );

        let early = watched(
            page(vec![loader(100.0)], DomEvidence::default(), 2_000.0),
            WatchEvidence {
                events: vec![event("InitError", 300.0)],
                ..record()
            },
        );
        let r = analyze(&early);
        let f = find(&r, "page/widget-stalled").unwrap();
        assert_eq!(
            f.title,
            "The widget reported a start-up error and never showed its button"
        );
        assert!(
            f.message.contains("made none of its start-up requests"),
            "{}",
            f.message
        );
    }

    #[test]
    fn widget_events_are_timeline_lines_at_most_twenty() {
        let mut events = vec![
            WidgetEvent {
                detail: Some("Hide".into()),
                ..event("ButtonCreated", 1_100.0)
            },
            event("Ready", 1_234.0),
            // Not the widget's: left out.
            WidgetEvent {
                name: "somethingElse".into(),
                at_ms: Some(1.0),
                detail: None,
            },
        ];
        let ev = watched(
            page(startup(100.0, Some(200)), ready_dom(), 30_000.0),
            WatchEvidence {
                events: events.clone(),
                ..record()
            },
        );
        let r = analyze(&ev);
        let f = find(&r, "page/widget-ready").unwrap();
        assert_eq!(
            evidence(f, "Widget event"),
            vec![
                "Button created at 1.10 s (Hide)",
                "Ready (start-up finished) at 1.23 s"
            ]
        );
        events.extend((0..30).map(|i| event("WindowMaximized", 2_000.0 + i as f64)));
        let ev = watched(
            page(startup(100.0, Some(200)), ready_dom(), 30_000.0),
            WatchEvidence { events, ..record() },
        );
        let r = analyze(&ev);
        let f = find(&r, "page/widget-ready").unwrap();
        assert_eq!(evidence(f, "Widget event").len(), EVENTS_LISTED);
        assert_eq!(evidence(f, "Widget events"), vec!["and 12 more"]);
    }

    #[test]
    fn business_hours_ended_is_context_for_the_hidden_button() {
        let ev = watched(
            page(startup(100.0, Some(200)), container(), 30_000.0),
            WatchEvidence {
                events: vec![event("BusinessHoursEnded", 900.0), event("Ready", 950.0)],
                ..record()
            },
        );
        let r = analyze(&ev);
        let f = find(&r, "page/button-hidden").unwrap();
        assert_eq!(f.severity, Severity::Info);
        assert!(evidence(f, "Business hours")[0].contains("business hours ended"));
    }

    fn csp_blocked(
        readable: bool,
        violations: Vec<CspViolation>,
        w: Option<WatchEvidence>,
    ) -> Finding {
        let mut ev = page(
            startup(100.0, Some(200)).into_iter().take(2).collect(),
            container(),
            30_000.0,
        );
        ev.csp_reports_readable = readable;
        ev.csp_violations = violations;
        ev.watch = w;
        analyze(&ev)
            .findings
            .into_iter()
            .find(|f| f.code == "page/csp-blocked")
            .expect("csp-blocked")
    }

    fn how(f: &Finding) -> &str {
        evidence(f, "CSP blocking")[0]
    }

    fn scrt_violation(at: f64) -> WatchCsp {
        WatchCsp {
            blocked_url: format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=x"),
            directive: "connect-src".into(),
            at_ms: Some(at),
        }
    }

    /// Watch mode in Chromium: the loader's XHRs refused by CSP leave no-status entries (like a
    /// CORS-withheld answer); the recorded violations decide CSP, in a young page too, whether
    /// the widget reported its start-up error or not.
    #[test]
    fn recorded_csp_violations_turn_no_status_config_requests_into_csp() {
        let entries = || {
            let mut v = startup(100.0, None);
            for e in v.iter_mut() {
                if e.url.contains("businesshours") {
                    e.status = None;
                }
            }
            v
        };
        let w = WatchEvidence {
            csp: vec![scrt_violation(300.0)],
            ..record()
        };
        for age in [3_000.0, 30_000.0] {
            let ev = watched(page(entries(), DomEvidence::default(), age), w.clone());
            let codes: Vec<String> = analyze(&ev).findings.into_iter().map(|f| f.code).collect();
            assert!(
                codes.contains(&"page/csp-blocked".to_string()),
                "{age}: {codes:?}"
            );
            assert!(
                !codes.contains(&"page/cors-blocked".to_string()),
                "{age}: {codes:?}"
            );
        }
        // The same requests without any recorded violation: CORS.
        let ev = watched(page(entries(), DomEvidence::default(), 30_000.0), record());
        assert!(analyze(&ev)
            .findings
            .iter()
            .any(|f| f.code == "page/cors-blocked"));
    }

    #[test]
    fn watch_mode_observes_csp_where_the_browser_keeps_no_reports() {
        // Firefox: no readable reports. Unwatched the block is inferred.
        assert!(how(&csp_blocked(false, vec![], None)).starts_with("inferred"));
        // Watched: observed, listed with the time, deduplicated (the loader's retry).
        let w = WatchEvidence {
            csp: vec![
                scrt_violation(812.0),
                scrt_violation(1_300.0),
                WatchCsp {
                    blocked_url: "https://fonts.example.com/x.woff".into(),
                    directive: "font-src".into(),
                    at_ms: Some(20.0),
                },
            ],
            ..record()
        };
        let f = csp_blocked(false, vec![], Some(w.clone()));
        assert_eq!(
            how(&f),
            "observed: the browser reported the violations above (recorded by watch mode since the page started)"
        );
        assert_eq!(
            f.title,
            "The page's Content-Security-Policy blocked the widget's requests"
        );
        assert_eq!(
            evidence(&f, "CSP violation (recorded by watch mode)"),
            vec![format!("connect-src blocked {SCRT}/embeddedservice/v1/embedded-service-config?orgId=x at 0.81 s").as_str()]
        );
        // The same violation also in Chromium's buffered reports: listed once.
        let reported = CspViolation {
            blocked_url: format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=x"),
            directive: "connect-src".into(),
        };
        let f = csp_blocked(true, vec![reported], Some(w));
        assert_eq!(
            evidence(&f, "CSP violation (reported by the browser)").len(),
            1
        );
        assert!(evidence(&f, "CSP violation (recorded by watch mode)").is_empty());
    }

    #[test]
    fn watch_mode_says_not_observed_when_it_recorded_no_salesforce_violation() {
        let f = csp_blocked(false, vec![], Some(record()));
        assert_eq!(
            how(&f),
            "not observed: the browser reported no Content-Security-Policy violation for Salesforce hosts on this page (recorded by watch mode since the page started), so an ad blocker, another extension or the network is the likelier cause"
        );
        assert_eq!(
            f.title,
            "The widget's requests to the messaging service were never sent"
        );
        // A late recorder, or one that dropped reports, proves nothing: back to inferred.
        let late = WatchEvidence {
            started_ms: Some(4_000.0),
            ..record()
        };
        assert!(how(&csp_blocked(false, vec![], Some(late))).starts_with("inferred"));
        let dropped = WatchEvidence {
            csp_dropped: 3,
            ..record()
        };
        assert!(how(&csp_blocked(false, vec![], Some(dropped))).starts_with("inferred"));
    }

    #[test]
    fn a_loader_refused_by_csp_is_seen_by_watch_mode_in_any_browser() {
        let ev = watched(
            page(vec![], DomEvidence::default(), 30_000.0),
            WatchEvidence {
                csp: vec![WatchCsp {
                    blocked_url: format!("{SITE}/assets/js/bootstrap.min.js"),
                    directive: "script-src-elem".into(),
                    at_ms: Some(50.0),
                }],
                ..record()
            },
        );
        let r = analyze(&ev);
        let f = find(&r, "page/csp-blocked").unwrap();
        assert!(f.title.contains("blocked the chat loader"), "{}", f.title);
    }

    #[test]
    fn a_run_time_duplicate_lists_a_few_of_many_calls_in_one_script() {
        let mut ev = page(startup(100.0, Some(200)), ready_dom(), 30_000.0);
        ev.scripts[0].inline = Some(format!("{WRAPPER}\n").repeat(300));
        let r = analyze(&watched(
            ev,
            WatchEvidence {
                console: vec![line(SECOND_INIT, 700.0)],
                ..record()
            },
        ));
        let d = find(&r, "page/duplicate-snippet").unwrap();
        assert_eq!(d.title, "The chat was started (init) twice at run time");
        assert_eq!(evidence(d, "Init call").len(), crate::page::EVIDENCE_LISTED);
        assert_eq!(evidence(d, "Init calls"), vec!["and 280 more (not listed)"]);
    }

    #[test]
    fn a_second_init_at_run_time_is_a_duplicate_the_code_does_not_show() {
        let run = |dom: DomEvidence, console: Vec<ConsoleLine>| {
            analyze(&watched(
                page(startup(100.0, Some(200)), dom, 30_000.0),
                WatchEvidence {
                    console,
                    ..record()
                },
            ))
        };
        // One snippet in the code, no message: no duplicate.
        assert!(find(&run(ready_dom(), vec![]), "page/duplicate-snippet").is_none());
        // The loader says init ran twice; the widget still started: a warning.
        let r = run(ready_dom(), vec![line(SECOND_INIT, 700.0)]);
        let d = find(&r, "page/duplicate-snippet").unwrap();
        assert_eq!(d.title, "The chat was started (init) twice at run time");
        assert_eq!(d.severity, Severity::Warning);
        assert!(d.message.contains("latent conflict"));
        assert_eq!(
            evidence(d, "What the browser actually ran"),
            vec!["\"[EmbeddedServiceBootstrap] Attempted to initialize bootstrap multiple times\" at 0.70 s: a second init was ignored: the page runs the first one it reached"]
        );
        assert!(!evidence(d, "Loader").is_empty());
        assert!(!d.fix.is_empty());
        // The loader itself ran twice and the widget did not start: an error.
        let r = run(
            container(),
            vec![line(SECOND_LOADER, 650.0), line(SECOND_INIT, 700.0)],
        );
        let d = find(&r, "page/duplicate-snippet").unwrap();
        assert_eq!(d.title, "The chat snippet was loaded twice at run time");
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(evidence(d, "What the browser actually ran").len(), 2);
        // Ranked like any duplicate: a cause on the page, above the stall it may explain.
        let diag = report::diagnose(Some(&r));
        assert_eq!(diag.findings[0].code, "page/duplicate-snippet");
    }

    #[test]
    fn a_duplicate_in_the_code_says_what_the_browser_actually_ran() {
        let mut ev = page(startup(100.0, Some(200)), ready_dom(), 30_000.0);
        ev.scripts.extend(ev.scripts.clone());
        let with = |console: Vec<ConsoleLine>, started: f64| {
            let ev = watched(
                ev.clone(),
                WatchEvidence {
                    console,
                    started_ms: Some(started),
                    ..record()
                },
            );
            analyze(&ev)
                .findings
                .into_iter()
                .find(|f| f.code == "page/duplicate-snippet")
                .unwrap()
        };
        let d = with(vec![line(SECOND_LOADER, 650.0)], 3.0);
        assert_eq!(d.title, "The chat snippet is on this page more than once");
        assert_eq!(
            evidence(&d, "What the browser actually ran"),
            vec!["\"[EmbeddedServiceBootstrap] attempting to load MIAW script when one is already loaded\" at 0.65 s: the browser ran the loader a second time and the loader refused the second copy"]
        );
        let quiet = with(vec![], 3.0);
        assert!(evidence(&quiet, "What the browser actually ran")[0]
            .starts_with("watch mode recorded no loader message"));
        // A late recorder may have missed the message: it says nothing.
        assert!(evidence(&with(vec![], 5_000.0), "What the browser actually ran").is_empty());
        // Only one duplicate finding.
        let ev2 = watched(
            ev.clone(),
            WatchEvidence {
                console: vec![line(SECOND_INIT, 1.0)],
                ..record()
            },
        );
        let r = analyze(&ev2);
        assert_eq!(
            r.findings
                .iter()
                .filter(|f| f.code == "page/duplicate-snippet")
                .count(),
            1
        );
    }

    #[test]
    fn loader_messages_join_the_stage_finding() {
        let ev = watched(
            page(startup(100.0, Some(404)), container(), 30_000.0),
            WatchEvidence {
                console: vec![
                    line("Unable to load Embedded Messaging configuration.", 420.0),
                    line("something else the page logged", 430.0),
                ],
                events: vec![event("InitError", 421.0)],
                ..record()
            },
        );
        let r = analyze(&ev);
        let f = find(&r, "page/request-failed").unwrap();
        assert_eq!(
            evidence(f, "Loader console message"),
            vec!["\"Unable to load Embedded Messaging configuration.\" at 0.42 s: the loader could not get the deployment's configuration"]
        );
        assert!(find(&r, "page/duplicate-snippet").is_none());
        // A conversation started twice is context on any stage.
        let ev = watched(
            page(startup(100.0, Some(200)), ready_dom(), 30_000.0),
            WatchEvidence {
                console: vec![line(
                    "Attempting to create new conversation multiple times!",
                    5_000.0,
                )],
                ..record()
            },
        );
        let r = analyze(&ev);
        let f = find(&r, "page/widget-ready").unwrap();
        assert!(evidence(f, "Loader console message")[0]
            .contains("a second conversation start was refused"));
    }

    #[test]
    fn watch_recorded_says_what_the_recorder_saw() {
        let ev = watched(
            page(startup(100.0, Some(200)), ready_dom(), 30_000.0),
            WatchEvidence {
                started_ms: Some(3.2),
                resources: startup(100.0, Some(200)),
                csp: vec![scrt_violation(800.0)],
                events: vec![event("Ready", 900.0)],
                console: vec![line(SECOND_INIT, 700.0)],
                ..record()
            },
        );
        let r = analyze(&ev);
        let f = find(&r, "page/watch-recorded").unwrap();
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(
            f.title,
            "Watch mode recorded this page from its first request"
        );
        assert_eq!(
            f.message,
            "Watch mode recorded 4 requests, 1 Content-Security-Policy report, 1 widget event and 1 loader console message on this page, from 3 ms after the page started. The request timeline is complete, so the widget's stage was decided from every request it made, not only the first 250 the browser keeps."
        );
        assert_eq!(
            evidence(f, "Requests recorded"),
            vec!["4 (4 of them the chat widget's)"]
        );
        assert_eq!(
            evidence(f, "Recorder started"),
            vec!["3 ms after the page started"]
        );
        // It is the last finding of the page report.
        assert_eq!(r.findings.last().unwrap().code, "page/watch-recorded");

        let late = watched(
            ev.clone(),
            WatchEvidence {
                started_ms: Some(2_500.0),
                resources_dropped: 12,
                ..record()
            },
        );
        let f = analyze(&late)
            .findings
            .into_iter()
            .find(|f| f.code == "page/watch-recorded")
            .unwrap();
        assert_eq!(f.title, "Watch mode recorded this page, with gaps");
        assert!(f.message.contains("It started late"), "{}", f.message);
        assert!(f.message.contains("left out 12 more"), "{}", f.message);
        assert_eq!(evidence(&f, "Requests not kept"), vec!["12"]);
    }

    #[test]
    fn an_unreadable_record_is_said_and_the_scan_goes_on() {
        let mut ev = page(startup(100.0, Some(200)), ready_dom(), 30_000.0);
        ev.watch_unreadable =
            Some("invalid type: string \"x\", expected struct WatchEvidence".into());
        let r = analyze(&ev);
        let f = find(&r, "page/watch-recorded").unwrap();
        assert_eq!(
            f.title,
            "Watch mode was on, but its recording could not be read"
        );
        assert!(evidence(f, "Watch data")[0].starts_with("watch data unreadable: "));
        assert!(r.stats.watch.as_ref().unwrap().unreadable);
        assert!(find(&r, "page/widget-ready").is_some());
    }

    #[test]
    fn without_watch_mode_nothing_changes() {
        let ev = page(startup(100.0, Some(200)), ready_dom(), 30_000.0);
        let r = analyze(&ev);
        assert!(find(&r, "page/watch-recorded").is_none());
        assert!(r.stats.watch.is_none());
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["stats"].get("watch").is_none());
        // An old collector's evidence (no watch fields) still reads.
        let old: PageEvidence = serde_json::from_str(r#"{"url":"https://x.test/"}"#).unwrap();
        assert_eq!(old.watch, None);
        assert_eq!(old.watch_unreadable, None);
    }

    #[test]
    fn the_record_is_read_tolerantly_in_the_recorder_s_json_shape() {
        let json = r#"{
            "version": 1, "startedMs": 3.2, "somethingNew": [1, 2, {"a": null}],
            "resources": [
                {"url": "https://acme.my.site.com/ESWWebChat1712345678901/assets/js/bootstrap.min.js", "initiator": "script", "status": 200, "durationMs": 12.5, "startMs": 40.1},
                {"url": "https://x.test/a", "status": 0, "startMs": "soon"},
                {"url": 42, "status": 70000, "durationMs": null},
                "not an entry", 7, null, [1, 2]
            ],
            "resourcesDropped": -4,
            "csp": {"not": "a list"},
            "cspDropped": 1e12,
            "events": [{"name": "onEmbeddedMessagingInitError", "atMs": 900.5, "detail": {"reason": "x"}},
                       {"name": "onEmbeddedMessagingButtonCreated", "atMs": 1000, "detail": "Hide"}],
            "console": [{"level": "error", "text": "[EmbeddedServiceBootstrap] Attempted to initialize bootstrap multiple times", "atMs": 700.0}]
        }"#;
        let w: WatchEvidence = serde_json::from_str(json).unwrap();
        assert_eq!(w.version, 1);
        assert_eq!(w.started_ms, Some(3.2));
        assert_eq!(w.resources.len(), 3);
        assert_eq!(w.resources[0].status, Some(200));
        assert_eq!(w.resources[0].start_ms, Some(40.1));
        assert_eq!(
            (w.resources[1].status, w.resources[1].start_ms),
            (None, None)
        );
        assert_eq!(
            (w.resources[2].url.as_str(), w.resources[2].status),
            ("", None)
        );
        assert_eq!(w.resources_dropped, 0);
        assert!(w.csp.is_empty());
        assert_eq!(w.csp_dropped, u32::MAX);
        assert_eq!(w.events[0].detail, None);
        assert_eq!(w.events[1].detail.as_deref(), Some("Hide"));
        assert_eq!(w.console.len(), 1);
        // Inside the page evidence too; a wholly wrong record fails only the record.
        let ev: PageEvidence =
            serde_json::from_str(&format!(r#"{{"url":"https://x.test/","watch":{json}}}"#))
                .unwrap();
        assert_eq!(ev.watch.as_ref(), Some(&w));
        assert!(serde_json::from_str::<WatchEvidence>("\"x\"").is_err());
        assert_eq!(
            serde_json::from_str::<WatchEvidence>("{}").unwrap(),
            WatchEvidence::default()
        );
    }

    #[test]
    fn a_hostile_record_is_capped_when_read_and_when_used() {
        // Two-byte characters past every string cap (a cut must land on a boundary).
        let long = "é".repeat(5_000);
        let entry =
            format!(r#"{{"url":"https://x.test/{long}","initiator":"{long}","startMs":1}}"#);
        let many = format!(
            "{entry},{}",
            vec![r#"{"url":"https://x.test/a","startMs":2}"#; MAX_WATCH_RESOURCES + 500].join(",")
        );
        let ev_line =
            format!(r#"{{"name":"onEmbeddedMessaging{long}","atMs":1,"detail":"{long}"}}"#);
        let events = vec![ev_line.as_str(); MAX_WATCH_EVENTS + 10].join(",");
        let csp = format!(
            r#"{{"blockedUrl":"https://acme.my.salesforce-scrt.com/{long}","directive":"{long}","atMs":1}}"#
        );
        let csps = vec![csp.as_str(); MAX_WATCH_CSP + 10].join(",");
        let con = format!(r#"{{"level":"{long}","text":"{SECOND_INIT} {long}","atMs":1}}"#);
        let cons = vec![con.as_str(); MAX_WATCH_CONSOLE + 10].join(",");
        let json = format!(
            r#"{{"startedMs":1,"resources":[{many}],"csp":[{csps}],"events":[{events}],"console":[{cons}]}}"#
        );
        let w: WatchEvidence = serde_json::from_str(&json).unwrap();
        assert_eq!(w.resources.len(), MAX_WATCH_RESOURCES);
        assert_eq!(w.csp.len(), MAX_WATCH_CSP);
        assert_eq!(w.events.len(), MAX_WATCH_EVENTS);
        assert_eq!(w.console.len(), MAX_WATCH_CONSOLE);
        assert!(w.resources[0].url.len() <= MAX_WATCH_URL + 3);
        assert!(w.resources[0].initiator.len() <= MAX_WATCH_SHORT + 3);
        assert!(w.console[0].text.len() <= MAX_WATCH_TEXT + 3);
        assert!(w.events[0].detail.as_ref().unwrap().len() <= MAX_WATCH_SHORT + 3);

        // Built in code, past every reading cap: the analysis caps what it uses and copies.
        let huge = WatchEvidence {
            started_ms: Some(1.0),
            resources: (0..MAX_WATCH_RESOURCES * 2)
                .map(|i| {
                    let tail = if i % 1000 == 0 { long.as_str() } else { "x" };
                    res(&format!("https://x.test/{i}/{tail}"), Some(0), i as f64)
                })
                .collect(),
            csp: (0..MAX_WATCH_CSP * 2)
                .map(|i| WatchCsp {
                    blocked_url: format!("{SCRT}/{i}/{long}"),
                    directive: long.clone(),
                    at_ms: Some(f64::INFINITY),
                })
                .collect(),
            events: (0..MAX_WATCH_EVENTS * 2)
                .map(|_| WidgetEvent {
                    name: format!("onEmbeddedMessaging{long}"),
                    at_ms: Some(f64::NAN),
                    detail: Some(long.clone()),
                })
                .collect(),
            console: (0..MAX_WATCH_CONSOLE * 2)
                .map(|_| line(&format!("{SECOND_LOADER}{long}"), -5.0))
                .collect(),
            ..Default::default()
        };
        let ev = watched(
            page(
                startup(100.0, Some(200)).into_iter().take(2).collect(),
                container(),
                30_000.0,
            ),
            huge,
        );
        let r = analyze(&ev);
        assert_eq!(r.stats.resources as usize, MAX_WATCH_RESOURCES + 2);
        let longest = r
            .findings
            .iter()
            .flat_map(|f| f.evidence.iter().map(|e| e.value.len() + e.label.len()))
            .max()
            .unwrap();
        assert!(longest < MAX_WATCH_URL + 200, "{longest}");
        let events_listed: usize = r
            .findings
            .iter()
            .map(|f| evidence(f, "Widget event").len())
            .sum();
        assert_eq!(events_listed, EVENTS_LISTED);
        let w = r.stats.watch.unwrap();
        assert_eq!(w.requests_dropped, MAX_WATCH_RESOURCES as u32);
        assert_eq!(w.csp_reports as usize, MAX_WATCH_CSP);
    }

    #[test]
    fn the_headline_stays_about_the_chat() {
        let ev = watched(
            page(startup(100.0, Some(200)), ready_dom(), 30_000.0),
            record(),
        );
        let d = report::diagnose(Some(&analyze(&ev)));
        // Healthy page: the headline stays about the chat (the widget works), not the recording.
        assert_eq!(
            d.headline,
            "Nothing is wrong on the page: the widget is ready"
        );
        let codes: Vec<_> = d.findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes[0], "page/watch-recorded");
        // With a problem on the page, the problem is the headline: the stall (a symptom, so
        // not called the cause while nothing explains it).
        let young_error = watched(
            page(vec![loader(100.0)], DomEvidence::default(), 2_000.0),
            WatchEvidence {
                events: vec![event("InitError", 300.0)],
                ..record()
            },
        );
        let d = report::diagnose(Some(&analyze(&young_error)));
        assert_eq!(d.findings[0].code, "page/widget-stalled");
        assert!(
            d.headline.starts_with("Widget: stalled at ")
                && d.headline.contains("no single cause found"),
            "{}",
            d.headline
        );
    }
}
