//! Which logged-in org to check. The JS layer lists the browser's `sid` cookies on Salesforce
//! API hosts, passing only the host and the org id the cookie value starts with (never the
//! token); this module picks the org that matches the page (or the Salesforce tab), or says
//! which orgs are logged in and where to log in.

use serde::{Deserialize, Serialize};

use crate::finding::{Evidence, Finding, Severity};
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

    // 2. The page's snippets name org ids (and site hosts → My Domain).
    let mut wanted: Vec<(String, Option<String>)> = Vec::new(); // (org id 15, api host from site URL)
    if let Some(p) = page {
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
            if !wanted.iter().any(|(o, _)| *o == org) {
                wanted.push((org, api));
            }
        }
    }
    if !wanted.is_empty() {
        let mut matches: Vec<&SessionCandidate> = Vec::new();
        for (org, api) in &wanted {
            let same_org: Vec<&SessionCandidate> =
                usable.iter().filter(|c| &c.org_id == org).collect();
            // Prefer the host named by the site URL when one org has several hosts.
            let best = same_org
                .iter()
                .find(|c| Some(&c.host) == api.as_ref())
                .or_else(|| same_org.first());
            if let Some(b) = best {
                matches.push(b);
            }
        }
        // Snippets of several orgs: each can be checked; say which others there are.
        let others = |skip: &str| -> Vec<String> {
            wanted
                .iter()
                .filter(|(o, _)| o != skip)
                .map(|(o, api)| match api {
                    Some(h) => format!("{o} (https://{h}/)"),
                    None => o.clone(),
                })
                .collect()
        };
        return match matches.len() {
            1 => {
                let also = others(&matches[0].org_id);
                let why = if also.is_empty() {
                    format!(
                        "its org id {} matches the page's snippet",
                        matches[0].org_id
                    )
                } else {
                    format!(
                        "its org id {} matches one of the page's snippets; the page also names org {} — log in to it in this browser to be offered a choice",
                        matches[0].org_id,
                        also.join(", ")
                    )
                };
                use_it(matches[0], &why)
            }
            0 => {
                let (org, api) = &wanted[0];
                let login = api
                    .clone()
                    .map(|h| format!("https://{h}/"))
                    .unwrap_or_else(|| "https://login.salesforce.com/".to_string());
                let also = others(org);
                let stale = usable.iter().find(|c| Some(&c.host) == api.as_ref());
                let message = match stale {
                    Some(s) => format!(
                        "The page's snippet belongs to org {org}, but the session at {} is for org {}. The cookie may be left over from before a sandbox refresh or a My Domain change. Log in to {login} again, then click Run again.",
                        s.host, s.org_id
                    ),
                    None => format!(
                        "The page's snippet belongs to org {org}, and this browser is not logged into that org. The org checks use your own Salesforce session: log in at {login} in this browser (same profile{}) and click Run again.",
                        ", same container if you use Firefox containers"
                    ),
                };
                let either = |f: Finding| -> Finding {
                    if also.is_empty() {
                        return f;
                    }
                    f.with_fix(format!(
                        "The page's snippets also name org {}: log in to that org instead to check it (logged into several, you are asked which).",
                        also.join(", ")
                    ))
                };
                SessionChoice {
                    decision: SessionDecision::None,
                    findings: vec![with_host_support(logged_in(either(
                        Finding::new(
                            "org/not-logged-in",
                            Severity::Warning,
                            format!("Log in to org {org} to run the org checks"),
                            message,
                        )
                        .with_evidence(Evidence::new("Snippet org id", org.clone()))
                        .with_fix(format!("Log in at {login} in this browser."))
                        .with_fix("Come back to this tab and click Run again in Messaging Doctor.")
                        .with_link("Log in to the org", login),
                    )))],
                }
            }
            _ => SessionChoice {
                decision: SessionDecision::Choose {
                    candidates: matches.into_iter().cloned().collect(),
                },
                findings: Vec::new(),
            },
        };
    }

    // 3. No snippet to match: the only org, or a choice.
    match usable.len() {
        0 => SessionChoice {
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

    /// Snippets of two orgs: logged into both, the admin picks; into one, that one is used and
    /// the other named; into none, both are named.
    #[test]
    fn snippets_of_two_orgs_let_either_be_checked() {
        let page = analyze(&PageEvidence {
            url: "https://www.acme-shop.test/".into(),
            scripts: vec![ScriptEvidence {
                index: 1,
                inline: Some(format!(
                    "embeddedservice_bootstrap.init('{ACME}','Web_Chat','https://acme.my.site.com/ESWA1712345678901',{{scrt2URL:'https://acme.my.salesforce-scrt.com'}}); embeddedservice_bootstrap.init('{GLOBEX}','Old_Chat','https://globex.my.site.com/ESWB1712345678901',{{scrt2URL:'https://globex.my.salesforce-scrt.com'}});"
                )),
                ..Default::default()
            }],
            ..Default::default()
        });
        let both = vec![
            cand("acme.my.salesforce.com", ACME),
            cand("globex.my.salesforce.com", GLOBEX),
        ];
        assert!(matches!(
            choose_session(&both, Some(&page), "", None).decision,
            SessionDecision::Choose { ref candidates } if candidates.len() == 2
        ));
        let one = vec![cand("globex.my.salesforce.com", GLOBEX)];
        match choose_session(&one, Some(&page), "", None).decision {
            SessionDecision::Use { why, .. } => {
                assert!(
                    why.contains(&format!(
                        "also names org {ACME} (https://acme.my.salesforce.com/)"
                    )),
                    "{why}"
                )
            }
            other => panic!("{other:?}"),
        }
        let none = choose_session(&[], Some(&page), "", None);
        let f = &none.findings[0];
        assert_eq!(f.code, "org/not-logged-in");
        assert!(
            f.fix.iter().any(|x| x.contains(&format!(
                "also name org {GLOBEX} (https://globex.my.salesforce.com/)"
            ))),
            "{:?}",
            f.fix
        );
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
