//! The page half of the diagnosis: what chat code the customer's page carries.
//!
//! Input is [`PageEvidence`], gathered in the content script by `crates/page-wasm` (script tags
//! in document order, resource timing entries, widget DOM markers). Output is a [`PageReport`]:
//! the loaders and init calls found, grouped by deployment, and the page findings.

mod inventory;
pub mod lifecycle;
pub mod sanity;
pub mod snippet;
pub mod watch;

use crate::finding::{Evidence, Finding, Severity};
use inventory::{Doc, Inventory, ReadBudget, Seen};
use serde::{Deserialize, Serialize};
use snippet::{Family, InitCall};
pub use watch::{ConsoleLine, LoadError, WatchCsp, WatchEvidence, WatchStats, WidgetEvent};

/// Caps the collector applies; restated here so the core can say what was left out.
pub const MAX_INLINE_SCRIPT_BYTES: usize = 512 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageEvidence {
    pub url: String,
    #[serde(default)]
    pub scripts: Vec<ScriptEvidence>,
    #[serde(default)]
    pub resources: Vec<ResourceEvidence>,
    #[serde(default)]
    pub dom: DomEvidence,
    /// True when the collector stopped early (too many scripts or bytes).
    #[serde(default)]
    pub truncated: bool,
    /// `performance.now()` when the scan ran: how long the page has been open, in ms.
    #[serde(default)]
    pub page_age_ms: Option<f64>,
    /// The widget's session storage entries (`sessionStorage['<orgId>_WEB_STORAGE']`).
    #[serde(default)]
    pub storage: Vec<StorageEvidence>,
    /// Whether this browser exposes `PerformanceResourceTiming.responseStatus`. Where it does,
    /// a cross-origin request that passed CORS shows its status, so a request with no status
    /// had its answer withheld (CORS) or failed on the network.
    #[serde(default)]
    pub response_status_supported: bool,
    /// The page's frames (not the widget's own), same-origin ones with what they hold.
    #[serde(default)]
    pub frames: Vec<FrameEvidence>,
    /// Content-Security-Policy violations the browser reported for this page (where it keeps
    /// them for a late observer: Chromium's buffered `ReportingObserver`).
    #[serde(default)]
    pub csp_violations: Vec<CspViolation>,
    /// Whether the collector could read the page's past CSP violations at all. When false, a
    /// CSP block can only be inferred from requests that never happened.
    #[serde(default)]
    pub csp_reports_readable: bool,
    /// What watch mode recorded on this page from its first request (`watch.rs`), when it is
    /// on for the site. Page-controlled: evidence only.
    #[serde(default)]
    pub watch: Option<WatchEvidence>,
    /// Watch mode handed over a record that could not be read (why, for the finding).
    #[serde(default)]
    pub watch_unreadable: Option<String>,
}

/// A frame of the page (`<iframe>`/`<frame>`), other than the chat widget's own frames.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameEvidence {
    /// 1-based position among the frames read, in document order (nested frames after their
    /// parent).
    pub index: u32,
    /// The frame document's URL (same-origin) or its `src` (cross-origin).
    pub url: String,
    /// Same-origin: its document was read. Cross-origin frames cannot be inspected.
    pub inspectable: bool,
    #[serde(default)]
    pub scripts: Vec<ScriptEvidence>,
    #[serde(default)]
    pub resources: Vec<ResourceEvidence>,
    #[serde(default)]
    pub dom: DomEvidence,
    /// `performance.now()` of the frame's own window (its own time origin).
    #[serde(default)]
    pub page_age_ms: Option<f64>,
}

impl FrameEvidence {
    fn label(&self) -> String {
        format!("frame #{} ({})", self.index, self.url)
    }
}

/// Most CSP violation reports the collector keeps (Chromium buffers about as many): when this
/// many were read, older ones may be gone, so their absence proves nothing.
pub const CSP_REPORTS_KEPT: usize = 100;

/// One CSP violation report (`csp-violation`), as the browser gave it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CspViolation {
    pub blocked_url: String,
    pub directive: String,
}

/// One `<orgId>_WEB_STORAGE` entry of the page's session storage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageEvidence {
    pub key: String,
    /// Messages the widget kept under `FAILED_MESSAGES`: the host-page trace of "Not sent".
    pub failed_messages: u32,
    /// The entry could not be read as JSON.
    #[serde(default)]
    pub unreadable: bool,
}

/// One `<script>` element, in document order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScriptEvidence {
    /// 1-based position among the document's script elements.
    pub index: u32,
    /// Absolute `src` URL, if any.
    #[serde(default)]
    pub src: Option<String>,
    /// Inline text, capped at [`MAX_INLINE_SCRIPT_BYTES`].
    #[serde(default)]
    pub inline: Option<String>,
    #[serde(default)]
    pub in_head: bool,
    /// The element's `onload` attribute (the v1 snippet's `onload="initEmbeddedMessaging()"`).
    #[serde(default)]
    pub onload: Option<String>,
}

/// A resource timing entry (what the browser fetched, even if the element is gone since).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceEvidence {
    pub url: String,
    #[serde(default)]
    pub initiator: String,
    /// HTTP status where the browser exposes it (0 or absent when it does not).
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub duration_ms: Option<f64>,
    /// When the request started, ms after the page's time origin.
    #[serde(default)]
    pub start_ms: Option<f64>,
}

/// Markers the widget leaves in the host page's DOM.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomEvidence {
    /// `#embedded-messaging` containers.
    #[serde(default)]
    pub containers: u32,
    /// `#embeddedMessagingConversationButton` elements.
    #[serde(default)]
    pub buttons: u32,
    /// `src` of each `#embeddedMessagingFrame`.
    #[serde(default)]
    pub chat_frames: Vec<String>,
    /// Conversation buttons that are displayed (not `display:none` / hidden).
    #[serde(default)]
    pub buttons_visible: u32,
    /// `#embeddedMessagingSiteContextFrame` elements.
    #[serde(default)]
    pub site_context_frames: u32,
    /// `<experience_messaging-embedded-messaging>` elements: the Experience Cloud Embedded
    /// Messaging component (`experience_messaging:embeddedMessaging`).
    #[serde(default)]
    pub experience_components: u32,
    /// Agentforce Messaging's `#agentforce-messaging` containers.
    #[serde(default)]
    pub agentforce_containers: u32,
    /// Agentforce Messaging's chat frames, `#agentforce-messaging-frame`.
    #[serde(default)]
    pub agentforce_frames: u32,
}

/// A loader script on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Loader {
    pub family: Family,
    pub url: String,
    /// Where it came from: `script #N in <head>`, or `fetched (resource timing), no element`.
    pub origin: String,
}

/// An init call and the script it sits in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocatedInit {
    pub script_index: u32,
    pub in_head: bool,
    /// The same-origin frame the script is in (`frame #K (url)`); absent for the page itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<String>,
    #[serde(flatten)]
    pub call: InitCall,
}

impl LocatedInit {
    /// Where the call is, for evidence: `script #N in <head>, line L`.
    pub fn location(&self) -> String {
        format!(
            "{}, line {}",
            script_position(self.script_index, self.in_head, self.frame.as_deref()),
            self.call.line
        )
    }
}

/// A place that runs the snippet's wrapper function (`initEmbeddedMessaging`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrapperRun {
    /// `script #N in <body>, line L` or `onload attribute of script #N in <body>`.
    pub location: String,
    /// The script text or attribute it is in (`script #N in <body>` / `onload attribute of …`).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageReport {
    pub core_version: String,
    pub url: String,
    pub loaders: Vec<Loader>,
    pub init_calls: Vec<LocatedInit>,
    /// The widget's requests seen on this page, in the order the browser lists them.
    #[serde(default)]
    pub timeline: Vec<lifecycle::TimelineEntry>,
    /// Where the widget is; absent when the page has no Messaging for Web code.
    #[serde(default)]
    pub stage: Option<lifecycle::Stage>,
    pub findings: Vec<Finding>,
    pub stats: ScanStats,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanStats {
    pub scripts: u32,
    pub inline_bytes: u64,
    pub resources: u32,
    pub truncated: bool,
    /// Frames seen (same-origin ones were read too).
    #[serde(default)]
    pub frames: u32,
    /// Loaders, init calls and runs of `initEmbeddedMessaging` on the page. The report lists
    /// the first few hundred of each (and any later one that changes a conclusion); these are
    /// the counts of all of them.
    #[serde(default)]
    pub loaders_seen: u32,
    #[serde(default)]
    pub init_calls_seen: u32,
    #[serde(default)]
    pub wrapper_runs_seen: u32,
    /// What watch mode recorded, when it was on (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<WatchStats>,
}

/// Which loader family a script URL is, if any.
pub fn classify_loader(url: &str) -> Option<Family> {
    let (host, path) = split_url(url)?;
    let path = path.split(['?', '#']).next().unwrap_or("");
    if path.ends_with("/assets/js/bootstrap.min.js") || path.ends_with("/assets/js/bootstrap.js") {
        return Some(Family::MiawV1);
    }
    // Agentforce Messaging: `…service.force.com/embeddedservice/agentforcemessaging/<version>/
    // init.js` (what public pages and Salesforce's own snippet load; facts §1). `init.js` is a
    // common name, so only under that path. (A `<site>/assets/js/init.js` v2 loader has no
    // source and is not recognised.)
    let _ = &host;
    if path.contains("/embeddedservice/agentforcemessaging/")
        && (path.ends_with("/init.js") || path.ends_with("/init.min.js"))
    {
        return Some(Family::EnhancedV2);
    }
    if path.contains("/embeddedservice/menu/")
        && (path.ends_with("/fab.min.js") || path.ends_with("/fab.js"))
    {
        return Some(Family::LegacyMenu);
    }
    if path.contains("/embeddedservice/")
        && (path.ends_with("/esw.min.js") || path.ends_with("/esw.js"))
    {
        return Some(Family::LegacyChat);
    }
    None
}

/// Splits `scheme://host/path` into lower-cased host and path. `None` for other shapes.
pub fn split_url(url: &str) -> Option<(String, &str)> {
    let rest = url.split_once("://")?.1;
    let (authority, path) = match rest.find('/') {
        Some(p) => (&rest[..p], &rest[p..]),
        None => (rest, "/"),
    };
    let host = authority.rsplit('@').next()?.split(':').next()?;
    Some((host.to_ascii_lowercase(), path))
}

/// A script's position for evidence: `script #N in <head>` / `<body>`, and its frame.
fn script_position(index: u32, in_head: bool, frame: Option<&str>) -> String {
    let mut out = format!(
        "script #{index} in <{}>",
        if in_head { "head" } else { "body" }
    );
    if let Some(frame) = frame {
        out.push_str(" of ");
        out.push_str(frame);
    }
    out
}

/// The tag of the Experience Cloud component's element.
pub const EXPERIENCE_COMPONENT_TAG: &str = "experience_messaging-embedded-messaging";

/// Runs every page check over the evidence.
pub fn analyze(ev: &PageEvidence) -> PageReport {
    // The page's own request history: with watch mode, the browser's buffer and the recording
    // together (the recording goes beyond the buffer's 250 entries).
    let resources = watch::merged_resources(&ev.resources, ev.watch.as_ref());
    let main = Doc {
        frame: None,
        scripts: &ev.scripts,
        resources: &resources,
        dom: &ev.dom,
    };
    let mut budget = ReadBudget::default();
    let mut inv = Inventory::default();
    inv.read(&main, &mut budget);
    // The document whose widget the life cycle follows: the page's own, or else the first
    // same-origin frame that carries Messaging for Web.
    let mut widget_doc: Option<(&FrameEvidence, Inventory)> = None;
    let page_has_widget = inv.has_messaging() || ev.dom.containers > 0;
    for f in ev.frames.iter().filter(|f| f.inspectable) {
        let doc = Doc {
            frame: Some(f.label()),
            scripts: &f.scripts,
            resources: &f.resources,
            dom: &f.dom,
        };
        let mut own = Inventory::default();
        own.read(&doc, &mut budget);
        inv.absorb(&own);
        if !page_has_widget && widget_doc.is_none() && own.has_messaging() {
            widget_doc = Some((f, own));
        }
    }
    let seen = inv.seen;
    let Inventory {
        loaders,
        inits: init_calls,
        wrapper_runs,
        inline_bytes,
        ..
    } = inv;

    let mut findings = Vec::new();
    if loaders.is_empty() && init_calls.is_empty() {
        findings.push(no_widget_finding(ev));
    } else {
        findings.extend(inventory_findings(ev, &loaders, &init_calls, &seen));
        match (
            duplicate_finding(&loaders, &init_calls, &wrapper_runs, &seen, &resources),
            &ev.watch,
        ) {
            (Some(f), Some(w)) => findings.push(watch::ran_evidence(f, w)),
            (Some(f), None) => findings.push(f),
            (None, Some(w)) => findings.extend(watch::runtime_duplicate_finding(
                w,
                &loaders,
                &init_calls,
                &seen,
            )),
            (None, None) => {}
        }
        findings.extend(snippet_problems(&init_calls));
    }
    // The watch record is the page's: it speaks for the widget only when the page itself
    // carries it (a frame has its own clock, events and console).
    let doc = match &widget_doc {
        None => lifecycle::WidgetDoc {
            resources: &resources,
            ..lifecycle::WidgetDoc::page(ev)
        },
        Some((f, _)) => lifecycle::WidgetDoc {
            resources: &f.resources,
            dom: &f.dom,
            page_age_ms: f.page_age_ms,
            watch: None,
        },
    };
    let (timeline, stage) = match &widget_doc {
        None => lifecycle::assess_in(ev, doc, &loaders, &init_calls),
        Some((_, own)) => lifecycle::assess_in(ev, doc, &own.loaders, &own.inits),
    };
    if let Some(stage) = &stage {
        if stage.widget_started() {
            demote_latent_duplicate(&mut findings);
        }
        findings.push(lifecycle::finding_for_in(stage, &timeline, ev, doc.watch));
    }
    let truncated = ev.truncated || budget.cut;
    if truncated {
        let mut f = Finding::new(
            "page/scan-truncated",
            Severity::Info,
            "Part of the page was too large to scan",
            "The page has more script text than Messaging Doctor reads in one pass, so a snippet \
             near the end of a very large page may have been missed.",
        );
        if budget.cut {
            f = f.with_evidence(Evidence::new(
                "Not read",
                format!(
                    "scripts that name a chat function beyond the first {} KB of such text",
                    inventory::MAX_READ_BYTES / 1024
                ),
            ));
        }
        findings.push(f);
    }
    findings.extend(watch::recorded_finding(ev));

    PageReport {
        core_version: crate::CORE_VERSION.to_string(),
        url: ev.url.clone(),
        loaders,
        init_calls,
        timeline,
        stage,
        findings,
        stats: ScanStats {
            scripts: ev.scripts.len() as u32
                + ev.frames
                    .iter()
                    .map(|f| f.scripts.len() as u32)
                    .sum::<u32>(),
            inline_bytes,
            resources: resources.len() as u32,
            truncated,
            frames: ev.frames.len() as u32,
            loaders_seen: count32(seen.loaders_total()),
            init_calls_seen: count32(seen.inits_total()),
            wrapper_runs_seen: count32(seen.wrapper_runs),
            watch: match (&ev.watch, &ev.watch_unreadable) {
                (Some(w), _) => Some(w.stats()),
                (None, Some(_)) => Some(WatchStats {
                    unreadable: true,
                    ..Default::default()
                }),
                (None, None) => None,
            },
        },
    }
}

/// Most `page/invalid-snippet` findings (one per distinct init call with problems).
const INVALID_SNIPPETS_LISTED: usize = 10;

/// A `page/invalid-snippet` finding per distinct init call with problems (an identical copy
/// says the same thing), the first few only; the last one says how many more there are.
fn snippet_problems(inits: &[LocatedInit]) -> Vec<Finding> {
    // The inventory keeps a few hundred calls at most, so a list is enough here.
    let mut checked: Vec<&InitCall> = Vec::new();
    let mut out: Vec<Finding> = Vec::new();
    let mut more = 0usize;
    for i in inits {
        let c = &i.call;
        let same = |d: &&InitCall| {
            d.family == c.family
                && d.org_id == c.org_id
                && d.deployment == c.deployment
                && d.site_url == c.site_url
                && d.scrt2_url == c.scrt2_url
                && d.dynamic_args == c.dynamic_args
        };
        if checked.iter().any(same) {
            continue;
        }
        checked.push(c);
        let Some(f) = sanity::finding_for(c, &i.location()) else {
            continue;
        };
        if out.len() < INVALID_SNIPPETS_LISTED {
            out.push(f);
        } else {
            more += 1;
        }
    }
    if more > 0 {
        if let Some(last) = out.pop() {
            out.push(last.with_evidence(Evidence::new(
                "Other init calls with values that cannot work",
                format!("and {more} more (not listed)"),
            )));
        }
    }
    out
}

/// Facts §2: when the widget still started despite a duplicate snippet, the duplicate is a
/// latent conflict, not the reason the chat fails; it stays listed, below real causes.
fn demote_latent_duplicate(findings: &mut [Finding]) {
    for f in findings
        .iter_mut()
        .filter(|f| f.code == "page/duplicate-snippet")
    {
        f.severity = Severity::Warning;
        f.message.push_str(
            " Here the widget still started, so this is a latent conflict rather than the \
             reason the chat fails; remove the extra copy anyway.",
        );
    }
}

fn no_widget_finding(ev: &PageEvidence) -> Finding {
    let f = Finding::new(
        "page/no-chat-widget",
        Severity::Info,
        "No Salesforce chat snippet on this page",
        "This page has no Messaging for Web, Enhanced Chat or legacy chat code, and the browser \
         fetched no chat loader. If customers see the chat here, open this check on the page \
         where it appears.",
    )
    .with_evidence(Evidence::new(
        "Scripts read",
        format!("{} script elements", ev.scripts.len()),
    ));
    frame_evidence(f, ev)
        .with_fix("Open the page where the chat button should appear and run the check there.")
        .with_fix(
            "If the snippet is added by a tag manager, make sure its tag fires on this page and for \
             this visitor (consent banners often hold it back).",
        )
}

/// Most frames listed one by one in evidence.
const FRAMES_LISTED: usize = 10;

/// Evidence lines for the page's frames: which were read, which could not be (cross-origin).
fn frame_evidence(mut f: Finding, ev: &PageEvidence) -> Finding {
    let read = ev.frames.iter().filter(|f| f.inspectable).count();
    if read > 0 {
        f = f.with_evidence(Evidence::new(
            "Frames read",
            format!("{read} same-origin frame(s): their scripts were scanned too"),
        ));
    }
    let closed: Vec<&FrameEvidence> = ev.frames.iter().filter(|f| !f.inspectable).collect();
    for fr in closed.iter().take(FRAMES_LISTED) {
        f = f.with_evidence(
            Evidence::new(
                "Frame not inspectable (another site)",
                format!(
                    "{}: the browser keeps other sites' frames closed to extensions here, so chat code inside it is not listed",
                    fr.url
                ),
            )
            .at(format!("frame #{}", fr.index)),
        );
    }
    if closed.len() > FRAMES_LISTED {
        f = f.with_evidence(Evidence::new(
            "Frames not inspectable",
            format!("and {} more", closed.len() - FRAMES_LISTED),
        ));
    }
    f
}

pub(crate) fn describe_call(c: &InitCall) -> String {
    let field = |v: &Option<String>| v.clone().unwrap_or_else(|| "(computed at run time)".into());
    match c.family {
        Family::EnhancedV2 => format!(
            "{}: agent {}, My Domain {}, site {}",
            c.family.label(),
            field(&c.agent_id),
            field(&c.domain_url),
            field(&c.site_url)
        ),
        Family::LegacyMenu => format!(
            "{}: org {}, menu {}",
            c.family.label(),
            field(&c.org_id),
            field(&c.deployment)
        ),
        _ => format!(
            "{}: org {}, deployment {}, site {}",
            c.family.label(),
            field(&c.org_id),
            field(&c.deployment),
            field(&c.site_url)
        ),
    }
}

/// Most evidence lines of one kind (loaders, init calls, wrapper runs, requests) in one
/// finding; the rest are one "and N more" line. A page decides how many there are.
pub const EVIDENCE_LISTED: usize = 20;

/// The "and N more" line after `listed` of `total` items of one kind.
fn and_more(f: Finding, label: &str, listed: usize, total: usize) -> Finding {
    if total > listed {
        f.with_evidence(Evidence::new(
            label,
            format!("and {} more (not listed)", total - listed),
        ))
    } else {
        f
    }
}

fn count32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn inventory_findings(
    ev: &PageEvidence,
    loaders: &[Loader],
    inits: &[LocatedInit],
    seen: &Seen,
) -> Vec<Finding> {
    let (n_loaders, n_inits) = (seen.loaders_total(), seen.inits_total());
    let mut f = Finding::new(
        "page/snippet-found",
        Severity::Ok,
        format!(
            "Chat code found: {} loader script{}, {} init call{}",
            n_loaders,
            if n_loaders == 1 { "" } else { "s" },
            n_inits,
            if n_inits == 1 { "" } else { "s" }
        ),
        "Messaging Doctor read the chat code on this page; each copy is listed as evidence.",
    );
    for l in loaders.iter().take(EVIDENCE_LISTED) {
        f = f.with_evidence(
            Evidence::new(format!("Loader ({})", l.family.label()), &l.url).at(&l.origin),
        );
    }
    f = and_more(f, "Loaders", loaders.len().min(EVIDENCE_LISTED), n_loaders);
    for i in inits.iter().take(EVIDENCE_LISTED) {
        f = f.with_evidence(Evidence::new("Init call", describe_call(&i.call)).at(i.location()));
    }
    f = and_more(f, "Init calls", inits.len().min(EVIDENCE_LISTED), n_inits);
    if menu_loads_messaging(loaders, inits) {
        f = f.with_evidence(Evidence::new(
            "Channel Menu",
            "The legacy Channel Menu on this page loads Messaging for Web itself (a menu with a \
             messaging channel): expected, not a duplicate.",
        ));
    }
    vec![frame_evidence(f, ev)]
}

/// The legacy Channel Menu is on the page and Messaging for Web was loaded without a snippet of
/// its own: the menu loaded it (facts §1), which is legitimate.
fn menu_loads_messaging(loaders: &[Loader], inits: &[LocatedInit]) -> bool {
    let menu = loaders.iter().any(|l| l.family == Family::LegacyMenu)
        || inits.iter().any(|i| i.call.family == Family::LegacyMenu);
    menu && loaders
        .iter()
        .any(|l| matches!(l.family, Family::MiawV1 | Family::EnhancedV2))
        && !inits.iter().any(|i| i.call.family.is_messaging())
}

/// How chat code on one page is doubled. A page can have several at once; the first in this
/// order names the finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DuplicateKind {
    /// The v1 bootstrap and the v2 init.js (or their init calls) together.
    V1AndV2,
    /// Init calls for two or more different deployment names.
    TwoDeployments,
    /// The Experience Cloud component and a snippet (head markup or page code).
    ComponentAndSnippet,
    /// The Experience Cloud component placed twice (a page and the theme layout).
    ComponentTwice,
    /// Legacy Embedded Service Chat together with Messaging for Web. Not the legacy Channel
    /// Menu, which may load Messaging for Web itself.
    LegacyAndMessaging,
    /// Two loaders of the same snippet.
    SameSnippetTwice,
    /// One loader, but init (or the snippet's wrapper) is run more than once.
    InitCalledTwice,
}

/// Every way the page's chat code is doubled, in [`DuplicateKind`] order.
pub fn classify_duplicates(
    loaders: &[Loader],
    inits: &[LocatedInit],
    wrapper_runs: &[WrapperRun],
) -> Vec<DuplicateKind> {
    let web_loaders: Vec<&Loader> = loaders
        .iter()
        .filter(|l| matches!(l.family, Family::MiawV1 | Family::EnhancedV2))
        .collect();
    let web_inits: Vec<&LocatedInit> = inits
        .iter()
        .filter(|i| i.call.family.is_messaging())
        .collect();
    let components = loaders
        .iter()
        .filter(|l| l.family == Family::ExperienceComponent)
        .count();
    let menu = loaders.iter().any(|l| l.family == Family::LegacyMenu)
        || inits.iter().any(|i| i.call.family == Family::LegacyMenu);
    // esw.min.js alone next to a Channel Menu is the menu's own chat channel.
    let legacy_chat = inits.iter().any(|i| i.call.family == Family::LegacyChat)
        || (!menu && loaders.iter().any(|l| l.family == Family::LegacyChat));
    let messaging = !web_loaders.is_empty() || !web_inits.is_empty() || components > 0;

    let mut kinds = Vec::new();
    let has = |f: Family| {
        web_loaders.iter().any(|l| l.family == f) || web_inits.iter().any(|i| i.call.family == f)
    };
    if has(Family::MiawV1) && has(Family::EnhancedV2) {
        kinds.push(DuplicateKind::V1AndV2);
    }
    // Two different names (no sort: a sort monomorphisation costs kilobytes in the content
    // script).
    let mut names = web_inits
        .iter()
        .filter_map(|i| i.call.deployment.as_deref());
    let first_name = names.next();
    if names.any(|n| Some(n) != first_name) {
        kinds.push(DuplicateKind::TwoDeployments);
    }
    if components > 0 && !web_inits.is_empty() {
        kinds.push(DuplicateKind::ComponentAndSnippet);
    }
    if components > 1 {
        kinds.push(DuplicateKind::ComponentTwice);
    }
    if legacy_chat && messaging {
        kinds.push(DuplicateKind::LegacyAndMessaging);
    }
    // Copies of one snippet, when nothing above already explains the second copy.
    let explained = kinds
        .iter()
        .any(|k| *k != DuplicateKind::LegacyAndMessaging);
    if !explained {
        if web_loaders.len() > 1 {
            kinds.push(DuplicateKind::SameSnippetTwice);
        } else if several_init_sources(&web_inits) || several_wrapper_sources(wrapper_runs) {
            kinds.push(DuplicateKind::InitCalledTwice);
        }
    }
    kinds
}

/// Whether more than one script or `onload` attribute runs the wrapper. Two runs in one script
/// are often alternatives (`if (document.readyState === 'complete') initEmbeddedMessaging();
/// else addEventListener('load', initEmbeddedMessaging)`), so they count once.
fn several_wrapper_sources(runs: &[WrapperRun]) -> bool {
    runs.split_first()
        .is_some_and(|(first, rest)| rest.iter().any(|r| r.source != first.source))
}

/// Whether init calls are in more than one script (two calls in one script may be
/// alternatives).
fn several_init_sources(inits: &[&LocatedInit]) -> bool {
    let key = |i: &LocatedInit| (i.script_index, i.frame.clone());
    inits
        .split_first()
        .is_some_and(|(first, rest)| rest.iter().any(|i| key(i) != key(first)))
}

/// Most deployment names in a finding's title.
const NAMES_IN_TITLE: usize = 5;

/// The deployments the widget asked the messaging service for (its configuration requests):
/// `(orgId, esConfigName)` as the request names them, in order, without repeats.
fn configured_deployments(resources: &[ResourceEvidence]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in resources {
        if lifecycle::classify(&r.url) != Some(lifecycle::Step::Config) {
            continue;
        }
        let query = r.url.split_once('?').map(|(_, q)| q).unwrap_or("");
        let param = |name: &str| {
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.chars().take(80).collect::<String>())
                .unwrap_or_default()
        };
        let d = (param("orgId"), param("esConfigName"));
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// The org an id belongs to: its first 15 characters (the 18-character form adds a checksum).
fn org_key(id: &str) -> &str {
    id.get(..15).unwrap_or(id)
}

fn duplicate_finding(
    loaders: &[Loader],
    inits: &[LocatedInit],
    wrapper_runs: &[WrapperRun],
    seen: &Seen,
    resources: &[ResourceEvidence],
) -> Option<Finding> {
    let kinds = classify_duplicates(loaders, inits, wrapper_runs);
    let first = *kinds.first()?;
    let mut deployments: Vec<String> = inits
        .iter()
        .filter(|i| i.call.family.is_messaging())
        .map(|i| {
            i.call
                .deployment
                .clone()
                .unwrap_or_else(|| "(computed at run time)".into())
        })
        .collect();
    deployments.sort();
    deployments.dedup();
    if deployments.len() > NAMES_IN_TITLE {
        let more = deployments.len() - NAMES_IN_TITLE;
        deployments.truncate(NAMES_IN_TITLE);
        deployments.push(format!("and {more} more"));
    }
    let title = match first {
        DuplicateKind::V1AndV2 => {
            "Both the Messaging for Web (v1) and the Agentforce Messaging snippet are on this page"
                .to_string()
        }
        DuplicateKind::TwoDeployments => format!(
            "Two different chat deployments on one page ({})",
            deployments.join(", ")
        ),
        DuplicateKind::ComponentAndSnippet => {
            "The Embedded Messaging component and a chat snippet are both on this page".to_string()
        }
        DuplicateKind::ComponentTwice => {
            "The Embedded Messaging component is on this page more than once".to_string()
        }
        DuplicateKind::LegacyAndMessaging => {
            "Legacy Embedded Chat and Messaging for Web are both on this page".to_string()
        }
        DuplicateKind::SameSnippetTwice => {
            "The chat snippet is on this page more than once".to_string()
        }
        DuplicateKind::InitCalledTwice => {
            "The chat is started (init) more than once on this page".to_string()
        }
    };
    let mut message = String::new();
    for k in &kinds {
        if !message.is_empty() {
            message.push(' ');
        }
        message.push_str(match k {
            DuplicateKind::V1AndV2 => "The page carries both the Messaging for Web v1 bootstrap and the Agentforce Messaging loader (init.js). Each builds its own chat window, so visitors can get two chat buttons, and the two talk to different things (a deployment, an agent).",
            DuplicateKind::TwoDeployments => "The page starts more than one Embedded Service deployment. The loader runs only the first init it sees and silently ignores the rest, and the site and chat hosts of different snippets can end up mixed, so the widget may load the wrong deployment or fail to start.",
            DuplicateKind::ComponentAndSnippet => "The Experience Cloud site has the Embedded Messaging component and also a chat snippet (in the head markup or page code): each starts the widget, so the page gets two widgets or the second start is rejected.",
            DuplicateKind::ComponentTwice => "The Embedded Messaging component is placed more than once (typically on a page and in the theme layout): each copy starts the widget.",
            DuplicateKind::LegacyAndMessaging => "The retired Embedded Service Chat (esw.min.js, embedded_svc.init) is still on the page next to Messaging for Web: visitors can get two chat buttons, and the legacy chat no longer works (retired 14 February 2026). (The legacy Channel Menu loading Messaging for Web itself is fine; this is the legacy chat snippet.)",
            DuplicateKind::SameSnippetTwice => "The same Embedded Service deployment snippet is on the page more than once: each copy loads the bootstrap again, and the loader rejects the second load and init.",
            DuplicateKind::InitCalledTwice => "The loader is on the page once, but init runs more than once (two init calls, or initEmbeddedMessaging run from two places such as the loader's onload and a load listener). The loader rejects the second init (\"Attempted to initialize bootstrap multiple times\"); an older loader builds a second widget, and repeated inits count against the rate limits.",
        });
    }
    // What the copies do depends on how the page wrote them: say only what this page shows.
    let messaging_places: Vec<bool> = loaders
        .iter()
        .filter(|l| l.family.is_messaging())
        .map(|l| l.origin.contains("in <head>"))
        .chain(
            inits
                .iter()
                .filter(|i| i.call.family.is_messaging())
                .map(|i| i.in_head),
        )
        .collect();
    if kinds.contains(&DuplicateKind::SameSnippetTwice) && !wrapper_runs.is_empty() {
        message.push_str(" Each copy runs initEmbeddedMessaging, and a later copy's function replaces the earlier one.");
    }
    if messaging_places.contains(&true) && messaging_places.contains(&false) {
        message.push_str(" One copy is in <head>: it runs before <body> exists, which the loader refuses with its start-up error, and the copy in <body> is then rejected as a second load or init (with Salesforce's loader no chat button appears).");
    }
    let mut orgs: Vec<&str> = inits
        .iter()
        .filter(|i| i.call.family.is_messaging())
        .filter_map(|i| i.call.org_id.as_deref())
        .map(org_key)
        .collect();
    orgs.sort();
    orgs.dedup();
    let configured = configured_deployments(resources);
    let two_deployments = kinds.contains(&DuplicateKind::TwoDeployments);
    if two_deployments && orgs.len() > 1 {
        message.push_str(&format!(
            " The snippets belong to {} different orgs ({}): at most one of them can be the org whose deployment works here.",
            orgs.len(),
            orgs.iter().take(NAMES_IN_TITLE).copied().collect::<Vec<_>>().join(", ")
        ));
    }
    let mut f = Finding::new("page/duplicate-snippet", Severity::Error, title, message);
    if two_deployments {
        f = f.with_evidence(Evidence::new(
            "Deployment the widget loaded",
            match configured.as_slice() {
                [] => "not known: no configuration request of the widget was seen".to_string(),
                [(org, name)] => format!("{name} of org {org} (its configuration request)"),
                many => format!(
                    "{} configuration requests: {}",
                    many.len(),
                    many.iter()
                        .take(NAMES_IN_TITLE)
                        .map(|(o, n)| format!("{n} of org {o}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        ));
    }
    let legacy = kinds.contains(&DuplicateKind::LegacyAndMessaging);
    let listed = |family: Family| family.is_messaging() || legacy && family == Family::LegacyChat;
    let mut shown = 0;
    for l in loaders
        .iter()
        .filter(|l| listed(l.family))
        .take(EVIDENCE_LISTED)
    {
        let label = match l.family {
            Family::ExperienceComponent => "Embedded Messaging component",
            Family::LegacyChat => "Legacy chat loader",
            _ => "Loader",
        };
        f = f.with_evidence(Evidence::new(label, &l.url).at(&l.origin));
        shown += 1;
    }
    f = and_more(f, "Loaders", shown, seen.loaders_of(listed));
    shown = 0;
    for i in inits
        .iter()
        .filter(|i| listed(i.call.family))
        .take(EVIDENCE_LISTED)
    {
        f = f.with_evidence(Evidence::new("Init call", describe_call(&i.call)).at(i.location()));
        shown += 1;
    }
    f = and_more(f, "Init calls", shown, seen.inits_of(listed));
    if kinds.contains(&DuplicateKind::InitCalledTwice) {
        for r in wrapper_runs.iter().take(EVIDENCE_LISTED) {
            f = f
                .with_evidence(Evidence::new("Runs initEmbeddedMessaging", "here").at(&r.location));
        }
        f = and_more(
            f,
            "Runs initEmbeddedMessaging",
            wrapper_runs.len().min(EVIDENCE_LISTED),
            seen.wrapper_runs,
        );
    }
    for k in &kinds {
        f = match k {
            DuplicateKind::V1AndV2 => f.with_fix("Keep the snippet of the version the deployment uses now (Setup › Embedded Service Deployments › the deployment › Code Snippet) and remove the other."),
            DuplicateKind::LegacyAndMessaging => f.with_fix("Remove the legacy Embedded Service Chat snippet (the esw.min.js script and its embedded_svc.init block); keep the Messaging for Web snippet."),
            DuplicateKind::InitCalledTwice => f.with_fix("Run initEmbeddedMessaging from one place only: keep the loader tag's onload=\"initEmbeddedMessaging()\" and remove the other calls (load listeners, a second init, a tag that fires again on route changes)."),
            _ => f,
        };
    }
    // Experience Cloud advice only where the page shows the component or the snippet names an
    // Experience Cloud site context.
    let experience = kinds.iter().any(|k| {
        matches!(
            k,
            DuplicateKind::ComponentAndSnippet | DuplicateKind::ComponentTwice
        )
    }) || loaders
        .iter()
        .any(|l| l.family == Family::ExperienceComponent);
    if experience {
        f = f.with_fix("On an Experience Cloud site, use either the Embedded Messaging component or the head-markup snippet, not both, and place the component on one page or the theme layout, not both.");
    }
    if two_deployments {
        if let [(org, name)] = configured.as_slice() {
            f = f.with_fix(format!("Keep the snippet of the deployment that should run ({name} of org {org} is the one the widget loaded) and remove the others."));
        }
    }
    Some(
        f.with_fix("Keep exactly one copy of the snippet (the loader script and its initEmbeddedMessaging block) on the page; remove the others from the page template, CMS block or tag manager.")
            .with_link(
                "Embedded Service Deployments (Setup)",
                "/lightning/setup/EmbeddedServiceDeployments/home",
            ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init_script(index: u32, dep: &str) -> ScriptEvidence {
        ScriptEvidence {
            index,
            src: None,
            inline: Some(format!(
                "function initEmbeddedMessaging(){{embeddedservice_bootstrap.init('00DHu00000abcde','{dep}','https://acme.my.site.com/ESW{dep}1712345678901',{{scrt2URL:'https://acme.my.salesforce-scrt.com'}})}}"
            )),
            in_head: false,
            onload: None,
        }
    }

    fn loader_script(index: u32, in_head: bool) -> ScriptEvidence {
        ScriptEvidence {
            index,
            src: Some(
                "https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js".into(),
            ),
            inline: None,
            in_head,
            onload: Some("initEmbeddedMessaging()".into()),
        }
    }

    fn codes(r: &PageReport) -> Vec<&str> {
        r.findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn classifies_loader_urls() {
        let cases = [
            (
                "https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js",
                Some(Family::MiawV1),
            ),
            (
                "https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js?v=2#x",
                Some(Family::MiawV1),
            ),
            (
                "https://service.force.com/embeddedservice/agentforcemessaging/1.0/init.js",
                Some(Family::EnhancedV2),
            ),
            ("https://cdn.example.com/assets/js/init.js", None),
            // The guessed `<site>/assets/js/init.js` v2 loader has no source: not recognised.
            (
                "https://acme.my.site.com/ESWAgent1712345678901/assets/js/init.js",
                None,
            ),
            (
                "https://acme.my.salesforce.com/embeddedservice/menu/fab.min.js",
                Some(Family::LegacyMenu),
            ),
            (
                "https://service.force.com/embeddedservice/5.0/esw.min.js",
                Some(Family::LegacyChat),
            ),
            ("https://example.com/app.js", None),
            ("not a url", None),
        ];
        for (url, want) in cases {
            assert_eq!(classify_loader(url), want, "{url}");
        }
    }

    #[test]
    fn empty_page_says_no_widget() {
        let r = analyze(&PageEvidence {
            url: "https://www.example.com/".into(),
            scripts: vec![ScriptEvidence {
                index: 1,
                src: Some("https://www.example.com/app.js".into()),
                ..Default::default()
            }],
            ..Default::default()
        });
        assert_eq!(codes(&r), vec!["page/no-chat-widget"]);
        assert!(r.loaders.is_empty());
    }

    #[test]
    fn single_snippet_is_inventoried_without_duplicates() {
        let r = analyze(&PageEvidence {
            url: "https://www.example.com/".into(),
            scripts: vec![init_script(1, "Web_Chat"), loader_script(2, false)],
            ..Default::default()
        });
        assert_eq!(codes(&r), vec!["page/snippet-found"]);
        assert_eq!(r.loaders.len(), 1);
        assert_eq!(r.init_calls[0].call.deployment.as_deref(), Some("Web_Chat"));
        assert_eq!(r.findings[0].evidence.len(), 2);
    }

    #[test]
    fn same_snippet_twice_is_a_duplicate_with_every_copy_as_evidence() {
        let r = analyze(&PageEvidence {
            url: "https://www.example.com/".into(),
            scripts: vec![
                init_script(1, "Web_Chat"),
                loader_script(2, true),
                init_script(3, "Web_Chat"),
                loader_script(4, false),
            ],
            ..Default::default()
        });
        assert_eq!(
            codes(&r),
            vec!["page/snippet-found", "page/duplicate-snippet"]
        );
        let dup = &r.findings[1];
        assert_eq!(dup.severity, Severity::Error);
        assert!(dup.title.contains("more than once"), "{}", dup.title);
        let places: Vec<_> = dup
            .evidence
            .iter()
            .filter_map(|e| e.location.clone())
            .collect();
        assert_eq!(places.len(), 4);
        assert!(places.iter().any(|p| p.contains("script #2 in <head>")));
        assert!(places.iter().any(|p| p.contains("script #4 in <body>")));
    }

    #[test]
    fn two_deployments_are_named_in_the_title() {
        let r = analyze(&PageEvidence {
            url: "https://www.example.com/".into(),
            scripts: vec![
                init_script(1, "Web_Chat"),
                init_script(2, "Sales_Chat"),
                loader_script(3, false),
            ],
            ..Default::default()
        });
        let dup = r
            .findings
            .iter()
            .find(|f| f.code == "page/duplicate-snippet")
            .unwrap();
        assert!(dup.title.contains("Sales_Chat, Web_Chat"), "{}", dup.title);
    }

    #[test]
    fn a_loader_seen_only_in_resource_timing_counts() {
        let r = analyze(&PageEvidence {
            url: "https://www.example.com/".into(),
            scripts: vec![loader_script(1, false)],
            resources: vec![
                ResourceEvidence {
                    url: "https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js"
                        .into(),
                    initiator: "script".into(),
                    ..Default::default()
                },
                ResourceEvidence {
                    url:
                        "https://other.my.site.com/ESWOther1712345678901/assets/js/bootstrap.min.js"
                            .into(),
                    initiator: "script".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        });
        assert_eq!(
            r.loaders.len(),
            2,
            "the element's own fetch is not counted twice"
        );
        assert!(r.loaders[1].origin.contains("no <script> element"));
        assert!(codes(&r).contains(&"page/duplicate-snippet"));
    }

    #[test]
    fn evidence_round_trips_through_json_in_the_shape_the_collector_sends() {
        let json = r#"{"url":"https://x.example/","scripts":[{"index":1,"src":null,"inline":"embeddedservice_bootstrap.init('00DHu00000abcde','A','https://a.my.site.com/E',{})","inHead":true}],"resources":[],"dom":{"containers":0,"buttons":0,"chatFrames":[]},"truncated":false}"#;
        let ev: PageEvidence = serde_json::from_str(json).unwrap();
        assert!(ev.scripts[0].in_head);
        let r = analyze(&ev);
        assert_eq!(r.init_calls.len(), 1);
        let out = serde_json::to_value(&r).unwrap();
        assert_eq!(out["initCalls"][0]["deployment"], "A");
        assert_eq!(out["initCalls"][0]["inHead"], true);
        assert_eq!(out["initCalls"][0]["orgId"], "00DHu00000abcde");
        assert_eq!(out["initCalls"][0]["siteUrl"], "https://a.my.site.com/E");
    }

    fn script(index: u32, in_head: bool, text: &str) -> ScriptEvidence {
        ScriptEvidence {
            index,
            inline: Some(text.into()),
            in_head,
            ..Default::default()
        }
    }

    fn src_script(index: u32, src: &str, onload: Option<&str>) -> ScriptEvidence {
        ScriptEvidence {
            index,
            src: Some(src.into()),
            onload: onload.map(String::from),
            ..Default::default()
        }
    }

    fn dup_of(r: &PageReport) -> &Finding {
        r.findings
            .iter()
            .find(|f| f.code == "page/duplicate-snippet")
            .expect("duplicate")
    }

    /// Two orgs' snippets: the finding says so and names the deployment the widget loaded (its
    /// configuration request), or that it is not known.
    #[test]
    fn two_orgs_are_named_with_the_deployment_that_loaded() {
        let other = |index: u32| {
            ScriptEvidence {
            inline: Some("function initEmbeddedMessaging(){embeddedservice_bootstrap.init('00DAb00000fghij','Other_Chat','https://other.my.site.com/ESWOther1712345678901',{scrt2URL:'https://other.my.salesforce-scrt.com'})}".into()),
            ..init_script(index, "Web_Chat")
        }
        };
        let mut ev = page_of(vec![
            init_script(0, "Web_Chat"),
            loader_script(1, false),
            other(2),
            loader_script(3, false),
        ]);
        let f = dup_of(&analyze(&ev)).clone();
        assert!(
            f.message
                .contains("2 different orgs (00DAb00000fghij, 00DHu00000abcde)"),
            "{}",
            f.message
        );
        let loaded = |f: &Finding| {
            f.evidence
                .iter()
                .find(|e| e.label == "Deployment the widget loaded")
                .map(|e| e.value.clone())
        };
        assert!(loaded(&f).unwrap().starts_with("not known"));
        ev.resources = vec![ResourceEvidence {
            url: "https://other.my.salesforce-scrt.com/embeddedservice/v1/embedded-service-config?orgId=00DAb00000fghij&esConfigName=Other_Chat&language=en_US".into(),
            status: Some(200),
            ..Default::default()
        }];
        let f = dup_of(&analyze(&ev)).clone();
        assert_eq!(
            loaded(&f).unwrap(),
            "Other_Chat of org 00DAb00000fghij (its configuration request)"
        );
        assert!(f
            .fix
            .iter()
            .any(|x| x.contains("Other_Chat of org 00DAb00000fghij is the one the widget loaded")));
        // Plain site: no Experience Cloud advice.
        assert!(
            !f.fix.iter().any(|x| x.contains("Experience Cloud")),
            "{:?}",
            f.fix
        );
    }

    /// The text says only what the page shows: "runs initEmbeddedMessaging" only when it is run,
    /// the <head> failure only when a copy is in <head>.
    #[test]
    fn duplicate_text_follows_the_page() {
        let tag = |index: u32, in_head: bool| {
            ScriptEvidence {
            index,
            src: None,
            inline: Some("var s=document.createElement('script');s.src='https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js';s.onload=function(){window.embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWeb1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'})};document.head.appendChild(s);".into()),
            in_head,
            onload: None,
        }
        };
        let with_loaders = |a: bool, b: bool| {
            let mut ev = page_of(vec![tag(0, a), tag(1, b)]);
            ev.resources = vec![];
            ev
        };
        let f = dup_of(&analyze(&with_loaders(false, false))).clone();
        assert!(
            !f.message.contains("Each copy runs initEmbeddedMessaging"),
            "{}",
            f.message
        );
        assert!(!f.message.contains("<head>"), "{}", f.message);
        let f = dup_of(&analyze(&with_loaders(true, false))).clone();
        assert!(f.message.contains("One copy is in <head>"), "{}", f.message);
        let snippet = page_of(vec![
            init_script(0, "Web_Chat"),
            loader_script(1, true),
            init_script(2, "Web_Chat"),
            loader_script(3, false),
        ]);
        let f = dup_of(&analyze(&snippet)).clone();
        assert!(
            f.message.contains("Each copy runs initEmbeddedMessaging"),
            "{}",
            f.message
        );
        assert!(f.message.contains("One copy is in <head>"), "{}", f.message);
    }

    const V1: &str = "https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js";
    const V2: &str = "https://service.force.com/embeddedservice/agentforcemessaging/1.0/init.js";
    const WRAPPER: &str = "function initEmbeddedMessaging(){try{embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWeb1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'})}catch(e){}}";
    const LEGACY: &str = "var initESW=function(g){embedded_svc.init('https://acme.my.salesforce.com','https://acme.my.site.com/help',g,'00DHu00000abcde','Legacy_Snapin',{baseLiveAgentURL:'https://d.la1-c2-ia2.salesforceliveagent.com/chat'})};initESW('https://service.force.com');";
    const MENU: &str = "var initESW=function(g){embedded_svc.menu.init('https://acme.my.salesforce.com','https://d.la1-c2-ia2.salesforceliveagent.com/chat',g,'00DHu00000abcde','Channel_Menu',{pageName:'Menu_Settings'})};initESW(null);";

    fn page_of(scripts: Vec<ScriptEvidence>) -> PageEvidence {
        PageEvidence {
            url: "https://www.example.com/".into(),
            scripts,
            ..Default::default()
        }
    }

    fn kinds(ev: &PageEvidence) -> Vec<DuplicateKind> {
        let mut inv = Inventory::default();
        let mut budget = ReadBudget::default();
        inv.read(
            &Doc {
                frame: None,
                scripts: &ev.scripts,
                resources: &ev.resources,
                dom: &ev.dom,
            },
            &mut budget,
        );
        for f in ev.frames.iter().filter(|f| f.inspectable) {
            inv.read(
                &Doc {
                    frame: Some(f.label()),
                    scripts: &f.scripts,
                    resources: &f.resources,
                    dom: &f.dom,
                },
                &mut budget,
            );
        }
        classify_duplicates(&inv.loaders, &inv.inits, &inv.wrapper_runs)
    }

    fn dup(r: &PageReport) -> Option<&Finding> {
        r.findings
            .iter()
            .find(|f| f.code == "page/duplicate-snippet")
    }

    /// Each row: the page's scripts → how its chat code is doubled (empty: not doubled).
    #[test]
    fn duplicate_kinds_table() {
        use DuplicateKind::*;
        let legacy_loader = "https://service.force.com/embeddedservice/5.0/esw.min.js";
        let menu_loader = "https://acme.my.salesforce.com/embeddedservice/menu/fab.min.js";
        let rows: Vec<(&str, Vec<ScriptEvidence>, Vec<DuplicateKind>)> = vec![
            ("one snippet", vec![script(1, false, WRAPPER), src_script(2, V1, Some("initEmbeddedMessaging()"))], vec![]),
            ("same snippet twice", vec![script(1, true, WRAPPER), src_script(2, V1, Some("initEmbeddedMessaging()")), script(3, false, WRAPPER), src_script(4, V1, Some("initEmbeddedMessaging()"))], vec![SameSnippetTwice]),
            ("onload and a load listener run the wrapper twice", vec![script(1, false, &format!("{WRAPPER}\nwindow.addEventListener('load', initEmbeddedMessaging);")), src_script(2, V1, Some("initEmbeddedMessaging()"))], vec![InitCalledTwice]),
            ("the wrapper called again by page code", vec![script(1, false, WRAPPER), src_script(2, V1, Some("initEmbeddedMessaging()")), script(3, false, "document.addEventListener('DOMContentLoaded', function () { if (window.initEmbeddedMessaging) { window.initEmbeddedMessaging(); } });")], vec![InitCalledTwice]),
            ("init calls of one deployment in two scripts, one loader", vec![script(1, false, WRAPPER), src_script(2, V1, Some("initEmbeddedMessaging()")), script(3, false, "embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWeb1712345678901',{});")], vec![InitCalledTwice]),
            ("two init calls in one script (branches), one loader", vec![script(1, false, "function initEmbeddedMessaging(){ if (fr) { embeddedservice_bootstrap.settings.language='fr'; embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWeb1712345678901',{}); } else { embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWeb1712345678901',{}); } }"), src_script(2, V1, Some("initEmbeddedMessaging()"))], vec![]),
            ("v1 and v2 loaders", vec![script(1, false, WRAPPER), src_script(2, V1, Some("initEmbeddedMessaging()")), script(3, false, "agentforce_messaging.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWAgent1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'})"), src_script(4, V2, None)], vec![V1AndV2]),
            ("legacy chat and messaging", vec![src_script(1, legacy_loader, None), script(2, false, LEGACY), script(3, false, WRAPPER), src_script(4, V1, Some("initEmbeddedMessaging()"))], vec![LegacyAndMessaging]),
            ("legacy chat alone", vec![src_script(1, legacy_loader, None), script(2, false, LEGACY)], vec![]),
            ("legacy Channel Menu loading messaging itself", vec![src_script(1, menu_loader, None), script(2, false, MENU), src_script(3, V1, None)], vec![]),
            ("Channel Menu, its esw.min.js and the messaging bootstrap it loaded", vec![src_script(1, menu_loader, None), script(2, false, MENU), src_script(3, legacy_loader, None), src_script(4, V1, None)], vec![]),
            ("Channel Menu plus the page's own messaging snippet twice", vec![script(1, false, MENU), script(2, false, WRAPPER), src_script(3, V1, Some("initEmbeddedMessaging()")), script(4, false, WRAPPER), src_script(5, "https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js?v=2", Some("initEmbeddedMessaging()"))], vec![SameSnippetTwice]),
            ("run from one place in one of two branches", vec![script(1, false, &format!("{WRAPPER}\nif (document.readyState === 'complete') {{ initEmbeddedMessaging(); }} else {{ window.addEventListener('load', initEmbeddedMessaging); }}"))], vec![]),
            ("a wrapper that is defined and tested but run once", vec![script(1, false, &format!("{WRAPPER}\nif (typeof initEmbeddedMessaging === 'function' && initEmbeddedMessaging) {{ console.log(initEmbeddedMessaging.name); }}\nwindow.initEmbeddedMessaging = initEmbeddedMessaging;")), src_script(2, V1, Some("initEmbeddedMessaging()"))], vec![]),
        ];
        for (name, scripts, want) in rows {
            assert_eq!(kinds(&page_of(scripts)), want, "{name}");
        }
    }

    #[test]
    fn experience_cloud_component_counts_as_a_copy() {
        use DuplicateKind::*;
        let with = |n: u32, scripts: Vec<ScriptEvidence>| PageEvidence {
            dom: DomEvidence {
                experience_components: n,
                ..Default::default()
            },
            ..page_of(scripts)
        };
        // The component alone, with the bootstrap it loaded (resource timing): one copy.
        let mut alone = with(1, vec![]);
        alone.resources.push(ResourceEvidence {
            url: V1.into(),
            initiator: "script".into(),
            ..Default::default()
        });
        assert_eq!(kinds(&alone), vec![]);
        let r = analyze(&alone);
        assert_eq!(codes(&r)[0], "page/snippet-found");
        assert!(dup(&r).is_none());
        assert_eq!(r.loaders[1].family, Family::ExperienceComponent);
        assert!(r.loaders[1].url.contains(EXPERIENCE_COMPONENT_TAG));
        // Component plus a head-markup snippet.
        let both = with(
            1,
            vec![
                script(1, true, WRAPPER),
                src_script(2, V1, Some("initEmbeddedMessaging()")),
            ],
        );
        assert_eq!(kinds(&both), vec![ComponentAndSnippet]);
        let r = analyze(&both);
        let d = dup(&r).unwrap();
        assert!(
            d.title.contains("Embedded Messaging component"),
            "{}",
            d.title
        );
        assert!(d
            .evidence
            .iter()
            .any(|e| e.label == "Embedded Messaging component"));
        // Component on a page and in the theme layout.
        assert_eq!(kinds(&with(2, vec![])), vec![ComponentTwice]);
    }

    #[test]
    fn legacy_plus_messaging_names_both_and_says_the_menu_is_fine() {
        let r = analyze(&page_of(vec![
            src_script(
                1,
                "https://service.force.com/embeddedservice/5.0/esw.min.js",
                None,
            ),
            script(2, false, LEGACY),
            script(3, false, WRAPPER),
            src_script(4, V1, Some("initEmbeddedMessaging()")),
        ]));
        let d = dup(&r).unwrap();
        assert!(d.title.starts_with("Legacy Embedded Chat"), "{}", d.title);
        assert!(d.evidence.iter().any(|e| e.label == "Legacy chat loader"));
        assert!(d.evidence.iter().any(|e| e.value.contains(
            "legacy Embedded Service Chat: org 00DHu00000abcde, deployment Legacy_Snapin"
        )));
        assert!(d.fix.iter().any(|f| f.contains("esw.min.js")));

        let menu = analyze(&page_of(vec![
            script(1, false, MENU),
            src_script(
                2,
                "https://acme.my.salesforce.com/embeddedservice/menu/fab.min.js",
                None,
            ),
            src_script(3, V1, None),
        ]));
        assert!(dup(&menu).is_none());
        let found = &menu.findings[0];
        assert!(found.evidence.iter().any(|e| e.label == "Channel Menu"));
        assert!(found.evidence.iter().any(|e| e
            .value
            .contains("legacy Channel Menu: org 00DHu00000abcde, menu Channel_Menu")));
    }

    #[test]
    fn init_called_twice_lists_where_it_runs() {
        let r = analyze(&page_of(vec![
            script(
                1,
                false,
                &format!("{WRAPPER}\nwindow.addEventListener('load', initEmbeddedMessaging);"),
            ),
            src_script(2, V1, Some("initEmbeddedMessaging()")),
        ]));
        let d = dup(&r).unwrap();
        assert!(d.title.contains("more than once"), "{}", d.title);
        let runs: Vec<_> = d
            .evidence
            .iter()
            .filter(|e| e.label == "Runs initEmbeddedMessaging")
            .filter_map(|e| e.location.as_deref())
            .collect();
        assert_eq!(
            runs,
            vec![
                "script #1 in <body>, line 2",
                "onload attribute of script #2 in <body>"
            ]
        );
    }

    #[test]
    fn v1_and_v2_title() {
        let r = analyze(&page_of(vec![
            script(1, false, WRAPPER),
            src_script(2, V1, Some("initEmbeddedMessaging()")),
            src_script(3, V2, None),
        ]));
        assert!(dup(&r)
            .unwrap()
            .title
            .contains("v1) and the Agentforce Messaging"));
    }

    fn frame(
        index: u32,
        url: &str,
        inspectable: bool,
        scripts: Vec<ScriptEvidence>,
    ) -> FrameEvidence {
        FrameEvidence {
            index,
            url: url.into(),
            inspectable,
            scripts,
            ..Default::default()
        }
    }

    #[test]
    fn snippets_in_same_origin_frames_are_found_and_located() {
        let mut ev = page_of(vec![script(1, false, "console.log(1)")]);
        ev.frames = vec![
            frame(
                1,
                "https://www.example.com/help/chat.html",
                true,
                vec![
                    script(1, false, WRAPPER),
                    src_script(2, V1, Some("initEmbeddedMessaging()")),
                ],
            ),
            frame(2, "https://ads.example.net/slot", false, vec![]),
        ];
        let r = analyze(&ev);
        assert_eq!(codes(&r), vec!["page/snippet-found"]);
        assert_eq!(
            r.init_calls[0].frame.as_deref(),
            Some("frame #1 (https://www.example.com/help/chat.html)")
        );
        assert_eq!(
            r.init_calls[0].location(),
            "script #1 in <body> of frame #1 (https://www.example.com/help/chat.html), line 1"
        );
        assert_eq!(
            r.loaders[0].origin,
            "script #2 in <body> of frame #1 (https://www.example.com/help/chat.html)"
        );
        let ev_lines: Vec<_> = r.findings[0]
            .evidence
            .iter()
            .map(|e| e.label.as_str())
            .collect();
        assert!(ev_lines.contains(&"Frames read"), "{ev_lines:?}");
        assert!(ev_lines.contains(&"Frame not inspectable (another site)"));
        assert_eq!(r.stats.frames, 2);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json["initCalls"][0]["frame"],
            "frame #1 (https://www.example.com/help/chat.html)"
        );
    }

    #[test]
    fn the_widget_in_a_frame_gets_its_stage_from_the_frame() {
        let mut ev = page_of(vec![]);
        ev.page_age_ms = Some(30_000.0);
        let mut f = frame(
            1,
            "https://www.example.com/help/chat.html",
            true,
            vec![
                script(1, false, WRAPPER),
                src_script(2, V1, Some("initEmbeddedMessaging()")),
            ],
        );
        f.page_age_ms = Some(1_000.0);
        f.resources.push(ResourceEvidence {
            url: V1.into(),
            initiator: "script".into(),
            status: Some(200),
            duration_ms: Some(20.0),
            start_ms: Some(100.0),
        });
        ev.frames.push(f);
        let r = analyze(&ev);
        // The frame is 1 s old: still starting, not "loader never fetched" from the page's view.
        assert_eq!(
            codes(&r),
            vec!["page/snippet-found", "page/widget-starting"]
        );
        assert_eq!(r.timeline.len(), 1);
    }

    #[test]
    fn a_snippet_on_the_page_and_one_in_a_frame_are_a_duplicate() {
        let mut ev = page_of(vec![
            script(1, false, WRAPPER),
            src_script(2, V1, Some("initEmbeddedMessaging()")),
        ]);
        ev.frames.push(frame(
            1,
            "https://www.example.com/inner.html",
            true,
            vec![
                script(1, false, WRAPPER),
                src_script(2, V1, Some("initEmbeddedMessaging()")),
            ],
        ));
        let r = analyze(&ev);
        let d = dup(&r).unwrap();
        assert!(d.evidence.iter().any(|e| e
            .location
            .as_deref()
            .is_some_and(|l| l.contains("of frame #1"))));
    }

    #[test]
    fn cross_origin_frames_are_listed_on_a_page_without_chat_code() {
        let mut ev = page_of(vec![]);
        ev.frames = (1..=12)
            .map(|i| frame(i, &format!("https://other{i}.example.net/"), false, vec![]))
            .collect();
        let r = analyze(&ev);
        assert_eq!(codes(&r), vec!["page/no-chat-widget"]);
        let closed = r.findings[0]
            .evidence
            .iter()
            .filter(|e| e.label.starts_with("Frame not inspectable"))
            .count();
        assert_eq!(closed, FRAMES_LISTED);
        assert!(r.findings[0]
            .evidence
            .iter()
            .any(|e| e.value == "and 2 more"));
    }
}
