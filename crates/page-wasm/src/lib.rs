//! Content-script binding. The only Rust that touches the customer's page.
//!
//! `scan()` reads the page (script elements in document order, resource timing entries, the
//! widget's DOM markers) into a plain [`PageEvidence`], runs the pure core over it and returns
//! the [`messaging_doctor::page::PageReport`] as a JS object. It reads; it never writes to the
//! page, evaluates page code, or keeps anything.
//!
//! This crate is built twice by `scripts/build.sh`: to JavaScript through wasm2js for the
//! content script (Chromium refuses WebAssembly in content scripts on pages whose CSP lacks
//! `'wasm-unsafe-eval'`), and to plain Wasm for the `wasm-bindgen-test` browser tests.

use messaging_doctor::page::{
    analyze, DomEvidence, PageEvidence, ResourceEvidence, ScriptEvidence, StorageEvidence,
    MAX_INLINE_SCRIPT_BYTES,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, HtmlScriptElement, PerformanceResourceTiming};

/// Most script elements read from one page.
pub const MAX_SCRIPTS: usize = 5_000;
/// Most inline script bytes read from one page in total.
pub const MAX_TOTAL_INLINE_BYTES: usize = 16 * 1024 * 1024;
/// Most resource timing entries read.
pub const MAX_RESOURCES: usize = 5_000;

/// Reads the evidence from `doc` (and the global performance timeline).
pub fn collect(doc: &Document) -> PageEvidence {
    let mut ev = PageEvidence {
        url: doc.url().unwrap_or_default(),
        ..Default::default()
    };
    let scripts = doc.scripts();
    let mut total = 0usize;
    for i in 0..scripts.length() {
        if ev.scripts.len() >= MAX_SCRIPTS || total >= MAX_TOTAL_INLINE_BYTES {
            ev.truncated = true;
            break;
        }
        let Some(el) = scripts.item(i) else { continue };
        let Ok(script) = el.dyn_into::<HtmlScriptElement>() else {
            continue;
        };
        let src = script.src();
        let inline = if src.is_empty() {
            let mut text = script.text().unwrap_or_default();
            if text.len() > MAX_INLINE_SCRIPT_BYTES {
                let mut cut = MAX_INLINE_SCRIPT_BYTES;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
                ev.truncated = true;
            }
            total += text.len();
            Some(text)
        } else {
            None
        };
        let in_head = script.closest("head").ok().flatten().is_some();
        ev.scripts.push(ScriptEvidence {
            index: i + 1,
            src: (!src.is_empty()).then_some(src),
            inline,
            in_head,
        });
    }
    ev.resources = collect_resources();
    ev.page_age_ms = gloo::utils::window().performance().map(|p| p.now());
    ev.response_status_supported = response_status_supported();
    ev.storage = collect_storage();
    ev.dom = DomEvidence {
        containers: count(doc, "#embedded-messaging, .embedded-messaging"),
        buttons: count(doc, "#embeddedMessagingConversationButton"),
        buttons_visible: visible_buttons(doc),
        chat_frames: frame_sources(doc),
        site_context_frames: count(doc, "#embeddedMessagingSiteContextFrame"),
    };
    ev
}

/// Conversation buttons that are displayed: not `display:none`, not `visibility:hidden`, not
/// `hidden`.
fn visible_buttons(doc: &Document) -> u32 {
    let Ok(list) = doc.query_selector_all("#embeddedMessagingConversationButton") else {
        return 0;
    };
    let window = gloo::utils::window();
    let mut n = 0;
    for i in 0..list.length() {
        let Some(el) = list
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        else {
            continue;
        };
        if el.has_attribute("hidden") {
            continue;
        }
        let shown = match window.get_computed_style(&el) {
            Ok(Some(style)) => {
                style.get_property_value("display").ok().as_deref() != Some("none")
                    && style.get_property_value("visibility").ok().as_deref() != Some("hidden")
            }
            _ => true,
        };
        if shown {
            n += 1;
        }
    }
    n
}

/// The widget's `<orgId>_WEB_STORAGE` entries: how many messages it kept as failed.
fn collect_storage() -> Vec<StorageEvidence> {
    let Ok(Some(storage)) = gloo::utils::window().session_storage() else {
        return Vec::new();
    };
    let len = storage.length().unwrap_or(0).min(1000);
    let mut out = Vec::new();
    for i in 0..len {
        let Ok(Some(key)) = storage.key(i) else {
            continue;
        };
        if !key.ends_with("_WEB_STORAGE") {
            continue;
        }
        let raw = storage.get_item(&key).ok().flatten().unwrap_or_default();
        let parsed = js_sys::JSON::parse(&raw).ok();
        let failed = parsed
            .as_ref()
            .and_then(|v| js_sys::Reflect::get(v, &JsValue::from_str("FAILED_MESSAGES")).ok())
            .and_then(|v| v.dyn_into::<js_sys::Array>().ok())
            .map(|a| a.length())
            .unwrap_or(0);
        out.push(StorageEvidence {
            key,
            failed_messages: failed,
            unreadable: parsed.is_none(),
        });
    }
    out
}

fn count(doc: &Document, selector: &str) -> u32 {
    doc.query_selector_all(selector)
        .map(|l| l.length())
        .unwrap_or(0)
}

fn frame_sources(doc: &Document) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(list) = doc.query_selector_all("iframe#embeddedMessagingFrame") {
        for i in 0..list.length() {
            if let Some(frame) = list
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::HtmlIFrameElement>().ok())
            {
                out.push(frame.src());
            }
        }
    }
    out
}

/// Whether `PerformanceResourceTiming.prototype.responseStatus` exists in this browser.
fn response_status_supported() -> bool {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &JsValue::from_str("PerformanceResourceTiming"))
        .ok()
        .and_then(|ctor| js_sys::Reflect::get(&ctor, &JsValue::from_str("prototype")).ok())
        .and_then(|proto| js_sys::Reflect::has(&proto, &JsValue::from_str("responseStatus")).ok())
        .unwrap_or(false)
}

fn collect_resources() -> Vec<ResourceEvidence> {
    let Some(perf) = gloo::utils::window().performance() else {
        return Vec::new();
    };
    let entries = perf.get_entries_by_type("resource");
    let mut out = Vec::new();
    for i in 0..entries.length().min(MAX_RESOURCES as u32) {
        let Ok(t) = entries.get(i).dyn_into::<PerformanceResourceTiming>() else {
            continue;
        };
        // `responseStatus` is newer than web-sys' binding; read it reflectively (0 = not exposed).
        let status = js_sys::Reflect::get(&t, &JsValue::from_str("responseStatus"))
            .ok()
            .and_then(|v| v.as_f64())
            .filter(|s| *s > 0.0)
            .map(|s| s as u16);
        out.push(ResourceEvidence {
            url: t.name(),
            initiator: t.initiator_type(),
            status,
            duration_ms: Some(t.duration()),
            start_ms: Some(t.start_time()),
        });
    }
    out
}

/// Scans the current page and returns the `PageReport` as a plain JS object.
#[wasm_bindgen]
pub fn scan() -> Result<JsValue, JsError> {
    let doc = gloo::utils::document();
    let report = analyze(&collect(&doc));
    // JSON-compatible: maps (from `#[serde(flatten)]`) become plain objects, so the report
    // survives structured cloning to the popup and reads like the documented JSON.
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    serde::Serialize::serialize(&report, &ser).map_err(|e| JsError::new(&e.to_string()))
}

/// Version of the core compiled into this content script.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    messaging_doctor::CORE_VERSION.to_string()
}
