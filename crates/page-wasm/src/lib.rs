//! Content-script binding. The only Rust that touches the customer's page.
//!
//! `scan(watch)` reads the page (script elements in document order, resource timing entries,
//! the widget's DOM markers) into a plain [`PageEvidence`], adds watch mode's record when it is
//! given one, runs the pure core over it and returns the
//! [`messaging_doctor::page::PageReport`] as a JS object. It reads; it never writes to the
//! page, evaluates page code, or keeps anything.
//!
//! This crate is built twice by `scripts/build.sh`: to JavaScript through wasm2js for the
//! content script (Chromium refuses WebAssembly in content scripts on pages whose CSP lacks
//! `'wasm-unsafe-eval'`), and to plain Wasm for the `wasm-bindgen-test` browser tests.

use messaging_doctor::page::watch::{
    capped, MAX_WATCH_CONSOLE, MAX_WATCH_CSP, MAX_WATCH_EVENTS, MAX_WATCH_LOAD_ERRORS,
    MAX_WATCH_RESOURCES, MAX_WATCH_SHORT, MAX_WATCH_TEXT, MAX_WATCH_URL,
};
use messaging_doctor::page::{
    analyze, ConsoleLine, CspViolation, DomEvidence, FrameEvidence, LoadError, PageEvidence,
    ResourceEvidence, ScriptEvidence, StorageEvidence, WatchCsp, WatchEvidence, WidgetEvent,
    CSP_REPORTS_KEPT, EXPERIENCE_COMPONENT_TAG, MAX_INLINE_SCRIPT_BYTES,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, HtmlIFrameElement, HtmlScriptElement, PerformanceResourceTiming, Window};

/// Keeps wasm-bindgen's cached memory views valid under wasm2js.
///
/// With real WebAssembly, `memory.grow` detaches the old `ArrayBuffer`, and wasm-bindgen's glue
/// notices (`byteLength === 0` / `buffer.detached`) and makes new views. wasm2js grows memory by
/// copying into a new `ArrayBuffer` and leaves the old one attached, so the glue kept writing
/// strings into the stale copy: any page whose scripts made the allocator grow memory (one
/// inline script of ~50 KB was enough) ended the scan with `abort`. The allocator below notices
/// a growth and detaches the previous buffer (a transfer), which is exactly what the glue
/// checks for. Measured with wasm-bindgen 0.2.130 and binaryen 132's wasm2js.
///
/// Only in the MVP build that becomes the wasm2js content script (`-C target-cpu=mvp`, no
/// reference types): there wasm-bindgen keeps JS values in a JS array, so the guard's JS call
/// allocates nothing in Wasm memory. With reference types (the plain Wasm build the
/// wasm-bindgen tests use) JS values live in a table whose slab the allocator must not
/// re-enter, and real Wasm needs no guard.
#[cfg(all(target_arch = "wasm32", not(target_feature = "reference-types")))]
mod memory_growth {
    use std::alloc::{GlobalAlloc, Layout, System};
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = "let last = null;\n\
        export function md_memory_seen(memory) {\n\
          const now = memory.buffer;\n\
          if (last !== null && last !== now && last.byteLength !== 0) {\n\
            try { structuredClone(last, { transfer: [last] }); } catch (e) { /* real Wasm: already detached */ }\n\
          }\n\
          last = now;\n\
        }")]
    extern "C" {
        fn md_memory_seen(memory: &JsValue);
    }

    /// Records the buffer in use, and detaches the previous one if memory grew since.
    pub fn seen() {
        md_memory_seen(&wasm_bindgen::memory());
    }

    pub struct Guarded;

    fn after(pages_before: usize) {
        if core::arch::wasm32::memory_size(0) != pages_before {
            seen();
        }
    }

    // SAFETY: every call is forwarded to the system allocator unchanged; the guard only reads
    // the memory size and calls into JS, which allocates nothing in Wasm memory.
    unsafe impl GlobalAlloc for Guarded {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let before = core::arch::wasm32::memory_size(0);
            let p = unsafe { System.alloc(layout) };
            after(before);
            p
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            let before = core::arch::wasm32::memory_size(0);
            let p = unsafe { System.alloc_zeroed(layout) };
            after(before);
            p
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let before = core::arch::wasm32::memory_size(0);
            let p = unsafe { System.realloc(ptr, layout, new_size) };
            after(before);
            p
        }
    }

    #[global_allocator]
    static ALLOC: Guarded = Guarded;

    /// Runs when the module is instantiated: records the first buffer.
    #[wasm_bindgen(start)]
    fn start() {
        seen();
    }
}

/// Most script elements read from one page (frames included).
pub const MAX_SCRIPTS: usize = 5_000;
/// Most inline script bytes read from one page in total (frames included).
pub const MAX_TOTAL_INLINE_BYTES: usize = 16 * 1024 * 1024;
/// Most resource timing entries read per document.
pub const MAX_RESOURCES: usize = 5_000;
/// Most frames read, and how deep frames inside frames are followed.
pub const MAX_FRAMES: usize = 50;
pub const MAX_FRAME_DEPTH: u32 = 3;

/// What the caps have left, shared by the page and its frames.
struct Budget {
    scripts: usize,
    bytes: usize,
    truncated: bool,
}

impl Budget {
    /// `text` cut to what one script and the page's remaining bytes allow (at a character
    /// boundary), and charged to the budget.
    fn take(&mut self, mut text: String) -> String {
        let cap = MAX_INLINE_SCRIPT_BYTES.min(self.bytes);
        if text.len() > cap {
            let mut cut = cap;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            self.truncated = true;
        }
        self.bytes -= text.len();
        text
    }
}

/// Reads the evidence from `doc` (and the global performance timeline).
pub fn collect(doc: &Document) -> PageEvidence {
    let window = gloo::utils::window();
    let mut budget = Budget {
        scripts: MAX_SCRIPTS,
        bytes: MAX_TOTAL_INLINE_BYTES,
        truncated: false,
    };
    let mut ev = PageEvidence {
        url: doc.url().unwrap_or_default(),
        ..Default::default()
    };
    ev.scripts = collect_scripts(doc, &mut budget);
    ev.dom = collect_dom(doc, &window);
    ev.resources = collect_resources(&window);
    ev.page_age_ms = window.performance().map(|p| p.now());
    ev.response_status_supported = response_status_supported();
    ev.storage = collect_storage();
    collect_frames(doc, 1, &mut ev.frames, &mut budget);
    (ev.csp_reports_readable, ev.csp_violations) = collect_csp_reports();
    ev.truncated = budget.truncated;
    ev
}

/// The document's script elements in document order. Elements of a frame's document belong to
/// another JS realm, where `instanceof` checks fail, so elements are cast unchecked: every item
/// of `document.scripts` is a script element.
fn collect_scripts(doc: &Document, budget: &mut Budget) -> Vec<ScriptEvidence> {
    let scripts = doc.scripts();
    let mut out = Vec::new();
    for i in 0..scripts.length() {
        if budget.scripts == 0 || budget.bytes == 0 {
            budget.truncated = true;
            break;
        }
        let Some(el) = scripts.item(i) else { continue };
        let script: HtmlScriptElement = el.unchecked_into();
        let src = script.src();
        let inline = if src.is_empty() {
            Some(budget.take(script.text().unwrap_or_default()))
        } else {
            None
        };
        // The attribute is page text the core reads like a script: it counts against the
        // same byte budget (else 5,000 tags of huge attributes would pass every cap).
        let onload = script.get_attribute("onload").map(|t| budget.take(t));
        budget.scripts -= 1;
        let in_head = script.closest("head").ok().flatten().is_some();
        out.push(ScriptEvidence {
            index: i + 1,
            src: (!src.is_empty()).then_some(src),
            inline,
            in_head,
            onload,
        });
    }
    out
}

/// Agentforce Messaging's frame once its chat app reported a state (the loader sets the state's
/// class from the app's `resize` message; simulator/CONTRACT.md `C-AGENTFORCE-APP-STATE`).
const AGENTFORCE_FRAME_REPORTED: &str = "#agentforce-messaging-frame.init, \
     #agentforce-messaging-frame.normal, #agentforce-messaging-frame.expanded, \
     #agentforce-messaging-frame.closed";

fn collect_dom(doc: &Document, window: &Window) -> DomEvidence {
    DomEvidence {
        containers: count(doc, "#embedded-messaging, .embedded-messaging"),
        buttons: count(doc, "#embeddedMessagingConversationButton"),
        buttons_visible: visible_buttons(doc, window),
        chat_frames: frame_sources(doc),
        site_context_frames: count(doc, "#embeddedMessagingSiteContextFrame"),
        experience_components: count(doc, EXPERIENCE_COMPONENT_TAG),
        agentforce_containers: count(doc, "#agentforce-messaging"),
        agentforce_frames: count(doc, "#agentforce-messaging-frame"),
        agentforce_frames_reported: count(doc, AGENTFORCE_FRAME_REPORTED),
    }
}

/// The widget's own frames (chat window, site context, file preview, legacy storage): not
/// part of the customer's page.
fn is_widget_frame(id: &str) -> bool {
    id.starts_with("embeddedMessaging")
        || id == "esw_storage_iframe"
        || id == "agentforce-messaging-frame"
}

/// The page's frames in document order, nested frames after their parent. A same-origin
/// frame's document is read like the page; a cross-origin frame is only listed (the browser
/// gives no access to its document).
fn collect_frames(doc: &Document, depth: u32, out: &mut Vec<FrameEvidence>, budget: &mut Budget) {
    let Ok(list) = doc.query_selector_all("iframe, frame") else {
        return;
    };
    for i in 0..list.length() {
        if out.len() >= MAX_FRAMES {
            budget.truncated = true;
            return;
        }
        let Some(node) = list.item(i) else { continue };
        // Also `<frame>`: the properties read below exist on both.
        let frame: HtmlIFrameElement = node.unchecked_into();
        if is_widget_frame(&frame.id()) {
            continue;
        }
        let index = out.len() as u32 + 1;
        let inner = frame.content_document();
        let Some(inner) = inner else {
            let mut url = frame.src();
            if url.is_empty() {
                url = if frame.has_attribute("srcdoc") {
                    "about:srcdoc (sandboxed)".into()
                } else {
                    "about:blank".into()
                };
            }
            out.push(FrameEvidence {
                index,
                url,
                inspectable: false,
                ..Default::default()
            });
            continue;
        };
        let window = frame.content_window();
        let mut ev = FrameEvidence {
            index,
            url: inner.url().unwrap_or_default(),
            inspectable: true,
            scripts: collect_scripts(&inner, budget),
            ..Default::default()
        };
        if let Some(w) = &window {
            ev.dom = collect_dom(&inner, w);
            ev.resources = collect_resources(w);
            ev.page_age_ms = w.performance().map(|p| p.now());
        }
        out.push(ev);
        if depth < MAX_FRAME_DEPTH {
            collect_frames(&inner, depth + 1, out, budget);
        }
    }
}

/// The page's past CSP violations, where the browser keeps them for an observer created late:
/// Chromium hands a buffered `ReportingObserver` of type `csp-violation` the page's earlier
/// reports (measured: Chromium 156). Firefox 153 has `ReportingObserver` but hands it none
/// (measured), so there the reports count as unreadable and CSP blocking stays inferred;
/// Chromium is told apart by `navigator.userAgentData`, which Firefox does not have. Returns
/// whether the reports could be read, and the reports.
fn collect_csp_reports() -> (bool, Vec<CspViolation>) {
    let global = js_sys::global();
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &JsValue::from_str(k)).ok();
    let chromium = get(&global, "navigator")
        .and_then(|n| get(&n, "userAgentData"))
        .is_some_and(|d| d.is_object());
    let Some(ctor) = get(&global, "ReportingObserver").filter(|c| c.is_function() && chromium)
    else {
        return (false, Vec::new());
    };
    let ctor: js_sys::Function = ctor.unchecked_into();
    let options = js_sys::Object::new();
    let types = js_sys::Array::of1(&JsValue::from_str("csp-violation"));
    let _ = js_sys::Reflect::set(&options, &JsValue::from_str("types"), &types);
    let _ = js_sys::Reflect::set(&options, &JsValue::from_str("buffered"), &JsValue::TRUE);
    // The reports are taken synchronously below and the observer disconnected, so the callback
    // never runs; a built-in function serves (a Rust closure would cost kilobytes of glue).
    let Some(callback) = get(&global, "Object") else {
        return (false, Vec::new());
    };
    let Ok(observer) = js_sys::Reflect::construct(&ctor, &js_sys::Array::of2(&callback, &options))
    else {
        return (false, Vec::new());
    };
    let call = |name: &str| {
        get(&observer, name)
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .and_then(|f| f.call0(&observer).ok())
    };
    call("observe");
    let records = call("takeRecords");
    call("disconnect");
    let mut out = Vec::new();
    if let Some(records) = records.and_then(|r| r.dyn_into::<js_sys::Array>().ok()) {
        for report in records.iter().take(CSP_REPORTS_KEPT) {
            let Some(body) = get(&report, "body") else {
                continue;
            };
            let text = |k: &str| {
                get(&body, k)
                    .and_then(|v| v.as_string())
                    .unwrap_or_default()
            };
            out.push(CspViolation {
                blocked_url: text("blockedURL"),
                directive: text("effectiveDirective"),
            });
        }
    }
    (true, out)
}

/// Conversation buttons that are displayed: not `display:none`, not `visibility:hidden`, not
/// `hidden`.
fn visible_buttons(doc: &Document, window: &Window) -> u32 {
    let Ok(list) = doc.query_selector_all("#embeddedMessagingConversationButton") else {
        return 0;
    };
    let mut n = 0;
    for i in 0..list.length() {
        let Some(el) = list.item(i).map(|n| n.unchecked_into::<web_sys::Element>()) else {
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
            if let Some(frame) = list.item(i) {
                out.push(frame.unchecked_into::<HtmlIFrameElement>().src());
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

fn collect_resources(window: &Window) -> Vec<ResourceEvidence> {
    let Some(perf) = window.performance() else {
        return Vec::new();
    };
    let entries = perf.get_entries_by_type("resource");
    let mut out = Vec::new();
    for i in 0..entries.length().min(MAX_RESOURCES as u32) {
        // Every entry of type "resource" is a PerformanceResourceTiming (unchecked: a frame's
        // entries come from another realm).
        let t: PerformanceResourceTiming = entries.get(i).unchecked_into();
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

/// Reads watch mode's record (kept behind `Symbol.for('messaging-doctor.watch')` by the extension's own recorder in
/// this isolated world; its contents are page-controlled text). `null`/`undefined`: watch mode
/// is off. Anything else that is not a plain object is reported as unreadable, never a failed
/// scan.
///
/// Read field by field with `Reflect`, like the CSP reports, by the same rules as the core's
/// tolerant serde reading (`messaging_doctor::page::watch`): a field of the wrong type (or a
/// getter that throws) reads as absent, an entry that is not an object is skipped, lists stop
/// at their caps, strings are cut before they are copied out of JS. Not
/// `serde_wasm_bindgen::from_value`: its deserializer added 61 KB to the content script's Wasm
/// (145 → 206 KB before wasm2js, measured with serde-wasm-bindgen 0.6.5), where this reader
/// costs a few.
pub fn read_watch(watch: &JsValue) -> (Option<WatchEvidence>, Option<String>) {
    if watch.is_null() || watch.is_undefined() {
        return (None, None);
    }
    if !watch.is_object() || js_sys::Array::is_array(watch) {
        return (None, Some("not an object".into()));
    }
    let w = watch;
    let resources = js_list(w, "resources", MAX_WATCH_RESOURCES, |r| ResourceEvidence {
        url: js_text(r, "url", MAX_WATCH_URL).unwrap_or_default(),
        initiator: js_text(r, "initiator", MAX_WATCH_SHORT).unwrap_or_default(),
        // 0 = the browser does not expose it; HTTP statuses are 100..=599.
        status: js_number(r, "status")
            .filter(|s| (1.0..=999.0).contains(s))
            .map(|s| s as u16),
        duration_ms: js_number(r, "durationMs"),
        start_ms: js_number(r, "startMs"),
    });
    let csp = js_list(w, "csp", MAX_WATCH_CSP, |c| WatchCsp {
        blocked_url: js_text(c, "blockedUrl", MAX_WATCH_URL).unwrap_or_default(),
        directive: js_text(c, "directive", MAX_WATCH_SHORT).unwrap_or_default(),
        at_ms: js_number(c, "atMs"),
    });
    let events = js_list(w, "events", MAX_WATCH_EVENTS, |e| WidgetEvent {
        name: js_text(e, "name", MAX_WATCH_SHORT).unwrap_or_default(),
        at_ms: js_number(e, "atMs"),
        detail: js_text(e, "detail", MAX_WATCH_SHORT),
    });
    let console = js_list(w, "console", MAX_WATCH_CONSOLE, |c| ConsoleLine {
        level: js_text(c, "level", MAX_WATCH_SHORT).unwrap_or_default(),
        text: js_text(c, "text", MAX_WATCH_TEXT).unwrap_or_default(),
        at_ms: js_number(c, "atMs"),
    });
    let load_errors = js_list(w, "loadErrors", MAX_WATCH_LOAD_ERRORS, |e| LoadError {
        url: js_text(e, "url", MAX_WATCH_URL).unwrap_or_default(),
        tag: js_text(e, "tag", MAX_WATCH_SHORT).unwrap_or_default(),
        at_ms: js_number(e, "atMs"),
    });
    let count = |k: &str| {
        js_number(w, k)
            .filter(|n| *n > 0.0)
            .map(|n| n.min(u32::MAX as f64) as u32)
            .unwrap_or(0)
    };
    let record = WatchEvidence {
        version: count("version"),
        started_ms: js_number(w, "startedMs"),
        resources,
        resources_dropped: count("resourcesDropped"),
        csp,
        csp_dropped: count("cspDropped"),
        events,
        console,
        load_errors,
    };
    (Some(record), None)
}

fn js_get(o: &JsValue, k: &str) -> Option<JsValue> {
    js_sys::Reflect::get(o, &JsValue::from_str(k)).ok()
}

/// A finite number, else absent.
fn js_number(o: &JsValue, k: &str) -> Option<f64> {
    js_get(o, k)
        .and_then(|v| v.as_f64())
        .filter(|n| n.is_finite())
}

/// A string cut to `max` bytes at a character boundary (cut in JS first, so a huge string is
/// never copied whole), else absent.
fn js_text(o: &JsValue, k: &str, max: usize) -> Option<String> {
    let v = js_get(o, k)?;
    let s: &js_sys::JsString = v.dyn_ref()?;
    let text = if s.length() as usize > max {
        String::from(s.slice(0, max as u32))
    } else {
        String::from(s)
    };
    Some(capped(&text, max).into_owned())
}

/// The objects of a list field, at most `max`, each read with `read`; entries that are not
/// objects are skipped, a field that is not a list reads as empty.
fn js_list<T>(o: &JsValue, k: &str, max: usize, read: impl Fn(&JsValue) -> T) -> Vec<T> {
    let Some(list) = js_get(o, k).and_then(|v| v.dyn_into::<js_sys::Array>().ok()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in 0..list.length() {
        if out.len() == max {
            break;
        }
        let item = list.get(i);
        if item.is_object() && !js_sys::Array::is_array(&item) {
            out.push(read(&item));
        }
    }
    out
}

/// Scans the current page and returns the `PageReport` as a plain JS object. `watch` is watch
/// mode's record of the page, or null (content/entry.js `watchRecord`).
#[wasm_bindgen]
pub fn scan(watch: JsValue) -> Result<JsValue, JsError> {
    let doc = gloo::utils::document();
    let mut ev = collect(&doc);
    (ev.watch, ev.watch_unreadable) = read_watch(&watch);
    let report = analyze(&ev);
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
