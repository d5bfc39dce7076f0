//! The token-sighting log (`/__sim/token-sightings`): every request that carries an issued
//! session token is recorded with its host, path and the place the token was in, never the
//! token itself.

mod common;

use common::{api, login, sim};
use md_sim::http::Request;
use serde_json::{json, Value};

fn sightings(s: &md_sim::Sim) -> Vec<Value> {
    let r = s.handle(&Request::new("GET", "x.test", "/__sim/token-sightings"));
    assert_eq!(r.status, 200, "{}", r.body_text());
    r.json_body()["sightings"].as_array().cloned().unwrap()
}

fn wheres(v: &[Value]) -> Vec<(String, String, String, String)> {
    v.iter()
        .map(|e| {
            (
                e["host"].as_str().unwrap().to_string(),
                e["path"].as_str().unwrap().to_string(),
                e["where"].as_str().unwrap().to_string(),
                e["session"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_place_a_token_travels_is_recorded_without_the_token() {
    let s = sim(&[("acme", "healthy"), ("globex", "healthy")]);
    // Before any login: nothing, even for requests that look like they carry a token.
    s.handle(&Request::new("GET", &api("acme"), "/services/data/").with_bearer("00Dx!AQnotatoken"));
    assert!(sightings(&s).is_empty());

    let r = s.handle(&Request::new("GET", &api("acme"), "/__sim/login?json=1"));
    let sid = r.json_body()["sid"].as_str().unwrap().to_string();
    let ui = r.json_body()["uiSid"].as_str().unwrap().to_string();
    let secret = sid.split_once('!').unwrap().1.to_string();
    // The login request itself carries no token.
    assert!(sightings(&s).is_empty());

    // 1. Authorization header on the API host.
    s.handle(&Request::new("GET", &api("acme"), "/services/data/v65.0/limits").with_bearer(&sid));
    // 2. The UI cookie on the lightning host, with another cookie next to it.
    s.handle(
        &Request::new(
            "GET",
            "acme.lightning.force.com",
            "/lightning/setup/SetupOneHome/home",
        )
        .with_header("Cookie", &format!("other=1; sid={ui}")),
    );
    // 3. In a URL on a customer host, with the `!` percent-encoded.
    let enc: String = form_urlencoded::byte_serialize(sid.as_bytes()).collect();
    s.handle(&Request::new(
        "GET",
        "www.acme-shop.test",
        &format!("/track?t={enc}"),
    ));
    // 4. In a JSON body on the scrt2 host, and in a custom header.
    s.handle(
        &Request::new(
            "POST",
            "acme.my.salesforce-scrt.com",
            "/iamessage/v1/conversation",
        )
        .with_header("X-Leak", &format!("Bearer {sid}"))
        .with_json(&json!({"conversationId": "c", "note": sid})),
    );

    let got = wheres(&sightings(&s));
    let expect = [
        (
            "acme.my.salesforce.com",
            "/services/data/v65.0/limits",
            "header:authorization",
            "api",
        ),
        (
            "acme.lightning.force.com",
            "/lightning/setup/SetupOneHome/home",
            "cookie:sid",
            "ui",
        ),
        ("www.acme-shop.test", "/track", "url", "api"),
        (
            "acme.my.salesforce-scrt.com",
            "/iamessage/v1/conversation",
            "header:x-leak",
            "api",
        ),
        (
            "acme.my.salesforce-scrt.com",
            "/iamessage/v1/conversation",
            "body",
            "api",
        ),
    ];
    assert_eq!(got.len(), expect.len(), "{got:#?}");
    for (h, p, w, k) in expect {
        assert!(
            got.iter()
                .any(|g| (g.0.as_str(), g.1.as_str(), g.2.as_str(), g.3.as_str()) == (h, p, w, k)),
            "missing {h} {p} {w} {k} in {got:#?}"
        );
    }
    let listing = s.handle(&Request::new("GET", "x.test", "/__sim/token-sightings"));
    let text = listing.body_text();
    assert!(!text.contains(&secret), "the log must not hold the token");
    assert_eq!(listing.json_body()["count"], json!(expect.len()));
    assert!(sightings(&s)
        .iter()
        .all(|e| e["org"] == json!("acme") && e["expired"] == json!(false)));

    // An expired session is still a token: it is recorded, marked expired.
    let e = s.handle(&Request::new("GET", &api("acme"), "/__sim/expire").with_bearer(&sid));
    assert_eq!(e.json_body()["expired"], json!(1));
    let r = s.handle(&Request::new("DELETE", "x.test", "/__sim/token-sightings"));
    assert_eq!(r.status, 200);
    assert!(sightings(&s).is_empty());
    s.handle(&Request::new("GET", &api("acme"), "/services/data/v65.0/limits").with_bearer(&sid));
    let after = sightings(&s);
    assert_eq!(after.len(), 1, "{after:#?}");
    assert_eq!(after[0]["expired"], json!(true));

    // Another org's session is told apart.
    let g = login(&s, "globex");
    s.handle(&Request::new("DELETE", "x.test", "/__sim/token-sightings"));
    s.handle(&Request::new("GET", &api("globex"), "/services/data/v65.0/limits").with_bearer(&g));
    let after = sightings(&s);
    assert_eq!(after.len(), 1, "{after:#?}");
    assert_eq!(after[0]["org"], json!("globex"));

    // A logged-out session is forgotten: the logout request itself is the last sighting.
    s.handle(&Request::new("DELETE", "x.test", "/__sim/token-sightings"));
    s.handle(
        &Request::new("GET", &api("globex"), "/__sim/logout")
            .with_header("Cookie", &format!("sid={g}")),
    );
    s.handle(&Request::new("GET", &api("globex"), "/services/data/v65.0/limits").with_bearer(&g));
    let after = wheres(&sightings(&s));
    assert_eq!(
        after,
        vec![(
            "globex.my.salesforce.com".into(),
            "/__sim/logout".into(),
            "cookie:sid".into(),
            "api".into()
        )]
    );
}
