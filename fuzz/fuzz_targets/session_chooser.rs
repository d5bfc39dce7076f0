//! The session chooser and every link a diagnosis shows, over arbitrary snippets, cookies and
//! tab addresses: never panics, only ever picks an API host among the cookies, and never shows
//! or exports a link outside the Salesforce host families (`report::stray_links`).
//! The input is split at 0xFF bytes into: org id, site URL, scrt2 URL, tab URL, a host the
//! admin "chose", then cookie host / org id pairs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use messaging_doctor::org::session::{choose_session, is_api_host, SessionCandidate, SessionDecision};
use messaging_doctor::page::{analyze, PageEvidence, ScriptEvidence};
use messaging_doctor::report::{diagnose_all, markdown, stray_links};

fuzz_target!(|data: &[u8]| {
    let parts: Vec<String> = data
        .split(|b| *b == 0xFF)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    let part = |i: usize| parts.get(i).cloned().unwrap_or_default();
    let js = |s: String| s.replace('\\', "\\\\").replace('\'', "\\'");
    let page = PageEvidence {
        url: "https://www.example.com/".into(),
        scripts: vec![ScriptEvidence {
            index: 1,
            inline: Some(format!(
                "embeddedservice_bootstrap.init('{}','Web_Chat','{}',{{scrt2URL:'{}'}})",
                js(part(0)),
                js(part(1)),
                js(part(2))
            )),
            ..Default::default()
        }],
        ..Default::default()
    };
    let report = analyze(&page);
    let cookies: Vec<SessionCandidate> = parts
        .get(5..)
        .unwrap_or_default()
        .chunks(2)
        .map(|c| SessionCandidate {
            host: c[0].clone(),
            org_id: c.get(1).cloned().unwrap_or_default(),
        })
        .collect();
    let chosen = part(4);
    let choice = choose_session(&cookies, Some(&report), &part(3), Some(&chosen).filter(|c| !c.is_empty()).map(|c| c.as_str()));
    match &choice.decision {
        SessionDecision::Use { host, .. } => {
            assert!(is_api_host(host), "{host}");
            assert!(cookies.iter().any(|c| c.host.trim_start_matches('.').eq_ignore_ascii_case(host)));
        }
        SessionDecision::Choose { candidates } => assert!(candidates.iter().all(|c| is_api_host(&c.host))),
        SessionDecision::None => {}
    }
    let d = diagnose_all(Some(&report), None, &choice.findings);
    let md = markdown(&d, "t");
    let stray = stray_links(&d, &md);
    assert!(stray.is_empty(), "{stray:?}");
});
