//! CSP violations recorded by watch mode deciding between CSP and CORS.

use super::*;

fn csp_blocked(readable: bool, violations: Vec<CspViolation>, w: Option<WatchEvidence>) -> Finding {
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

/// Watch mode in Chromium: the loader's XHRs refused by CSP leave no-status entries (like a
/// CORS-withheld answer); the recorded violations decide CSP, in a young page too, whether
/// the widget reported its start-up error or not.
fn how(f: &Finding) -> &str {
    evidence(f, "CSP blocking")[0]
}

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
