//! Watch mode's own findings: run-time duplicates, loader messages, `page/watch-recorded`.

use super::*;

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
    ev.watch_unreadable = Some("invalid type: string \"x\", expected struct WatchEvidence".into());
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
