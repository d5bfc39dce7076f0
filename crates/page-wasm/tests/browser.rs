//! The content-script binding in a real browser: builds a document with web-sys, collects the
//! evidence from it and checks what the collector saw and what the core made of it.
#![cfg(target_arch = "wasm32")]

use md_page_wasm::collect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Document, HtmlScriptElement};

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_document() -> Document {
    // A separate document, so the test runner's own page is left alone.
    gloo::utils::document()
        .implementation()
        .unwrap()
        .create_html_document_with_title("fixture")
        .unwrap()
}

fn add_script(doc: &Document, parent: &str, src: Option<&str>, text: Option<&str>) {
    let el: HtmlScriptElement = doc.create_element("script").unwrap().unchecked_into();
    // Not executed: scripts created in a document without a browsing context never run.
    if let Some(src) = src {
        el.set_src(src);
    }
    if let Some(text) = text {
        el.set_text(text).unwrap();
    }
    let parent = doc.query_selector(parent).unwrap().unwrap();
    parent.append_child(&el).unwrap();
}

const SNIPPET: &str = "function initEmbeddedMessaging(){try{embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWebChat1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'})}catch(e){}}";
const LOADER: &str = "https://acme.my.site.com/ESWWebChat1712345678901/assets/js/bootstrap.min.js";

#[wasm_bindgen_test]
fn collects_scripts_in_document_order_with_head_and_body_placement() {
    let doc = fresh_document();
    add_script(&doc, "head", Some(LOADER), None);
    add_script(&doc, "body", None, Some(SNIPPET));
    add_script(&doc, "body", Some(LOADER), None);
    let ev = collect(&doc);
    assert_eq!(ev.scripts.len(), 3);
    assert_eq!(ev.scripts[0].index, 1);
    assert!(ev.scripts[0].in_head);
    assert_eq!(ev.scripts[0].src.as_deref(), Some(LOADER));
    assert!(!ev.scripts[1].in_head);
    assert_eq!(ev.scripts[1].inline.as_deref(), Some(SNIPPET));
    assert_eq!(ev.scripts[1].src, None);
    assert!(!ev.truncated);

    assert!(ev.page_age_ms.is_some_and(|ms| ms > 0.0));

    // Pin the page's age: the loaders in this fixture were never fetched, and within the
    // first 10 s that reads as "still starting".
    let mut ev = ev;
    ev.page_age_ms = Some(1_000.0);
    let report = messaging_doctor::page::analyze(&ev);
    let codes: Vec<_> = report.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes,
        vec![
            "page/snippet-found",
            "page/duplicate-snippet",
            "page/widget-starting"
        ]
    );
    assert_eq!(
        report.init_calls[0].call.deployment.as_deref(),
        Some("Web_Chat")
    );
}

#[wasm_bindgen_test]
fn counts_widget_dom_markers() {
    let doc = fresh_document();
    let body = doc.body().unwrap();
    let container = doc.create_element("div").unwrap();
    container.set_id("embedded-messaging");
    let button = doc.create_element("button").unwrap();
    button.set_id("embeddedMessagingConversationButton");
    let frame = doc.create_element("iframe").unwrap();
    frame.set_id("embeddedMessagingFrame");
    frame
        .set_attribute(
            "src",
            "https://acme.my.site.com/ESWWebChat1712345678901/?lwc.mode=prod",
        )
        .unwrap();
    container.append_child(&button).unwrap();
    container.append_child(&frame).unwrap();
    body.append_child(&container).unwrap();
    let ev = collect(&doc);
    assert_eq!(ev.dom.containers, 1);
    assert_eq!(ev.dom.buttons, 1);
    assert_eq!(
        ev.dom.chat_frames,
        vec!["https://acme.my.site.com/ESWWebChat1712345678901/?lwc.mode=prod".to_string()]
    );
}

/// Agentforce Messaging's frame counts as reported only once the loader set a state class on
/// it (the app's `resize`); the bare frame, which the loader builds at once, does not.
#[wasm_bindgen_test]
fn counts_agentforce_frames_and_the_ones_whose_app_reported() {
    let doc = fresh_document();
    let body = doc.body().unwrap();
    let container = doc.create_element("div").unwrap();
    container.set_id("agentforce-messaging");
    let frame = doc.create_element("iframe").unwrap();
    frame.set_id("agentforce-messaging-frame");
    frame.set_class_name("agentforce-messaging-frame");
    container.append_child(&frame).unwrap();
    body.append_child(&container).unwrap();
    let ev = collect(&doc);
    assert_eq!(ev.dom.agentforce_containers, 1);
    assert_eq!(ev.dom.agentforce_frames, 1);
    assert_eq!(ev.dom.agentforce_frames_reported, 0);
    frame.set_class_name("agentforce-messaging-frame closed");
    assert_eq!(collect(&doc).dom.agentforce_frames_reported, 1);
}

#[wasm_bindgen_test]
fn reads_failed_messages_from_session_storage() {
    let storage = gloo::utils::window().session_storage().unwrap().unwrap();
    storage
        .set_item(
            "00D8c000001Hlt1_WEB_STORAGE",
            r#"{"FAILED_MESSAGES":[{"id":"a"},{"id":"b"}],"OTHER":1}"#,
        )
        .unwrap();
    storage.set_item("x_WEB_STORAGE", "not json").unwrap();
    storage.set_item("unrelated", "[]").unwrap();
    let ev = collect(&fresh_document());
    let mut got: Vec<_> = ev
        .storage
        .iter()
        .map(|s| (s.key.as_str(), s.failed_messages, s.unreadable))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("00D8c000001Hlt1_WEB_STORAGE", 2, false),
            ("x_WEB_STORAGE", 0, true)
        ]
    );
    assert!(
        ev.response_status_supported,
        "Chromium exposes responseStatus"
    );
    storage.clear().unwrap();
}

#[wasm_bindgen_test]
fn caps_a_huge_inline_script_and_says_so() {
    let doc = fresh_document();
    let huge = format!(
        "{}{}",
        "x".repeat(messaging_doctor::page::MAX_INLINE_SCRIPT_BYTES + 10),
        SNIPPET
    );
    add_script(&doc, "body", None, Some(&huge));
    let ev = collect(&doc);
    assert!(ev.truncated);
    assert_eq!(
        ev.scripts[0].inline.as_ref().unwrap().len(),
        messaging_doctor::page::MAX_INLINE_SCRIPT_BYTES
    );
    let report = messaging_doctor::page::analyze(&ev);
    assert!(report
        .findings
        .iter()
        .any(|f| f.code == "page/scan-truncated"));
}

#[wasm_bindgen_test]
fn onload_attributes_count_against_the_byte_budget() {
    let doc = fresh_document();
    let huge =
        "initEmbeddedMessaging();".repeat(messaging_doctor::page::MAX_INLINE_SCRIPT_BYTES / 20);
    let body = doc.query_selector("body").unwrap().unwrap();
    for _ in 0..2 {
        let el = doc.create_element("script").unwrap();
        el.set_attribute("src", LOADER).unwrap();
        el.set_attribute("onload", &huge).unwrap();
        body.append_child(&el).unwrap();
    }
    let ev = collect(&doc);
    assert!(ev.truncated, "an attribute past one script's cap is cut");
    for s in &ev.scripts {
        let onload = s.onload.as_deref().unwrap_or("");
        assert_eq!(
            onload.len(),
            messaging_doctor::page::MAX_INLINE_SCRIPT_BYTES
        );
    }
}

#[wasm_bindgen_test]
fn scan_returns_a_plain_object_the_popup_can_read() {
    // scan() reads the runner's own page: no chat there, so the no-widget finding.
    let report = md_page_wasm::scan(JsValue::NULL).unwrap();
    let findings = js_sys::Reflect::get(&report, &"findings".into()).unwrap();
    let first = js_sys::Reflect::get(&findings, &0.into()).unwrap();
    let code = js_sys::Reflect::get(&first, &"code".into()).unwrap();
    assert_eq!(code.as_string().as_deref(), Some("page/no-chat-widget"));
    // Plain object, not a Map: survives structured cloning to the popup.
    assert!(!report.is_instance_of::<js_sys::Map>());
}

/// The findings of a scan result as (code, title) pairs.
fn findings_of(report: &JsValue) -> Vec<(String, String)> {
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).unwrap();
    let findings: js_sys::Array = get(report, "findings").unchecked_into();
    findings
        .iter()
        .map(|f| {
            (
                get(&f, "code").as_string().unwrap(),
                get(&f, "title").as_string().unwrap(),
            )
        })
        .collect()
}

#[wasm_bindgen_test]
fn scan_reads_watch_mode_record() {
    // The record in the shape watch mode's recorder keeps (content/watch.js), with a field
    // of the wrong type and one the core does not know: both are ignored, not fatal.
    let watch = js_sys::JSON::parse(
        r#"{"version":1,"startedMs":3.2,"futureField":{"x":1},
            "resources":[{"url":"https://acme.my.site.com/ESWWebChat1712345678901/assets/js/bootstrap.min.js","initiator":"script","status":200,"durationMs":12.5,"startMs":40.1},
                         {"url":"https://www.example.com/app.js","initiator":"script","status":0,"startMs":41},
                         "not an entry"],
            "resourcesDropped":0,
            "csp":[{"blockedUrl":"https://acme.my.salesforce-scrt.com","directive":"connect-src","atMs":812}],
            "cspDropped":"many",
            "events":[{"name":"onEmbeddedMessagingInitError","atMs":900.5}],
            "console":[{"level":"error","text":"[EmbeddedServiceBootstrap] Attempted to initialize bootstrap multiple times","atMs":700}]}"#,
    )
    .unwrap();
    let report = md_page_wasm::scan(watch).unwrap();
    let findings = findings_of(&report);
    let recorded = findings
        .iter()
        .find(|(code, _)| code == "page/watch-recorded")
        .unwrap_or_else(|| panic!("{findings:?}"));
    assert_eq!(
        recorded.1,
        "Watch mode recorded this page from its first request"
    );
    let stats = js_sys::Reflect::get(&report, &"stats".into()).unwrap();
    let watch = js_sys::Reflect::get(&stats, &"watch".into()).unwrap();
    let n = |k: &str| js_sys::Reflect::get(&watch, &k.into()).unwrap().as_f64();
    assert_eq!(n("requests"), Some(2.0));
    assert_eq!(n("cspReports"), Some(1.0));
    assert_eq!(n("cspDropped"), Some(0.0));
    assert_eq!(n("widgetEvents"), Some(1.0));
    assert_eq!(n("consoleLines"), Some(1.0));

    // Watch mode off: no finding about it.
    let off = findings_of(&md_page_wasm::scan(JsValue::UNDEFINED).unwrap());
    assert!(!off.iter().any(|(c, _)| c == "page/watch-recorded"));

    // A record that is not an object: the scan still works and says so.
    let bad = findings_of(&md_page_wasm::scan(JsValue::from_str("garbage")).unwrap());
    assert!(
        bad.iter().any(|(c, t)| c == "page/watch-recorded"
            && t == "Watch mode was on, but its recording could not be read"),
        "{bad:?}"
    );
}

/// The binding reads the record with `Reflect`; the core reads the same JSON with serde. Both
/// follow one set of rules: wrong types absent, non-objects skipped, lists and strings capped.
#[wasm_bindgen_test]
fn the_binding_reads_a_record_as_the_core_reads_its_json() {
    let long = "é".repeat(3_000);
    let json = format!(
        r#"{{
        "version": 1, "startedMs": 3.2, "somethingNew": [1, 2, {{"a": null}}],
        "resources": [
            {{"url": "https://acme.my.site.com/ESWWebChat1712345678901/assets/js/bootstrap.min.js", "initiator": "script", "status": 200, "durationMs": 12.5, "startMs": 40.1}},
            {{"url": "https://x.test/a", "status": 0, "startMs": "soon"}},
            {{"url": 42, "status": 70000, "durationMs": null}},
            {{"url": "https://x.test/{long}", "initiator": "{long}"}},
            "not an entry", 7, null, [1, 2]
        ],
        "resourcesDropped": -4,
        "csp": {{"not": "a list"}},
        "cspDropped": 1e12,
        "events": [{{"name": "onEmbeddedMessagingInitError", "atMs": 900.5, "detail": {{"reason": "x"}}}},
                   {{"name": "onEmbeddedMessagingButtonCreated", "atMs": 1000, "detail": "Hide"}}],
        "console": [{{"level": "error", "text": "{long}", "atMs": 700.0}}],
        "loadErrors": [{{"url": "https://acme.my.site.com/Old/assets/js/bootstrap.min.js", "tag": "script", "atMs": 41}},
                       "x", {{"url": 5, "tag": null}}]
    }}"#
    );
    let core: messaging_doctor::page::WatchEvidence = serde_json::from_str(&json).unwrap();
    let js = js_sys::JSON::parse(&json).unwrap();
    let (read, unreadable) = md_page_wasm::read_watch(&js);
    assert_eq!(unreadable, None);
    assert_eq!(read.as_ref(), Some(&core));
    assert_eq!(core.resources.len(), 4);
    assert_eq!(core.load_errors.len(), 2);
    assert!(core.console[0].text.len() <= messaging_doctor::page::watch::MAX_WATCH_TEXT + 3);

    // Over the caps: lists stop at them.
    let many = js_sys::Array::new();
    for i in 0..(messaging_doctor::page::watch::MAX_WATCH_CONSOLE + 5) {
        let line = js_sys::Object::new();
        js_sys::Reflect::set(&line, &"text".into(), &format!("line {i}").into()).unwrap();
        many.push(&line);
    }
    let record = js_sys::Object::new();
    js_sys::Reflect::set(&record, &"console".into(), &many).unwrap();
    let (read, _) = md_page_wasm::read_watch(&record);
    assert_eq!(
        read.unwrap().console.len(),
        messaging_doctor::page::watch::MAX_WATCH_CONSOLE
    );
    assert_eq!(
        md_page_wasm::read_watch(&js_sys::Array::new()).1.as_deref(),
        Some("not an object")
    );
    assert_eq!(md_page_wasm::read_watch(&JsValue::NULL), (None, None));
}

/// Waits for an iframe's load event.
async fn loaded(frame: &web_sys::Element) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        frame
            .add_event_listener_with_callback("load", &resolve)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn reads_same_origin_frames_and_lists_cross_origin_ones() {
    // Real frames need a browsing context: they go into the runner's page, and are removed
    // again at the end.
    let doc = gloo::utils::document();
    let body = doc.body().unwrap();
    let same = doc.create_element("iframe").unwrap();
    same.set_attribute(
        "srcdoc",
        &format!(
            "<script>{SNIPPET}</script><script src=\"{LOADER}\" onload=\"initEmbeddedMessaging()\"></script>\
             <experience_messaging-embedded-messaging></experience_messaging-embedded-messaging>"
        ),
    )
    .unwrap();
    // A sandboxed frame without allow-same-origin has an opaque origin: cross-origin.
    let closed = doc.create_element("iframe").unwrap();
    closed.set_attribute("sandbox", "").unwrap();
    closed.set_attribute("srcdoc", "<p>other site</p>").unwrap();
    // The widget's own chat frame is not one of the page's frames.
    let widget = doc.create_element("iframe").unwrap();
    widget.set_id("embeddedMessagingFrame");
    body.append_child(&same).unwrap();
    body.append_child(&closed).unwrap();
    body.append_child(&widget).unwrap();
    loaded(&same).await;

    let ev = collect(&doc);
    for f in [&same, &closed, &widget] {
        f.remove();
    }
    assert_eq!(ev.frames.len(), 2, "{:?}", ev.frames);
    let open = &ev.frames[0];
    assert!(open.inspectable);
    assert_eq!(open.url, "about:srcdoc");
    assert_eq!(open.scripts.len(), 2);
    assert_eq!(open.scripts[0].inline.as_deref(), Some(SNIPPET));
    assert_eq!(open.scripts[1].src.as_deref(), Some(LOADER));
    assert_eq!(
        open.scripts[1].onload.as_deref(),
        Some("initEmbeddedMessaging()")
    );
    assert_eq!(open.dom.experience_components, 1);
    assert!(open.page_age_ms.is_some());
    assert!(!ev.frames[1].inspectable);

    let report = messaging_doctor::page::analyze(&ev);
    assert_eq!(report.init_calls.len(), 1);
    assert_eq!(
        report.init_calls[0].frame.as_deref(),
        Some("frame #1 (about:srcdoc)")
    );
    let codes: Vec<_> = report.findings.iter().map(|f| f.code.as_str()).collect();
    // The component and the snippet in one frame: two copies.
    assert!(codes.contains(&"page/duplicate-snippet"), "{codes:?}");
}
