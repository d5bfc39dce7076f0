//! One test per platform rule of simulator/CONTRACT.md: the simulator refuses a request that
//! breaks the rule, the way the platform answers it, and accepts the compliant twin. The rule
//! id is in each test's name and first comment.

mod common;

use common::*;
use md_sim::contract::{self, rule};
use md_sim::http::Request;
use md_sim::org::Org;
use md_sim::scenario::{self, Scenario};
use md_sim::Sim;
use serde_json::{json, Value};

const V: &str = "/services/data/v65.0";

/// A simulator whose one org (`acme`) is `base` with `patch` merged over it.
fn sim_with(base: &str, patch: Value) -> Sim {
    let mut v = scenario::load_value(&scenarios_dir(), base, 0).unwrap();
    scenario::merge(&mut v, patch);
    let sc = Scenario::from_json(&v.to_string()).unwrap();
    Sim::new(vec![Org::new(sc, Some("acme"), None).unwrap()], None).unwrap()
}

fn composite(s: &Sim, sid: &str, tooling: bool, subs: Vec<Value>) -> md_sim::http::Response {
    let path = if tooling {
        format!("{V}/tooling/composite")
    } else {
        format!("{V}/composite")
    };
    send(
        s,
        "POST",
        "acme",
        sid,
        &path,
        &json!({"allOrNone": false, "compositeRequest": subs}),
    )
}

fn get_sub(url: String, reference: &str) -> Value {
    json!({"method": "GET", "url": url, "referenceId": reference})
}

fn rest_query(q: &str, reference: &str) -> Value {
    get_sub(format!("{V}/query?q={}", enc(q)), reference)
}

fn tooling_query(q: &str, reference: &str) -> Value {
    get_sub(format!("{V}/tooling/query?q={}", enc(q)), reference)
}

/// The whole composite is refused with 400 and this error code; nothing inside ran.
fn assert_refused(r: &md_sim::http::Response, code: &str) {
    assert_eq!(r.status, 400, "{}", r.body_text());
    let b = r.json_body();
    assert_eq!(b[0]["errorCode"], code, "{b}");
    assert!(b.get("compositeResponse").is_none());
}

fn assert_accepted(r: &md_sim::http::Response) -> Vec<Value> {
    assert_eq!(r.status, 200, "{}", r.body_text());
    let items = r.json_body()["compositeResponse"]
        .as_array()
        .unwrap()
        .clone();
    for i in &items {
        assert!(
            (200..300).contains(&i["httpStatusCode"].as_u64().unwrap()),
            "{i}"
        );
    }
    items
}

#[test]
fn c_composite_size_at_most_25_subrequests() {
    // C-COMPOSITE-SIZE
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    let describes = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| get_sub(format!("{V}/sobjects/User/describe"), &format!("d{i}")))
            .collect()
    };
    assert_refused(&composite(&s, &sid, false, describes(26)), "LIMIT_EXCEEDED");
    assert_eq!(
        assert_accepted(&composite(&s, &sid, false, describes(25))).len(),
        25
    );
    let tdescribes: Vec<Value> = (0..26)
        .map(|i| {
            get_sub(
                format!("{V}/tooling/sobjects/ApexClass/describe"),
                &format!("t{i}"),
            )
        })
        .collect();
    assert_refused(&composite(&s, &sid, true, tdescribes), "LIMIT_EXCEEDED");
}

#[test]
fn c_composite_queries_at_most_5_next_pages_included() {
    // C-COMPOSITE-QUERIES
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    let qs = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| rest_query("SELECT Id FROM User", &format!("q{i}")))
            .collect()
    };
    assert_refused(&composite(&s, &sid, false, qs(6)), "LIMIT_EXCEEDED");
    assert_eq!(assert_accepted(&composite(&s, &sid, false, qs(5))).len(), 5);
    // queryAll counts too.
    let mut mixed = qs(5);
    mixed.push(get_sub(
        format!("{V}/queryAll?q={}", enc("SELECT Id FROM User")),
        "all",
    ));
    assert_refused(&composite(&s, &sid, false, mixed), "LIMIT_EXCEEDED");
    // A next page (nextRecordsUrl) is a query: 5 queries + 1 page is one too many.
    s.handle(
        &Request::new("POST", "localhost", "/__sim/faults")
            .with_json(&json!({"org": "acme", "pageSize": 1})),
    );
    let first = query(&s, "acme", &sid, "SELECT Id FROM User").json_body();
    let next = first["nextRecordsUrl"].as_str().unwrap().to_string();
    let mut with_page = qs(5);
    with_page.push(get_sub(next.clone(), "page2"));
    assert_refused(&composite(&s, &sid, false, with_page), "LIMIT_EXCEEDED");
    let mut ok = qs(4);
    ok.push(get_sub(next, "page2"));
    assert_accepted(&composite(&s, &sid, false, ok));
    // Tooling composite: the same five.
    let tq = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| tooling_query("SELECT Id FROM ApexClass", &format!("t{i}")))
            .collect()
    };
    assert_refused(&composite(&s, &sid, true, tq(6)), "LIMIT_EXCEEDED");
    assert_accepted(&composite(&s, &sid, true, tq(5)));
}

#[test]
fn c_composite_resources_only_sobjects_query_queryall_collections() {
    // C-COMPOSITE-RESOURCES
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    let ok = vec![
        get_sub(format!("{V}/sobjects/MessagingSession/describe"), "desc"),
        rest_query("SELECT Id FROM User", "users"),
    ];
    for (bad, why) in [
        (get_sub(format!("{V}/limits"), "limits"), "/limits"),
        (
            tooling_query("SELECT Id FROM ApexClass", "tooling"),
            "a Tooling URL",
        ),
        (get_sub(format!("{V}/"), "resources"), "the resource list"),
        (
            get_sub(
                format!("{V}/sobjects/ApexLog/07L000000000001AAA/Body"),
                "blob",
            ),
            "an sObject blob",
        ),
        (
            get_sub("/limits".to_string(), "short"),
            "a URL without /services/data/vNN.0",
        ),
    ] {
        let mut subs = ok.clone();
        subs.push(bad);
        let r = composite(&s, &sid, false, subs);
        assert_eq!(r.status, 400, "{why}: {}", r.body_text());
        assert_eq!(r.json_body()[0]["errorCode"], "INVALID_API_INPUT", "{why}");
    }
    assert_eq!(assert_accepted(&composite(&s, &sid, false, ok)).len(), 2);
}

#[test]
fn c_tooling_composite_resources_only_tooling_sobjects_and_query() {
    // C-TOOLING-COMPOSITE-RESOURCES
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    let ok = vec![
        tooling_query("SELECT Id, Name FROM ApexClass", "classes"),
        get_sub(format!("{V}/tooling/sobjects/ApexTrigger/describe"), "desc"),
    ];
    for bad in [
        rest_query("SELECT Id FROM User", "rest"),
        get_sub(format!("{V}/limits"), "limits"),
        get_sub(
            format!("{V}/tooling/executeAnonymous?anonymousBody=x"),
            "exec",
        ),
    ] {
        let mut subs = ok.clone();
        subs.push(bad);
        assert_refused(&composite(&s, &sid, true, subs), "INVALID_API_INPUT");
    }
    assert_accepted(&composite(&s, &sid, true, ok));
}

#[test]
fn c_composite_reference_id_letters_digits_underscore() {
    // C-COMPOSITE-REFERENCE-ID (REST, and the Tooling composite by the stricter choice)
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    for bad in ["flows~2", "rule.03d000000000001", "a-b", "", "x y"] {
        let r = composite(
            &s,
            &sid,
            false,
            vec![rest_query("SELECT Id FROM User", bad)],
        );
        assert_refused(&r, "INVALID_INPUT");
        let r = composite(
            &s,
            &sid,
            true,
            vec![tooling_query("SELECT Id FROM ApexClass", bad)],
        );
        assert_refused(&r, "INVALID_INPUT");
    }
    let dup = vec![
        rest_query("SELECT Id FROM User", "same"),
        rest_query("SELECT Id FROM Organization", "same"),
    ];
    assert_refused(&composite(&s, &sid, false, dup), "INVALID_INPUT");
    assert_accepted(&composite(
        &s,
        &sid,
        false,
        vec![rest_query("SELECT Id FROM User", "flows_2")],
    ));
    assert_accepted(&composite(
        &s,
        &sid,
        true,
        vec![tooling_query(
            "SELECT Id FROM ApexClass",
            "rule_03d000000000001",
        )],
    ));
}

#[test]
fn c_limits_get_is_a_plain_get() {
    // C-LIMITS-GET: works on its own (inside a composite it is refused, see above).
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    let r = get(&s, "acme", &sid, &format!("{V}/limits"));
    assert_eq!(r.status, 200);
    let b = r.json_body();
    assert!(b["DailyApiRequests"]["Max"].is_number());
    assert!(b["DataStorageMB"]["Remaining"].is_number(), "{b}");
    assert!(b["FileStorageMB"]["Remaining"].is_number());
}

#[test]
fn c_limits_storage_only_for_a_user_with_manage_users() {
    // C-LIMITS-STORAGE
    let s = sim_with(
        "healthy",
        json!({"+users": [{"Name": "Vera Viewer", "Username": "vera@acme.sim", "Alias": "vview",
                           "Profile": "Standard User", "lacksPermissions": ["ManageUsers"]}]}),
    );
    let r = s.handle(&Request::new(
        "GET",
        &api("acme"),
        "/__sim/login?json=1&user=vview",
    ));
    assert_eq!(r.status, 200, "{}", r.body_text());
    let vera = r.json_body()["sid"].as_str().unwrap().to_string();
    let b = get(&s, "acme", &vera, &format!("{V}/limits")).json_body();
    assert!(b["DailyApiRequests"]["Max"].is_number(), "{b}");
    assert!(b.get("DataStorageMB").is_none(), "{b}");
    assert!(b.get("FileStorageMB").is_none(), "{b}");
    // The admin still sees them.
    let admin = login(&s, "acme");
    let b = get(&s, "acme", &admin, &format!("{V}/limits")).json_body();
    assert!(b["DataStorageMB"]["Max"].is_number(), "{b}");
    // lacksPermissions is not a User field.
    let q = query(&s, "acme", &admin, "SELECT Id, lacksPermissions FROM User");
    assert_eq!(q.json_body()[0]["errorCode"], "INVALID_FIELD");
}

#[test]
fn c_metadata_one_row() {
    // C-METADATA-ONE-ROW
    let s = sim(&[("acme", "validation-rule")]);
    let sid = login(&s, "acme");
    let r = tquery(&s, "acme", &sid, "SELECT Id, Metadata FROM ValidationRule");
    assert_eq!(r.status, 400);
    let e = &r.json_body()[0];
    assert_eq!(e["errorCode"], "MALFORMED_QUERY");
    let m = e["message"].as_str().unwrap();
    assert!(m.starts_with("When retrieving results with Metadata or FullName fields, the query qualifications must specify no more than one row for retrieval. Result size: "), "{m}");
    let r = tquery(&s, "acme", &sid, "SELECT Id, FullName FROM ValidationRule");
    assert_eq!(r.status, 400);
    let id = tquery(&s, "acme", &sid, "SELECT Id FROM ValidationRule LIMIT 1").json_body()
        ["records"][0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = tquery(
        &s,
        "acme",
        &sid,
        &format!("SELECT Id, Metadata FROM ValidationRule WHERE Id = '{id}'"),
    );
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert!(r.json_body()["records"][0]["Metadata"]["errorConditionFormula"].is_string());
}

#[test]
fn c_fields_documented_in_select_where_and_order_by() {
    // C-FIELDS-DOCUMENTED
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    let q = "SELECT Id, DeveloperName, Site FROM EmbeddedServiceConfig";
    let r = tquery(&s, "acme", &sid, q);
    assert_eq!(r.status, 400);
    let e = &r.json_body()[0];
    assert_eq!(e["errorCode"], "INVALID_FIELD");
    // Salesforce's shape: the query line, a caret, the position, then the sentence.
    assert_eq!(
        e["message"].as_str().unwrap(),
        format!("\n{q}\n{}^\nERROR at Row:1:Column:{}\nNo such column 'Site' on entity 'EmbeddedServiceConfig'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
            " ".repeat(q.find("Site").unwrap()), q.find("Site").unwrap() + 1)
    );
    for bad in [
        "SELECT Id FROM EmbeddedServiceConfig WHERE Site = 'x'",
        "SELECT Id FROM EmbeddedServiceConfig ORDER BY Site",
        "SELECT Id, IsPublished FROM EmbeddedServiceConfig",
    ] {
        let r = tquery(&s, "acme", &sid, bad);
        assert_eq!(r.json_body()[0]["errorCode"], "INVALID_FIELD", "{bad}");
    }
    let r = tquery(&s, "acme", &sid, "SELECT Id, DeveloperName, MasterLabel, IsEnabled, DeploymentFeature, DeploymentType, AreGuestUsersAllowed, AuthMethod, LastModifiedDate FROM EmbeddedServiceConfig ORDER BY DeveloperName");
    assert_eq!(r.status, 200, "{}", r.body_text());
    // FlowDefinitionView serves what the flow check needs.
    let r = query(&s, "acme", &sid, "SELECT Id, ApiName, ActiveVersionId, LatestVersionId, TriggerObjectOrEvent.QualifiedApiName FROM FlowDefinitionView WHERE TriggerObjectOrEvent.QualifiedApiName = 'MessagingSession'");
    assert_eq!(r.status, 200, "{}", r.body_text());
    let recs = r.json_body()["records"].as_array().unwrap().clone();
    assert!(!recs.is_empty());
    assert!(recs
        .iter()
        .all(|f| f["TriggerObjectOrEvent"]["QualifiedApiName"] == "MessagingSession"));
    assert!(recs.iter().any(|f| f["ActiveVersionId"].is_string()));
    assert!(recs.iter().all(|f| f["LatestVersionId"].is_string()));
}

#[test]
fn c_relationships_through_documented_lookups_only() {
    // C-RELATIONSHIPS
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    for ok in [
        "SELECT PermissionSetId, PermissionSet.Name FROM PermissionSetAssignment WHERE Assignee.UserType = 'AutomatedProcess'",
        "SELECT Id, CreatedBy.Name, CreatedBy.UserType FROM MessagingSession",
        "SELECT Id, Profile.Name FROM User",
    ] {
        assert_eq!(query(&s, "acme", &sid, ok).status, 200, "{ok}");
    }
    assert_eq!(
        tquery(
            &s,
            "acme",
            &sid,
            "SELECT Id, LastModifiedBy.Name, EntityDefinition.QualifiedApiName FROM ValidationRule"
        )
        .status,
        200
    );
    for bad in [
        // FlowDefinitionView's LastModifiedBy is a text field, not a lookup.
        "SELECT Id, LastModifiedBy.Name FROM FlowDefinitionView",
        "SELECT Id, CreatedBy.Name FROM FlowDefinitionView",
        "SELECT Id, Assignee.Bogus FROM PermissionSetAssignment",
        "SELECT Id, Nope.Name FROM User",
    ] {
        let r = query(&s, "acme", &sid, bad);
        assert_eq!(r.json_body()[0]["errorCode"], "INVALID_FIELD", "{bad}");
    }
}

#[test]
fn c_sobject_get_fields_validated_and_esc_site_in_metadata() {
    // C-SOBJECT-GET-FIELDS, C-ESC-SITE-IN-METADATA
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    let id = tquery(
        &s,
        "acme",
        &sid,
        "SELECT Id FROM EmbeddedServiceConfig WHERE DeveloperName = 'Web_Chat'",
    )
    .json_body()["records"][0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = get(
        &s,
        "acme",
        &sid,
        &format!("{V}/tooling/sobjects/EmbeddedServiceConfig/{id}?fields=Id,Site"),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json_body()[0]["errorCode"], "INVALID_FIELD");
    assert!(r.json_body()[0]["message"]
        .as_str()
        .unwrap()
        .contains("'Site'"));
    let r = get(
        &s,
        "acme",
        &sid,
        &format!("{V}/tooling/sobjects/EmbeddedServiceConfig/{id}?fields=Id,FullName,Metadata"),
    );
    assert_eq!(r.status, 200, "{}", r.body_text());
    let b = r.json_body();
    assert_eq!(b["FullName"], "Web_Chat");
    assert_eq!(b["Metadata"]["site"], "ESW_Web_Chat_1712345678901", "{b}");
    assert!(b.get("Site").is_none());
    // Without ?fields= the record has only documented fields.
    let b = get(
        &s,
        "acme",
        &sid,
        &format!("{V}/tooling/sobjects/EmbeddedServiceConfig/{id}"),
    )
    .json_body();
    assert!(
        b.get("Site").is_none() && b.get("IsPublished").is_none(),
        "{b}"
    );
}

#[test]
fn c_org_lacks_field_is_invalid_field() {
    // C-ORG-LACKS-FIELD
    let s = sim_with(
        "healthy",
        json!({"org": {"lacksFields": {"MessagingChannel": ["RoutingType"], "EmbeddedServiceConfig": ["AuthMethod"]}}}),
    );
    let sid = login(&s, "acme");
    let r = query(
        &s,
        "acme",
        &sid,
        "SELECT Id, RoutingType FROM MessagingChannel",
    );
    assert_eq!(r.status, 400);
    let m = r.json_body()[0]["message"].as_str().unwrap().to_string();
    assert!(
        m.contains("No such column 'RoutingType' on entity 'MessagingChannel'"),
        "{m}"
    );
    assert_eq!(
        query(
            &s,
            "acme",
            &sid,
            "SELECT Id, MessageType FROM MessagingChannel"
        )
        .status,
        200
    );
    let r = tquery(
        &s,
        "acme",
        &sid,
        "SELECT Id, AuthMethod FROM EmbeddedServiceConfig",
    );
    assert_eq!(r.json_body()[0]["errorCode"], "INVALID_FIELD");
    // Describe no longer lists it.
    let d = get(
        &s,
        "acme",
        &sid,
        &format!("{V}/sobjects/MessagingChannel/describe"),
    )
    .json_body();
    assert!(!d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "RoutingType"));
    assert!(d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "MessageType"));
}

#[test]
fn c_org_lacks_object_invalid_type_and_not_found() {
    // C-ORG-LACKS-OBJECT
    let s = sim_with(
        "healthy",
        json!({"org": {"lacksObjects": ["CorsWhitelistEntry"]}}),
    );
    let sid = login(&s, "acme");
    let r = query(
        &s,
        "acme",
        &sid,
        "SELECT Id, UrlPattern FROM CorsWhitelistEntry",
    );
    assert_eq!(r.status, 400);
    let e = &r.json_body()[0];
    assert_eq!(e["errorCode"], "INVALID_TYPE");
    assert!(e["message"].as_str().unwrap().contains("sObject type 'CorsWhitelistEntry' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name."));
    let d = get(
        &s,
        "acme",
        &sid,
        &format!("{V}/sobjects/CorsWhitelistEntry/describe"),
    );
    assert_eq!(d.status, 404);
    assert_eq!(
        d.json_body(),
        json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
    );
    // The twin org has it.
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    assert_eq!(
        query(
            &s,
            "acme",
            &sid,
            "SELECT Id, UrlPattern FROM CorsWhitelistEntry"
        )
        .status,
        200
    );
    assert_eq!(
        get(
            &s,
            "acme",
            &sid,
            &format!("{V}/sobjects/CorsWhitelistEntry/describe")
        )
        .status,
        200
    );
}

#[test]
fn c_unknown_object_and_other_api() {
    // C-UNKNOWN-OBJECT: a query names an object that is not on this API.
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    assert_eq!(
        query(&s, "acme", &sid, "SELECT Id FROM ValidationRule").json_body()[0]["errorCode"],
        "INVALID_TYPE"
    );
    assert_eq!(
        tquery(&s, "acme", &sid, "SELECT Id FROM FlowDefinitionView").json_body()[0]["errorCode"],
        "INVALID_TYPE"
    );
    assert_eq!(
        get(&s, "acme", &sid, &format!("{V}/sobjects/Nope/describe")).status,
        404
    );
}

#[test]
fn c_api_access_control_refuses_the_browser_session() {
    // C-API-ACCESS-CONTROL
    let s = sim_with("healthy", json!({"org": {"apiAccessControl": true}}));
    let sid = login(&s, "acme");
    let want = json!([{"errorCode": "INVALID_SESSION_ID", "message": "This session is not valid for use with the REST API"}]);
    for path in [
        format!("{V}/query?q={}", enc("SELECT Id FROM Organization")),
        format!("{V}/tooling/query?q={}", enc("SELECT Id FROM ApexClass")),
        format!("{V}/limits"),
    ] {
        let r = get(&s, "acme", &sid, &path);
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(r.json_body(), want);
    }
    let r = composite(
        &s,
        &sid,
        false,
        vec![rest_query("SELECT Id FROM User", "u")],
    );
    assert_eq!(r.status, 401);
    // The version list needs no session.
    assert_eq!(
        s.handle(&Request::new("GET", &api("acme"), "/services/data/"))
            .status,
        200
    );
    // Twin: without API Access Control the same session works.
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    assert_eq!(get(&s, "acme", &sid, &format!("{V}/limits")).status, 200);
}

#[test]
fn the_static_audit_agrees_with_the_simulator() {
    // The audit the recording test applies to the product's requests flags exactly what the
    // simulator refuses, without an org.
    let body = json!({"compositeRequest": [
        {"method": "GET", "url": format!("{V}/limits"), "referenceId": "limits"},
        {"method": "GET", "url": format!("{V}/query?q={}", enc("SELECT Id, Name FROM Site")), "referenceId": "s~2"}
    ]});
    let v = contract::audit_request("POST", &format!("{V}/composite"), Some(&body));
    let rules: Vec<&str> = v.iter().map(|x| x.rule).collect();
    assert!(rules.contains(&rule::REFERENCE_ID), "{rules:?}");
    assert!(rules.contains(&rule::COMPOSITE_RESOURCES), "{rules:?}");
    assert!(!rules.contains(&rule::FIELDS_DOCUMENTED), "{rules:?}");
    let v = contract::audit_request(
        "GET",
        &format!(
            "{V}/tooling/query?q={}",
            enc("SELECT Id, Site FROM EmbeddedServiceConfig")
        ),
        None,
    );
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].rule, rule::FIELDS_DOCUMENTED);
    let v = contract::audit_request(
        "GET",
        &format!("{V}/tooling/sobjects/EmbeddedServiceConfig/0Hs000000000001AAA?fields=Id,FullName,Metadata"),
        None,
    );
    assert!(v.is_empty(), "{v:?}");
    assert!(
        !contract::audit_request("GET", &format!("{V}/limits"), None)
            .iter()
            .any(|_| true)
    );
}

#[test]
fn c_org_lacks_field_applies_to_writes_too() {
    // C-ORG-LACKS-FIELD on a create: an org whose DebugLevel has no Nba/Wave categories (an
    // open question for older releases, README) refuses a body that names them.
    let s = sim_with(
        "healthy",
        json!({"org": {"lacksFields": {"DebugLevel": ["Nba", "Wave"]}}}),
    );
    let sid = login(&s, "acme");
    let path = format!("{V}/tooling/sobjects/DebugLevel");
    let r = send(
        &s,
        "POST",
        "acme",
        &sid,
        &path,
        &json!({"DeveloperName": "MD_A", "MasterLabel": "A", "ApexCode": "FINEST", "Nba": "NONE"}),
    );
    assert_eq!(r.status, 400, "{}", r.body_text());
    assert_eq!(r.json_body()[0]["errorCode"], "INVALID_FIELD");
    assert!(r.json_body()[0]["message"]
        .as_str()
        .unwrap()
        .contains("'Nba'"));
    let r = send(
        &s,
        "POST",
        "acme",
        &sid,
        &path,
        &json!({"DeveloperName": "MD_A", "MasterLabel": "A", "ApexCode": "FINEST"}),
    );
    assert_eq!(r.status, 201, "{}", r.body_text());
}
