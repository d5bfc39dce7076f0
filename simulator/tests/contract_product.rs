//! Records EVERY request the product makes — the org checks (core `org::plan` loop, as the
//! popup runs it) and the live capture (core `capture::plan`, as the background runs it) —
//! across every scenario, and checks each one against simulator/CONTRACT.md with
//! `md_sim::contract::audit_request`: composite size and query count, allowed resources,
//! referenceId alphabet, every selected/filtered/sorted field documented for its object, every
//! `?fields=` list documented. The report names, per rule, each request that breaks it.

mod common;

use common::*;
use md_sim::contract::{audit_request, Violation};
use md_sim::http::Request;
use md_sim::scenario::Scenario;
use md_sim::Sim;
use messaging_doctor::capture::plan::{begin, step, CaptureEvent, CaptureInput, CaptureStep};
use messaging_doctor::org::api::{ApiExchange, ApiRequest};
use messaging_doctor::org::plan;
use messaging_doctor::page::{analyze as analyze_page, PageEvidence, ScriptEvidence};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const STEM: &str = "acme";

/// One request the product sent, where, and what the simulator answered.
struct Sent {
    scenario: String,
    flow: &'static str,
    req: ApiRequest,
    status: u16,
}

fn send_one(s: &Sim, sid: &str, r: &ApiRequest) -> ApiExchange {
    let mut req = Request::new(&r.method, &api(STEM), &r.path).with_bearer(sid);
    if let Some(b) = &r.body {
        req = req.with_json(&serde_json::from_str::<Value>(b).unwrap_or(Value::Null));
    }
    let resp = s.handle(&req);
    ApiExchange {
        request: r.clone(),
        status: resp.status,
        body: resp.body_text(),
        error: None,
        ms: Some(1),
    }
}

fn org_id(s: &Sim) -> String {
    let st = s.state.lock().unwrap();
    st.orgs[0].id15.clone()
}

/// The org checks, with a page naming the scenario's deployment (so round 2 runs in full).
fn org_checks(s: &Sim, sid: &str, name: &str, deployment: &str, log: &mut Vec<Sent>) {
    let page = analyze_page(&PageEvidence {
        url: "https://www.acme-shop.test/".into(),
        scripts: vec![ScriptEvidence {
            index: 1,
            inline: Some(format!(
                "embeddedservice_bootstrap.init('{}','{deployment}','https://acme.my.site.com/ESWWebChat1712345678901',{{scrt2URL:'https://acme.my.salesforce-scrt.com'}});",
                org_id(s)
            )),
            ..Default::default()
        }],
        ..Default::default()
    });
    let mut exchanges: Vec<ApiExchange> = Vec::new();
    for _ in 0..10 {
        let reqs = plan(Some(&page), &exchanges);
        if reqs.is_empty() {
            break;
        }
        for r in reqs {
            let ex = send_one(s, sid, &r);
            log.push(Sent {
                scenario: name.into(),
                flow: "org checks",
                req: r,
                status: ex.status,
            });
            exchanges.push(ex);
        }
    }
}

fn settle(s: &Sim, sid: &str, name: &str, mut st: CaptureStep, log: &mut Vec<Sent>) -> CaptureStep {
    for _ in 0..50 {
        st = serde_json::from_str(&serde_json::to_string(&st).unwrap()).unwrap();
        if st.requests.is_empty() {
            return st;
        }
        let ex: Vec<ApiExchange> = st
            .requests
            .iter()
            .map(|r| {
                let e = send_one(s, sid, r);
                log.push(Sent {
                    scenario: name.into(),
                    flow: "capture",
                    req: r.clone(),
                    status: e.status,
                });
                e
            })
            .collect();
        st = step(
            st.state,
            CaptureEvent::Answers {
                exchanges: ex,
                now_ms: md_sim::time::now_ms(),
            },
        );
    }
    st
}

/// A capture from start to clean-up: find users, flags on, poll, the customer's chat, poll,
/// then cancel whatever still runs.
fn capture(
    s: &Sim,
    sid: &str,
    name: &str,
    deployment: &str,
    chat_works: bool,
    log: &mut Vec<Sent>,
) {
    let st = begin(&CaptureInput {
        api_host: api(STEM),
        org_id: Some(sid[..15].to_string()),
        deployments: vec![deployment.to_string()],
        now_ms: md_sim::time::now_ms(),
        minutes: None,
    });
    let mut st = settle(s, sid, name, st, log);
    for i in 0..4 {
        if st.done || !st.waiting {
            break;
        }
        if i == 1 && chat_works {
            chat(s, STEM, deployment);
        }
        st = step(
            st.state,
            CaptureEvent::Tick {
                now_ms: md_sim::time::now_ms(),
            },
        );
        st = settle(s, sid, name, st, log);
    }
    if !st.done {
        st = step(
            st.state,
            CaptureEvent::Cancel {
                now_ms: md_sim::time::now_ms(),
                reason: None,
            },
        );
        settle(s, sid, name, st, log);
    }
}

/// A trace flag already on for the Automated Process user (the capture PATCHes and restores it).
fn existing_flag(s: &Sim, sid: &str) {
    let dl = send(
        s,
        "POST",
        STEM,
        sid,
        "/services/data/v65.0/tooling/sobjects/DebugLevel",
        &json!({"DeveloperName": "Someone_Elses", "MasterLabel": "Someone else's", "ApexCode": "NONE"}),
    );
    let dl_id = dl.json_body()["id"].as_str().unwrap().to_string();
    let now = md_sim::time::now_ms();
    let r = send(
        s,
        "POST",
        STEM,
        sid,
        "/services/data/v65.0/tooling/sobjects/TraceFlag",
        &json!({"TracedEntityId": autoproc(s, STEM), "DebugLevelId": dl_id, "LogType": "USER_DEBUG",
                "StartDate": md_sim::time::format_sf(now - 600_000), "ExpirationDate": md_sim::time::format_sf(now + 120_000)}),
    );
    assert_eq!(r.status, 201, "{}", r.body_text());
}

fn record_everything() -> Vec<Sent> {
    let mut log = Vec::new();
    for name in scenario_names() {
        let sc = Scenario::load(&scenarios_dir(), &name).unwrap();
        let deployment = sc
            .expect
            .deployment
            .clone()
            .unwrap_or_else(|| "Web_Chat".into());
        let s = sim(&[(STEM, &name)]);
        let sid = login(&s, STEM);
        org_checks(&s, &sid, &name, &deployment, &mut log);
        let s = sim(&[(STEM, &name)]);
        let sid = login(&s, STEM);
        capture(
            &s,
            &sid,
            &name,
            &deployment,
            sc.expect.config_available == Some(true),
            &mut log,
        );
    }
    // The capture's other path: a flag that was already on is extended, then put back.
    let s = sim(&[(STEM, "healthy")]);
    let sid = login(&s, STEM);
    existing_flag(&s, &sid);
    capture(
        &s,
        &sid,
        "healthy+existing-flag",
        "Web_Chat",
        true,
        &mut log,
    );
    log
}

/// A short name for a request: its id and, for a composite, the subrequest ids.
fn describe(r: &ApiRequest) -> String {
    let subs: Vec<String> = r
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
        .and_then(|b| b.get("compositeRequest").cloned())
        .and_then(|c| c.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s["referenceId"].as_str().map(str::to_string))
        .collect();
    if subs.is_empty() {
        format!("{} {} {}", r.id, r.method, clip(&r.path))
    } else {
        format!(
            "{} {} {} [{}]",
            r.id,
            r.method,
            clip(&r.path),
            subs.join(", ")
        )
    }
}

fn clip(s: &str) -> String {
    let s = s.replace("/services/data/v65.0", "…");
    if s.len() > 110 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(110).map(|(i, _)| i).unwrap_or(s.len())]
        )
    } else {
        s
    }
}

/// (flow, request) → (scenarios where it was sent, the first violation's message).
type Hits = BTreeMap<(String, String), (Vec<String>, String)>;

#[test]
fn every_request_the_product_makes_follows_the_contract() {
    let log = record_everything();
    assert!(
        log.iter().any(|s| s.flow == "org checks") && log.iter().any(|s| s.flow == "capture"),
        "both flows must have been recorded"
    );
    // rule → (flow, request shape) → scenarios and one example message.
    let mut by_rule: BTreeMap<&'static str, Hits> = BTreeMap::new();
    let mut checked = 0;
    for sent in &log {
        checked += 1;
        let body: Option<Value> = sent
            .req
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok());
        let violations: Vec<Violation> =
            audit_request(&sent.req.method, &sent.req.path, body.as_ref());
        for v in violations {
            let key = (sent.flow.to_string(), describe(&sent.req));
            let e = by_rule
                .entry(v.rule)
                .or_default()
                .entry(key)
                .or_insert_with(|| {
                    (
                        Vec::new(),
                        format!(
                            "{} {}: {}",
                            v.status,
                            v.code,
                            // A SOQL error's last line is the sentence; the lines
                            // before it repeat the query.
                            v.message
                                .lines()
                                .rfind(|l| !l.trim().is_empty())
                                .unwrap_or("")
                        ),
                    )
                });
            if !e.0.contains(&sent.scenario) {
                e.0.push(sent.scenario.clone());
            }
        }
        let _ = sent.status;
    }
    if by_rule.is_empty() {
        eprintln!("{checked} requests, all within the contract");
        return;
    }
    let mut report = format!("{checked} requests recorded; these break simulator/CONTRACT.md:\n");
    for (rule, hits) in &by_rule {
        report.push_str(&format!("\n{rule}:\n"));
        for ((flow, req), (scenarios, msg)) in hits {
            report.push_str(&format!(
                "  [{flow}] {req}\n      in: {}\n      {}\n",
                scenarios.join(", "),
                clip(msg)
            ));
        }
    }
    panic!("{report}");
}

#[test]
fn the_recorder_sees_both_flows_and_every_scenario() {
    // The recording itself (not the contract): both planners ran against every scenario, so
    // the contract test above audits real traffic, not an empty list.
    let log = record_everything();
    for name in scenario_names() {
        assert!(
            log.iter()
                .any(|s| s.scenario == name && s.flow == "org checks"),
            "{name}: no org-check request recorded"
        );
        assert!(
            log.iter()
                .any(|s| s.scenario == name && s.flow == "capture"),
            "{name}: no capture request recorded"
        );
    }
    assert!(
        log.iter().any(|s| s.req.method == "PATCH"),
        "the extend/restore path ran"
    );
    assert!(log
        .iter()
        .any(|s| s.req.path.ends_with("/tooling/composite")));
}
