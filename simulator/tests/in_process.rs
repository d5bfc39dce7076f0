//! In-process tests of the simulator's router (no sockets): save pipeline per scenario, SOQL,
//! composite, error shapes, pagination, debug logs, call counting, login, widget, statics, faults.

mod common;

use common::*;
use md_sim::http::Request;
use md_sim::scenario::Scenario;
use serde_json::{json, Value};

// ---------- save pipeline through the widget, every scenario ----------

#[test]
fn every_scenario_meets_its_stated_outcome() {
    let names = scenario_names();
    assert!(names.len() >= 10, "scenarios: {names:?}");
    for name in names {
        let sc = Scenario::load(&scenarios_dir(), &name).unwrap();
        let stem = "org1";
        let s = sim(&[(stem, &name)]);
        let sid = login(&s, stem);
        let ex = &sc.expect;
        let deployment = ex.deployment.clone().unwrap_or_else(|| "Web_Chat".into());
        let before = if sc.org.messaging_enabled {
            query(&s, stem, &sid, "SELECT COUNT() FROM MessagingSession").json_body()["totalSize"]
                .as_u64()
                .unwrap()
        } else {
            0
        };
        let c = chat(&s, stem, &deployment);
        let config_ok = c.config_status == 200;
        assert_eq!(
            Some(config_ok),
            ex.config_available,
            "{name}: config status {}",
            c.config_status
        );
        if !config_ok {
            assert_eq!(c.config_status, 404, "{name}");
            assert!(
                outcomes(&s, stem).is_empty(),
                "{name}: no insert may be attempted"
            );
            continue;
        }
        assert_eq!(c.token_status, 200, "{name}");
        assert_eq!(
            c.conversation_status, 201,
            "{name}: the conversation call succeeds even when the insert fails"
        );
        let ok = ex.insert_ok.expect("insertOk stated");
        assert_eq!(
            c.message_status,
            if ok { 202 } else { 400 },
            "{name}: message status"
        );
        let entry_status = c.entries["conversationEntries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["entryType"] == "Message")
            .unwrap()["deliveryStatus"]
            .clone();
        assert_eq!(
            entry_status,
            json!(if ok { "Sent" } else { "Failed" }),
            "{name}"
        );
        let outs = outcomes(&s, stem);
        let last = outs.last().expect("an outcome");
        assert_eq!(last["ok"], json!(ok), "{name}: {last}");
        assert_eq!(last["conversationId"], json!(c.conversation_id), "{name}");
        if let Some(code) = &ex.status_code {
            assert_eq!(
                last["errors"][0]["statusCode"],
                json!(code),
                "{name}: {last}"
            );
        }
        if let Some(m) = &ex.message_contains {
            assert!(
                last["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains(m.as_str()),
                "{name}: {last}"
            );
        }
        if let Some(first_cause) = ex.causes.first() {
            let cause = last["cause"].as_str().unwrap_or("");
            if !ok {
                assert!(
                    cause.contains(first_cause.as_str()) || last["stage"] == "channel",
                    "{name}: cause {cause}"
                );
            }
        }
        // The outcome is queryable: a row created by the Automated Process user, or none.
        let after = query(&s, stem, &sid, "SELECT COUNT() FROM MessagingSession").json_body()
            ["totalSize"]
            .as_u64()
            .unwrap();
        assert_eq!(after, before + u64::from(ok), "{name}");
        let rows = query(&s, stem, &sid, &format!("SELECT Id, Status, Origin, CreatedBy.UserType FROM MessagingSession WHERE SessionKey = '{}'", c.conversation_id)).json_body();
        assert_eq!(rows["totalSize"], json!(u64::from(ok)), "{name}");
        if ok {
            assert_eq!(
                rows["records"][0]["CreatedBy"]["UserType"],
                "AutomatedProcess"
            );
            assert_eq!(rows["records"][0]["Status"], "Waiting");
            assert_eq!(rows["records"][0]["Origin"], "InboundInitiated");
        }
    }
}

#[test]
fn required_field_blocks_only_the_field_without_default() {
    let s = sim(&[("acme", "required-field")]);
    chat(&s, "acme", "Web_Chat");
    let o = outcomes(&s, "acme");
    let last = o.last().unwrap();
    assert_eq!(last["stage"], "requiredFields");
    assert_eq!(last["errors"][0]["fields"], json!(["Contact_Reason__c"]));
    assert_eq!(
        last["errors"][0]["message"],
        "Required fields are missing: [Contact_Reason__c]"
    );
}

#[test]
fn validation_rule_failure_names_the_rule_and_field() {
    let s = sim(&[("acme", "validation-rule")]);
    chat(&s, "acme", "Web_Chat");
    let last = outcomes(&s, "acme").pop().unwrap();
    assert_eq!(last["stage"], "validationRules");
    assert_eq!(last["cause"], "Require_Case_Reason");
    assert_eq!(
        last["errors"].as_array().unwrap().len(),
        1,
        "the harmless rules do not fire: {last}"
    );
    assert_eq!(last["errors"][0]["fields"], json!(["Case_Reason__c"]));
}

#[test]
fn two_causes_fail_on_the_trigger_first() {
    let s = sim(&[("acme", "two-causes")]);
    chat(&s, "acme", "Web_Chat");
    let last = outcomes(&s, "acme").pop().unwrap();
    assert_eq!(last["stage"], "trigger");
    assert_eq!(last["cause"], "MessagingSessionRouting");
    let msg = last["errors"][0]["message"].as_str().unwrap();
    assert!(msg.starts_with("MessagingSessionRouting: execution of BeforeInsert\n\ncaused by: System.NullPointerException: Attempt to de-reference a null object"), "{msg}");
    assert!(
        msg.contains("Class.MessagingSessionRoutingHandler.assignRegion: line 8, column 1"),
        "{msg}"
    );
}

#[test]
fn healthy_before_save_flow_sets_fields_and_defaults_apply() {
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    let c = chat(&s, "acme", "Web_Chat");
    let r = query(&s, "acme", &sid, &format!("SELECT Customer_Tier__c, Region__c, ChannelType, MessagingChannel.DeveloperName, MessagingEndUser.MessageType FROM MessagingSession WHERE SessionKey = '{}'", c.conversation_id)).json_body();
    let rec = &r["records"][0];
    assert_eq!(
        rec["Customer_Tier__c"], "Bronze",
        "set by the before-save flow: {r}"
    );
    assert_eq!(rec["Region__c"], "EMEA", "default value: {r}");
    assert_eq!(rec["ChannelType"], "EmbeddedMessaging");
    assert_eq!(rec["MessagingChannel"]["DeveloperName"], "Web_Chat_Channel");
    assert_eq!(rec["MessagingEndUser"]["MessageType"], "EmbeddedMessaging");
}

#[test]
fn api_insert_of_messaging_session_runs_the_same_pipeline() {
    let s = sim(&[("acme", "validation-rule")]);
    let sid = login(&s, "acme");
    let ch = query(&s, "acme", &sid, "SELECT Id FROM MessagingChannel").json_body()["records"][0]
        ["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let eu = query(&s, "acme", &sid, "SELECT Id FROM MessagingEndUser LIMIT 1").json_body()
        ["records"][0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        &s,
        "POST",
        "acme",
        &sid,
        "/services/data/v65.0/sobjects/MessagingSession",
        &json!({"MessagingChannelId": ch, "MessagingEndUserId": eu, "Status": "Waiting"}),
    );
    assert_eq!(r.status, 400, "{}", r.body_text());
    assert_eq!(
        r.json_body()[0]["errorCode"],
        "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    );
    assert_eq!(r.json_body()[0]["fields"], json!(["Case_Reason__c"]));
    let s2 = sim(&[("acme", "healthy")]);
    let sid2 = login(&s2, "acme");
    let ch = query(&s2, "acme", &sid2, "SELECT Id FROM MessagingChannel").json_body()["records"][0]
        ["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let eu = query(
        &s2,
        "acme",
        &sid2,
        "SELECT Id FROM MessagingEndUser LIMIT 1",
    )
    .json_body()["records"][0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        &s2,
        "POST",
        "acme",
        &sid2,
        "/services/data/v65.0/sobjects/MessagingSession",
        &json!({"MessagingChannelId": ch, "MessagingEndUserId": eu}),
    );
    assert_eq!(r.status, 201, "{}", r.body_text());
    let id = r.json_body()["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("0Mw") && id.len() == 18);
    let got = get(
        &s2,
        "acme",
        &sid2,
        &format!(
            "/services/data/v65.0/sobjects/MessagingSession/{id}?fields=Id,Status,CreatedById"
        ),
    );
    assert_eq!(got.json_body()["Status"], "New", "picklist default");
}

// ---------- SOQL subset ----------

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

// ---------- describe, limits ----------

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

// ---------- composite ----------

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

// ---------- auth and error shapes ----------

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

// ---------- trace flags and debug logs ----------

fn trace_autoproc(s: &md_sim::Sim, stem: &str, sid: &str) -> String {
    let dl = send(
        s,
        "POST",
        stem,
        sid,
        "/services/data/v65.0/tooling/sobjects/DebugLevel",
        &json!({"DeveloperName": "MD_Capture", "MasterLabel": "MD Capture", "ApexCode": "FINEST", "Validation": "INFO", "Workflow": "FINER", "Database": "INFO", "System": "DEBUG"}),
    );
    assert_eq!(dl.status, 201, "{}", dl.body_text());
    let dl_id = dl.json_body()["id"].as_str().unwrap().to_string();
    let now = md_sim::time::now_ms();
    let tf = send(
        s,
        "POST",
        stem,
        sid,
        "/services/data/v65.0/tooling/sobjects/TraceFlag",
        &json!({"TracedEntityId": autoproc(s, stem), "DebugLevelId": dl_id, "LogType": "USER_DEBUG", "StartDate": md_sim::time::format_sf(now - 1000), "ExpirationDate": md_sim::time::format_sf(now + 1_800_000)}),
    );
    assert_eq!(tf.status, 201, "{}", tf.body_text());
    tf.json_body()["id"].as_str().unwrap().to_string()
}

#[test]
fn trace_flag_rules() {
    let s = sim(&[("acme", "healthy")]);
    let sid = login(&s, "acme");
    let tf = trace_autoproc(&s, "acme", &sid);
    let now = md_sim::time::now_ms();
    let dl = tquery(
        &s,
        "acme",
        &sid,
        "SELECT Id FROM DebugLevel WHERE DeveloperName = 'MD_Capture'",
    )
    .json_body()["records"][0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let second = send(
        &s,
        "POST",
        "acme",
        &sid,
        "/services/data/v65.0/tooling/sobjects/TraceFlag",
        &json!({"TracedEntityId": &autoproc(&s, "acme")[..15], "DebugLevelId": dl, "LogType": "USER_DEBUG", "StartDate": md_sim::time::format_sf(now), "ExpirationDate": md_sim::time::format_sf(now + 600_000)}),
    );
    assert_eq!(second.status, 400);
    assert_eq!(
        second.json_body()[0]["errorCode"],
        "FIELD_INTEGRITY_EXCEPTION"
    );
    assert_eq!(
        second.json_body()[0]["message"],
        "This entity is already being traced."
    );
    let too_long = send(
        &s,
        "PATCH",
        "acme",
        &sid,
        &format!("/services/data/v65.0/tooling/sobjects/TraceFlag/{tf}"),
        &json!({"ExpirationDate": md_sim::time::format_sf(now + 25 * 3_600_000)}),
    );
    assert_eq!(too_long.status, 400);
    let ok = send(
        &s,
        "PATCH",
        "acme",
        &sid,
        &format!("/services/data/v65.0/tooling/sobjects/TraceFlag/{tf}"),
        &json!({"ExpirationDate": md_sim::time::format_sf(now + 3_600_000)}),
    );
    assert_eq!(ok.status, 204, "{}", ok.body_text());
    let in_use = send(
        &s,
        "DELETE",
        "acme",
        &sid,
        &format!("/services/data/v65.0/tooling/sobjects/DebugLevel/{dl}"),
        &Value::Null,
    );
    assert_eq!(in_use.status, 400);
    assert_eq!(
        send(
            &s,
            "DELETE",
            "acme",
            &sid,
            &format!("/services/data/v65.0/tooling/sobjects/TraceFlag/{tf}"),
            &Value::Null
        )
        .status,
        204
    );
    assert_eq!(
        send(
            &s,
            "DELETE",
            "acme",
            &sid,
            &format!("/services/data/v65.0/tooling/sobjects/DebugLevel/{dl}"),
            &Value::Null
        )
        .status,
        204
    );
    assert_eq!(
        tquery(&s, "acme", &sid, "SELECT Id FROM TraceFlag").json_body()["size"],
        0
    );
    let missing = send(
        &s,
        "POST",
        "acme",
        &sid,
        "/services/data/v65.0/tooling/sobjects/TraceFlag",
        &json!({"LogType": "USER_DEBUG"}),
    );
    assert_eq!(
        missing.json_body()[0]["errorCode"],
        "REQUIRED_FIELD_MISSING"
    );
    assert_eq!(
        missing.json_body()[0]["fields"],
        json!(["TracedEntityId", "DebugLevelId", "ExpirationDate"])
    );
}

fn log_of_failed_chat(scenario: &str) -> (Value, String) {
    let s = sim(&[("acme", scenario)]);
    let sid = login(&s, "acme");
    assert_eq!(
        tquery(&s, "acme", &sid, "SELECT Id FROM ApexLog").json_body()["size"],
        0
    );
    trace_autoproc(&s, "acme", &sid);
    chat(&s, "acme", "Web_Chat");
    let logs = query(&s, "acme", &sid, "SELECT Id, LogUserId, Operation, Status, LogLength, StartTime FROM ApexLog WHERE StartTime > 2020-01-01T00:00:00Z AND Operation LIKE 'MessagingSession%' ORDER BY StartTime DESC").json_body();
    let last = logs["records"][0].clone();
    let body = get(
        &s,
        "acme",
        &sid,
        &format!(
            "/services/data/v65.0/sobjects/ApexLog/{}/Body",
            last["Id"].as_str().unwrap()
        ),
    );
    assert_eq!(body.status, 200);
    assert!(body
        .header("Content-Type")
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(last["LogUserId"], json!(autoproc(&s, "acme")));
    assert_eq!(last["LogLength"], json!(body.body.len()));
    (last, body.body_text())
}

#[test]
fn debug_log_of_a_validation_rule_failure() {
    let (row, body) = log_of_failed_chat("validation-rule");
    assert!(row["Status"]
        .as_str()
        .unwrap()
        .starts_with("FIELD_CUSTOM_VALIDATION_EXCEPTION"));
    let lines: Vec<&str> = body.lines().collect();
    assert!(
        lines[0].starts_with("65.0 APEX_CODE,FINEST;"),
        "{}",
        lines[0]
    );
    let re_ok = |l: &str| {
        let b = l.as_bytes();
        b.len() > 15
            && b[2] == b':'
            && b[5] == b':'
            && b[8] == b'.'
            && l[12..].starts_with(" (")
            && l.contains(")|")
    };
    assert!(
        lines[1..]
            .iter()
            .all(|l| re_ok(l) || !l.contains('|') || l.starts_with("Trigger.") || l.is_empty()),
        "{body}"
    );
    assert!(
        body.contains("|DML_BEGIN|[EXTERNAL]|Op:Insert|Type:MessagingSession|Rows:1"),
        "{body}"
    );
    assert!(body.contains("|VALIDATION_RULE|03d"), "{body}");
    assert!(body.contains("|Require_Case_Reason\n"), "{body}");
    assert!(
        body.contains("|VALIDATION_FORMULA|AND(   ISPICKVAL(Case_Reason__c, '')"),
        "{body}"
    );
    assert!(body.contains("|VALIDATION_FAIL"), "{body}");
    assert!(body.contains("|VALIDATION_PASS"), "{body}");
    assert!(body.contains("first error: FIELD_CUSTOM_VALIDATION_EXCEPTION, Please select a case reason.: [Case_Reason__c]"), "{body}");
    // The before-save flow ran first.
    let flow = body.find("FLOW_START_INTERVIEW_BEGIN").unwrap();
    assert!(flow < body.find("VALIDATION_RULE").unwrap());
}

#[test]
fn debug_log_of_trigger_and_flow_failures() {
    let (_, body) = log_of_failed_chat("two-causes");
    assert!(body.contains("|CODE_UNIT_STARTED|[EXTERNAL]|01q"), "{body}");
    assert!(body.contains("|MessagingSessionRouting on MessagingSession trigger event BeforeInsert|__sfdc_trigger/MessagingSessionRouting"), "{body}");
    assert!(body.contains("|EXCEPTION_THROWN|[2]|System.NullPointerException: Attempt to de-reference a null object"), "{body}");
    assert!(
        body.contains("|FATAL_ERROR|System.NullPointerException"),
        "{body}"
    );
    assert!(
        body.contains("CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"),
        "{body}"
    );
    assert!(
        !body.contains("VALIDATION_RULE"),
        "validation rules never ran: {body}"
    );
    let (_, body) = log_of_failed_chat("flow-custom-error");
    assert!(body.contains("|FLOW_ELEMENT_ERROR|Messaging sessions must be linked to a contact.|FlowCustomError|Block_Without_Contact"), "{body}");
    assert!(
        !body.contains("Legacy Block"),
        "inactive flow does not run: {body}"
    );
}

#[test]
fn no_trace_flag_no_log() {
    let s = sim(&[("acme", "validation-rule")]);
    let sid = login(&s, "acme");
    chat(&s, "acme", "Web_Chat");
    assert_eq!(
        query(&s, "acme", &sid, "SELECT Id FROM ApexLog").json_body()["totalSize"],
        0
    );
}

// ---------- login flow ----------

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

// ---------- widget endpoints ----------

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
