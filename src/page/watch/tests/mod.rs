use super::*;
use crate::finding::{Finding, Severity};
use crate::page::lifecycle::RESOURCE_BUFFER_DEFAULT;
use crate::page::{analyze, CspViolation, DomEvidence, PageReport, ScriptEvidence};
use crate::page::{PageEvidence, ResourceEvidence};
use crate::report;
use std::borrow::Cow;

mod csp;
mod findings;
mod reading;
mod stages;

const SITE: &str = "https://acme.my.site.com/ESWWebChat1712345678901";
const SCRT: &str = "https://acme.my.salesforce-scrt.com";
const WRAPPER: &str = "function initEmbeddedMessaging(){try{embeddedservice_bootstrap.init('00D8c000001Hlt1','Web_Chat','https://acme.my.site.com/ESWWebChat1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'})}catch(e){}}";
const SECOND_INIT: &str =
    "[EmbeddedServiceBootstrap] Attempted to initialize bootstrap multiple times";
const SECOND_LOADER: &str =
    "[EmbeddedServiceBootstrap] attempting to load MIAW script when one is already loaded";

fn res(url: &str, status: Option<u16>, start: f64) -> ResourceEvidence {
    ResourceEvidence {
        url: url.to_string(),
        initiator: "fetch".into(),
        status,
        duration_ms: Some(50.0),
        start_ms: Some(start),
    }
}

fn loader(start: f64) -> ResourceEvidence {
    res(
        &format!("{SITE}/assets/js/bootstrap.min.js"),
        Some(200),
        start,
    )
}

/// The widget's start-up requests from `start` ms: loader, styles, config, business hours.
fn startup(start: f64, config: Option<u16>) -> Vec<ResourceEvidence> {
    vec![
            loader(start),
            res(&format!("{SITE}/assets/styles/bootstrap.min.css"), Some(200), start + 100.0),
            res(&format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=00D8c000001Hlt1&esConfigName=Web_Chat"), config, start + 200.0),
            res(&format!("{SCRT}/embeddedservice/v1/businesshours?orgId=00D8c000001Hlt1&esConfigName=Web_Chat"), Some(204), start + 200.0),
        ]
}

fn filler(n: usize) -> Vec<ResourceEvidence> {
    (0..n)
        .map(|i| {
            res(
                &format!("https://cdn.acme-shop.test/img/{i}.png"),
                Some(200),
                i as f64,
            )
        })
        .collect()
}

/// One v1 snippet (wrapper + loader tag), the page `age` ms old.
fn page(resources: Vec<ResourceEvidence>, dom: DomEvidence, age: f64) -> PageEvidence {
    PageEvidence {
        url: "https://www.acme-shop.test/".into(),
        scripts: vec![
            ScriptEvidence {
                index: 1,
                inline: Some(WRAPPER.into()),
                ..Default::default()
            },
            ScriptEvidence {
                index: 2,
                src: Some(format!("{SITE}/assets/js/bootstrap.min.js")),
                onload: Some("initEmbeddedMessaging()".into()),
                ..Default::default()
            },
        ],
        resources,
        dom,
        page_age_ms: Some(age),
        response_status_supported: true,
        ..Default::default()
    }
}

fn watched(mut ev: PageEvidence, w: WatchEvidence) -> PageEvidence {
    ev.watch = Some(w);
    ev
}

/// A record from a recorder that started at 3 ms.
fn record() -> WatchEvidence {
    WatchEvidence {
        version: 1,
        started_ms: Some(3.0),
        ..Default::default()
    }
}

fn event(name: &str, at: f64) -> WidgetEvent {
    WidgetEvent {
        name: format!("onEmbeddedMessaging{name}"),
        at_ms: Some(at),
        detail: None,
    }
}

fn line(text: &str, at: f64) -> ConsoleLine {
    ConsoleLine {
        level: "error".into(),
        text: text.into(),
        at_ms: Some(at),
    }
}

fn container() -> DomEvidence {
    DomEvidence {
        containers: 1,
        ..Default::default()
    }
}

fn ready_dom() -> DomEvidence {
    DomEvidence {
        containers: 1,
        buttons: 1,
        buttons_visible: 1,
        site_context_frames: 1,
        ..Default::default()
    }
}

fn find<'a>(r: &'a PageReport, code: &str) -> Option<&'a Finding> {
    r.findings.iter().find(|f| f.code == code)
}

fn stage_tag(r: &PageReport) -> String {
    match serde_json::to_value(r.stage.as_ref().unwrap()).unwrap() {
        serde_json::Value::String(s) => s,
        serde_json::Value::Object(m) => m.keys().next().unwrap().clone(),
        other => panic!("unexpected stage shape {other}"),
    }
}

/// The stage finding: the one with the timeline (the last page finding before watch's).
fn stage_code(r: &PageReport) -> &str {
    r.findings
        .iter()
        .rev()
        .find(|f| f.code != "page/watch-recorded" && f.code != "page/scan-truncated")
        .map(|f| f.code.as_str())
        .unwrap()
}

fn evidence<'a>(f: &'a Finding, label: &str) -> Vec<&'a str> {
    f.evidence
        .iter()
        .filter(|e| e.label == label)
        .map(|e| e.value.as_str())
        .collect()
}

fn scrt_violation(at: f64) -> WatchCsp {
    WatchCsp {
        blocked_url: format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=x"),
        directive: "connect-src".into(),
        at_ms: Some(at),
    }
}
