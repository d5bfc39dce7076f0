//! Hosts: the static site and customer sites, and several orgs at once on their own hosts with
//! separate data.

use super::common::*;
use md_sim::http::Request;

// ---------- static files ----------

#[test]
fn static_site_and_customer_hosts() {
    let dir = std::env::temp_dir().join(format!("md-sim-static-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("assets/js")).unwrap();
    std::fs::create_dir_all(dir.join("sites/www.acme-shop.test")).unwrap();
    std::fs::write(
        dir.join("assets/js/bootstrap.min.js"),
        "window.embeddedservice_bootstrap = {};",
    )
    .unwrap();
    std::fs::write(
        dir.join("sites/www.acme-shop.test/index.html"),
        "<!doctype html><title>Acme shop</title>",
    )
    .unwrap();
    std::fs::write(
        dir.join("sites/www.acme-shop.test/index.html.headers"),
        "# CSP without the scrt2 host\nContent-Security-Policy: connect-src 'self'\n",
    )
    .unwrap();
    let args = vec![md_sim::OrgArg::parse("acme=healthy").unwrap()];
    let s = md_sim::Sim::from_args(&args, &scenarios_dir(), Some(dir.clone())).unwrap();
    let js = s.handle(&Request::new(
        "GET",
        "acme.my.site.com",
        "/ESWWebChat1712345678901/assets/js/bootstrap.min.js",
    ));
    assert_eq!(js.status, 200);
    assert_eq!(
        js.header("Content-Type"),
        Some("application/javascript;charset=UTF-8")
    );
    assert!(js.body_text().contains("embeddedservice_bootstrap"));
    assert_eq!(
        s.handle(&Request::new(
            "GET",
            "acme.my.site.com",
            "/WrongPrefix/assets/js/bootstrap.min.js"
        ))
        .status,
        404
    );
    assert_eq!(
        s.handle(&Request::new(
            "GET",
            "acme.my.site.com",
            "/ESWWebChat1712345678901/sites/www.acme-shop.test/index.html"
        ))
        .status,
        404
    );
    assert_eq!(
        s.handle(&Request::new(
            "GET",
            "acme.my.site.com",
            "/ESWWebChat1712345678901/../../etc/passwd"
        ))
        .status,
        404
    );
    let page = s.handle(&Request::new("GET", "www.acme-shop.test", "/"));
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("Content-Security-Policy"),
        Some("connect-src 'self'")
    );
    assert_eq!(
        s.handle(&Request::new(
            "GET",
            "www.acme-shop.test",
            "/index.html.headers"
        ))
        .status,
        404
    );
    assert_eq!(
        s.handle(&Request::new("GET", "other.test", "/")).status,
        404
    );
    assert!(s.host_names().contains(&"www.acme-shop.test".to_string()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn several_orgs_at_once_keep_separate_data() {
    let s = sim(&[("acme", "healthy"), ("globex--uat", "validation-rule")]);
    let a = login(&s, "acme");
    let r = s
        .handle(&Request::new(
            "GET",
            "globex--uat.sandbox.my.salesforce.com",
            "/__sim/login?json=1",
        ))
        .json_body();
    let g = r["sid"].as_str().unwrap().to_string();
    assert_eq!(
        r["instanceUrl"],
        "https://globex--uat.sandbox.my.salesforce.com"
    );
    assert_eq!(
        tquery(&s, "acme", &a, "SELECT Id FROM ValidationRule").json_body()["size"],
        4
    );
    let gq = s.handle(
        &Request::new(
            "GET",
            "globex--uat.sandbox.my.salesforce.com",
            &format!(
                "/services/data/v65.0/tooling/query?q={}",
                enc("SELECT Id FROM ValidationRule")
            ),
        )
        .with_bearer(&g),
    );
    assert_eq!(gq.json_body()["size"], 5);
    let orgs = s
        .handle(&Request::new("GET", "localhost", "/__sim/orgs"))
        .json_body();
    assert_eq!(
        orgs[1]["scrtHost"],
        "globex--uat.sandbox.my.salesforce-scrt.com"
    );
    assert_ne!(orgs[0]["orgId"], orgs[1]["orgId"]);
}
