//! The page half of the diagnosis: what chat code the customer's page carries.
//!
//! Input is [`PageEvidence`], gathered in the content script by `crates/page-wasm` (script tags
//! in document order, resource timing entries, widget DOM markers). Output is a [`PageReport`]:
//! the loaders and init calls found, grouped by deployment, and the page findings.

mod duplicates;
mod inventory;
pub mod lifecycle;
mod requests;
pub mod sanity;
pub mod snippet;
pub mod watch;

#[cfg(test)]
mod tests;

use crate::finding::{Evidence, Finding, Severity};
use duplicates::duplicate_finding;
pub use duplicates::{classify_duplicates, DuplicateKind};
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
    /// Agentforce Messaging's chat frames, `#agentforce-messaging-frame`. The loader builds
    /// the frame (and its container) as soon as init accepts the values, before the site has
    /// answered: a frame says only that init ran (simulator/CONTRACT.md
    /// `C-AGENTFORCE-FRAME-AT-ONCE`).
    #[serde(default)]
    pub agentforce_frames: u32,
    /// Agentforce Messaging's chat frames whose app reported its state: the loader set one of
    /// the classes `init`, `normal`, `expanded`, `closed` on the frame from the app's `resize`
    /// message (`C-AGENTFORCE-APP-STATE`).
    #[serde(default)]
    pub agentforce_frames_reported: u32,
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
    // common name, so only under that path, or — the positional generation — on a deployment's
    // site (see [`is_positional_site_file`]).
    if is_positional_site_file(&host, path, "/assets/js/init.js") {
        return Some(Family::AgentforcePositional);
    }
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

/// Whether `path` is `<site>/<file>` of an Embedded Service deployment's site, for the file
/// names the positional Agentforce Messaging generation uses (`assets/js/init.js`,
/// `assets/styles/init.min.css`), which are too common to trust on any website: the site's
/// last path segment is the one Setup generates (`ESW<name><13-digit timestamp>`, every
/// public page loading this loader has one), or the host is a Salesforce one.
pub(crate) fn is_positional_site_file(host: &str, path: &str, file: &str) -> bool {
    let Some(site) = path.strip_suffix(file) else {
        return false;
    };
    let segment = site.rsplit('/').next().unwrap_or("");
    let generated = segment.len() > 16
        && segment.starts_with("ESW")
        && segment.bytes().rev().take(13).all(|b| b.is_ascii_digit());
    let salesforce = [".site.com", ".force.com", ".salesforce.com"]
        .iter()
        .any(|s| host.ends_with(s));
    generated || salesforce
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
    menu && loaders.iter().any(|l| {
        matches!(
            l.family,
            Family::MiawV1 | Family::EnhancedV2 | Family::AgentforcePositional
        )
    }) && !inits.iter().any(|i| i.call.family.is_messaging())
}
