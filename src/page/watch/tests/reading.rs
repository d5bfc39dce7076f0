//! Reading the record: tolerant, capped, and the short texts made from it.

use super::*;

#[test]
fn seconds_are_formatted_without_float_formatting() {
    assert_eq!(secs(Some(1234.0)), "1.23 s");
    assert_eq!(secs(Some(900.5)), "0.90 s");
    assert_eq!(secs(Some(0.0)), "0.00 s");
    assert_eq!(secs(Some(61_005.0)), "61.01 s");
    assert_eq!(secs(Some(-1.0)), "an unknown time");
    assert_eq!(secs(Some(f64::NAN)), "an unknown time");
    assert_eq!(secs(None), "an unknown time");
}

#[test]
fn loader_messages_match_case_insensitively_on_their_distinctive_part() {
    use LoaderMessage::*;
    let rows = [
        (SECOND_LOADER, Some(SecondLoader)),
        (
            "ATTEMPTING TO LOAD MIAW SCRIPT WHEN ONE IS ALREADY LOADED",
            Some(SecondLoader),
        ),
        (SECOND_INIT, Some(SecondInit)),
        (
            "Agentforce Messaging has already been initialized",
            Some(SecondLoader),
        ),
        (
            "Error: Invalid init() configuration specified. siteUrl, agentId & domainUrl are mandatory.",
            Some(AgentforceRefused),
        ),
        (
            "Attempting to create new conversation multiple times!",
            Some(SecondConversation),
        ),
        (
            "Unable to load Embedded Messaging configuration.",
            Some(ConfigUnavailable),
        ),
        (
            "[EmbeddedServiceBootstrap] Error loading config: HTTP 404",
            None,
        ),
        ("", None),
    ];
    for (text, want) in rows {
        assert_eq!(LoaderMessage::of(text), want, "{text}");
    }
}

#[test]
fn merged_history_deduplicates_by_url_and_start_to_a_tenth_of_a_millisecond() {
    let page = vec![
        res("https://a.test/1", Some(200), 10.0),
        res("https://a.test/2", Some(200), 20.0),
    ];
    let w = WatchEvidence {
        resources: vec![
            res("https://a.test/0", Some(200), 5.0),
            // The same request as the buffer's, its start differing below 0.05 ms.
            res("https://a.test/1", Some(200), 10.04),
            // Same URL, another request (a retry).
            res("https://a.test/1", None, 15.0),
            res("https://a.test/2", Some(0), 20.0),
            res("https://a.test/3", Some(0), 30.0),
        ],
        ..record()
    };
    let merged = merged_resources(&page, Some(&w));
    let got: Vec<_> = merged
        .iter()
        .map(|r| (r.url.as_str(), r.start_ms.unwrap(), r.status))
        .collect();
    assert_eq!(
        got,
        vec![
            ("https://a.test/0", 5.0, Some(200)),
            ("https://a.test/1", 10.0, Some(200)),
            ("https://a.test/1", 15.0, None),
            ("https://a.test/2", 20.0, Some(200)),
            ("https://a.test/3", 30.0, None),
        ]
    );
    // Without a record the collector's list is used as it is.
    assert!(matches!(merged_resources(&page, None), Cow::Borrowed(_)));
}

/// Load errors are read leniently and capped like the rest of the record.
#[test]
fn load_errors_are_read_leniently_and_capped() {
    let one = r#"{"url":"https://acme.my.site.com/x/assets/js/bootstrap.min.js","tag":"script","atMs":5}"#;
    let many = vec![one; MAX_WATCH_LOAD_ERRORS + 20].join(",");
    let json = format!(r#"{{"loadErrors":[7,"x",null,{many}]}}"#);
    let w: WatchEvidence = serde_json::from_str(&json).unwrap();
    assert_eq!(w.load_errors.len(), MAX_WATCH_LOAD_ERRORS);
    assert_eq!(w.load_errors[0].tag, "script");
    let w: WatchEvidence = serde_json::from_str(r#"{"loadErrors":"nope"}"#).unwrap();
    assert!(w.load_errors.is_empty());
}

#[test]
fn the_record_is_read_tolerantly_in_the_recorder_s_json_shape() {
    let json = r#"{
            "version": 1, "startedMs": 3.2, "somethingNew": [1, 2, {"a": null}],
            "resources": [
                {"url": "https://acme.my.site.com/ESWWebChat1712345678901/assets/js/bootstrap.min.js", "initiator": "script", "status": 200, "durationMs": 12.5, "startMs": 40.1},
                {"url": "https://x.test/a", "status": 0, "startMs": "soon"},
                {"url": 42, "status": 70000, "durationMs": null},
                "not an entry", 7, null, [1, 2]
            ],
            "resourcesDropped": -4,
            "csp": {"not": "a list"},
            "cspDropped": 1e12,
            "events": [{"name": "onEmbeddedMessagingInitError", "atMs": 900.5, "detail": {"reason": "x"}},
                       {"name": "onEmbeddedMessagingButtonCreated", "atMs": 1000, "detail": "Hide"}],
            "console": [{"level": "error", "text": "[EmbeddedServiceBootstrap] Attempted to initialize bootstrap multiple times", "atMs": 700.0}]
        }"#;
    let w: WatchEvidence = serde_json::from_str(json).unwrap();
    assert_eq!(w.version, 1);
    assert_eq!(w.started_ms, Some(3.2));
    assert_eq!(w.resources.len(), 3);
    assert_eq!(w.resources[0].status, Some(200));
    assert_eq!(w.resources[0].start_ms, Some(40.1));
    assert_eq!(
        (w.resources[1].status, w.resources[1].start_ms),
        (None, None)
    );
    assert_eq!(
        (w.resources[2].url.as_str(), w.resources[2].status),
        ("", None)
    );
    assert_eq!(w.resources_dropped, 0);
    assert!(w.csp.is_empty());
    assert_eq!(w.csp_dropped, u32::MAX);
    assert_eq!(w.events[0].detail, None);
    assert_eq!(w.events[1].detail.as_deref(), Some("Hide"));
    assert_eq!(w.console.len(), 1);
    // Inside the page evidence too; a wholly wrong record fails only the record.
    let ev: PageEvidence =
        serde_json::from_str(&format!(r#"{{"url":"https://x.test/","watch":{json}}}"#)).unwrap();
    assert_eq!(ev.watch.as_ref(), Some(&w));
    assert!(serde_json::from_str::<WatchEvidence>("\"x\"").is_err());
    assert_eq!(
        serde_json::from_str::<WatchEvidence>("{}").unwrap(),
        WatchEvidence::default()
    );
}

#[test]
fn a_hostile_record_is_capped_when_read_and_when_used() {
    // Two-byte characters past every string cap (a cut must land on a boundary).
    let long = "é".repeat(5_000);
    let entry = format!(r#"{{"url":"https://x.test/{long}","initiator":"{long}","startMs":1}}"#);
    let many = format!(
        "{entry},{}",
        vec![r#"{"url":"https://x.test/a","startMs":2}"#; MAX_WATCH_RESOURCES + 500].join(",")
    );
    let ev_line = format!(r#"{{"name":"onEmbeddedMessaging{long}","atMs":1,"detail":"{long}"}}"#);
    let events = vec![ev_line.as_str(); MAX_WATCH_EVENTS + 10].join(",");
    let csp = format!(
        r#"{{"blockedUrl":"https://acme.my.salesforce-scrt.com/{long}","directive":"{long}","atMs":1}}"#
    );
    let csps = vec![csp.as_str(); MAX_WATCH_CSP + 10].join(",");
    let con = format!(r#"{{"level":"{long}","text":"{SECOND_INIT} {long}","atMs":1}}"#);
    let cons = vec![con.as_str(); MAX_WATCH_CONSOLE + 10].join(",");
    let json = format!(
        r#"{{"startedMs":1,"resources":[{many}],"csp":[{csps}],"events":[{events}],"console":[{cons}]}}"#
    );
    let w: WatchEvidence = serde_json::from_str(&json).unwrap();
    assert_eq!(w.resources.len(), MAX_WATCH_RESOURCES);
    assert_eq!(w.csp.len(), MAX_WATCH_CSP);
    assert_eq!(w.events.len(), MAX_WATCH_EVENTS);
    assert_eq!(w.console.len(), MAX_WATCH_CONSOLE);
    assert!(w.resources[0].url.len() <= MAX_WATCH_URL + 3);
    assert!(w.resources[0].initiator.len() <= MAX_WATCH_SHORT + 3);
    assert!(w.console[0].text.len() <= MAX_WATCH_TEXT + 3);
    assert!(w.events[0].detail.as_ref().unwrap().len() <= MAX_WATCH_SHORT + 3);

    // Built in code, past every reading cap: the analysis caps what it uses and copies.
    let huge = WatchEvidence {
        started_ms: Some(1.0),
        resources: (0..MAX_WATCH_RESOURCES * 2)
            .map(|i| {
                let tail = if i % 1000 == 0 { long.as_str() } else { "x" };
                res(&format!("https://x.test/{i}/{tail}"), Some(0), i as f64)
            })
            .collect(),
        csp: (0..MAX_WATCH_CSP * 2)
            .map(|i| WatchCsp {
                blocked_url: format!("{SCRT}/{i}/{long}"),
                directive: long.clone(),
                at_ms: Some(f64::INFINITY),
            })
            .collect(),
        events: (0..MAX_WATCH_EVENTS * 2)
            .map(|_| WidgetEvent {
                name: format!("onEmbeddedMessaging{long}"),
                at_ms: Some(f64::NAN),
                detail: Some(long.clone()),
            })
            .collect(),
        console: (0..MAX_WATCH_CONSOLE * 2)
            .map(|_| line(&format!("{SECOND_LOADER}{long}"), -5.0))
            .collect(),
        ..Default::default()
    };
    let ev = watched(
        page(
            startup(100.0, Some(200)).into_iter().take(2).collect(),
            container(),
            30_000.0,
        ),
        huge,
    );
    let r = analyze(&ev);
    assert_eq!(r.stats.resources as usize, MAX_WATCH_RESOURCES + 2);
    let longest = r
        .findings
        .iter()
        .flat_map(|f| f.evidence.iter().map(|e| e.value.len() + e.label.len()))
        .max()
        .unwrap();
    assert!(longest < MAX_WATCH_URL + 200, "{longest}");
    let events_listed: usize = r
        .findings
        .iter()
        .map(|f| evidence(f, "Widget event").len())
        .sum();
    assert_eq!(events_listed, EVENTS_LISTED);
    let w = r.stats.watch.unwrap();
    assert_eq!(w.requests_dropped, MAX_WATCH_RESOURCES as u32);
    assert_eq!(w.csp_reports as usize, MAX_WATCH_CSP);
}
