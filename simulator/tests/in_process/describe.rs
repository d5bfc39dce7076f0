//! Describe (required custom fields), an org without Messaging, limits and API versions.

use super::common::*;
use md_sim::http::Request;
use serde_json::json;

#[test]
fn describe_reports_required_custom_fields() {
    let s = sim(&[("acme", "required-field")]);
    let sid = login(&s, "acme");
    let d = get(
        &s,
        "acme",
        &sid,
        "/services/data/v65.0/sobjects/MessagingSession/describe",
    )
    .json_body();
    assert_eq!(d["name"], "MessagingSession");
    assert_eq!(d["keyPrefix"], "0Mw");
    let field = |n: &str| {
        d["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == n)
            .cloned()
            .unwrap()
    };
    let cr = field("Contact_Reason__c");
    assert_eq!(
        (
            cr["nillable"].clone(),
            cr["createable"].clone(),
            cr["defaultedOnCreate"].clone(),
            cr["custom"].clone()
        ),
        (json!(false), json!(true), json!(false), json!(true))
    );
    assert_eq!(cr["type"], "picklist");
    let ss = field("Source_System__c");
    assert_eq!(ss["nillable"], false);
    assert_eq!(ss["defaultValueFormula"], "'Web'");
    assert!(
        ss.get("valueOnInsert").is_none(),
        "simulator-only ground truth must not leak into describe"
    );
    let cb = field("Survey_Sent__c");
    assert_eq!(
        (
            cb["nillable"].clone(),
            cb["defaultedOnCreate"].clone(),
            cb["type"].clone()
        ),
        (json!(false), json!(true), json!("boolean"))
    );
    assert_eq!(field("MessagingChannelId")["nillable"], false);
    assert_eq!(field("ChannelType")["createable"], false);
    assert_eq!(field("Name")["calculated"], false);
    assert_eq!(field("Name")["autoNumber"], true);
    let eu = get(
        &s,
        "acme",
        &sid,
        "/services/data/v65.0/sobjects/MessagingEndUser/describe",
    )
    .json_body();
    assert!(eu["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "Preferred_Language__c"));
}

#[test]
fn messaging_disabled_gives_invalid_type_and_not_found() {
    let s = sim(&[("nomsg", "messaging-disabled")]);
    let sid = login(&s, "nomsg");
    let d = get(
        &s,
        "nomsg",
        &sid,
        "/services/data/v65.0/sobjects/MessagingSession/describe",
    );
    // Describe of an object the org does not have is an unknown resource (C-ORG-LACKS-OBJECT).
    assert_eq!(d.status, 404);
    assert_eq!(
        d.json_body(),
        json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
    );
    let q = query(&s, "nomsg", &sid, "SELECT Id FROM MessagingSession");
    assert_eq!(q.json_body()[0]["errorCode"], "INVALID_TYPE");
    assert!(q.json_body()[0]["message"]
        .as_str()
        .unwrap()
        .contains("sObject type 'MessagingSession' is not supported"));
}

#[test]
fn limits_and_versions() {
    let s = sim(&[("acme", "storage-full")]);
    let sid = login(&s, "acme");
    let l = get(&s, "acme", &sid, "/services/data/v66.0/limits").json_body();
    assert_eq!(l["DataStorageMB"], json!({"Max": 1024, "Remaining": -37}));
    assert_eq!(l["FileStorageMB"]["Max"], 20480);
    let before = l["DailyApiRequests"]["Remaining"].as_i64().unwrap();
    let l2 = get(&s, "acme", &sid, "/services/data/v66.0/limits").json_body();
    assert_eq!(
        l2["DailyApiRequests"]["Remaining"].as_i64().unwrap(),
        before - 1,
        "each call uses the daily allowance"
    );
    let v = s
        .handle(&Request::new(
            "GET",
            "acme.my.salesforce.com",
            "/services/data/",
        ))
        .json_body();
    let versions: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["version"].as_str().unwrap())
        .collect();
    for want in ["65.0", "66.0", "67.0", "68.0"] {
        assert!(versions.contains(&want));
    }
    assert_eq!(
        v.as_array()
            .unwrap()
            .iter()
            .find(|x| x["version"] == "65.0")
            .unwrap()["label"],
        "Winter '26"
    );
    assert_eq!(
        get(&s, "acme", &sid, "/services/data/v12.0/limits").status,
        404
    );
}
