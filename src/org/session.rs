//! Which logged-in org to check. The JS layer lists the browser's `sid` cookies on Salesforce
//! API hosts, passing only the host and the org id the cookie value starts with (never the
//! token); this module picks the org that matches the page (or the Salesforce tab), or says
//! which orgs are logged in and where to log in.

use serde::{Deserialize, Serialize};

use crate::finding::{Evidence, Finding, Severity};
use crate::page::lifecycle::{config_request_names, Step};
use crate::page::PageReport;
use crate::salesforce::{parse_my_domain_host, HostRole, UNSUPPORTED_SESSION_HOSTS};
use crate::url_host::parse_url;

/// A `sid` cookie seen in the tab's cookie store. `org_id` is the 15-character prefix of the
/// cookie value (`00D…!…`); the token itself never reaches the core.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionCandidate {
    pub host: String,
    pub org_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum SessionDecision {
    /// Check this org.
    Use {
        host: String,
        org_id: String,
        /// Why this org, in words ("matches the snippet's org id 00D…").
        why: String,
    },
    /// Several orgs fit: the admin picks one.
    Choose { candidates: Vec<SessionCandidate> },
    /// No usable session: the findings say where to log in.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionChoice {
    pub decision: SessionDecision,
    pub findings: Vec<Finding>,
    /// When the page's snippets name two or more orgs: each of them, the one this decision
    /// checks (or asks to log in to) marked `current`, so the popup can offer the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub page_orgs: Vec<PageOrg>,
}

/// One org named by the page's snippets, as the popup offers it ("check this org instead").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageOrg {
    /// The 15-character org id.
    pub org_id: String,
    /// Its API host: the logged-in session's, else the one in the snippet's site URL's My
    /// Domain family (absent when neither is known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// This browser holds a session of that org.
    pub logged_in: bool,
    /// The widget's configuration request named this org: its deployment is the one that ran.
    pub loaded: bool,
    /// The org this decision checks (or says to log in to).
    pub current: bool,
    /// The deployment names its snippets start.
    pub deployments: Vec<String>,
}

pub use crate::salesforce::is_api_host;

/// The 15-character form of an org id from untrusted text (a snippet, a cookie): only when its
/// first 15 characters are ASCII letters and digits starting with `00D`. Checked before any
/// slicing, so a multi-byte character can never split.
fn org15(id: &str) -> Option<String> {
    let b = id.as_bytes();
    (b.len() >= 15 && b[..15].iter().all(u8::is_ascii_alphanumeric) && b.starts_with(b"00D"))
        .then(|| id[..15].to_string())
}

/// The API host that belongs to a Salesforce UI or site host (lightning, setup, site, scrt2).
fn api_host_for(host: &str) -> Option<String> {
    parse_my_domain_host(host).map(|d| d.host_for(HostRole::Api))
}

/// The host a browser would go to for `url` (WHATWG rules, see [`crate::url_host`]), only when
/// it is written plainly: no user name, no percent escapes or look-alike dots, not an IP
/// address. Anything else derives no host at all, so page text can never steer a link.
fn host_of(url: &str) -> Option<String> {
    let p = parse_url(url).ok()?;
    if p.userinfo || p.host_rewritten || p.port.is_some() {
        return None;
    }
    p.domain().map(|d| d.trim_end_matches('.').to_string())
}

/// Which sessions are used and which are not, said wherever the org checks find none.
fn with_host_support(f: Finding) -> Finding {
    f.with_evidence(Evidence::new(
        "Sessions used",
        "My Domain API hosts (<name>.my.salesforce.com, sandbox and Developer Edition forms included)",
    ))
    .with_evidence(Evidence::new("Not supported", UNSUPPORTED_SESSION_HOSTS))
}

/// Decides which org to check. `tab_url` is the inspected tab's address; `chosen` is a host
/// the admin picked earlier from a `Choose` list (honoured when it is still logged in).
pub fn choose_session(
    candidates: &[SessionCandidate],
    page: Option<&PageReport>,
    tab_url: &str,
    chosen: Option<&str>,
) -> SessionChoice {
    let mut usable: Vec<SessionCandidate> = Vec::new();
    for c in candidates {
        let host = c.host.trim_start_matches('.').to_ascii_lowercase();
        let Some(org_id) = org15(&c.org_id) else {
            continue;
        };
        if !is_api_host(&host) {
            continue;
        }
        if !usable.iter().any(|u| u.host == host) {
            usable.push(SessionCandidate { host, org_id });
        }
    }
    let logged_in = |f: Finding| -> Finding {
        let mut f = f;
        if usable.is_empty() {
            f.evidence.push(Evidence::new(
                "Logged-in orgs",
                "none found in this browser profile / container",
            ));
        }
        for u in &usable {
            f.evidence.push(Evidence::new(
                "Logged-in org",
                format!("{} at {}", u.org_id, u.host),
            ));
        }
        f
    };

    // Snippets of several orgs: one is checked, the others offered (and a chosen org honoured
    // even when it is not logged in: the admin is told where to log in).
    let wanted = wanted_orgs(page);
    if wanted.len() >= 2 {
        return several_orgs(&usable, &wanted, chosen, logged_in);
    }

    if let Some(host) = chosen {
        if let Some(c) = usable.iter().find(|c| c.host.eq_ignore_ascii_case(host)) {
            return use_it(c, "you chose this org");
        }
    }

    // 1. A Salesforce tab: the org behind that host.
    if let Some(api) = host_of(tab_url).and_then(|h| {
        if is_api_host(&h) {
            Some(h)
        } else {
            api_host_for(&h).filter(|_| {
                parse_my_domain_host(&h)
                    .map(|d| d.role != HostRole::Site && d.role != HostRole::Scrt2)
                    .unwrap_or(false)
            })
        }
    }) {
        if let Some(c) = usable.iter().find(|c| c.host == api) {
            return use_it(c, "this tab is that org's Salesforce page");
        }
    }

    // 2. The page's snippet names an org id (and its site host the My Domain).
    if let Some(w) = wanted.first() {
        return match session_for(&usable, w) {
            Some(b) => use_it(
                b,
                &format!("its org id {} matches the page's snippet", b.org_id),
            ),
            None => SessionChoice {
                decision: SessionDecision::None,
                findings: vec![with_host_support(logged_in(not_logged_in(w, &usable, &[])))],
                page_orgs: Vec::new(),
            },
        };
    }

    // 3. No snippet to match: the only org, or a choice.
    match usable.len() {
        0 => SessionChoice {
            page_orgs: Vec::new(),
            decision: SessionDecision::None,
            findings: vec![with_host_support(Finding::new(
                "org/no-session",
                Severity::Info,
                "Log in to Salesforce to run the org checks",
                "Messaging Doctor found no Salesforce session in this browser, so only the page was checked. The org checks read the org with your own session: log in to the org's Setup in this browser, then click Run again.",
            )
            .with_fix("Log in to your org (https://<your My Domain>.my.salesforce.com) in this browser profile.")
            .with_fix("Click Run again in Messaging Doctor."))],
        },
        1 => use_it(
            &usable[0],
            "it is the only org this browser is logged into (the page names no org)",
        ),
        _ => SessionChoice {
            decision: SessionDecision::Choose { candidates: usable },
            findings: Vec::new(),
            page_orgs: Vec::new(),
        },
    }
}

/// The org id and deployment the widget's configuration requests named (the loader asks for
/// `…/embedded-service-config?orgId=…&esConfigName=…`): the deployment that actually ran.
fn configured_orgs(page: &PageReport) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for e in page.timeline.iter().filter(|e| e.step == Step::Config) {
        let (org, name) = config_request_names(&e.url);
        let Some(org) = org15(&org) else {
            continue;
        };
        if !out.iter().any(|(o, _)| *o == org) {
            out.push((org, name));
        }
    }
    out
}

/// An org the page's snippets name: its id, the API host its site URL points at, the
/// deployments it starts, and whether the widget loaded it.
struct Wanted {
    org: String,
    api: Option<String>,
    deployments: Vec<String>,
    loaded: Option<String>,
}

/// The orgs the page's snippets name, the one the widget loaded first, then in page order.
fn wanted_orgs(page: Option<&PageReport>) -> Vec<Wanted> {
    let Some(p) = page else {
        return Vec::new();
    };
    let mut wanted: Vec<Wanted> = Vec::new();
    for c in &p.init_calls {
        let Some(org) = c.call.org_id.as_deref().and_then(org15) else {
            continue;
        };
        let api = c
            .call
            .site_url
            .as_deref()
            .and_then(host_of)
            .and_then(|h| api_host_for(&h));
        let i = match wanted.iter().position(|w| w.org == org) {
            Some(i) => i,
            None => {
                wanted.push(Wanted {
                    org,
                    api: None,
                    deployments: Vec::new(),
                    loaded: None,
                });
                wanted.len() - 1
            }
        };
        let w = &mut wanted[i];
        if w.api.is_none() {
            w.api = api;
        }
        if let Some(d) = &c.call.deployment {
            if !w.deployments.contains(d) {
                w.deployments.push(d.clone());
            }
        }
    }
    for (org, name) in configured_orgs(p) {
        if let Some(w) = wanted.iter_mut().find(|w| w.org == org) {
            w.loaded = Some(name);
        }
    }
    // Stable: among loaded and among the rest, page order stays.
    wanted.sort_by_key(|w| w.loaded.is_none());
    wanted
}

/// This browser's session of org `w`, preferring the host its snippet's site URL names when one
/// org has several: a session is only ever used for its own org.
fn session_for<'a>(usable: &'a [SessionCandidate], w: &Wanted) -> Option<&'a SessionCandidate> {
    let mut same = usable.iter().filter(|c| c.org_id == w.org);
    let first = same.clone().next();
    same.find(|c| Some(&c.host) == w.api.as_ref()).or(first)
}

/// `org (https://api-host/)`, or the id alone when no host is known.
fn org_with_host(w: &Wanted) -> String {
    match &w.api {
        Some(h) => format!("{} (https://{h}/)", w.org),
        None => w.org.clone(),
    }
}

/// The `org/not-logged-in` finding for org `w`: where to log in (its My Domain, when the
/// snippet's site URL names it), a stale cookie on that host explained, the other orgs the
/// page names.
fn not_logged_in(w: &Wanted, usable: &[SessionCandidate], others: &[&Wanted]) -> Finding {
    let org = &w.org;
    let login = w
        .api
        .clone()
        .map(|h| format!("https://{h}/"))
        .unwrap_or_else(|| "https://login.salesforce.com/".to_string());
    let stale = usable.iter().find(|c| Some(&c.host) == w.api.as_ref());
    let loaded = match &w.loaded {
        Some(name) if !name.is_empty() => {
            format!(" The widget loaded this org's deployment {name}.")
        }
        Some(_) => " The widget loaded this org's deployment.".to_string(),
        None => String::new(),
    };
    let message = match stale {
        Some(s) => format!(
            "The page's snippet belongs to org {org}, but the session at {} is for org {}. The cookie may be left over from before a sandbox refresh or a My Domain change.{loaded} Log in to {login} again, then click Run again.",
            s.host, s.org_id
        ),
        None => format!(
            "The page's snippet belongs to org {org}, and this browser is not logged into that org.{loaded} The org checks use your own Salesforce session: log in at {login} in this browser (same profile{}) and click Run again.",
            ", same container if you use Firefox containers"
        ),
    };
    let mut f = Finding::new(
        "org/not-logged-in",
        Severity::Warning,
        format!("Log in to org {org} to run the org checks"),
        message,
    )
    .with_evidence(Evidence::new("Snippet org id", org.clone()))
    .with_fix(format!("Log in at {login} in this browser."))
    .with_fix("Come back to this tab and click Run again in Messaging Doctor.");
    if !others.is_empty() {
        let also: Vec<String> = others.iter().map(|o| org_with_host(o)).collect();
        f = f.with_fix(format!(
            "The page's snippets also name org {}: to check that org instead, use its button above the findings.",
            also.join(", ")
        ));
    }
    f.with_link("Log in to the org", login)
}

/// Snippets of two or more orgs: one org is checked — the one the admin switched to, else the
/// one whose deployment the widget loaded (its configuration request), else the first the
/// browser is logged into, else the first — and every org is listed so the popup can offer
/// the others. A session is used only for its own org.
fn several_orgs(
    usable: &[SessionCandidate],
    wanted: &[Wanted],
    chosen: Option<&str>,
    with_logged_in: impl Fn(Finding) -> Finding,
) -> SessionChoice {
    let session_of = |w: &Wanted| session_for(usable, w);

    let by_choice = chosen.and_then(|ch| {
        wanted.iter().position(|w| {
            org15(ch).is_some_and(|o| o == w.org)
                || session_of(w).is_some_and(|s| s.host.eq_ignore_ascii_case(ch))
        })
    });
    let loaded = wanted.iter().position(|w| w.loaded.is_some());
    let logged = wanted.iter().position(|w| session_of(w).is_some());
    let (current, why) = match (by_choice, loaded, logged) {
        (Some(i), _, _) => (i, "you chose this org".to_string()),
        (None, Some(i), _) => (
            i,
            match wanted[i].loaded.as_deref() {
                Some(name) if !name.is_empty() => {
                    format!("the widget loaded its deployment {name} (its configuration request)")
                }
                _ => "the widget loaded its deployment (its configuration request)".to_string(),
            },
        ),
        (None, None, Some(i)) => (
            i,
            if i == 0 {
                "its org id matches the page's first snippet".to_string()
            } else {
                "its org id matches one of the page's snippets, and it is the one this browser is logged into".to_string()
            },
        ),
        (None, None, None) => (0, String::new()),
    };
    let page_orgs: Vec<PageOrg> = wanted
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let s = session_of(w);
            PageOrg {
                org_id: w.org.clone(),
                host: s.map(|c| c.host.clone()).or_else(|| w.api.clone()),
                logged_in: s.is_some(),
                loaded: w.loaded.is_some(),
                current: i == current,
                deployments: w.deployments.clone(),
            }
        })
        .collect();
    let w = &wanted[current];
    let others: Vec<&Wanted> = wanted
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != current)
        .map(|(_, o)| o)
        .collect();
    match session_of(w) {
        Some(s) => {
            let mut choice = use_it(
                s,
                &format!(
                    "{why}; the page's snippets name {} orgs, the other: {}",
                    wanted.len(),
                    others
                        .iter()
                        .map(|o| o.org.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            choice.page_orgs = page_orgs;
            choice
        }
        None => SessionChoice {
            decision: SessionDecision::None,
            findings: vec![with_host_support(with_logged_in(not_logged_in(
                w, usable, &others,
            )))],
            page_orgs,
        },
    }
}

fn use_it(c: &SessionCandidate, why: &str) -> SessionChoice {
    SessionChoice {
        decision: SessionDecision::Use {
            host: c.host.clone(),
            org_id: c.org_id.clone(),
            why: why.to_string(),
        },
        findings: Vec::new(),
        page_orgs: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::{analyze, PageEvidence, ScriptEvidence};

    fn cand(host: &str, org: &str) -> SessionCandidate {
        SessionCandidate {
            host: host.into(),
            org_id: org.into(),
        }
    }

    fn page_with(org: &str, site: &str) -> PageReport {
        analyze(&PageEvidence {
            url: "https://www.acme-shop.test/".into(),
            scripts: vec![ScriptEvidence {
                index: 1,
                inline: Some(format!(
                    "embeddedservice_bootstrap.init('{org}','Web_Chat','{}',{{scrt2URL:'https://acme.my.salesforce-scrt.com'}})",
                    // The value reaches the page as written: a backslash in it is escaped in JS.
                    site.replace('\\', "\\\\")
                )),
                ..Default::default()
            }],
            ..Default::default()
        })
    }

    const ACME: &str = "00D8c000001Hlt1";
    const GLOBEX: &str = "00D8c000009GLBX";

    fn two_org_page() -> PageReport {
        analyze(&PageEvidence {
            url: "https://www.acme-shop.test/".into(),
            scripts: vec![ScriptEvidence {
                index: 1,
                inline: Some(format!(
                    "embeddedservice_bootstrap.init('{ACME}','Web_Chat','https://acme.my.site.com/ESWA1712345678901',{{scrt2URL:'https://acme.my.salesforce-scrt.com'}}); embeddedservice_bootstrap.init('{GLOBEX}','Old_Chat','https://globex.my.site.com/ESWB1712345678901',{{scrt2URL:'https://globex.my.salesforce-scrt.com'}});"
                )),
                ..Default::default()
            }],
            ..Default::default()
        })
    }

    /// The page as if the widget had asked for `org`'s configuration.
    fn loaded(mut page: PageReport, org: &str, name: &str) -> PageReport {
        page.timeline.push(crate::page::lifecycle::TimelineEntry {
            step: Step::Config,
            url: format!("https://x.my.salesforce-scrt.com/embeddedservice/v1/embedded-service-config?orgId={org}&esConfigName={name}&language=en_US"),
            status: Some(200),
            start_ms: None,
            duration_ms: None,
        });
        page
    }

    fn used(ch: &SessionChoice) -> (&str, &str) {
        match &ch.decision {
            SessionDecision::Use { host, org_id, .. } => (host.as_str(), org_id.as_str()),
            d => panic!("{d:?}"),
        }
    }

    fn current(ch: &SessionChoice) -> &str {
        let cur: Vec<&PageOrg> = ch.page_orgs.iter().filter(|o| o.current).collect();
        assert_eq!(cur.len(), 1, "{:?}", ch.page_orgs);
        &cur[0].org_id
    }

    /// Snippets of two orgs, logged into both: the first org is checked, the other offered;
    /// choosing it (by org id or by its host) checks it with its own session, and back.
    #[test]
    fn snippets_of_two_orgs_check_one_and_offer_the_other() {
        let page = two_org_page();
        let both = vec![
            cand("globex.my.salesforce.com", GLOBEX),
            cand("acme.my.salesforce.com", ACME),
        ];
        let first = choose_session(&both, Some(&page), "", None);
        assert_eq!(used(&first), ("acme.my.salesforce.com", ACME));
        assert_eq!(current(&first), ACME);
        assert_eq!(first.page_orgs.len(), 2);
        let other = &first.page_orgs[1];
        assert_eq!(other.org_id, GLOBEX);
        assert_eq!(other.host.as_deref(), Some("globex.my.salesforce.com"));
        assert!(other.logged_in && !other.loaded);
        assert_eq!(other.deployments, vec!["Old_Chat".to_string()]);
        let switched = choose_session(&both, Some(&page), "", Some(GLOBEX));
        assert_eq!(used(&switched), ("globex.my.salesforce.com", GLOBEX));
        assert_eq!(current(&switched), GLOBEX);
        match &switched.decision {
            SessionDecision::Use { why, .. } => assert!(why.contains("you chose"), "{why}"),
            d => panic!("{d:?}"),
        }
        let by_host = choose_session(&both, Some(&page), "", Some("globex.my.salesforce.com"));
        assert_eq!(used(&by_host).1, GLOBEX);
        let back = choose_session(&both, Some(&page), "", Some(ACME));
        assert_eq!(used(&back), ("acme.my.salesforce.com", ACME));
    }

    /// The org whose deployment the widget loaded (its configuration request) is checked first,
    /// even when its snippet comes second on the page and another org is logged in too.
    #[test]
    fn the_org_the_widget_loaded_is_checked_first() {
        let page = loaded(two_org_page(), GLOBEX, "Old_Chat");
        let both = vec![
            cand("acme.my.salesforce.com", ACME),
            cand("globex.my.salesforce.com", GLOBEX),
        ];
        let ch = choose_session(&both, Some(&page), "", None);
        assert_eq!(used(&ch), ("globex.my.salesforce.com", GLOBEX));
        match &ch.decision {
            SessionDecision::Use { why, .. } => {
                assert!(
                    why.contains("the widget loaded its deployment Old_Chat"),
                    "{why}"
                )
            }
            d => panic!("{d:?}"),
        }
        assert_eq!(ch.page_orgs[0].org_id, GLOBEX);
        assert!(ch.page_orgs[0].loaded && !ch.page_orgs[1].loaded);
        // Not logged into the loaded org: that org is still the one named, with where to log
        // in; the other org's session is not used, and the other org stays on offer.
        let acme_only = vec![cand("acme.my.salesforce.com", ACME)];
        let ch = choose_session(&acme_only, Some(&page), "", None);
        assert_eq!(ch.decision, SessionDecision::None);
        assert_eq!(current(&ch), GLOBEX);
        let f = &ch.findings[0];
        assert_eq!(f.code, "org/not-logged-in");
        assert!(f.title.contains(GLOBEX), "{}", f.title);
        assert!(
            f.message
                .contains("The widget loaded this org's deployment Old_Chat"),
            "{}",
            f.message
        );
        assert_eq!(
            f.link.as_ref().unwrap().url,
            "https://globex.my.salesforce.com/"
        );
        assert!(
            f.fix.iter().any(|x| x.contains(&format!(
                "also name org {ACME} (https://acme.my.salesforce.com/)"
            )) && x.contains("button")),
            "{:?}",
            f.fix
        );
        let other = ch.page_orgs.iter().find(|o| o.org_id == ACME).unwrap();
        assert!(other.logged_in && !other.current);
        // Switching to the logged-in org checks it.
        let sw = choose_session(&acme_only, Some(&page), "", Some(ACME));
        assert_eq!(used(&sw), ("acme.my.salesforce.com", ACME));
    }

    /// Without a configuration request, the first org the browser is logged into; not logged
    /// into any, the first org is named and both are listed.
    #[test]
    fn without_a_configuration_request_the_first_logged_in_org() {
        let page = two_org_page();
        let one = vec![cand("globex.my.salesforce.com", GLOBEX)];
        let ch = choose_session(&one, Some(&page), "", None);
        assert_eq!(used(&ch).1, GLOBEX);
        match &ch.decision {
            SessionDecision::Use { why, .. } => {
                assert!(why.contains("the other: 00D8c000001Hlt1"), "{why}")
            }
            d => panic!("{d:?}"),
        }
        // The other org, chosen while not logged in: where to log in, no session used.
        let sw = choose_session(&one, Some(&page), "", Some(ACME));
        assert_eq!(sw.decision, SessionDecision::None);
        assert_eq!(current(&sw), ACME);
        assert!(sw.findings[0].title.contains(ACME));
        let none = choose_session(&[], Some(&page), "", None);
        let f = &none.findings[0];
        assert_eq!(f.code, "org/not-logged-in");
        assert!(f.title.contains(ACME));
        assert!(
            f.fix.iter().any(|x| x.contains(&format!(
                "also name org {GLOBEX} (https://globex.my.salesforce.com/)"
            ))),
            "{:?}",
            f.fix
        );
        assert_eq!(none.page_orgs.len(), 2);
        assert!(none.page_orgs.iter().all(|o| !o.logged_in));
        // A chosen value that is neither a page org nor its host changes nothing.
        let odd = choose_session(&one, Some(&page), "", Some("evil.example.com"));
        assert_eq!(used(&odd).1, GLOBEX);
    }

    #[test]
    fn the_snippets_org_wins_among_several() {
        let page = page_with(
            "00D8c000001Hlt1EAA",
            "https://acme.my.site.com/ESWWebChat1712345678901",
        );
        let c = vec![
            cand("globex--uat.sandbox.my.salesforce.com", GLOBEX),
            cand("acme.my.salesforce.com", ACME),
            cand("acme.lightning.force.com", ACME), // UI host: never an API session
        ];
        let ch = choose_session(&c, Some(&page), "https://www.acme-shop.test/", None);
        match ch.decision {
            SessionDecision::Use { host, org_id, why } => {
                assert_eq!(host, "acme.my.salesforce.com");
                assert_eq!(org_id, ACME);
                assert!(why.contains("matches"), "{why}");
            }
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn no_matching_session_says_where_to_log_in_and_lists_the_others() {
        let page = page_with(ACME, "https://acme.my.site.com/ESWWebChat1712345678901");
        let ch = choose_session(
            &[cand("globex.my.salesforce.com", GLOBEX)],
            Some(&page),
            "https://x.test/",
            None,
        );
        assert_eq!(ch.decision, SessionDecision::None);
        let f = &ch.findings[0];
        assert_eq!(f.code, "org/not-logged-in");
        assert_eq!(
            f.link.as_ref().unwrap().url,
            "https://acme.my.salesforce.com/"
        );
        assert!(
            f.evidence.iter().any(|e| e.value.contains(GLOBEX)),
            "{f:#?}"
        );
    }

    #[test]
    fn a_stale_cookie_on_the_right_host_is_explained() {
        let page = page_with(ACME, "https://acme.my.site.com/ESWWebChat1712345678901");
        let ch = choose_session(
            &[cand("acme.my.salesforce.com", "00D8c000001OLD0")],
            Some(&page),
            "https://x.test/",
            None,
        );
        assert!(
            ch.findings[0].message.contains("left over"),
            "{}",
            ch.findings[0].message
        );
    }

    #[test]
    fn a_salesforce_tab_uses_its_own_org() {
        let c = vec![
            cand("acme.my.salesforce.com", ACME),
            cand("globex.my.salesforce.com", GLOBEX),
        ];
        let ch = choose_session(
            &c,
            None,
            "https://globex.lightning.force.com/lightning/setup/SetupOneHome/home",
            None,
        );
        assert!(
            matches!(ch.decision, SessionDecision::Use { ref host, .. } if host == "globex.my.salesforce.com")
        );
    }

    #[test]
    fn without_a_snippet_one_org_is_used_and_several_are_offered() {
        let one = choose_session(
            &[cand("acme.my.salesforce.com", ACME)],
            None,
            "https://x.test/",
            None,
        );
        assert!(matches!(one.decision, SessionDecision::Use { .. }));
        let c = vec![
            cand("acme.my.salesforce.com", ACME),
            cand("globex.my.salesforce.com", GLOBEX),
        ];
        let two = choose_session(&c, None, "https://x.test/", None);
        assert!(
            matches!(two.decision, SessionDecision::Choose { ref candidates } if candidates.len() == 2)
        );
        let picked = choose_session(
            &c,
            None,
            "https://x.test/",
            Some("globex.my.salesforce.com"),
        );
        assert!(
            matches!(picked.decision, SessionDecision::Use { ref host, .. } if host == "globex.my.salesforce.com")
        );
        let none = choose_session(&[], None, "https://x.test/", None);
        assert_eq!(none.findings[0].code, "org/no-session");
    }

    #[test]
    fn untrusted_org_ids_are_never_sliced_mid_character() {
        // A multi-byte character across byte 15, in a cookie and in a snippet: no panic, no use.
        let odd = "00DHu00000abcd\u{e9}";
        let ch = choose_session(
            &[cand("acme.my.salesforce.com", odd)],
            None,
            "https://x.test/",
            None,
        );
        assert_eq!(ch.findings[0].code, "org/no-session");
        let page = page_with(odd, "https://acme.my.site.com/ESW");
        let ch = choose_session(
            &[cand("acme.my.salesforce.com", ACME)],
            Some(&page),
            "https://x.test/",
            None,
        );
        assert!(matches!(ch.decision, SessionDecision::Use { .. }), "{ch:?}");
        assert_eq!(org15("00D8c000001Hlt1EAA").as_deref(), Some(ACME));
        assert_eq!(org15("00D8c000001Hlt"), None);
        assert_eq!(org15("005Hu00000abcde"), None);
    }

    /// Each hostile form of a snippet's site URL: the page scan calls the snippet invalid, and
    /// the "log in" finding points at the generic login host, never at a host read from it.
    #[test]
    fn hostile_site_urls_derive_no_host() {
        for site in [
            "https://acme.x@evil%2ecom\\.my.site.com/ESW",
            "https://acme.x@16909060\\.my.site.com/ESW",
            "https://evil\u{3002}com\\.my.site.com/ESW",
            "https://evil\u{FF0E}com\\.my.site.com/ESW",
            "://w.=.my.site.com",
            "https://w.=.my.site.com/ESW",
        ] {
            let page = page_with(ACME, site);
            assert!(
                page.findings
                    .iter()
                    .any(|f| f.code == "page/invalid-snippet"),
                "{site}: {:?}",
                page.findings.iter().map(|f| &f.code).collect::<Vec<_>>()
            );
            let ch = choose_session(
                &[cand("globex.my.salesforce.com", GLOBEX)],
                Some(&page),
                "https://x.test/",
                None,
            );
            let f = &ch.findings[0];
            assert_eq!(f.code, "org/not-logged-in");
            assert_eq!(
                f.link.as_ref().unwrap().url,
                "https://login.salesforce.com/",
                "{site}"
            );
            let all = format!("{} {} {:?}", f.title, f.message, f.fix);
            assert!(
                !all.contains("evil") && !all.contains("16909060") && !all.contains('='),
                "{site}: {all}"
            );
        }
    }

    #[test]
    fn session_findings_say_which_hosts_are_not_supported() {
        // A Government Cloud or China session is not used (no host permission there), and the
        // finding says so rather than only "no session".
        for host in [
            "agency.my.salesforce.mil",
            "acme.my.sfcrmapps.cn",
            "na1.salesforce.com",
        ] {
            let ch = choose_session(&[cand(host, ACME)], None, "https://x.test/", None);
            assert_eq!(ch.findings[0].code, "org/no-session", "{host}");
            let not = ch.findings[0]
                .evidence
                .iter()
                .find(|e| e.label == "Not supported")
                .expect("the unsupported families are named");
            for named in [
                "salesforce.mil",
                "sfcrmapps.cn",
                "na1.salesforce.com",
                "cloudforce",
            ] {
                assert!(not.value.contains(named), "{named}: {}", not.value);
            }
        }
        let page = page_with(ACME, "https://acme.my.site.com/ESW");
        let ch = choose_session(&[], Some(&page), "https://x.test/", None);
        assert!(ch.findings[0]
            .evidence
            .iter()
            .any(|e| e.label == "Not supported"));
    }
}
