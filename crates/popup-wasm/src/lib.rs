//! Popup binding: JS values in, JS values out, the core in between.
//!
//! The popup hands in what the content script returned (a `PageReport`), the session cookies
//! it listed (host + org-id prefix only), and the API exchanges it made; the core decides which
//! org to check, what to request, and what the answers mean. Deserialising here is also the
//! popup's check that every message has the expected shape: anything else becomes an error the
//! popup shows, never a crash.
//!
//! The background script loads the same module for the live capture (`captureBegin`,
//! `captureStep`): the capture's state machine runs there, where it outlives the popup.

use messaging_doctor::capture::plan::{begin, step, CaptureEvent, CaptureInput, CaptureState};
use messaging_doctor::finding::Finding;
use messaging_doctor::org::api::ApiExchange;
use messaging_doctor::org::session::{choose_session, SessionCandidate};
use messaging_doctor::org::{analyze, plan, OrgContext, OrgReport};
use messaging_doctor::page::PageReport;
use messaging_doctor::report::{diagnose_all, export, markdown, ExportedReport};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &str) -> Result<JsValue, JsValue>;
}

/// Results cross to JS as JSON text read back with `JSON.parse`, so they are plain objects
/// exactly like the documented JSON. Not `serde_wasm_bindgen`'s serializer: every result type
/// then had its own copy of that serializer's code, and the JSON one costs less (946,031 →
/// 933,266 bytes of Wasm, 392,385 → 386,671 gzipped, measured with serde_json 1.0 and
/// serde-wasm-bindgen 0.6.5). Reading stays with `serde_wasm_bindgen`: going through JSON text
/// there cost more (+28 KB).
fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(v).map_err(|e| JsError::new(&e.to_string()))?;
    json_parse(&text).map_err(|_| JsError::new("The result could not be read back as JSON."))
}

fn opt_from_js<T: DeserializeOwned>(v: JsValue, what: &str) -> Result<Option<T>, JsError> {
    if v.is_null() || v.is_undefined() {
        return Ok(None);
    }
    serde_wasm_bindgen::from_value(v)
        .map(Some)
        .map_err(|e| JsError::new(&format!("The {what} has an unexpected shape: {e}")))
}

fn list_from_js<T: DeserializeOwned>(v: JsValue, what: &str) -> Result<Vec<T>, JsError> {
    Ok(opt_from_js(v, what)?.unwrap_or_default())
}

fn page_from_js(page_report: JsValue) -> Result<Option<PageReport>, JsError> {
    opt_from_js(page_report, "page report")
}

/// Ranks what is known into the popup's diagnosis. Every argument may be `null`/`undefined`:
/// the page could not be scanned, the org checks did not run, no session finding.
#[wasm_bindgen]
pub fn diagnose(
    page_report: JsValue,
    org_report: JsValue,
    session_findings: JsValue,
) -> Result<JsValue, JsError> {
    let page = page_from_js(page_report)?;
    let org: Option<OrgReport> = opt_from_js(org_report, "org report")?;
    let session: Vec<Finding> = list_from_js(session_findings, "session finding list")?;
    to_js(&diagnose_all(page.as_ref(), org.as_ref(), &session))
}

/// Which logged-in org to check: `candidates` are `{host, orgId}` from the `sid` cookies (the
/// org-id prefix only, never the token); `chosen` is a host the admin picked, or null.
#[wasm_bindgen(js_name = chooseSession)]
pub fn choose_session_js(
    candidates: JsValue,
    page_report: JsValue,
    tab_url: &str,
    chosen: Option<String>,
) -> Result<JsValue, JsError> {
    let c: Vec<SessionCandidate> = list_from_js(candidates, "session list")?;
    let page = page_from_js(page_report)?;
    to_js(&choose_session(
        &c,
        page.as_ref(),
        tab_url,
        chosen.as_deref(),
    ))
}

/// The next API requests to send, given the exchanges so far (an empty list: analyse).
#[wasm_bindgen(js_name = orgPlan)]
pub fn org_plan(page_report: JsValue, exchanges: JsValue) -> Result<JsValue, JsError> {
    let page = page_from_js(page_report)?;
    let ex: Vec<ApiExchange> = list_from_js(exchanges, "exchange list")?;
    to_js(&plan(page.as_ref(), &ex))
}

/// Reads the exchanges and runs every org check.
#[wasm_bindgen(js_name = orgAnalyze)]
pub fn org_analyze(
    org: JsValue,
    page_report: JsValue,
    exchanges: JsValue,
) -> Result<JsValue, JsError> {
    let ctx: OrgContext =
        opt_from_js(org, "org")?.ok_or_else(|| JsError::new("No org was given to analyse."))?;
    let page = page_from_js(page_report)?;
    let ex: Vec<ApiExchange> = list_from_js(exchanges, "exchange list")?;
    to_js(&analyze(&ctx, page.as_ref(), &ex))
}

#[derive(serde::Serialize)]
struct Exported {
    /// The `messaging-doctor/report@1` object (docs/report-schema.md); JS stringifies it.
    report: ExportedReport,
    /// The same diagnosis as Markdown for a support case.
    markdown: String,
}

/// The report behind "Export JSON" and "Copy as Markdown". `generated_at` is an ISO 8601
/// time from the popup (the core has no clock).
#[wasm_bindgen(js_name = exportReport)]
pub fn export_report(
    page_report: JsValue,
    org_report: JsValue,
    session_findings: JsValue,
    generated_at: &str,
) -> Result<JsValue, JsError> {
    let page = page_from_js(page_report)?;
    let org: Option<OrgReport> = opt_from_js(org_report, "org report")?;
    let session: Vec<Finding> = list_from_js(session_findings, "session finding list")?;
    let diagnosis = diagnose_all(page.as_ref(), org.as_ref(), &session);
    let markdown = markdown(&diagnosis, generated_at);
    to_js(&Exported {
        report: export(diagnosis, page, org, generated_at),
        markdown,
    })
}

/// Starts a live capture (the background calls this after the admin's consent): the first,
/// read-only requests and the state to hand back to [`capture_step`]. `input` is
/// `{apiHost, orgId, deployments, nowMs, minutes?}` — never the token.
#[wasm_bindgen(js_name = captureBegin)]
pub fn capture_begin(input: JsValue) -> Result<JsValue, JsError> {
    let input: CaptureInput = opt_from_js(input, "capture input")?
        .ok_or_else(|| JsError::new("No capture input was given."))?;
    to_js(&begin(&input))
}

/// Advances a live capture: `event` is `{kind: 'answers', exchanges, nowMs}`,
/// `{kind: 'tick', nowMs}` or `{kind: 'cancel', nowMs, reason?}`. Returns the next step
/// (requests to send, progress, the finding once known, the clean-up once done).
#[wasm_bindgen(js_name = captureStep)]
pub fn capture_step(state: JsValue, event: JsValue) -> Result<JsValue, JsError> {
    let state: CaptureState = opt_from_js(state, "capture state")?
        .ok_or_else(|| JsError::new("No capture state was given."))?;
    let event: CaptureEvent = opt_from_js(event, "capture event")?
        .ok_or_else(|| JsError::new("No capture event was given."))?;
    to_js(&step(state, event))
}

/// Version of the core compiled into the popup.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    messaging_doctor::CORE_VERSION.to_string()
}
