//! The page half of the diagnosis: what chat code the customer's page carries.
//!
//! Input is [`PageEvidence`], gathered in the content script by `crates/page-wasm` (script tags
//! in document order, resource timing entries, widget DOM markers). Output is a [`PageReport`]:
//! the loaders and init calls found, grouped by deployment, and the page findings.

pub mod lifecycle;
pub mod sanity;
pub mod snippet;

use crate::finding::{Evidence, Finding, Severity};
use serde::{Deserialize, Serialize};
use snippet::{find_init_calls, Family, InitCall};

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
    #[serde(flatten)]
    pub call: InitCall,
}

impl LocatedInit {
    /// Where the call is, for evidence: `script #N in <head>, line L`.
    pub fn location(&self) -> String {
        format!(
            "{}, line {}",
            script_position(self.script_index, self.in_head),
            self.call.line
        )
    }
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
}

/// Which loader family a script URL is, if any.
pub fn classify_loader(url: &str) -> Option<Family> {
    let (host, path) = split_url(url)?;
    let path = path.split(['?', '#']).next().unwrap_or("");
    if path.ends_with("/assets/js/bootstrap.min.js") || path.ends_with("/assets/js/bootstrap.js") {
        return Some(Family::MiawV1);
    }
    let sf_site = host.ends_with(".site.com") || host.ends_with(".force.com");
    if sf_site && path.ends_with("/assets/js/init.js") {
        return Some(Family::EnhancedV2);
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

/// A script's position for evidence: `script #N in <head>` / `<body>`.
fn script_position(index: u32, in_head: bool) -> String {
    format!(
        "script #{index} in <{}>",
        if in_head { "head" } else { "body" }
    )
}

fn where_script(s: &ScriptEvidence) -> String {
    script_position(s.index, s.in_head)
}

/// Runs every page check over the evidence.
pub fn analyze(ev: &PageEvidence) -> PageReport {
    let mut loaders = Vec::new();
    let mut init_calls = Vec::new();
    let mut inline_bytes = 0u64;
    for s in &ev.scripts {
        if let Some(src) = &s.src {
            if let Some(family) = classify_loader(src) {
                loaders.push(Loader {
                    family,
                    url: src.clone(),
                    origin: where_script(s),
                });
            }
        }
        if let Some(text) = &s.inline {
            inline_bytes += text.len() as u64;
            for call in find_init_calls(text) {
                init_calls.push(LocatedInit {
                    script_index: s.index,
                    in_head: s.in_head,
                    call,
                });
            }
        }
    }
    // A loader the browser fetched whose element is gone (tag managers remove theirs).
    for r in &ev.resources {
        if let Some(family) = classify_loader(&r.url) {
            if !loaders.iter().any(|l| l.url == r.url) {
                loaders.push(Loader {
                    family,
                    url: r.url.clone(),
                    origin: "fetched by the page (resource timing); no <script> element now"
                        .to_string(),
                });
            }
        }
    }

    let mut findings = Vec::new();
    if loaders.is_empty() && init_calls.is_empty() {
        findings.push(no_widget_finding(ev));
    } else {
        findings.extend(inventory_findings(&loaders, &init_calls));
        if let Some(f) = duplicate_finding(&loaders, &init_calls) {
            findings.push(f);
        }
        findings.extend(
            init_calls
                .iter()
                .filter_map(|i| sanity::finding_for(&i.call, &i.location())),
        );
    }
    let (timeline, stage) = lifecycle::assess(ev, &loaders, &init_calls);
    if let Some(stage) = &stage {
        if stage.widget_started() {
            demote_latent_duplicate(&mut findings);
        }
        findings.push(lifecycle::finding_for(stage, &timeline, ev));
    }
    if ev.truncated {
        findings.push(Finding::new(
            "page/scan-truncated",
            Severity::Info,
            "Part of the page was too large to scan",
            "The page has more script text than Messaging Doctor reads in one pass, so a snippet \
             near the end of a very large page may have been missed.",
        ));
    }

    PageReport {
        core_version: crate::CORE_VERSION.to_string(),
        url: ev.url.clone(),
        loaders,
        init_calls,
        timeline,
        stage,
        findings,
        stats: ScanStats {
            scripts: ev.scripts.len() as u32,
            inline_bytes,
            resources: ev.resources.len() as u32,
            truncated: ev.truncated,
        },
    }
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
    Finding::new(
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
    ))
    .with_fix("Open the page where the chat button should appear and run the check there.")
    .with_fix(
        "If the snippet is added by a tag manager, make sure its tag fires on this page and for \
         this visitor (consent banners often hold it back).",
    )
}

fn describe_call(c: &InitCall) -> String {
    let field = |v: &Option<String>| v.clone().unwrap_or_else(|| "(set at run time)".into());
    format!(
        "{}: org {}, deployment {}, site {}",
        c.family.label(),
        field(&c.org_id),
        field(&c.deployment),
        field(&c.site_url)
    )
}

fn inventory_findings(loaders: &[Loader], inits: &[LocatedInit]) -> Vec<Finding> {
    let mut f = Finding::new(
        "page/snippet-found",
        Severity::Ok,
        format!(
            "Chat code found: {} loader script{}, {} init call{}",
            loaders.len(),
            if loaders.len() == 1 { "" } else { "s" },
            inits.len(),
            if inits.len() == 1 { "" } else { "s" }
        ),
        "Messaging Doctor read the chat code on this page; each copy is listed as evidence.",
    );
    for l in loaders {
        f = f.with_evidence(
            Evidence::new(format!("Loader ({})", l.family.label()), &l.url).at(&l.origin),
        );
    }
    for i in inits {
        f = f.with_evidence(Evidence::new("Init call", describe_call(&i.call)).at(i.location()));
    }
    vec![f]
}

fn duplicate_finding(loaders: &[Loader], inits: &[LocatedInit]) -> Option<Finding> {
    let miaw_loaders: Vec<&Loader> = loaders
        .iter()
        .filter(|l| l.family != Family::LegacyChat)
        .collect();
    let miaw_inits: Vec<&LocatedInit> = inits
        .iter()
        .filter(|i| i.call.family != Family::LegacyChat)
        .collect();
    if miaw_loaders.len() < 2 && miaw_inits.len() < 2 {
        return None;
    }
    let mut deployments: Vec<String> = miaw_inits
        .iter()
        .map(|i| {
            i.call
                .deployment
                .clone()
                .unwrap_or_else(|| "(set at run time)".into())
        })
        .collect();
    deployments.sort();
    deployments.dedup();
    let (title, message) =
        if deployments.len() > 1 {
            (
            format!("Two different chat deployments on one page ({})", deployments.join(", ")),
            "The page starts more than one Embedded Service deployment. The loader runs only the \
             first init it sees and silently ignores the rest, and the site and chat hosts of \
             different snippets can end up mixed, so the widget may load the wrong deployment or \
             fail to start."
                .to_string(),
        )
        } else {
            (
                "The chat snippet is on this page more than once".to_string(),
                "The same Embedded Service deployment snippet is on the page more than once. Each \
             copy defines initEmbeddedMessaging and loads the bootstrap again; the loader \
             rejects the second load and init, and with one copy in <head> and one in <body> \
             init can fail so that no chat button appears."
                    .to_string(),
            )
        };
    let mut f = Finding::new("page/duplicate-snippet", Severity::Error, title, message);
    for l in &miaw_loaders {
        f = f.with_evidence(Evidence::new("Loader", &l.url).at(&l.origin));
    }
    for i in &miaw_inits {
        f = f.with_evidence(Evidence::new("Init call", describe_call(&i.call)).at(i.location()));
    }
    Some(
        f.with_fix("Keep exactly one copy of the snippet (the loader script and its initEmbeddedMessaging block) on the page; remove the others from the page template, CMS block or tag manager.")
            .with_fix("On an Experience Cloud site, use either the Embedded Messaging component or the head-markup snippet, not both, and place the component on one page or the theme layout, not both.")
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
                "https://acme.my.site.com/ESWAgent1712345678901/assets/js/init.js",
                Some(Family::EnhancedV2),
            ),
            ("https://cdn.example.com/assets/js/init.js", None),
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
}
