//! The login flow: host-only cookies, and Lightning getting its own session.

use super::common::*;
use md_sim::http::Request;

#[test]
fn login_sets_host_only_cookie_and_lightning_gets_its_own() {
    let s = sim(&[("acme", "healthy")]);
    let r = s.handle(&Request::new(
        "GET",
        "acme.my.salesforce.com",
        "/__sim/login?user=ben.builder@partner.sim",
    ));
    assert_eq!(r.status, 302);
    let cookie = r.header("Set-Cookie").unwrap().to_string();
    let sid = cookie
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("sid=")
        .unwrap()
        .to_string();
    assert!(
        sid.starts_with("00D8c000001Hlt1!AQ") && sid.len() > 90,
        "{sid}"
    );
    for attr in ["Path=/", "Secure", "HttpOnly"] {
        assert!(cookie.split("; ").any(|a| a == attr), "{cookie}");
    }
    assert!(
        !cookie.to_ascii_lowercase().contains("domain="),
        "host-only: {cookie}"
    );
    let loc = r.header("Location").unwrap().to_string();
    assert!(
        loc.starts_with("https://acme.lightning.force.com/secur/frontdoor.jsp?otp="),
        "{loc}"
    );
    let path = loc.trim_start_matches("https://acme.lightning.force.com");
    let fd = s.handle(&Request::new("GET", "acme.lightning.force.com", path));
    assert_eq!(fd.status, 302);
    assert_eq!(
        fd.header("Location"),
        Some("/lightning/setup/SetupOneHome/home")
    );
    let ui_sid = fd
        .header("Set-Cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("sid=")
        .unwrap()
        .to_string();
    assert_ne!(ui_sid, sid);
    assert!(ui_sid.starts_with("00D8c000001Hlt1!"));
    assert_eq!(
        s.handle(&Request::new("GET", "acme.lightning.force.com", path))
            .status,
        302,
        "one-time code"
    );
    let page = s.handle(
        &Request::new(
            "GET",
            "acme.lightning.force.com",
            "/lightning/setup/SetupOneHome/home",
        )
        .with_header("Cookie", &format!("sid={ui_sid}")),
    );
    assert_eq!(page.status, 200);
    assert!(page
        .body_text()
        .contains("<title>Setup Home | Setup</title>"));
    assert!(page.body_text().contains("Ben Builder"));
    let anon = s.handle(&Request::new(
        "GET",
        "acme.lightning.force.com",
        "/lightning/setup/SetupOneHome/home",
    ));
    assert_eq!(anon.status, 302);
    assert_eq!(
        get(&s, "acme", &sid, "/services/data/v65.0/limits").status,
        200
    );
    assert_eq!(
        get(&s, "acme", &ui_sid, "/services/data/v65.0/limits").status,
        401
    );
    let who = query(
        &s,
        "acme",
        &sid,
        "SELECT Id FROM User WHERE Username = 'ben.builder@partner.sim'",
    )
    .json_body();
    assert_eq!(who["totalSize"], 1);
    let out = s.handle(
        &Request::new("GET", "acme.my.salesforce.com", "/__sim/logout")
            .with_header("Cookie", &format!("sid={sid}")),
    );
    assert!(out.header("Set-Cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(
        get(&s, "acme", &sid, "/services/data/v65.0/limits").status,
        401
    );
    assert_eq!(
        s.handle(&Request::new(
            "GET",
            "acme.my.salesforce.com",
            "/__sim/login?user=nobody@x"
        ))
        .status,
        400
    );
    assert_eq!(
        s.handle(&Request::new(
            "GET",
            "zzz.my.salesforce.com",
            "/__sim/login"
        ))
        .status,
        404
    );
}
