//! The stage a watched page reaches, decided on its whole request history and its events.

use super::*;

/// A cross-origin loader that answered 404 shows no status in resource timing, so unwatched
/// the page reads as "loaded but never started"; watch mode saw its element's `error`
/// event, so the stage is the loader that did not load, with the failed load as evidence.
#[test]
fn a_recorded_load_error_on_the_loader_means_it_did_not_load() {
    let old = 30_000.0;
    // The loader's entry carries no status (cross-origin, no-cors), and nothing follows it.
    let mut seen = loader(400.0);
    seen.status = None;
    let unwatched = analyze(&page(vec![seen.clone()], DomEvidence::default(), old));
    assert_eq!(stage_tag(&unwatched), "init-never-called");

    let failed = LoadError {
        url: seen.url.clone(),
        tag: "script".into(),
        at_ms: Some(410.0),
    };
    let w = WatchEvidence {
        resources: vec![seen.clone()],
        load_errors: vec![failed.clone()],
        ..record()
    };
    let r = analyze(&watched(
        page(vec![seen.clone()], DomEvidence::default(), old),
        w,
    ));
    assert_eq!(stage_tag(&r), "loader-blocked");
    let f = find(&r, "page/request-failed").expect("request-failed");
    assert_eq!(f.title, "The chat loader script did not load");
    let line = f
        .evidence
        .iter()
        .find(|e| e.label == "Failed to load (recorded by watch mode)")
        .expect("the failed load as evidence");
    assert!(line.value.contains(&seen.url) && line.value.contains("<script>"));

    // A failed load of something that is not the chat's is no evidence about the chat.
    let other = WatchEvidence {
        resources: vec![seen.clone()],
        load_errors: vec![LoadError {
            url: "https://cdn.acme-shop.test/app.js".into(),
            ..failed
        }],
        ..record()
    };
    let r = analyze(&watched(
        page(vec![seen], DomEvidence::default(), old),
        other,
    ));
    assert_eq!(stage_tag(&r), "init-never-called");
    assert!(r.findings.iter().all(|f| f
        .evidence
        .iter()
        .all(|e| !e.label.starts_with("Failed to load"))));
}

/// A stylesheet whose element failed (no status visible) stops the loader at its first step.
#[test]
fn a_recorded_load_error_on_the_styles_means_styles_failed() {
    let old = 30_000.0;
    let mut styles = res(
        &format!("{SITE}/assets/styles/bootstrap.min.css"),
        None,
        500.0,
    );
    styles.status = None;
    let seen = vec![loader(400.0), styles.clone()];
    let w = WatchEvidence {
        resources: seen.clone(),
        load_errors: vec![LoadError {
            url: styles.url.clone(),
            tag: "link".into(),
            at_ms: Some(520.0),
        }],
        ..record()
    };
    let r = analyze(&watched(page(seen, container(), old), w));
    assert_eq!(stage_tag(&r), "styles-failed");
}

/// Each row: what the page and the recording show → the stage and its finding. A watched
/// page is judged on its whole request history and on the widget's own events.
#[test]
fn watched_stage_table() {
    let young = 2_000.0;
    let old = 30_000.0;
    let init_error = || WatchEvidence {
        events: vec![event("InitError", 900.0)],
        ..record()
    };
    let over_buffer = |config: Option<u16>| {
        let mut all = filler(300);
        all.extend(startup(400.0, config));
        all
    };
    let rows: Vec<(&str, PageEvidence, &str, &str)> = vec![
        // Over 250 requests: unwatched, the buffer hides the widget; watched, the real stage.
        (
            "buffer full, not watched",
            page(filler(RESOURCE_BUFFER_DEFAULT), container(), old),
            "page/timeline-incomplete",
            "timeline-incomplete",
        ),
        (
            "buffer full, watched: config 404 found past the buffer",
            watched(
                page(filler(RESOURCE_BUFFER_DEFAULT), container(), old),
                WatchEvidence {
                    resources: over_buffer(Some(404)),
                    ..record()
                },
            ),
            "page/request-failed",
            "config-failed",
        ),
        (
            "buffer full, watched: answers seen, no button",
            watched(
                page(filler(RESOURCE_BUFFER_DEFAULT), container(), old),
                WatchEvidence {
                    resources: over_buffer(Some(200)),
                    ..record()
                },
            ),
            "page/widget-stalled",
            "stalled-before-ready",
        ),
        (
            "buffer full, watched: healthy",
            watched(
                page(filler(RESOURCE_BUFFER_DEFAULT), ready_dom(), old),
                WatchEvidence {
                    resources: over_buffer(Some(200)),
                    ..record()
                },
            ),
            "page/widget-ready",
            "healthy",
        ),
        (
            "watched, but the recorder dropped entries",
            watched(
                page(filler(RESOURCE_BUFFER_DEFAULT), container(), old),
                WatchEvidence {
                    resources: filler(300),
                    resources_dropped: 7,
                    ..record()
                },
            ),
            "page/timeline-incomplete",
            "timeline-incomplete",
        ),
        (
            "watched, but the recorder saw no request at all",
            watched(
                page(filler(RESOURCE_BUFFER_DEFAULT), container(), old),
                record(),
            ),
            "page/timeline-incomplete",
            "timeline-incomplete",
        ),
        // InitError without Ready: start-up failed, even on a young page.
        (
            "young, no error: still starting",
            watched(
                page(vec![loader(100.0)], DomEvidence::default(), young),
                record(),
            ),
            "page/widget-starting",
            "starting",
        ),
        (
            "young, InitError, scrt2 requests never sent",
            watched(
                page(
                    startup(100.0, Some(200)).into_iter().take(2).collect(),
                    container(),
                    young,
                ),
                init_error(),
            ),
            "page/csp-blocked",
            "startup-requests-blocked",
        ),
        (
            "young, InitError, config 404",
            watched(
                page(startup(100.0, Some(404)), container(), young),
                init_error(),
            ),
            "page/request-failed",
            "config-failed",
        ),
        (
            "young, InitError, config answers withheld",
            watched(
                page(
                    {
                        let mut v = startup(100.0, None);
                        v.retain(|e| !e.url.contains("businesshours"));
                        v
                    },
                    container(),
                    young,
                ),
                init_error(),
            ),
            "page/cors-blocked",
            "startup-answers-withheld",
        ),
        (
            "young, InitError before any request (values rejected)",
            watched(
                page(vec![loader(100.0)], DomEvidence::default(), young),
                init_error(),
            ),
            "page/widget-stalled",
            "stalled-before-ready",
        ),
        (
            "young, InitError, loader not in the history",
            watched(page(vec![], DomEvidence::default(), young), init_error()),
            "page/widget-stalled",
            "stalled-before-ready",
        ),
        (
            "old, InitError, no request, no container: init ran, so not 'never called'",
            watched(
                page(vec![loader(100.0)], DomEvidence::default(), old),
                init_error(),
            ),
            "page/widget-stalled",
            "stalled-before-ready",
        ),
        (
            "young, InitError after every answer",
            watched(
                page(startup(100.0, Some(200)), container(), young),
                init_error(),
            ),
            "page/widget-stalled",
            "stalled-before-ready",
        ),
        (
            "InitError then Ready and a button: started",
            watched(
                page(startup(100.0, Some(200)), ready_dom(), young),
                WatchEvidence {
                    events: vec![event("InitError", 500.0), event("Ready", 900.0)],
                    ..record()
                },
            ),
            "page/widget-ready",
            "healthy",
        ),
        // Ready or business hours ended without a button: hidden, not a failure.
        (
            "Ready, no button on the page",
            watched(
                page(startup(100.0, Some(200)), container(), young),
                WatchEvidence {
                    events: vec![event("Ready", 900.0)],
                    ..record()
                },
            ),
            "page/button-hidden",
            "button-hidden",
        ),
        (
            "business hours ended, no button",
            watched(
                page(startup(100.0, Some(200)), container(), old),
                WatchEvidence {
                    events: vec![event("BusinessHoursEnded", 900.0)],
                    ..record()
                },
            ),
            "page/button-hidden",
            "button-hidden",
        ),
        (
            "business hours ended then started again: judged on the requests",
            watched(
                page(startup(100.0, Some(200)), container(), old),
                WatchEvidence {
                    events: vec![
                        event("BusinessHoursEnded", 900.0),
                        event("BusinessHoursStarted", 5_000.0),
                    ],
                    ..record()
                },
            ),
            "page/widget-stalled",
            "stalled-before-ready",
        ),
    ];
    for (name, ev, code, stage) in rows {
        let r = analyze(&ev);
        assert_eq!(
            (stage_code(&r), stage_tag(&r).as_str()),
            (code, stage),
            "{name}: {:?}",
            r.stage
        );
    }
}

#[test]
fn a_widget_in_a_frame_is_not_judged_on_the_page_s_record() {
    // The record is the top page's (its clock, events and console); the widget lives in a
    // same-origin frame 1 s old: still starting, whatever the page's record says.
    let mut ev = watched(
        PageEvidence {
            url: "https://www.acme-shop.test/".into(),
            page_age_ms: Some(30_000.0),
            ..Default::default()
        },
        WatchEvidence {
            events: vec![event("InitError", 100.0)],
            ..record()
        },
    );
    let framed = page(vec![loader(100.0)], DomEvidence::default(), 1_000.0);
    ev.frames.push(crate::page::FrameEvidence {
        index: 1,
        url: "https://www.acme-shop.test/chat.html".into(),
        inspectable: true,
        scripts: framed.scripts,
        resources: framed.resources,
        page_age_ms: framed.page_age_ms,
        ..Default::default()
    });
    let r = analyze(&ev);
    assert_eq!(stage_tag(&r), "starting");
    let f = find(&r, "page/widget-starting").unwrap();
    assert!(evidence(f, "Widget event").is_empty());
    assert!(find(&r, "page/watch-recorded").is_some());
}

#[test]
fn over_the_buffer_the_timeline_has_every_widget_request_once() {
    let mut all = filler(300);
    all.extend(startup(400.0, Some(404)));
    // The recorder's list holds the buffer's 250 entries too (buffered observer).
    let ev = watched(
        page(filler(RESOURCE_BUFFER_DEFAULT), container(), 30_000.0),
        WatchEvidence {
            resources: all,
            ..record()
        },
    );
    let r = analyze(&ev);
    assert_eq!(r.timeline.len(), 4);
    assert_eq!(r.stats.resources, 304);
    let w = r.stats.watch.as_ref().unwrap();
    assert_eq!((w.requests, w.requests_dropped), (304, 0));
}

#[test]
fn an_init_error_is_named_in_the_stage_finding() {
    let ev = watched(
        page(
            startup(100.0, Some(200)).into_iter().take(2).collect(),
            container(),
            2_000.0,
        ),
        WatchEvidence {
            events: vec![event("InitError", 900.0), event("InitError", 1_400.0)],
            ..record()
        },
    );
    let r = analyze(&ev);
    let f = find(&r, "page/csp-blocked").unwrap();
    assert!(
            f.message.contains("The widget itself reported the failure: watch mode recorded onEmbeddedMessagingInitError 2 times, first at 0.90 s."),
            "{}",
            f.message
        );
    assert_eq!(
        evidence(f, "Widget start-up error"),
        vec!["onEmbeddedMessagingInitError 2 times, first at 0.90 s"]
    );
    assert_eq!(
        evidence(f, "Widget event"),
        vec![
            "Start-up error (onEmbeddedMessagingInitError) at 0.90 s",
            "Start-up error (onEmbeddedMessagingInitError) at 1.40 s"
        ]
    );

    let early = watched(
        page(vec![loader(100.0)], DomEvidence::default(), 2_000.0),
        WatchEvidence {
            events: vec![event("InitError", 300.0)],
            ..record()
        },
    );
    let r = analyze(&early);
    let f = find(&r, "page/widget-stalled").unwrap();
    assert_eq!(
        f.title,
        "The widget reported a start-up error and never showed its button"
    );
    assert!(
        f.message.contains("made none of its start-up requests"),
        "{}",
        f.message
    );
}

#[test]
fn widget_events_are_timeline_lines_at_most_twenty() {
    let mut events = vec![
        WidgetEvent {
            detail: Some("Hide".into()),
            ..event("ButtonCreated", 1_100.0)
        },
        event("Ready", 1_234.0),
        // Not the widget's: left out.
        WidgetEvent {
            name: "somethingElse".into(),
            at_ms: Some(1.0),
            detail: None,
        },
    ];
    let ev = watched(
        page(startup(100.0, Some(200)), ready_dom(), 30_000.0),
        WatchEvidence {
            events: events.clone(),
            ..record()
        },
    );
    let r = analyze(&ev);
    let f = find(&r, "page/widget-ready").unwrap();
    assert_eq!(
        evidence(f, "Widget event"),
        vec![
            "Button created at 1.10 s (Hide)",
            "Ready (start-up finished) at 1.23 s"
        ]
    );
    events.extend((0..30).map(|i| event("WindowMaximized", 2_000.0 + i as f64)));
    let ev = watched(
        page(startup(100.0, Some(200)), ready_dom(), 30_000.0),
        WatchEvidence { events, ..record() },
    );
    let r = analyze(&ev);
    let f = find(&r, "page/widget-ready").unwrap();
    assert_eq!(evidence(f, "Widget event").len(), EVENTS_LISTED);
    assert_eq!(evidence(f, "Widget events"), vec!["and 12 more"]);
}

#[test]
fn business_hours_ended_is_context_for_the_hidden_button() {
    let ev = watched(
        page(startup(100.0, Some(200)), container(), 30_000.0),
        WatchEvidence {
            events: vec![event("BusinessHoursEnded", 900.0), event("Ready", 950.0)],
            ..record()
        },
    );
    let r = analyze(&ev);
    let f = find(&r, "page/button-hidden").unwrap();
    assert_eq!(f.severity, Severity::Info);
    assert!(evidence(f, "Business hours")[0].contains("business hours ended"));
}
