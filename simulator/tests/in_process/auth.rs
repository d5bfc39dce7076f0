//! Bearer checks and the shapes of 401, 403 and 5xx responses, including injected faults.

use super::common::*;
use md_sim::http::Request;
use serde_json::{json, Value};

#[test]
fn bearer_checks_and_401_shape() {
    let s = sim(&[("acme", "healthy"), ("beta", "validation-rule")]);
    let sid = login(&s, "acme");
    let sid_beta = login(&s, "beta");
    let want =
        json!([{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]);
    let none = s.handle(&Request::new(
        "GET",
        "acme.my.salesforce.com",
        "/services/data/v65.0/limits",
    ));
    assert_eq!((none.status, none.json_body()), (401, want.clone()));
    assert_eq!(
        get(
            &s,
            "acme",
            "00D000000000000!AQbogus",
            "/services/data/v65.0/limits"
        )
        .status,
        401
    );
    assert_eq!(
        get(&s, "acme", &sid_beta, "/services/data/v65.0/limits").status,
        401,
        "another org's session"
    );
    assert_eq!(
        get(&s, "acme", &sid, "/services/data/v65.0/limits").status,
        200
    );
    // The lightning-host cookie is a UI session: the API rejects it.
    let ui = s
        .handle(&Request::new(
            "GET",
            "acme.my.salesforce.com",
            "/__sim/login?json=1",
        ))
        .json_body()["uiSid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        get(&s, "acme", &ui, "/services/data/v65.0/limits").json_body(),
        want
    );
    // Expire.
    let e = s.handle(&Request::new(
        "GET",
        "acme.my.salesforce.com",
        &format!("/__sim/expire?sid={}", enc(&sid)),
    ));
    assert_eq!(e.json_body()["expired"], 1);
    let r = get(&s, "acme", &sid, "/services/data/v65.0/limits");
    assert_eq!((r.status, r.json_body()), (401, want));
    // Org ids differ between the two orgs and the sid starts with the org id.
    assert!(sid.starts_with(&format!("{}!", org_id(&s, "acme"))));
    assert!(sid_beta.starts_with("00D8c000001Val3!"));
}

#[test]
fn injected_403s_and_5xx() {
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    let fault = |body: Value| {
        let r = s.handle(
            &Request::new("POST", "acme.my.salesforce.com", "/__sim/faults").with_json(&body),
        );
        assert_eq!(r.status, 200, "{}", r.body_text());
    };
    fault(json!({"toolingInsufficientAccess": true}));
    let t = tquery(&s, "acme", &sid, "SELECT Id FROM ApexTrigger");
    assert_eq!(t.status, 403);
    assert_eq!(
        t.json_body()[0]["errorCode"],
        "INSUFFICIENT_ACCESS_OR_READONLY"
    );
    assert_eq!(
        query(&s, "acme", &sid, "SELECT Id FROM User").status,
        200,
        "REST unaffected"
    );
    fault(json!({"apiDisabled": true}));
    let r = get(&s, "acme", &sid, "/services/data/v65.0/limits");
    assert_eq!(
        r.json_body(),
        json!([{"errorCode": "API_DISABLED_FOR_ORG", "message": "The REST API is not enabled for this Organization."}])
    );
    assert_eq!(r.status, 403);
    s.handle(&Request::new(
        "DELETE",
        "acme.my.salesforce.com",
        "/__sim/faults",
    ));
    assert_eq!(
        get(&s, "acme", &sid, "/services/data/v65.0/limits").status,
        200,
        "reset to scenario faults"
    );
    fault(json!({"requestLimitExceeded": true}));
    assert_eq!(
        get(&s, "acme", &sid, "/services/data/v65.0/limits").json_body()[0]["errorCode"],
        "REQUEST_LIMIT_EXCEEDED"
    );
    fault(
        json!({"requestLimitExceeded": false, "errorPaths": [{"pattern": "/services/data/*/tooling/*", "status": 503}]}),
    );
    assert_eq!(
        tquery(&s, "acme", &sid, "SELECT Id FROM ApexClass").status,
        503
    );
    assert_eq!(query(&s, "acme", &sid, "SELECT Id FROM User").status, 200);
    fault(
        json!({"errorPaths": [], "malformedJsonPaths": ["/services/data/*/limits"], "latencyMs": 250}),
    );
    let m = get(&s, "acme", &sid, "/services/data/v65.0/limits");
    assert_eq!(m.status, 200);
    assert!(
        serde_json::from_slice::<Value>(&m.body).is_err(),
        "malformed JSON"
    );
    assert_eq!(m.delay_ms, 250);
    let bad = s.handle(
        &Request::new("POST", "localhost", "/__sim/faults").with_json(&json!({"noSuchFault": 1})),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(
        get(&s, "acme", &sid, "/services/data/v65.0/nothing/here").json_body()[0]["errorCode"],
        "NOT_FOUND"
    );
}
