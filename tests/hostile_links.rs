//! A page that plants a link: hostile snippet hosts through the whole diagnosis (page scan →
//! session choice → Diagnosis → Markdown and JSON export), and a randomized property test of
//! the session chooser: whatever the snippets and cookies, no link or host outside the
//! Salesforce families comes out. (The same property runs under cargo-fuzz in
//! fuzz/fuzz_targets/session_chooser.rs.)

use messaging_doctor::org::session::{
    choose_session, is_api_host, SessionCandidate, SessionDecision,
};
use messaging_doctor::page::{analyze, PageEvidence, ScriptEvidence};
use messaging_doctor::report::{diagnose_all, export, markdown, stray_links};

const ORG: &str = "00DHu00000abcde";

/// A page whose one snippet has `site` and `scrt2` as written in the page's JavaScript source.
fn page(org: &str, site_js: &str, scrt2_js: &str) -> PageEvidence {
    PageEvidence {
        url: "https://www.not-acme.test/".into(),
        scripts: vec![ScriptEvidence {
            index: 1,
            inline: Some(format!(
                "embeddedservice_bootstrap.init('{org}','Web_Chat','{site_js}',{{scrt2URL:'{scrt2_js}'}})"
            )),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn cand(host: &str, org: &str) -> SessionCandidate {
    SessionCandidate {
        host: host.into(),
        org_id: org.into(),
    }
}

/// Each form from the report (as JS source: `\\` is one backslash in the value).
const HOSTILE_SITES: [&str; 7] = [
    r"https://acme.x@evil%2ecom\\.my.site.com/ESW",
    r"https://acme.x@16909060\\.my.site.com/ESW",
    "https://acme.x@evil\u{3002}com\\\\.my.site.com/ESW",
    "https://evil\u{FF0E}com\\\\.my.site.com/ESW",
    "https://evil\u{FF61}com/.my.site.com/ESW",
    "://w.=.my.site.com",
    "https://w.=.my.site.com/ESW",
];

#[test]
fn hostile_site_urls_give_no_link_anywhere() {
    for site in HOSTILE_SITES {
        let report = analyze(&page(ORG, site, "https://acme.my.salesforce-scrt.com"));
        let invalid = report
            .findings
            .iter()
            .find(|f| f.code == "page/invalid-snippet")
            .unwrap_or_else(|| panic!("{site}: snippet judged sound"));
        assert!(
            invalid.evidence.iter().any(|e| e.label == "Site URL"),
            "{site}: {:?}",
            invalid.evidence
        );
        // Not logged into that org: the session finding says where to log in.
        let choice = choose_session(
            &[cand("globex.my.salesforce.com", "00D8c000009GLBX")],
            Some(&report),
            "https://www.not-acme.test/",
            None,
        );
        assert_eq!(choice.decision, SessionDecision::None);
        let d = diagnose_all(Some(&report), None, &choice.findings);
        assert!(
            d.headline.starts_with("Likely cause: The chat snippet"),
            "{}",
            d.headline
        );
        let login = d
            .findings
            .iter()
            .find(|f| f.code == "org/not-logged-in")
            .unwrap();
        assert_eq!(
            login.link.as_ref().unwrap().url,
            "https://login.salesforce.com/"
        );
        assert!(!login.message.contains("evil") && !login.fix.join(" ").contains("evil"));

        let md = markdown(&d, "2026-12-06T05:00:00Z");
        assert_eq!(stray_links(&d, &md), Vec::<String>::new(), "{site}\n{md}");
        assert!(
            md.contains("Where: Log in to the org: <https://login.salesforce.com/>"),
            "{md}"
        );
        // The JSON export keeps the page's text verbatim (it is data) but no finding links to it.
        let json =
            serde_json::to_string(&export(d.clone(), Some(report.clone()), None, "t")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        for f in v["diagnosis"]["findings"].as_array().unwrap() {
            if let Some(url) = f["link"]["url"].as_str() {
                assert!(
                    messaging_doctor::salesforce::is_allowed_link(url) || url.starts_with('/'),
                    "{site}: {url}"
                );
            }
        }
    }
}

#[test]
fn a_sound_snippet_still_links_to_its_own_org() {
    let report = analyze(&page(
        ORG,
        "https://acme.my.site.com/ESWWebChat1712345678901",
        "https://acme.my.salesforce-scrt.com",
    ));
    assert!(report
        .findings
        .iter()
        .all(|f| f.code != "page/invalid-snippet"));
    let choice = choose_session(&[], Some(&report), "https://www.acme.test/", None);
    let d = diagnose_all(Some(&report), None, &choice.findings);
    let md = markdown(&d, "t");
    assert!(
        md.contains("Where: Log in to the org: <https://acme.my.salesforce.com/>"),
        "{md}"
    );
    assert_eq!(stray_links(&d, &md), Vec::<String>::new());
}

/// A small deterministic generator (xorshift64*): no dependency, same cases every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

/// Pieces a hostile host is made of: separators browsers treat specially, disguised dots,
/// number forms, the families' own suffixes and labels.
const PIECES: [&str; 40] = [
    "https://",
    "http://",
    "://",
    "https:",
    "//",
    "\\\\",
    "/",
    "@",
    ":",
    "%2e",
    "%2E",
    "%40",
    "%5c",
    "%",
    "\u{3002}",
    "\u{FF0E}",
    "\u{FF61}",
    ".",
    "..",
    "-",
    "--",
    "=",
    "#",
    "?",
    " ",
    "\u{202E}",
    "\u{200B}",
    "acme",
    "evil",
    "com",
    "16909060",
    "0x7f",
    "uat",
    "sandbox",
    "develop",
    ".my.site.com",
    ".my.salesforce.com",
    ".my.salesforce-scrt.com",
    ".lightning.force.com",
    ".my.salesforce.mil",
];

/// What a disguised host is made of, between a scheme and a family suffix.
const HOST_PIECES: [&str; 16] = [
    "acme",
    "evil",
    "x",
    "@",
    "%2e",
    "%2E",
    "\u{3002}",
    "\u{FF0E}",
    "\\\\",
    "16909060",
    "=",
    "--",
    "uat.sandbox",
    ".",
    "-",
    "0x7f",
];
const SUFFIXES: [&str; 5] = [
    ".my.site.com",
    ".my.salesforce-scrt.com",
    ".my.salesforce.com",
    ".lightning.force.com",
    ".my.salesforce-setup.com",
];

/// Half the time free pieces; half the time shaped like a snippet URL (scheme, a host made of
/// disguise pieces, a family suffix, a path), the shape that once planted a link.
fn hostile_string(rng: &mut Rng) -> String {
    if rng.next() % 2 == 0 {
        let n = 1 + rng.next() % 9;
        return (0..n).map(|_| rng.pick(&PIECES)).collect();
    }
    let mut s = rng
        .pick(&["https://", "://", "https:\\\\", "https:", "HTTPS://"])
        .to_string();
    for _ in 0..1 + rng.next() % 4 {
        s.push_str(rng.pick(&HOST_PIECES));
    }
    s.push_str(rng.pick(&SUFFIXES));
    s.push_str(rng.pick(&["/ESW", "", "/", "?x", "#y"]));
    s
}

/// The property: whatever the snippet's values, the cookies and the tab, the chooser only ever
/// picks an API host from the cookies, and no link outside the families is shown or exported.
#[test]
fn randomized_session_chooser_never_leaves_the_families() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let orgs = [
        ORG,
        "00DHu00000abcdeMAA",
        "00D8c000009GLBX",
        "00DHu00000abcd\u{e9}",
        "x",
        "",
    ];
    let mut linked = 0;
    for i in 0..6000 {
        let site = hostile_string(&mut rng);
        let scrt = hostile_string(&mut rng);
        let org = rng.pick(&orgs);
        let report = analyze(&page(org, &site, &scrt));
        let cookies: Vec<SessionCandidate> = (0..rng.next() % 3)
            .map(|_| {
                let host = if rng.next() % 2 == 0 {
                    hostile_string(&mut rng)
                } else {
                    format!(
                        "{}{}",
                        rng.pick(&["acme", "globex", "acme--uat.sandbox"]),
                        rng.pick(&[
                            ".my.salesforce.com",
                            ".my.salesforce.mil",
                            ".lightning.force.com"
                        ])
                    )
                };
                cand(&host, rng.pick(&orgs))
            })
            .collect();
        let tab = if i % 3 == 0 {
            hostile_string(&mut rng)
        } else {
            "https://www.not-acme.test/".into()
        };
        let chosen = (i % 5 == 0).then(|| hostile_string(&mut rng));
        let choice = choose_session(&cookies, Some(&report), &tab, chosen.as_deref());
        match &choice.decision {
            SessionDecision::Use { host, org_id, .. } => {
                assert!(is_api_host(host), "case {i}: uses {host:?}");
                assert!(
                    org_id.len() == 15 && org_id.is_ascii(),
                    "case {i}: {org_id:?}"
                );
                assert!(
                    cookies.iter().any(|c| c.host.eq_ignore_ascii_case(host)),
                    "case {i}: {host}"
                );
            }
            SessionDecision::Choose { candidates } => {
                assert!(
                    candidates.iter().all(|c| is_api_host(&c.host)),
                    "case {i}: {candidates:?}"
                );
            }
            SessionDecision::None => {}
        }
        let d = diagnose_all(Some(&report), None, &choice.findings);
        let md = markdown(&d, "t");
        let stray = stray_links(&d, &md);
        assert!(
            stray.is_empty(),
            "case {i}: site {site:?} scrt2 {scrt:?} cookies {cookies:?}: {stray:?}\n{md}"
        );
        linked += d.findings.iter().filter(|f| f.link.is_some()).count();
    }
    assert!(
        linked > 1000,
        "the generator produced too few links to mean anything ({linked})"
    );
}
