//! The popup binding in a real browser: JS values in, the ranked diagnosis out.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn report_json(findings: &str) -> JsValue {
    JSON::parse(&format!(
        r#"{{"coreVersion":"0.1.0","url":"https://shop.example/","loaders":[],"initCalls":[],"findings":{findings},"stats":{{"scripts":0,"inlineBytes":0,"resources":0,"truncated":false}}}}"#
    ))
    .unwrap()
}

#[wasm_bindgen_test]
fn ranks_the_error_first_and_names_it_in_the_headline() {
    let report = report_json(
        r#"[{"code":"page/snippet-found","severity":"ok","title":"Chat code found","message":"m","evidence":[],"fix":[]},
            {"code":"page/duplicate-snippet","severity":"error","title":"Snippet twice","message":"m","evidence":[],"fix":[]}]"#,
    );
    let d = md_popup_wasm::diagnose(report, JsValue::NULL, JsValue::UNDEFINED).unwrap();
    assert_eq!(
        get(&d, "headline").as_string().as_deref(),
        Some("Likely cause: Snippet twice")
    );
    let findings: Array = get(&d, "findings").into();
    assert_eq!(
        get(&findings.get(0), "code").as_string().as_deref(),
        Some("page/duplicate-snippet")
    );
    assert_eq!(
        get(&d, "pageUrl").as_string().as_deref(),
        Some("https://shop.example/")
    );
}

#[wasm_bindgen_test]
fn a_malformed_report_is_an_error_not_a_crash() {
    let bad = JSON::parse(r#"{"findings": 42}"#).unwrap();
    let err = md_popup_wasm::diagnose(bad, JsValue::NULL, JsValue::NULL).unwrap_err();
    let msg: JsValue = err.into();
    let text = get(&msg, "message").as_string().unwrap();
    assert!(
        text.starts_with("The page report has an unexpected shape"),
        "{text}"
    );
}

#[wasm_bindgen_test]
fn no_report_gives_the_nothing_checked_headline() {
    let d = md_popup_wasm::diagnose(JsValue::NULL, JsValue::NULL, JsValue::NULL).unwrap();
    assert_eq!(
        get(&d, "headline").as_string().as_deref(),
        Some("Nothing was checked yet.")
    );
}

#[wasm_bindgen_test]
fn export_gives_the_versioned_report_and_escaped_markdown() {
    let report = report_json(
        r#"[{"code":"page/duplicate-snippet","severity":"error","title":"Snippet [twice](javascript:x)","message":"m","evidence":[],"fix":["Keep one."]}]"#,
    );
    let out =
        md_popup_wasm::export_report(report, JsValue::NULL, JsValue::NULL, "2026-11-25T10:00:00Z")
            .unwrap();
    let exported = get(&out, "report");
    assert_eq!(
        get(&exported, "schema").as_string().as_deref(),
        Some("messaging-doctor/report@1")
    );
    assert_eq!(
        get(&get(&exported, "page"), "url").as_string().as_deref(),
        Some("https://shop.example/")
    );
    let md = get(&out, "markdown").as_string().unwrap();
    assert!(md.contains("Snippet \\[twice\\](javascript:x)"), "{md}");
    assert!(md.contains("1. Keep one."), "{md}");
}

#[wasm_bindgen_test]
fn org_plan_analyze_and_session_choice_cross_the_boundary() {
    // First round: two REST composites and one Tooling composite, POSTed under
    // /services/data, and GET /limits on its own (composite does not accept it).
    let reqs = md_popup_wasm::org_plan(JsValue::NULL, Array::new().into()).unwrap();
    let reqs = Array::from(&reqs);
    assert_eq!(reqs.length(), 4);
    assert_eq!(
        get(&reqs.get(3), "method").as_string().as_deref(),
        Some("GET")
    );
    let first = reqs.get(0);
    assert_eq!(get(&first, "method").as_string().as_deref(), Some("POST"));
    assert!(get(&first, "path")
        .as_string()
        .unwrap()
        .starts_with("/services/data/"));
    // A 401 on both: the analysis reports an expired session, not an exception.
    let exchanges = Array::new();
    for r in reqs.iter() {
        let ex = JSON::parse(r#"{"status":401,"body":"[{\"errorCode\":\"INVALID_SESSION_ID\",\"message\":\"Session expired or invalid\"}]"}"#).unwrap();
        Reflect::set(&ex, &"request".into(), &r).unwrap();
        exchanges.push(&ex);
    }
    let org =
        JSON::parse(r#"{"apiHost":"acme.my.salesforce.com","orgId":"00D8c000001Hlt1"}"#).unwrap();
    let report = md_popup_wasm::org_analyze(org, JsValue::NULL, exchanges.into()).unwrap();
    let codes: Vec<String> = Array::from(&get(&report, "findings"))
        .iter()
        .map(|f| get(&f, "code").as_string().unwrap())
        .collect();
    assert_eq!(
        codes.iter().filter(|c| *c == "org/session-expired").count(),
        1,
        "{codes:?}"
    );
    // Session choice: the only org is used.
    let cands =
        JSON::parse(r#"[{"host":"acme.my.salesforce.com","orgId":"00D8c000001Hlt1"}]"#).unwrap();
    let choice =
        md_popup_wasm::choose_session_js(cands, JsValue::NULL, "https://x.test/", None).unwrap();
    assert_eq!(
        get(&get(&choice, "decision"), "kind")
            .as_string()
            .as_deref(),
        Some("use")
    );
    // A malformed exchange list is an error message, not a crash.
    let bad = JSON::parse(r#"[{"request":5}]"#).unwrap();
    assert!(md_popup_wasm::org_plan(JsValue::NULL, bad).is_err());
}

#[wasm_bindgen_test]
fn capture_state_round_trips_through_js_values_and_rejects_garbage() {
    let input = JSON::parse(
        r#"{"apiHost":"acme.my.salesforce.com","orgId":"00D8c000001Val3","deployments":["Web_Chat"],"nowMs":1760000000000}"#,
    )
    .unwrap();
    let s = md_popup_wasm::capture_begin(input).unwrap();
    let reqs: Array = get(&s, "requests").into();
    assert!(reqs.length() >= 1);
    assert_eq!(get(&s, "phase").as_string().as_deref(), Some("findUsers"));
    // Through JSON (storage.session) and back: cancelling before any write is done at once.
    let state = JSON::parse(
        &JSON::stringify(&get(&s, "state"))
            .unwrap()
            .as_string()
            .unwrap(),
    )
    .unwrap();
    let cancel = JSON::parse(r#"{"kind":"cancel","nowMs":1760000001000}"#).unwrap();
    let c = md_popup_wasm::capture_step(state, cancel).unwrap();
    assert_eq!(get(&c, "done").as_bool(), Some(true));
    assert_eq!(
        get(&get(&c, "finding"), "code").as_string().as_deref(),
        Some("capture/cancelled")
    );
    assert!(md_popup_wasm::capture_step(JsValue::from_str("x"), JsValue::NULL).is_err());
}
