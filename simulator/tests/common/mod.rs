//! Helpers shared by the integration tests (in-process router, no network).
#![allow(dead_code)]

use md_sim::http::{Request, Response};
use md_sim::{OrgArg, Sim};
use serde_json::{json, Value};
use std::path::PathBuf;

pub fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

pub fn scenario_names() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_string)
        })
        .collect();
    v.sort();
    v
}

/// A simulator with one org per (my domain, scenario).
pub fn sim(orgs: &[(&str, &str)]) -> Sim {
    let args: Vec<OrgArg> = orgs
        .iter()
        .map(|(d, s)| OrgArg::parse(&format!("{d}={s}")).unwrap())
        .collect();
    Sim::from_args(&args, &scenarios_dir(), None).unwrap()
}

pub fn api(stem: &str) -> String {
    format!("{stem}.my.salesforce.com")
}

pub fn scrt(stem: &str) -> String {
    format!("{stem}.my.salesforce-scrt.com")
}

/// Logs in (JSON form) and returns the API sid.
pub fn login(sim: &Sim, stem: &str) -> String {
    let r = sim.handle(&Request::new("GET", &api(stem), "/__sim/login?json=1"));
    assert_eq!(r.status, 200, "{}", r.body_text());
    r.json_body()["sid"].as_str().unwrap().to_string()
}

pub fn get(sim: &Sim, stem: &str, sid: &str, path: &str) -> Response {
    sim.handle(&Request::new("GET", &api(stem), path).with_bearer(sid))
}

pub fn send(sim: &Sim, method: &str, stem: &str, sid: &str, path: &str, body: &Value) -> Response {
    sim.handle(
        &Request::new(method, &api(stem), path)
            .with_bearer(sid)
            .with_json(body),
    )
}

pub fn enc(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

pub fn query(sim: &Sim, stem: &str, sid: &str, q: &str) -> Response {
    get(
        sim,
        stem,
        sid,
        &format!("/services/data/v65.0/query?q={}", enc(q)),
    )
}

pub fn tquery(sim: &Sim, stem: &str, sid: &str, q: &str) -> Response {
    get(
        sim,
        stem,
        sid,
        &format!("/services/data/v65.0/tooling/query?q={}", enc(q)),
    )
}

pub fn org_id(sim: &Sim, stem: &str) -> String {
    let st = sim.state.lock().unwrap();
    st.orgs
        .iter()
        .find(|o| o.stem == stem)
        .unwrap()
        .id15
        .clone()
}

pub fn autoproc(sim: &Sim, stem: &str) -> String {
    let st = sim.state.lock().unwrap();
    st.orgs
        .iter()
        .find(|o| o.stem == stem)
        .unwrap()
        .autoproc_id
        .clone()
}

/// What one widget conversation produced.
pub struct Chat {
    pub config_status: u16,
    pub token_status: u16,
    pub conversation_status: u16,
    pub message_status: u16,
    pub conversation_id: String,
    pub entries: Value,
    pub token: String,
}

/// Runs the widget's calls: config, business hours, token, conversation, one message, entries.
pub fn chat(sim: &Sim, stem: &str, deployment: &str) -> Chat {
    let org = org_id(sim, stem);
    let host = scrt(stem);
    let cfg = sim.handle(&Request::new("GET", &host, &format!("/embeddedservice/v1/embedded-service-config?orgId={org}&esConfigName={deployment}&language=en_US")));
    let mut c = Chat {
        config_status: cfg.status,
        token_status: 0,
        conversation_status: 0,
        message_status: 0,
        conversation_id: String::new(),
        entries: Value::Null,
        token: String::new(),
    };
    if cfg.status != 200 {
        return c;
    }
    let bh = sim.handle(&Request::new(
        "GET",
        &host,
        &format!("/embeddedservice/v1/businesshours?orgId={org}&esConfigName={deployment}"),
    ));
    assert!(bh.status == 204 || bh.status == 200);
    let tok = sim.handle(
        &Request::new("POST", &host, "/iamessage/v1/authorization/unauthenticated/accessToken")
            .with_json(&json!({"orgId": org, "esDeveloperName": deployment, "capabilitiesVersion": "1", "platform": "Web"})),
    );
    c.token_status = tok.status;
    if tok.status != 200 {
        return c;
    }
    let token = tok.json_body()["accessToken"].as_str().unwrap().to_string();
    c.token = token.clone();
    let cid = md_sim::ids::uuid();
    c.conversation_id = cid.clone();
    let conv = sim.handle(
        &Request::new("POST", &host, "/iamessage/v1/conversation")
            .with_bearer(&token)
            .with_json(
                &json!({"conversationId": cid, "esDeveloperName": deployment, "language": "en_US"}),
            ),
    );
    c.conversation_status = conv.status;
    let msg = sim.handle(
        &Request::new("POST", &host, &format!("/iamessage/v1/conversation/{cid}/message"))
            .with_bearer(&token)
            .with_json(&json!({"message": {"id": md_sim::ids::uuid(), "messageType": "StaticContentMessage", "staticContent": {"formatType": "Text", "text": "Hello, where is my order?"}}, "esDeveloperName": deployment})),
    );
    c.message_status = msg.status;
    let entries = sim.handle(
        &Request::new(
            "GET",
            &host,
            &format!("/iamessage/v1/conversation/{cid}/entries"),
        )
        .with_bearer(&token),
    );
    c.entries = entries.json_body();
    c
}

/// The org's recorded insert outcomes.
pub fn outcomes(sim: &Sim, stem: &str) -> Vec<Value> {
    let r = sim.handle(&Request::new(
        "GET",
        "localhost",
        &format!("/__sim/outcomes?org={stem}"),
    ));
    r.json_body()[stem].as_array().cloned().unwrap_or_default()
}
