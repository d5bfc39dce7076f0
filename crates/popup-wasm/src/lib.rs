//! Popup binding: JS values in, JS values out, the core in between.
//!
//! The popup hands in what the content script returned (a `PageReport`); `diagnose` returns the
//! ranked `Diagnosis` the popup renders as text, and `exportReport` the versioned JSON report
//! and its Markdown form. Deserialising here is also the popup's check that the message from
//! the page has the expected shape: anything else becomes an error the popup shows, never a
//! crash.

use messaging_doctor::page::PageReport;
use messaging_doctor::report::{diagnose as core_diagnose, export, markdown, ExportedReport};
use wasm_bindgen::prelude::*;

fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsError> {
    // Maps as plain objects so the popup can read them like JSON.
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    v.serialize(&ser).map_err(|e| JsError::new(&e.to_string()))
}

fn page_from_js(page_report: JsValue) -> Result<Option<PageReport>, JsError> {
    if page_report.is_null() || page_report.is_undefined() {
        return Ok(None);
    }
    serde_wasm_bindgen::from_value(page_report)
        .map(Some)
        .map_err(|e| JsError::new(&format!("The page report has an unexpected shape: {e}")))
}

/// Ranks what is known into the popup's diagnosis. `page_report` may be `null`/`undefined`
/// when the page could not be scanned.
#[wasm_bindgen]
pub fn diagnose(page_report: JsValue) -> Result<JsValue, JsError> {
    let page = page_from_js(page_report)?;
    to_js(&core_diagnose(page.as_ref()))
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
pub fn export_report(page_report: JsValue, generated_at: &str) -> Result<JsValue, JsError> {
    let page = page_from_js(page_report)?;
    let diagnosis = core_diagnose(page.as_ref());
    let markdown = markdown(&diagnosis, generated_at);
    to_js(&Exported {
        report: export(diagnosis, page, generated_at),
        markdown,
    })
}

/// Version of the core compiled into the popup.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    messaging_doctor::CORE_VERSION.to_string()
}
