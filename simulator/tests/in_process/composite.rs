//! REST and Tooling composite and composite batch: subrequests, all-or-none, limits, call counting.

use super::common::*;
use md_sim::http::Request;
use serde_json::{json, Value};

#[test]
fn rest_composite_runs_subrequests_and_counts_once() {
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    s.handle(&Request::new("POST", "localhost", "/__sim/stats/reset"));
    let body = json!({"allOrNone": false, "compositeRequest": [
        {"method": "GET", "url": "/services/data/v65.0/query?q=SELECT+Id,Name+FROM+User+WHERE+UserType='AutomatedProcess'", "referenceId": "auto"},
        {"method": "GET", "url": "/services/data/v65.0/sobjects/User/@{auto.records[0].Id}?fields=Alias", "referenceId": "alias"},
        {"method": "GET", "url": "/services/data/v65.0/sobjects/MessagingSession/describe", "referenceId": "desc"},
        {"method": "GET", "url": "/services/data/v65.0/query?q=SELECT+Bad+FROM+User", "referenceId": "bad"}
    ]});
    let r = send(
        &s,
        "POST",
        "acme",
        &sid,
        "/services/data/v65.0/composite",
        &body,
    );
    assert_eq!(r.status, 200, "{}", r.body_text());
    let c = r.json_body();
    let items = c["compositeResponse"].as_array().unwrap();
    // `/limits` and Tooling URLs are refused in a REST composite: see tests/contract.rs.
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["referenceId"], "auto");
    assert_eq!(items[0]["httpStatusCode"], 200);
    assert_eq!(items[0]["body"]["records"][0]["Name"], "Automated Process");
    assert!(items[0]["httpHeaders"].is_object());
    assert_eq!(
        items[1]["body"]["Alias"], "autoproc",
        "reference substitution: {}",
        items[1]
    );
    assert_eq!(items[2]["body"]["name"], "MessagingSession");
    assert_eq!(items[3]["httpStatusCode"], 400);
    assert_eq!(items[3]["body"][0]["errorCode"], "INVALID_FIELD");
    let stats = s
        .handle(&Request::new("GET", "localhost", "/__sim/stats"))
        .json_body();
    assert_eq!(stats["byToken"][&sid], 1);
    assert_eq!(stats["total"], 1);
}

#[test]
fn composite_all_or_none_halts_after_failure() {
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    let body = json!({"allOrNone": true, "compositeRequest": [
        {"method": "GET", "url": "/services/data/v65.0/query?q=SELECT+Nope+FROM+User", "referenceId": "a"},
        {"method": "GET", "url": "/services/data/v65.0/query?q=SELECT+Id+FROM+User", "referenceId": "b"}
    ]});
    let c = send(
        &s,
        "POST",
        "acme",
        &sid,
        "/services/data/v65.0/composite",
        &body,
    )
    .json_body();
    assert_eq!(
        c["compositeResponse"][1]["body"][0]["errorCode"],
        "PROCESSING_HALTED"
    );
}

#[test]
fn tooling_composite_and_its_limits() {
    let s = sim(&[("acme", "validation-rule")]);
    let sid = login(&s, "acme");
    let ids: Vec<String> = tquery(&s, "acme", &sid, "SELECT Id FROM ValidationRule WHERE EntityDefinition.QualifiedApiName = 'MessagingSession' ORDER BY ValidationName")
        .json_body()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 4);
    let mut reqs: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| json!({"method": "GET", "url": format!("/services/data/v65.0/tooling/sobjects/ValidationRule/{id}?fields=Id,FullName,Metadata"), "referenceId": format!("vr{i}")}))
        .collect();
    reqs.push(json!({"method": "GET", "url": "/services/data/v65.0/tooling/query?q=SELECT+Name,Body,UsageBeforeInsert+FROM+ApexTrigger+WHERE+TableEnumOrId='MessagingSession'", "referenceId": "trg"}));
    let c = send(
        &s,
        "POST",
        "acme",
        &sid,
        "/services/data/v65.0/tooling/composite",
        &json!({"allOrNone": false, "compositeRequest": reqs}),
    )
    .json_body();
    let items = c["compositeResponse"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    let formulas: Vec<&str> = items[..4]
        .iter()
        .map(|i| {
            i["body"]["Metadata"]["errorConditionFormula"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(formulas.iter().any(|f| f.contains("NOT(ISNEW())")));
    assert_eq!(items[4]["body"]["size"], 2);
    let six: Vec<Value> = (0..6).map(|i| json!({"method": "GET", "url": "/services/data/v65.0/tooling/query?q=SELECT+Id+FROM+ApexClass", "referenceId": format!("q{i}")})).collect();
    let r = send(
        &s,
        "POST",
        "acme",
        &sid,
        "/services/data/v65.0/tooling/composite",
        &json!({"compositeRequest": six}),
    );
    assert_eq!(r.status, 400);
    let many: Vec<Value> = (0..26).map(|i| json!({"method": "GET", "url": "/services/data/v65.0/limits", "referenceId": format!("l{i}")})).collect();
    let r = send(
        &s,
        "POST",
        "acme",
        &sid,
        "/services/data/v65.0/composite",
        &json!({"compositeRequest": many}),
    );
    assert_eq!(r.status, 400);
    assert!(r.json_body().is_array());
}

#[test]
fn composite_batch_counts_each_subrequest() {
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    s.handle(&Request::new("DELETE", "localhost", "/__sim/stats"));
    let body = json!({"batchRequests": [
        {"method": "GET", "url": "v65.0/limits"},
        {"method": "GET", "url": "v65.0/query?q=SELECT+Id+FROM+MessagingChannel"},
        {"method": "GET", "url": "v65.0/sobjects/Nope/describe"}
    ]});
    let r = send(
        &s,
        "POST",
        "acme",
        &sid,
        "/services/data/v65.0/composite/batch",
        &body,
    )
    .json_body();
    assert_eq!(r["hasErrors"], true);
    assert_eq!(r["results"][0]["statusCode"], 200);
    assert_eq!(r["results"][1]["result"]["totalSize"], 1);
    assert_eq!(r["results"][2]["statusCode"], 404);
    let stats = s
        .handle(&Request::new("GET", "localhost", "/__sim/stats"))
        .json_body();
    assert_eq!(stats["byToken"][&sid], 3);
    // A plain call adds one, per token.
    let sid2 = login(&s, "acme");
    get(&s, "acme", &sid2, "/services/data/v65.0/limits");
    get(&s, "acme", &sid2, "/services/data/v65.0/limits");
    let stats = s
        .handle(&Request::new("GET", "localhost", "/__sim/stats"))
        .json_body();
    assert_eq!(stats["byToken"][&sid2], 2);
    assert_eq!(stats["total"], 5);
    assert_eq!(stats["byOrg"]["acme"], 5);
    s.handle(&Request::new("POST", "localhost", "/__sim/stats/reset"));
    assert_eq!(
        s.handle(&Request::new("GET", "localhost", "/__sim/stats"))
            .json_body()["total"],
        0
    );
}
