//! Doubled chat code: the kinds of duplicate a page can carry and the finding that names them.

use super::inventory::Seen;
use super::requests::{classify, config_request_names, Step};
use super::snippet::Family;
use super::{
    and_more, describe_call, Loader, LocatedInit, ResourceEvidence, WrapperRun, EVIDENCE_LISTED,
};
use crate::finding::{Evidence, Finding, Severity};

/// How chat code on one page is doubled. A page can have several at once; the first in this
/// order names the finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DuplicateKind {
    /// The v1 bootstrap and the v2 init.js (or their init calls) together.
    V1AndV2,
    /// The v1 bootstrap and Agentforce Messaging's positional loader (or its init call): both
    /// set `window.embeddedservice_bootstrap` (C-AGENTFORCE-POSITIONAL), so the v1 snippet's
    /// init goes to whichever loaded last.
    V1AndPositional,
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
        .filter(|l| {
            matches!(
                l.family,
                Family::MiawV1 | Family::EnhancedV2 | Family::AgentforcePositional
            )
        })
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
    // A v1 init call alone next to the positional loader is that loader's own alias at work;
    // the v1 bootstrap itself is what conflicts.
    if web_loaders.iter().any(|l| l.family == Family::MiawV1) && has(Family::AgentforcePositional) {
        kinds.push(DuplicateKind::V1AndPositional);
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
        if classify(&r.url) != Some(Step::Config) {
            continue;
        }
        let d = config_request_names(&r.url);
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

pub(super) fn duplicate_finding(
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
    // Unstable sorts: equal names are indistinguishable, and the stable sort's code cost the
    // content script 2.6 KB (two copies of it, one per element type).
    deployments.sort_unstable();
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
        DuplicateKind::V1AndPositional => "Both the Messaging for Web (v1) bootstrap and Agentforce Messaging's positional loader are on this page".to_string(),
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
            DuplicateKind::V1AndPositional => "The page carries both the Messaging for Web v1 bootstrap (bootstrap.min.js) and Agentforce Messaging's positional loader (<site>/assets/js/init.js). Both set window.embeddedservice_bootstrap (the positional loader answers to that name too), so the v1 snippet's init goes to whichever loaded last: the page gets two widgets building the same #embedded-messaging container, or one widget started twice.",
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
    orgs.sort_unstable();
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
            DuplicateKind::V1AndV2 | DuplicateKind::V1AndPositional => f.with_fix("Keep the snippet of the version the deployment uses now (Setup › Embedded Service Deployments › the deployment › Code Snippet) and remove the other."),
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
