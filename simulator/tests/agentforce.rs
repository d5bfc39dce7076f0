//! The Agentforce Messaging stand-in (simulator/CONTRACT.md `C-AGENTFORCE-*`): the loader files
//! on the My Domain and under a site, the chat app at the root of an agent's site (and only
//! there), the agent look-up, and the faults that stall it.

mod common;

use common::*;
use md_sim::http::Request;
use md_sim::{OrgArg, Sim};
use serde_json::json;
use std::path::PathBuf;

fn sim_with_www() -> Sim {
    let www = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www");
    let args = vec![OrgArg::parse("acme=agentforce").unwrap()];
    Sim::from_args(&args, &scenarios_dir(), Some(www)).unwrap()
}

const SITE: &str = "acme.my.site.com";
const LOOKUP: &str = "/embeddedservice/agentforcemessaging/sim/agents/";

#[test]
fn loader_files_on_the_my_domain_and_under_a_site() {
    let s = sim_with_www();
    let js = s.handle(&Request::new(
        "GET",
        &api("acme"),
        "/embeddedservice/agentforcemessaging/0.3/init.js",
    ));
    assert_eq!(js.status, 200);
    assert!(js.header("Content-Type").unwrap().contains("javascript"));
    let text = js.body_text();
    assert!(text.contains(
        "Invalid init() configuration specified. siteUrl, agentId & domainUrl are mandatory."
    ));
    assert!(text.contains("Agentforce Messaging has already been initialized"));
    let css = s.handle(&Request::new(
        "GET",
        SITE,
        "/ESWAgent1712345678901/embeddedservice/agentforcemessaging/0.3/init.css",
    ));
    assert_eq!(css.status, 200);
    // No version segment, or another file: not the loader.
    for p in [
        "/embeddedservice/agentforcemessaging/init.js",
        "/embeddedservice/agentforcemessaging/0.3/bootstrap.min.js",
    ] {
        assert_eq!(
            s.handle(&Request::new("GET", &api("acme"), p)).status,
            404,
            "{p}"
        );
    }
}

#[test]
fn the_chat_app_is_served_only_at_the_root_of_an_agent_site() {
    let s = sim_with_www();
    let app = s.handle(&Request::new("GET", SITE, "/ESWAgent1712345678901/"));
    assert_eq!(app.status, 200);
    assert!(app.body_text().contains("lwr_iframe_ready"));
    // The Messaging for Web site of the same org keeps its placeholder.
    let v1 = s.handle(&Request::new("GET", SITE, "/ESWWebChat1712345678901/"));
    assert_eq!(v1.status, 200);
    assert!(!v1.body_text().contains("lwr_iframe_ready"));
}

#[test]
fn agent_look_up_answers_for_the_scenario_s_agents_with_cors_for_the_org_s_site() {
    let s = sim_with_www();
    let known = s.handle(
        &Request::new("GET", &api("acme"), &format!("{LOOKUP}0XxHu000000abcd"))
            .with_header("Origin", &format!("https://{SITE}")),
    );
    assert_eq!(known.status, 200);
    assert_eq!(known.json_body()["active"], json!(true));
    assert_eq!(
        known.header("Access-Control-Allow-Origin"),
        Some(format!("https://{SITE}").as_str())
    );
    let unknown = s.handle(&Request::new(
        "GET",
        &api("acme"),
        &format!("{LOOKUP}0XxHu000000wxyz"),
    ));
    assert_eq!(unknown.status, 404);
    // An origin outside the org's CORS allowlist and own hosts gets no CORS header.
    let other = s.handle(
        &Request::new("GET", &api("acme"), &format!("{LOOKUP}0XxHu000000abcd"))
            .with_header("Origin", "https://shop.example"),
    );
    assert_eq!(other.header("Access-Control-Allow-Origin"), None);
}

#[test]
fn faults_stall_the_site_and_the_look_up() {
    let s = sim_with_www();
    let set = s.handle(
        &Request::new("POST", &api("acme"), "/__sim/faults").with_json(&json!({
            "errorPaths": [
                {"pattern": "/ESWAgent*", "status": 503},
                {"pattern": "/embeddedservice/agentforcemessaging/sim/*", "status": 500}
            ]
        })),
    );
    assert_eq!(set.status, 200, "{}", set.body_text());
    assert_eq!(
        s.handle(&Request::new("GET", SITE, "/ESWAgent1712345678901/"))
            .status,
        503
    );
    assert_eq!(
        s.handle(&Request::new(
            "GET",
            &api("acme"),
            &format!("{LOOKUP}0XxHu000000abcd")
        ))
        .status,
        500
    );
    // The loader itself still loads.
    assert_eq!(
        s.handle(&Request::new(
            "GET",
            &api("acme"),
            "/embeddedservice/agentforcemessaging/0.3/init.js"
        ))
        .status,
        200
    );
}
