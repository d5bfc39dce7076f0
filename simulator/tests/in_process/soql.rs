//! The SOQL subset the doctor relies on (filters, relationships, counts, metadata rows, flow
//! versions) and pagination of large results.

use super::common::*;
use md_sim::http::Request;
use serde_json::{json, Value};

enum Want {
    Rows(usize),
    First(&'static str, Value),
    Err(&'static str),
}

#[test]
fn soql_subset_table() {
    let s = sim(&[("acme", "two-causes")]);
    let sid = login(&s, "acme");
    use Want::*;
    let cases: Vec<(bool, &str, Want)> = vec![
        (true, "SELECT Id, ValidationName FROM ValidationRule WHERE EntityDefinition.QualifiedApiName = 'MessagingSession'", Rows(4)),
        (true, "SELECT Id FROM ValidationRule WHERE EntityDefinition.QualifiedApiName = 'MessagingSession' AND Active = true", Rows(3)),
        (true, "SELECT ValidationName FROM ValidationRule WHERE Active = false", First("ValidationName", json!("Old_Block_Automated_Sessions"))),
        (true, "SELECT ValidationName FROM ValidationRule WHERE EntityDefinitionId = 'MessagingEndUser'", First("ValidationName", json!("Name_Length"))),
        (true, "SELECT ValidationName FROM ValidationRule WHERE NOT (Active = true) OR ValidationName LIKE 'Name%' ORDER BY ValidationName", First("ValidationName", json!("Name_Length"))),
        (true, "SELECT ValidationName FROM ValidationRule ORDER BY LastModifiedDate DESC LIMIT 1", First("ValidationName", json!("Require_Case_Reason"))),
        (true, "SELECT ValidationName FROM ValidationRule WHERE LastModifiedBy.Name = 'Ben Builder' ORDER BY ValidationName ASC", First("ValidationName", json!("Require_Case_On_Close"))),
        (true, "SELECT ValidationName FROM ValidationRule WHERE LastModifiedDate > 2025-09-01T00:00:00Z", Rows(1)),
        (true, "SELECT ValidationName FROM ValidationRule WHERE ValidationName IN ('Require_Case_Reason', 'Nope', 'Name_Length')", Rows(2)),
        (true, "SELECT ValidationName FROM ValidationRule WHERE ValidationName NOT IN ('Require_Case_Reason')", Rows(4)),
        (true, "SELECT Id FROM ValidationRule WHERE Description = null", Rows(2)),
        (true, "SELECT Id FROM ValidationRule WHERE Description != null", Rows(3)),
        (true, "SELECT Name, UsageBeforeInsert FROM ApexTrigger WHERE TableEnumOrId = 'MessagingSession' AND UsageBeforeInsert = true", First("Name", json!("MessagingSessionRouting"))),
        (true, "SELECT Body FROM ApexTrigger WHERE NamespacePrefix = 'lca'", First("Body", json!("(hidden)"))),
        (true, "SELECT Name FROM ApexTrigger WHERE LengthWithoutComments > 100 ORDER BY Name", First("Name", json!("MessagingSessionRouting"))),
        (true, "SELECT Name FROM ApexClass WHERE NamespacePrefix = null ORDER BY Name DESC", First("Name", json!("MessagingSessionTriggerHandler"))),
        (true, "SELECT DeveloperName, IsEnabled, DeploymentFeature FROM EmbeddedServiceConfig WHERE DeploymentFeature = 'EmbeddedMessaging'", First("DeveloperName", json!("Web_Chat"))),
        (true, "SELECT Id, Name FROM User WHERE UserType = 'AutomatedProcess'", First("Name", json!("Automated Process"))),
        (true, "SELECT Id FROM Flow WHERE Status = 'Active'", Rows(4)),
        (false, "SELECT ApiName FROM FlowDefinitionView WHERE TriggerObjectOrEvent.QualifiedApiName = 'MessagingSession' AND TriggerType = 'RecordBeforeSave' AND IsActive = true ORDER BY TriggerOrder", First("ApiName", json!("MessagingSession_Before_Save_Defaults"))),
        (false, "SELECT ApiName FROM FlowDefinitionView WHERE TriggerObjectOrEvent.QualifiedApiName = 'MessagingSession'", Rows(3)),
        (false, "SELECT ApiName, TriggerObjectOrEventLabel FROM FlowDefinitionView WHERE TriggerObjectOrEventId = 'Case'", First("TriggerObjectOrEventLabel", json!("Case"))),
        (false, "SELECT Id FROM MessagingSession WHERE Status IN ('Ended', 'Active')", Rows(3)),
        (false, "SELECT Name FROM MessagingSession WHERE CreatedBy.UserType = 'AutomatedProcess' ORDER BY CreatedDate DESC LIMIT 1", First("Name", json!("MS-0000043"))),
        (false, "SELECT Name FROM MessagingSession ORDER BY Status ASC, CreatedDate DESC", First("Name", json!("MS-0000043"))),
        (false, "SELECT Name FROM MessagingSession ORDER BY EndTime ASC NULLS LAST", First("Name", json!("MS-0000041"))),
        (false, "SELECT Name FROM MessagingSession ORDER BY EndTime ASC", First("Name", json!("MS-0000043"))),
        (false, "SELECT Name FROM MessagingSession ORDER BY Name LIMIT 1 OFFSET 1", First("Name", json!("MS-0000042"))),
        (false, "SELECT Name FROM MessagingSession WHERE CreatedDate = LAST_N_DAYS:3", Rows(0)),
        (false, "SELECT Id FROM MessagingEndUser WHERE Name LIKE 'guest%'", Rows(2)),
        (false, "SELECT Id FROM MessagingChannel WHERE IsActive = TRUE AND MessageType = 'EmbeddedMessaging'", Rows(1)),
        (false, "SELECT UrlPattern FROM CorsWhitelistEntry WHERE UrlPattern LIKE '%acme-shop.test'", Rows(2)),
        (false, "SELECT Name, Status FROM Site WHERE Name LIKE 'ESW_%'", First("Status", json!("Active"))),
        (false, "SELECT Id, Name FROM User WHERE Profile.Name = 'System Administrator'", Rows(2)),
        (false, "SELECT Id FROM User WHERE Username = 'ADMIN@ACME.SIM'", Rows(1)),
        (false, "SELECT Id FROM User WHERE IsActive = true AND (UserType = 'Standard' OR UserType = 'AutomatedProcess')", Rows(5)),
        (false, "SELECT COUNT() FROM User", Rows(0)),
        // errors
        (false, "SELECT Id FROM ValidationRule", Err("INVALID_TYPE")),
        (true, "SELECT Id FROM FlowDefinitionView", Err("INVALID_TYPE")),
        (true, "SELECT Id FROM MessagingSession", Err("INVALID_TYPE")),
        (false, "SELECT Nope__c FROM MessagingSession", Err("INVALID_FIELD")),
        (false, "SELECT Owner.Name, Bogus.Name FROM MessagingSession", Err("INVALID_FIELD")),
        (false, "SELECT Id FROM MessagingSession WHERE", Err("MALFORMED_QUERY")),
        (false, "SELECT Id FROM MessagingSession WHERE Status = ", Err("MALFORMED_QUERY")),
        (false, "SELECT Id, FROM MessagingSession", Err("MALFORMED_QUERY")),
        (false, "SELECT Id FROM MessagingSession LIMIT x", Err("MALFORMED_QUERY")),
        (false, "SELECT Id FROM MessagingSession WHERE (Status = 'Ended'", Err("MALFORMED_QUERY")),
        (false, "DELETE FROM MessagingSession", Err("MALFORMED_QUERY")),
        (true, "SELECT Id, Metadata FROM ValidationRule", Err("MALFORMED_QUERY")),
        (true, "SELECT FullName FROM ValidationRule WHERE Active = true", Err("MALFORMED_QUERY")),
        (true, "SELECT Id, Metadata FROM Flow WHERE Status = 'Active'", Err("MALFORMED_QUERY")),
    ];
    for (tooling, q, want) in cases {
        let r = if tooling {
            tquery(&s, "acme", &sid, q)
        } else {
            query(&s, "acme", &sid, q)
        };
        let b = r.json_body();
        match want {
            Rows(n) => {
                assert_eq!(r.status, 200, "{q}: {b}");
                assert_eq!(b["records"].as_array().unwrap().len(), n, "{q}: {b}");
                if !q.contains("COUNT()") {
                    assert_eq!(b["totalSize"], json!(n), "{q}");
                }
                assert_eq!(b["done"], json!(true));
            }
            First(field, v) => {
                assert_eq!(r.status, 200, "{q}: {b}");
                assert_eq!(b["records"][0][field], v, "{q}: {b}");
                assert!(
                    b["records"][0]["attributes"]["url"]
                        .as_str()
                        .unwrap()
                        .starts_with("/services/data/v65.0/"),
                    "{q}"
                );
            }
            Err(code) => {
                assert_eq!(r.status, 400, "{q}: {b}");
                assert!(b.is_array(), "{q}: errors are arrays");
                assert_eq!(b[0]["errorCode"], code, "{q}: {b}");
                assert!(b[0]["message"].as_str().unwrap().len() > 10);
            }
        }
    }
    let cnt = query(
        &s,
        "acme",
        &sid,
        "SELECT COUNT() FROM User WHERE UserType = 'Standard'",
    )
    .json_body();
    assert_eq!(cnt["totalSize"], 4);
}

#[test]
fn metadata_rule_message_and_single_row_metadata() {
    let s = sim(&[("acme", "validation-rule")]);
    let sid = login(&s, "acme");
    let r = tquery(&s, "acme", &sid, "SELECT Id, Metadata FROM ValidationRule WHERE EntityDefinition.QualifiedApiName = 'MessagingSession'");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json_body(),
        json!([{"errorCode": "MALFORMED_QUERY", "message": "When retrieving results with Metadata or FullName fields, the query qualifications must specify no more than one row for retrieval. Result size: 4"}])
    );
    let one = tquery(&s, "acme", &sid, "SELECT Id, FullName, Metadata FROM ValidationRule WHERE ValidationName = 'Require_Case_Reason'").json_body();
    assert_eq!(one["size"], 1);
    assert_eq!(one["entityTypeName"], "ValidationRule");
    assert_eq!(
        one["records"][0]["FullName"],
        "MessagingSession.Require_Case_Reason"
    );
    assert!(one["records"][0]["Metadata"]["errorConditionFormula"]
        .as_str()
        .unwrap()
        .contains("ISPICKVAL(Case_Reason__c, '')"));
    assert_eq!(
        one["records"][0]["Metadata"]["errorMessage"],
        "Please select a case reason."
    );
    // LIMIT 1 makes it a single row; per id over the sobject resource.
    assert_eq!(
        tquery(
            &s,
            "acme",
            &sid,
            "SELECT Metadata FROM ValidationRule LIMIT 1"
        )
        .status,
        200
    );
    let id = one["records"][0]["Id"].as_str().unwrap();
    let g = get(
        &s,
        "acme",
        &sid,
        &format!(
            "/services/data/v65.0/tooling/sobjects/ValidationRule/{id}?fields=Id,FullName,Metadata"
        ),
    )
    .json_body();
    assert_eq!(g["FullName"], "MessagingSession.Require_Case_Reason");
    assert_eq!(g["Metadata"]["errorDisplayField"], "Case_Reason__c");
    assert_eq!(
        g.as_object().unwrap().len(),
        4,
        "attributes + 3 fields: {g}"
    );
    let g15 = get(
        &s,
        "acme",
        &sid,
        &format!(
            "/services/data/v65.0/tooling/sobjects/ValidationRule/{}?fields=Id",
            &id[..15]
        ),
    );
    assert_eq!(g15.status, 200, "15-char ids resolve");
    let bad = get(
        &s,
        "acme",
        &sid,
        &format!("/services/data/v65.0/tooling/sobjects/ValidationRule/{id}?fields=Nope"),
    );
    assert_eq!(bad.json_body()[0]["errorCode"], "INVALID_FIELD");
    let missing = get(
        &s,
        "acme",
        &sid,
        "/services/data/v65.0/tooling/sobjects/ValidationRule/03d000000000000AAA",
    );
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json_body()[0]["errorCode"], "NOT_FOUND");
}

#[test]
fn flow_metadata_is_served_per_version() {
    let s = sim(&[("acme", "flow-custom-error")]);
    let sid = login(&s, "acme");
    let v = query(&s, "acme", &sid, "SELECT ActiveVersionId, ApiName FROM FlowDefinitionView WHERE ApiName = 'MessagingSession_Require_Contact'").json_body();
    let vid = v["records"][0]["ActiveVersionId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(vid.starts_with("301"));
    let f = tquery(
        &s,
        "acme",
        &sid,
        &format!("SELECT Id, Metadata FROM Flow WHERE Id = '{vid}'"),
    )
    .json_body();
    let m = &f["records"][0]["Metadata"];
    assert_eq!(m["start"]["triggerType"], "RecordBeforeSave");
    assert_eq!(m["start"]["object"], "MessagingSession");
    assert_eq!(m["start"]["recordTriggerType"], "CreateAndUpdate");
    assert_eq!(
        m["customErrors"][0]["customErrorMessages"][0]["errorMessage"],
        "Messaging sessions must be linked to a contact."
    );
    assert_eq!(
        m["decisions"][0]["rules"][0]["connector"]["targetReference"],
        "Block_Without_Contact"
    );
}

#[test]
fn relationship_null_and_nested_attributes() {
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    let r = query(&s, "acme", &sid, "SELECT Name, CaseId, Owner.Name, CreatedBy.Profile.Name FROM MessagingSession ORDER BY Name LIMIT 1").json_body();
    let rec = &r["records"][0];
    assert_eq!(rec["CaseId"], Value::Null);
    assert_eq!(
        rec["Owner"],
        Value::Null,
        "owner not set on seeded rows: {rec}"
    );
    assert_eq!(rec["CreatedBy"]["attributes"]["type"], "User");
    assert_eq!(
        rec["CreatedBy"]["Profile"],
        Value::Null,
        "the automated user has no profile: {rec}"
    );
    let u = query(
        &s,
        "acme",
        &sid,
        "SELECT Name, Profile.Name FROM User WHERE Alias = 'aadmin'",
    )
    .json_body();
    assert_eq!(u["records"][0]["Profile"]["Name"], "System Administrator");
}

// ---------- pagination ----------

#[test]
fn small_page_size_forces_next_records_url() {
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    s.handle(
        &Request::new("POST", "localhost", "/__sim/faults")
            .with_json(&json!({"org": "acme", "pageSize": 2})),
    );
    let first = query(
        &s,
        "acme",
        &sid,
        "SELECT Id, Username FROM User ORDER BY Username",
    )
    .json_body();
    assert_eq!(first["totalSize"], 5);
    assert_eq!(first["done"], false);
    assert_eq!(first["records"].as_array().unwrap().len(), 2);
    let mut seen: Vec<String> = first["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Username"].as_str().unwrap().to_string())
        .collect();
    let mut next = first["nextRecordsUrl"].as_str().unwrap().to_string();
    assert!(
        next.starts_with("/services/data/v65.0/query/01g") && next.ends_with("-2"),
        "{next}"
    );
    let mut pages = 1;
    loop {
        let page = get(&s, "acme", &sid, &next).json_body();
        pages += 1;
        seen.extend(
            page["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["Username"].as_str().unwrap().to_string()),
        );
        match page["nextRecordsUrl"].as_str() {
            Some(n) => next = n.to_string(),
            None => {
                assert_eq!(page["done"], true);
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "ordered, no duplicates");
    assert_eq!(seen.len(), 5);
    let t = tquery(&s, "acme", &sid, "SELECT Id FROM ValidationRule").json_body();
    assert!(t["nextRecordsUrl"]
        .as_str()
        .unwrap()
        .starts_with("/services/data/v65.0/tooling/query/01g"));
    assert_eq!(t["size"], 4);
    assert_eq!(
        get(&s, "acme", &sid, "/services/data/v65.0/query/01gBOGUS-2").json_body()[0]["errorCode"],
        "INVALID_QUERY_LOCATOR"
    );
}
