//! Trace flags and the debug logs a failed insert leaves (validation rule, trigger, flow).

use super::common::*;
use serde_json::{json, Value};

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
