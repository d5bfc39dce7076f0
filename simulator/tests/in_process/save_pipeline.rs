//! The save pipeline through the widget: every scenario meets its stated outcome, each cause of a
//! failed insert is named, and an API insert of MessagingSession runs the same pipeline.

use super::common::*;
use md_sim::scenario::Scenario;
use serde_json::json;

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
        msg.contains("Class.MessagingSessionRoutingHandler.assignRegion: line 9, column 1"),
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
