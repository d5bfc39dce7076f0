//! Popup binding: JS values in, JS values out, the core in between.
//!
//! The popup hands in what the content script returned (a `PageReport`); `diagnose` returns the
//! ranked `Diagnosis` the popup renders as text. Deserialising here is also the popup's check
//! that the message from the page has the expected shape: anything else becomes an error the
//! popup shows, never a crash.

use messaging_doctor::page::PageReport;
use messaging_doctor::report::diagnose as core_diagnose;
use wasm_bindgen::prelude::*;

fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsError> {
    // Maps (none today) as plain objects so the popup can read them like JSON.
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    v.serialize(&ser).map_err(|e| JsError::new(&e.to_string()))
}

/// Ranks what is known into the popup's diagnosis. `page_report` may be `null`/`undefined`
/// when the page could not be scanned.
#[wasm_bindgen]
pub fn diagnose(page_report: JsValue) -> Result<JsValue, JsError> {
    let page: Option<PageReport> =
        if page_report.is_null() || page_report.is_undefined() {
            None
        } else {
            Some(serde_wasm_bindgen::from_value(page_report).map_err(|e| {
                JsError::new(&format!("The page report has an unexpected shape: {e}"))
            })?)
        };
    to_js(&core_diagnose(page.as_ref()))
}

/// Version of the core compiled into the popup.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    messaging_doctor::CORE_VERSION.to_string()
}
