//! The widget endpoints: config, business hours, CORS, token and server-sent events.

use super::common::*;
use md_sim::http::Request;
use serde_json::json;

#[test]
fn widget_config_business_hours_and_cors() {
    let s = sim(&[("acme", "healthy"), ("cors", "cors-missing")]);
    let org = org_id(&s, "acme");
    let cfg = s.handle(
        &Request::new("GET", "acme.my.salesforce-scrt.com", &format!("/embeddedservice/v1/embedded-service-config?orgId={org}&esConfigName=Web_Chat&language=en_US"))
            .with_header("Origin", "https://www.acme-shop.test"),
    );
    assert_eq!(cfg.status, 200);
    assert_eq!(
        cfg.header("Access-Control-Allow-Origin"),
        Some("https://www.acme-shop.test")
    );
    let c = cfg.json_body();
    assert_eq!(c["name"], "Web_Chat");
    assert_eq!(
        c["embeddedServiceMessagingChannel"]["channelDeveloperName"],
        "Web_Chat_Channel"
    );
    assert_eq!(
        c["embeddedServiceMessagingChannel"]["isBusinessHoursEnabled"],
        false
    );
    assert_eq!(
        c["siteUrl"],
        "https://acme.my.site.com/ESWWebChat1712345678901"
    );
    let sub = s.handle(
        &Request::new(
            "GET",
            "acme.my.salesforce-scrt.com",
            &format!(
                "/embeddedservice/v1/embedded-service-config?orgId={org}&esConfigName=Web_Chat"
            ),
        )
        .with_header("Origin", "https://shop.acme-shop.test"),
    );
    assert_eq!(
        sub.header("Access-Control-Allow-Origin"),
        Some("https://shop.acme-shop.test"),
        "wildcard entry"
    );
    let evil = s.handle(
        &Request::new(
            "GET",
            "acme.my.salesforce-scrt.com",
            &format!(
                "/embeddedservice/v1/embedded-service-config?orgId={org}&esConfigName=Web_Chat"
            ),
        )
        .with_header("Origin", "https://evil.test"),
    );
    assert_eq!(evil.header("Access-Control-Allow-Origin"), None);
    let pre = s.handle(
        &Request::new(
            "OPTIONS",
            "acme.my.salesforce-scrt.com",
            "/iamessage/v1/conversation",
        )
        .with_header("Origin", "https://www.acme-shop.test")
        .with_header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        ),
    );
    assert_eq!(pre.status, 200);
    assert_eq!(
        pre.header("Access-Control-Allow-Headers"),
        Some("authorization,content-type")
    );
    let cors_org = org_id(&s, "cors");
    let miss = s.handle(&Request::new("GET", "cors.my.salesforce-scrt.com", &format!("/embeddedservice/v1/embedded-service-config?orgId={cors_org}&esConfigName=Web_Chat")).with_header("Origin", "https://www.acme-shop.test"));
    assert_eq!(miss.status, 200);
    assert_eq!(
        miss.header("Access-Control-Allow-Origin"),
        None,
        "origin not in the allowlist"
    );
    let pre = s.handle(
        &Request::new(
            "OPTIONS",
            "cors.my.salesforce-scrt.com",
            "/iamessage/v1/conversation",
        )
        .with_header("Origin", "https://www.acme-shop.test"),
    );
    assert_eq!(pre.status, 403);
    // Unknown deployment / wrong org id.
    assert_eq!(
        s.handle(&Request::new(
            "GET",
            "acme.my.salesforce-scrt.com",
            &format!("/embeddedservice/v1/embedded-service-config?orgId={org}&esConfigName=Nope")
        ))
        .status,
        404
    );
    assert_eq!(s.handle(&Request::new("GET", "acme.my.salesforce-scrt.com", &format!("/embeddedservice/v1/embedded-service-config?orgId={cors_org}&esConfigName=Web_Chat"))).status, 404);
    assert_eq!(
        s.handle(&Request::new(
            "GET",
            "acme.my.salesforce-scrt.com",
            &format!("/embeddedservice/v1/businesshours?orgId={org}&esConfigName=Web_Chat")
        ))
        .status,
        204
    );
    let av = s.handle(&Request::new(
        "GET",
        "acme.my.salesforce-scrt.com",
        &format!("/embeddedservice/v2/agent-availability?orgId={org}&esConfigName=Web_Chat"),
    ));
    assert_eq!(av.json_body()["isAgentAvailable"], true);
    // Maintenance.
    s.handle(
        &Request::new("POST", "acme.my.salesforce-scrt.com", "/__sim/faults")
            .with_json(&json!({"orgUnderMaintenance": true})),
    );
    assert_eq!(
        s.handle(&Request::new(
            "GET",
            "acme.my.salesforce-scrt.com",
            &format!("/embeddedservice/v1/businesshours?orgId={org}&esConfigName=Web_Chat")
        ))
        .status,
        423
    );
    assert_eq!(
        s.handle(&Request::new(
            "GET",
            "cors.my.salesforce-scrt.com",
            &format!("/embeddedservice/v1/businesshours?orgId={cors_org}&esConfigName=Web_Chat")
        ))
        .status,
        204,
        "other org unaffected"
    );
}

#[test]
fn widget_token_and_sse_events() {
    let s = sim(&[("acme", "healthy")]);
    let c = chat(&s, "acme", "Web_Chat");
    assert_eq!(c.token.split('.').count(), 3, "JWT-looking token");
    let st = s.state.lock().unwrap();
    let org = &st.orgs[0];
    let conv = org.conversations.get(&c.conversation_id).unwrap();
    let mut cursor = std::collections::HashMap::new();
    let text = md_sim::widget::sse_drain(org, &conv.end_user_subject, &mut cursor);
    assert!(
        text.contains("event: CONVERSATION_ROUTING_RESULT"),
        "{text}"
    );
    assert!(text.contains("event: CONVERSATION_MESSAGE"), "{text}");
    assert!(
        md_sim::widget::sse_drain(org, &conv.end_user_subject, &mut cursor).is_empty(),
        "cursor advances"
    );
    drop(st);
    let bad = s.handle(
        &Request::new(
            "POST",
            "acme.my.salesforce-scrt.com",
            "/iamessage/v1/conversation",
        )
        .with_bearer("nope")
        .with_json(&json!({"conversationId": "x"})),
    );
    assert_eq!(bad.status, 401);
    let dup = s.handle(
        &Request::new(
            "POST",
            "acme.my.salesforce-scrt.com",
            "/iamessage/v1/conversation",
        )
        .with_bearer(&c.token)
        .with_json(&json!({"conversationId": c.conversation_id})),
    );
    assert_eq!(dup.status, 409);
    let sse = s.handle(
        &Request::new("GET", "acme.my.salesforce-scrt.com", "/eventrouter/v1/sse")
            .with_bearer(&c.token)
            .with_header("X-Org-Id", &org_id(&s, "acme")),
    );
    assert_eq!(sse.status, 200);
    assert!(sse.sse.is_some());
    let sse_bad = s.handle(
        &Request::new("GET", "acme.my.salesforce-scrt.com", "/eventrouter/v1/sse")
            .with_bearer(&c.token),
    );
    assert_eq!(sse_bad.status, 400);
    // Failed insert: no routing events.
    let f = sim(&[("acme", "trigger-adderror")]);
    let fc = chat(&f, "acme", "Web_Chat");
    let st = f.state.lock().unwrap();
    let conv = st.orgs[0].conversations.get(&fc.conversation_id).unwrap();
    let text = md_sim::widget::sse_drain(
        &st.orgs[0],
        &conv.end_user_subject,
        &mut std::collections::HashMap::new(),
    );
    assert!(text.is_empty(), "{text}");
}

/// Guests are refused only by a deployment that requires verified visitors; the Tooling flag
/// `AreGuestUsersAllowed` (false by default) does not stop them, as the org checks read it.
#[test]
fn guests_are_refused_by_auth_mode_not_by_the_guest_flag() {
    let s = sim(&[("acme", "healthy")]);
    let set = |guests: bool, mode: &str| {
        let mut st = s.state.lock().unwrap();
        for d in st.orgs[0].scenario.deployments.iter_mut() {
            d.are_guest_users_allowed = guests;
            d.auth_mode = mode.into();
        }
    };
    set(false, "Unauthenticated");
    let c = chat(&s, "acme", "Web_Chat");
    assert_eq!(c.config_status, 200);
    assert_eq!(
        c.token_status, 200,
        "a guest of a default deployment gets a token"
    );
    set(true, "Auth");
    let c = chat(&s, "acme", "Web_Chat");
    assert_eq!(
        c.token_status, 401,
        "a deployment that verifies visitors refuses guests"
    );
}
