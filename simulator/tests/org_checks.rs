//! The product's org checks (core `org` module) run against every simulated org, in process:
//! the core plans the requests, the simulator answers them as an org would, the core reads the
//! answers. Each scenario's ground truth (`expect`, written by the scenario author, not
//! computed by the core) says what the top org finding must name.

mod common;

use common::{api, login, scenario_names, sim};
use md_sim::http::Request;
use md_sim::Sim;
use messaging_doctor::finding::{Finding, Severity};
use messaging_doctor::org::api::ApiExchange;
use messaging_doctor::org::{analyze, plan, OrgContext, OrgReport};
use messaging_doctor::page::lifecycle::Stage;
use messaging_doctor::page::{analyze as analyze_page, PageEvidence, PageReport, ScriptEvidence};
use serde_json::Value;

const SITE: &str = "https://acme.my.site.com/ESWWebChat1712345678901";

fn page_for(org_id: &str, stage: Option<Stage>) -> PageReport {
    let mut p = analyze_page(&PageEvidence {
        url: "https://www.acme-shop.test/".into(),
        scripts: vec![ScriptEvidence {
            index: 1,
            inline: Some(format!(
                "embeddedservice_bootstrap.init('{org_id}','Web_Chat','{SITE}',{{scrt2URL:'https://acme.my.salesforce-scrt.com'}});"
            )),
            ..Default::default()
        }],
        ..Default::default()
    });
    p.stage = stage;
    p
}

/// Runs the whole plan → answer loop against the simulator, as the popup's JS does.
fn run(s: &Sim, stem: &str, sid: &str, page: Option<&PageReport>) -> OrgReport {
    let mut exchanges: Vec<ApiExchange> = Vec::new();
    for _ in 0..10 {
        let reqs = plan(page, &exchanges);
        if reqs.is_empty() {
            break;
        }
        for r in reqs {
            let body: Value = serde_json::from_str(r.body.as_deref().unwrap_or("null")).unwrap();
            let resp = s.handle(
                &Request::new(&r.method, &api(stem), &r.path)
                    .with_bearer(sid)
                    .with_json(&body),
            );
            exchanges.push(ApiExchange {
                request: r,
                status: resp.status,
                body: resp.body_text(),
                error: None,
                ms: None,
            });
        }
    }
    let ctx = OrgContext {
        api_host: api(stem),
        org_id: Some(sid[..15].to_string()),
    };
    analyze(&ctx, page, &exchanges)
}

fn org_id_of(s: &Sim, stem: &str) -> String {
    let r = s.handle(&Request::new("GET", &api(stem), "/__sim/orgs"));
    let v = r.json_body();
    let orgs = v
        .as_array()
        .cloned()
        .or_else(|| v["orgs"].as_array().cloned())
        .unwrap();
    let o = orgs
        .iter()
        .find(|o| o["myDomain"].as_str() == Some(stem))
        .unwrap_or(&orgs[0]);
    o["orgId15"]
        .as_str()
        .or_else(|| o["orgId"].as_str())
        .or_else(|| o["id"].as_str())
        .unwrap()
        .to_string()
}

fn expect_of(name: &str) -> Value {
    let text =
        std::fs::read_to_string(common::scenarios_dir().join(format!("{name}.json"))).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["expect"].clone()
}

fn mentions(f: &Finding, cause: &str) -> bool {
    f.title.contains(cause)
        || f.message.contains(cause)
        || f.evidence.iter().any(|e| {
            e.value.contains(cause)
                || e.label.contains(cause)
                || e.location.as_deref().is_some_and(|l| l.contains(cause))
        })
}

fn problems(r: &OrgReport) -> Vec<&Finding> {
    r.findings
        .iter()
        .filter(|f| f.severity <= Severity::Warning)
        .collect()
}

fn describe(r: &OrgReport) -> String {
    r.findings
        .iter()
        .map(|f| format!("  [{:?}] {} — {}", f.severity, f.code, f.title))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_scenario_gives_its_expected_causes_in_a_handful_of_calls() {
    let mut failures = Vec::new();
    for name in scenario_names() {
        if let Err(e) = std::panic::catch_unwind(|| check_scenario(&name)) {
            failures.push(
                e.downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| name.clone()),
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} scenario(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn check_scenario(name: &str) {
    {
        let name = name.to_string();
        let s = sim(&[("acme", &name)]);
        let sid = login(&s, "acme");
        let expect = expect_of(&name);
        let org_id = org_id_of(&s, "acme");
        let stage = match expect["configAvailable"].as_bool() {
            Some(false) => Some(Stage::ConfigFailed { status: 404 }),
            _ if expect["insertOk"].as_bool() == Some(false) => {
                Some(Stage::MessagesNotSent { count: 1 })
            }
            _ => Some(Stage::Healthy),
        };
        let page = page_for(&org_id, stage);
        let r = run(&s, "acme", &sid, Some(&page));
        let shown = describe(&r);
        assert!(r.api_calls <= 6, "{name}: {} calls\n{shown}", r.api_calls);
        assert!(r.rounds <= 2, "{name}: {} rounds\n{shown}", r.rounds);
        assert!(
            r.findings.iter().all(|f| f.code != "org/check-failed"),
            "{name}: a check failed against the simulator\n{shown}\n{:#?}",
            r.findings
                .iter()
                .filter(|f| f.code == "org/check-failed")
                .collect::<Vec<_>>()
        );
        let causes: Vec<String> = expect["causes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let probs = problems(&r);
        if name == "messaging-disabled" {
            assert!(
                probs.iter().any(|f| f.code == "org/messaging-not-enabled"),
                "{name}\n{shown}"
            );
            return;
        }
        for cause in &causes {
            assert!(
                probs.iter().any(|f| mentions(f, cause)),
                "{name}: no problem finding names {cause}\n{shown}"
            );
        }
        if expect["insertOk"].as_bool() == Some(false) {
            // At least one stated cause is an error finding (with two causes, the other may be
            // a "may block" that names its condition).
            let errors: Vec<&&Finding> = probs
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .collect();
            assert!(
                causes.iter().any(|c| errors.iter().any(|f| mentions(f, c))),
                "{name}: no stated cause {causes:?} is an error finding\n{shown}"
            );
        }
        if name == "required-field" {
            let f = probs
                .iter()
                .find(|f| f.code == "org/required-field")
                .unwrap();
            assert!(
                f.evidence
                    .iter()
                    .any(|e| e.label == "Last changed" && e.value.contains(" by ")),
                "{name}: the required field does not say who changed it last\n{f:#?}"
            );
        }
        if causes.is_empty() {
            assert!(
                probs.iter().all(|f| f.severity > Severity::Error),
                "{name}: a healthy org has an error finding\n{shown}"
            );
        }
    }
}
