//! The org checks' meanings, on hand-written answers shaped as Salesforce documents them:
//! which flows run, which user the platform inserts as, what a 401 or a short /limits answer
//! means, and page text that is not an org id.

use serde_json::{json, Value};

use super::api::{ApiExchange, ApiRequest};
use super::{analyze, CheckStatus, OrgContext, OrgReport};
use crate::finding::Severity;
use crate::page::{analyze as analyze_page, PageEvidence, PageReport, ScriptEvidence};

fn ctx() -> OrgContext {
    OrgContext {
        api_host: "acme.my.salesforce.com".into(),
        org_id: Some("00D8c000001Hlt1".into()),
    }
}

/// One composite call of `round` carrying `subs` (reference, status, body).
fn call<S: AsRef<str>>(id: &str, tooling: bool, subs: &[(S, u16, Value)]) -> ApiExchange {
    let path = if tooling {
        "/services/data/v65.0/tooling/composite"
    } else {
        "/services/data/v65.0/composite"
    };
    let request = json!({"allOrNone": false, "compositeRequest": subs.iter().map(|(r, _, _)| json!({
        "method": "GET", "url": "/services/data/v65.0/query?q=x", "referenceId": r.as_ref()})).collect::<Vec<_>>()});
    let answer = json!({"compositeResponse": subs.iter().map(|(r, s, b)| json!({
        "referenceId": r.as_ref(), "httpStatusCode": s, "body": b})).collect::<Vec<_>>()});
    ApiExchange {
        request: ApiRequest {
            id: id.into(),
            method: "POST".into(),
            path: path.into(),
            body: Some(request.to_string()),
            label: String::new(),
            accept: None,
        },
        status: 200,
        body: answer.to_string(),
        error: None,
        ms: Some(1),
    }
}

fn limits(status: u16, body: Value) -> ApiExchange {
    ApiExchange {
        request: ApiRequest {
            id: "limits-1".into(),
            method: "GET".into(),
            path: "/services/data/v65.0/limits".into(),
            body: None,
            label: String::new(),
            accept: None,
        },
        status,
        body: body.to_string(),
        error: None,
        ms: Some(1),
    }
}

fn records(rows: Value) -> Value {
    json!({"done": true, "totalSize": rows.as_array().map(|a| a.len()).unwrap_or(0), "records": rows})
}

fn empty() -> Value {
    records(json!([]))
}

fn describe() -> Value {
    json!({"name": "MessagingSession", "fields": []})
}

fn storage_ok() -> Value {
    json!({"DataStorageMB": {"Max": 5120, "Remaining": 4000}, "FileStorageMB": {"Max": 20480, "Remaining": 19000}})
}

/// A quiet org, with `over` replacing the answers of round 1 and `round2` the second round.
fn org(
    over: &[(&str, u16, Value)],
    round2: &[(&str, u16, Value)],
    lim: ApiExchange,
) -> Vec<ApiExchange> {
    let pick = |r: &str, default: Value| -> (String, u16, Value) {
        over.iter()
            .find(|(x, _, _)| *x == r)
            .map(|(x, s, b)| (x.to_string(), *s, b.clone()))
            .unwrap_or((r.to_string(), 200, default))
    };
    let rest: Vec<(String, u16, Value)> = vec![
        pick(
            "org",
            records(json!([{"Id": "00D8c000001Hlt1AAA", "Name": "Acme"}])),
        ),
        pick("describeSession", describe()),
        pick("describeEndUser", describe()),
        pick("flows", empty()),
        pick("recentSessions", empty()),
        pick(
            "automatedUser",
            records(
                json!([{"Id": "005000000000001AAA", "Name": "Automated Process", "Alias": "autoproc"}]),
            ),
        ),
        pick("automatedPermissionSets", empty()),
        pick("customPermissions", empty()),
        pick("channels", empty()),
        pick("sites", empty()),
        pick("cors", empty()),
    ];
    let tooling: Vec<(String, u16, Value)> = vec![
        pick("rules", empty()),
        pick("triggers", empty()),
        pick("deployments", empty()),
    ];
    let mut ex = vec![
        call("rest-1a", false, &rest),
        call("tooling-1", true, &tooling),
        lim,
    ];
    if !round2.is_empty() {
        ex.push(call("tooling-2", true, round2));
    }
    ex
}

fn run(ex: &[ApiExchange], page: Option<&PageReport>) -> OrgReport {
    analyze(&ctx(), page, ex)
}

fn codes(r: &OrgReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

fn blocking_flow_meta(object: &str, trigger: &str) -> Value {
    json!({"Id": "x", "Metadata": {
        "processType": "AutoLaunchedFlow", "status": "Active",
        "start": {"object": object, "triggerType": trigger, "recordTriggerType": "Create",
                  "connector": {"targetReference": "Stop"}},
        "customErrors": [{"name": "Stop", "label": "Stop",
            "customErrorMessages": [{"errorMessage": "No chats today.", "isFieldError": false}]}]}})
}

#[test]
fn a_flow_with_an_active_version_and_a_newer_draft_is_judged() {
    // IsActive is false: the latest version is a draft; the active version still runs.
    let flows = records(
        json!([{"Id": "300000000000001AAA", "ApiName": "Session_Guard", "Label": "Session Guard",
        "IsActive": false, "TriggerType": "RecordBeforeSave", "RecordTriggerType": "Create",
        "TriggerObjectOrEvent": {"QualifiedApiName": "MessagingSession"},
        "ActiveVersionId": "301000000000001AAA", "LatestVersionId": "301000000000009AAA"}]),
    );
    let r = run(
        &org(
            &[("flows", 200, flows)],
            &[(
                "flow_301000000000001AAA",
                200,
                blocking_flow_meta("MessagingSession", "RecordBeforeSave"),
            )],
            limits(200, storage_ok()),
        ),
        None,
    );
    assert!(codes(&r).contains(&"org/flow-blocks"), "{:#?}", r.findings);
}

#[test]
fn an_after_save_flow_is_read_from_its_version_not_the_views_record_trigger_type() {
    // RecordTriggerType is documented for before-save flows only: null here.
    let flows = records(
        json!([{"Id": "300000000000002AAA", "ApiName": "After_Guard", "Label": "After Guard",
        "IsActive": true, "TriggerType": "RecordAfterSave", "RecordTriggerType": null,
        "TriggerObjectOrEvent": {"QualifiedApiName": "MessagingSession"},
        "ActiveVersionId": "301000000000002AAA", "LatestVersionId": "301000000000002AAA"}]),
    );
    let r = run(
        &org(
            &[("flows", 200, flows)],
            &[(
                "flow_301000000000002AAA",
                200,
                blocking_flow_meta("MessagingSession", "RecordAfterSave"),
            )],
            limits(200, storage_ok()),
        ),
        None,
    );
    assert!(codes(&r).contains(&"org/flow-blocks"), "{:#?}", r.findings);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "org/flow-blocks")
        .unwrap();
    assert!(
        f.evidence
            .iter()
            .any(|e| e.value.contains("after-save, runs on Create")),
        "{f:#?}"
    );
}

#[test]
fn an_end_user_flow_is_judged_against_the_end_user_not_the_session() {
    // The label is translated ("Messaging User", or any language): only the API name counts.
    let flows = records(
        json!([{"Id": "300000000000003AAA", "ApiName": "EndUser_Guard", "Label": "End User Guard",
        "IsActive": true, "TriggerType": "RecordBeforeSave", "RecordTriggerType": "Create",
        "TriggerObjectOrEventLabel": "Utilisateur de messagerie",
        "TriggerObjectOrEvent": {"QualifiedApiName": "MessagingEndUser"},
        "ActiveVersionId": "301000000000003AAA"}]),
    );
    let r = run(
        &org(
            &[("flows", 200, flows)],
            &[(
                "flow_301000000000003AAA",
                200,
                blocking_flow_meta("MessagingEndUser", "RecordBeforeSave"),
            )],
            limits(200, storage_ok()),
        ),
        None,
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "org/flow-blocks")
        .unwrap_or_else(|| panic!("{:#?}", r.findings));
    assert!(
        f.evidence
            .iter()
            .any(|e| e.value.contains("on MessagingEndUser")),
        "{f:#?}"
    );
}

#[test]
fn the_platform_automated_process_user_is_picked_by_its_alias() {
    let users = records(json!([
        {"Id": "005000000000002AAA", "Name": "Integration Robot", "Alias": "introbot", "UserType": "AutomatedProcess", "IsActive": true},
        {"Id": "005000000000001AAA", "Name": "Automated Process", "Alias": "autoproc", "UserType": "AutomatedProcess", "IsActive": true}
    ]));
    let r = run(
        &org(
            &[("automatedUser", 200, users)],
            &[],
            limits(200, storage_ok()),
        ),
        None,
    );
    let recent = r
        .findings
        .iter()
        .find(|f| f.code == "org/recent-sessions")
        .unwrap();
    let who = recent
        .evidence
        .iter()
        .find(|e| e.label == "Automated Process user")
        .unwrap();
    assert!(
        who.value.starts_with("Automated Process (alias autoproc)"),
        "{who:?}"
    );
    // Without an autoproc alias the choice is explained.
    let users = records(
        json!([{"Id": "005000000000002AAA", "Name": "Integration Robot", "Alias": "introbot", "IsActive": true}]),
    );
    let r = run(
        &org(
            &[("automatedUser", 200, users)],
            &[],
            limits(200, storage_ok()),
        ),
        None,
    );
    let recent = r
        .findings
        .iter()
        .find(|f| f.code == "org/recent-sessions")
        .unwrap();
    assert!(
        recent.evidence.iter().any(|e| e
            .value
            .contains("no user of type AutomatedProcess has the alias autoproc")),
        "{recent:#?}"
    );
}

#[test]
fn api_access_control_is_not_an_expired_session() {
    let refused = r#"[{"errorCode":"INVALID_SESSION_ID","message":"This session is not valid for use with the REST API"}]"#;
    let mut ex = org(
        &[],
        &[],
        limits(401, serde_json::from_str(refused).unwrap()),
    );
    for e in ex.iter_mut() {
        e.status = 401;
        e.body = refused.into();
    }
    let r = run(&ex, None);
    assert!(
        codes(&r).contains(&"org/api-access-control"),
        "{:#?}",
        r.findings
    );
    assert!(!codes(&r).contains(&"org/session-expired"));
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "org/api-access-control")
        .unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.fix.iter().any(|x| x.contains("API Access Control")),
        "{f:#?}"
    );
    // The plain message is still an expired session.
    let expired = r#"[{"errorCode":"INVALID_SESSION_ID","message":"Session expired or invalid"}]"#;
    for e in ex.iter_mut() {
        e.body = expired.into();
    }
    assert!(codes(&run(&ex, None)).contains(&"org/session-expired"));
}

#[test]
fn limits_without_storage_names_the_missing_permission() {
    let r = run(
        &org(
            &[],
            &[],
            limits(
                200,
                json!({"DailyApiRequests": {"Max": 15000, "Remaining": 14000}}),
            ),
        ),
        None,
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "org/storage-permission")
        .unwrap_or_else(|| panic!("{:#?}", r.findings));
    assert!(
        f.message.contains("Manage Users") && f.message.contains("View Setup and Configuration")
    );
    assert!(!r
        .findings
        .iter()
        .any(|f| f.code == "org/check-failed" && f.title.contains("storage")));
    let storage = r.checks.iter().find(|c| c.id == "storage").unwrap();
    assert_eq!(storage.status, CheckStatus::Failed);
}

fn page_with(org_id: &str, stage: Option<crate::page::lifecycle::Stage>) -> PageReport {
    let mut p = analyze_page(&PageEvidence {
        url: "https://www.acme-shop.test/".into(),
        scripts: vec![ScriptEvidence {
            index: 1,
            inline: Some(format!(
                "embeddedservice_bootstrap.init('{org_id}','Web_Chat','https://acme.my.site.com/ESWWebChat1',{{scrt2URL:'https://acme.my.salesforce-scrt.com'}});"
            )),
            ..Default::default()
        }],
        ..Default::default()
    });
    p.stage = stage;
    p
}

/// A healthy deployment with the default "guests allowed: false" and an active channel.
fn guest_off_deployment() -> Vec<(&'static str, u16, Value)> {
    vec![
        (
            "deployments",
            200,
            records(
                json!([{"Id": "0Hs000000000001AAA", "DeveloperName": "Web_Chat", "MasterLabel": "Web Chat",
                "IsEnabled": true, "DeploymentFeature": "EmbeddedMessaging", "AreGuestUsersAllowed": false, "AuthMethod": null}]),
            ),
        ),
        (
            "channels",
            200,
            records(
                json!([{"Id": "0Mj000000000001AAA", "DeveloperName": "Web_Chat_Channel", "IsActive": true, "MessageType": "EmbeddedMessaging"}]),
            ),
        ),
        (
            "cors",
            200,
            records(
                json!([{"Id": "0Vi000000000001AAA", "UrlPattern": "https://www.acme-shop.test"}]),
            ),
        ),
    ]
}

#[test]
fn guests_off_on_the_deployment_alone_is_a_hint_not_an_error() {
    let page = page_with(
        "00D8c000001Hlt1",
        Some(crate::page::lifecycle::Stage::Healthy),
    );
    let r = run(
        &org(&guest_off_deployment(), &[], limits(200, storage_ok())),
        Some(&page),
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "org/guest-access")
        .unwrap_or_else(|| panic!("{:#?}", r.findings));
    assert_eq!(f.severity, Severity::Info, "{f:#?}");
    assert!(
        r.findings.iter().all(|f| f.severity != Severity::Error),
        "{:#?}",
        r.findings
    );
    // When the page shows the token request failing, the same setting is an error.
    let stalled = crate::page::lifecycle::Stage::StalledAfterClick {
        step: crate::page::lifecycle::Step::Token,
        status: Some(401),
    };
    let page = page_with("00D8c000001Hlt1", Some(stalled));
    let r = run(
        &org(&guest_off_deployment(), &[], limits(200, storage_ok())),
        Some(&page),
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "org/guest-access")
        .unwrap();
    assert_eq!(f.severity, Severity::Error);
}

#[test]
fn a_page_org_id_that_is_not_ascii_is_never_sliced() {
    // 'é' straddles byte 15: slicing the page's text there would panic.
    for odd in [
        "00DHu00000abcdé",
        "00DHu00000abcdéé",
        "é00DHu00000abcd",
        "00D",
    ] {
        assert!(!super::checks::other_org(odd, "00D8c000001Hlt1"), "{odd}");
        let page = page_with(odd, None);
        let r = run(
            &org(&guest_off_deployment(), &[], limits(200, storage_ok())),
            Some(&page),
        );
        assert_eq!(r.findings.last().unwrap().code, "org/checks-summary");
    }
    assert!(super::checks::other_org(
        "00DHu00000abcde",
        "00D8c000001Hlt1"
    ));
    assert!(!super::checks::other_org(
        "00D8c000001Hlt1AAA",
        "00D8c000001Hlt1"
    ));
}

#[test]
fn the_deployments_site_comes_from_its_metadata() {
    let page = page_with("00D8c000001Hlt1", None);
    let mut over = guest_off_deployment();
    over.push(("sites", 200, records(json!([{"Id": "0DM000000000001AAA", "Name": "ESW_Web_Chat", "Status": "Inactive", "UrlPathPrefix": "ESWWebChat1"}]))));
    let meta = json!({"Id": "0Hs000000000001AAA", "FullName": "Web_Chat", "Metadata": {"site": "ESW_Web_Chat", "deploymentFeature": "EmbeddedMessaging"}});
    let r = run(
        &org(
            &over,
            &[("deployment_0Hs000000000001AAA", 200, meta)],
            limits(200, storage_ok()),
        ),
        Some(&page),
    );
    assert!(
        codes(&r).contains(&"org/site-inactive"),
        "{:#?}",
        r.findings
    );
}

#[test]
fn the_report_keeps_each_refusal_and_names_a_missing_field() {
    let refused = json!([{"errorCode": "INVALID_TYPE", "message": "\nSELECT Id FROM ApexTrigger\n ^\nERROR at Row:1:Column:16\nsObject type 'ApexTrigger' is not supported."}]);
    let r = run(
        &org(
            &[("triggers", 400, refused)],
            &[],
            limits(200, storage_ok()),
        ),
        None,
    );
    assert_eq!(r.refused.len(), 1, "{:#?}", r.refused);
    assert_eq!(r.refused[0].reference, "triggers");
    assert_eq!(r.refused[0].error_code, "INVALID_TYPE");
    assert!(r.refused[0].message.contains("ApexTrigger"));
    let f = r
        .findings
        .iter()
        .find(|f| f.title.contains("no ApexTrigger object"))
        .unwrap_or_else(|| panic!("{:#?}", r.findings));
    assert_eq!(f.code, "org/check-failed");
    assert_eq!(
        super::access::unsupported_object("sObject type 'Foo__c' is not supported"),
        Some("Foo__c".into())
    );
    assert_eq!(
        super::access::unsupported_object("sObject type 'a b' is"),
        None
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["refused"][0]["errorCode"], "INVALID_TYPE");
    // A column this org lacks: asked again without it, and said in what was covered.
    let no_col = json!([{"errorCode": "INVALID_FIELD", "message": "\nApiName, TriggerOrder\n        ^\nERROR at Row:1:Column:22\nNo such column 'TriggerOrder' on entity 'FlowDefinitionView'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."}]);
    let ex = org(
        &[("flows", 400, no_col)],
        &[("flows_retry1", 200, empty())],
        limits(200, storage_ok()),
    );
    let r = run(&ex, None);
    assert_eq!(r.missing_fields.len(), 1, "{:#?}", r.missing_fields);
    assert_eq!(r.missing_fields[0].field, "TriggerOrder");
    assert_eq!(
        r.checks.iter().find(|c| c.id == "flows").unwrap().status,
        CheckStatus::Passed
    );
    let summary = r
        .findings
        .iter()
        .find(|f| f.code == "org/checks-summary")
        .unwrap();
    assert!(
        summary
            .evidence
            .iter()
            .any(|e| e.value.starts_with("FlowDefinitionView.TriggerOrder")),
        "{summary:#?}"
    );
    assert_eq!(r.refused[0].error_code, "INVALID_FIELD");
}

#[test]
fn rules_are_judged_as_the_platform_automated_process_user() {
    // Another AutomatedProcess-type user listed first: the rule must be judged for autoproc.
    let users = records(json!([
        {"Id": "005000000000002AAA", "Name": "Integration Robot", "Alias": "introbot", "UserType": "AutomatedProcess", "IsActive": true},
        {"Id": "005000000000001AAA", "Name": "Automated Process", "Alias": "autoproc", "UserType": "AutomatedProcess", "IsActive": true}
    ]));
    let rules = records(
        json!([{"Id": "03d000000000001AAA", "ValidationName": "Only_Platform", "Active": true,
        "ErrorMessage": "Only the platform may create sessions.",
        "EntityDefinition": {"QualifiedApiName": "MessagingSession"}}]),
    );
    let meta = json!({"Id": "03d000000000001AAA", "FullName": "MessagingSession.Only_Platform",
        "Metadata": {"active": true, "errorConditionFormula": "$User.Alias <> 'autoproc'", "errorMessage": "Only the platform may create sessions."}});
    let r = run(
        &org(
            &[("automatedUser", 200, users), ("rules", 200, rules)],
            &[("rule_03d000000000001AAA", 200, meta)],
            limits(200, storage_ok()),
        ),
        None,
    );
    assert!(
        !codes(&r).contains(&"org/validation-rule-blocks"),
        "judged as the wrong user: {:#?}",
        r.findings
    );
    let rules = r
        .checks
        .iter()
        .find(|c| c.id == "validation-rules")
        .unwrap();
    assert_eq!(rules.status, CheckStatus::Passed, "{rules:#?}");
}

#[test]
fn a_failed_deployment_fetch_is_said_not_skipped() {
    let page = page_with("00D8c000001Hlt1", None);
    let refused =
        json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]);
    let r = run(
        &org(
            &guest_off_deployment(),
            &[("deployment_0Hs000000000001AAA", 404, refused)],
            limits(200, storage_ok()),
        ),
        Some(&page),
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.title.contains("settings of deployment Web_Chat"))
        .unwrap_or_else(|| panic!("{:#?}", r.findings));
    assert_eq!(f.code, "org/check-failed");
    assert!(f.message.contains("NOT_FOUND"), "{f:#?}");
}

#[test]
fn rule_and_flow_ids_from_the_org_never_make_a_foreign_link() {
    // Found by the org-answers driver (tests/org_answers_random.rs): an active rule whose Id
    // is not a record id (here non-ASCII) went into its Setup link as is, and the link was no
    // longer allowed.
    let rules = records(json!([
        {"Id": "ééé", "ValidationName": "R1", "Active": true, "ErrorMessage": "m",
         "EntityDefinition": {"QualifiedApiName": "MessagingSession"}},
        {"Id": "03d000000000001AAA", "ValidationName": "R2", "Active": true, "ErrorMessage": "m",
         "EntityDefinition": {"QualifiedApiName": "Messaging Session <x>"}}
    ]));
    let flows = records(json!([{"Id": "300000000000001AAA", "ApiName": "Guard",
        "ActiveVersionId": "301 \"x\"", "TriggerType": "RecordBeforeSave",
        "RecordTriggerType": "Create",
        "TriggerObjectOrEvent": {"QualifiedApiName": "MessagingSession"}}]));
    let r = run(
        &org(
            &[("rules", 200, rules), ("flows", 200, flows)],
            &[],
            limits(200, storage_ok()),
        ),
        None,
    );
    let links: Vec<&str> = r
        .findings
        .iter()
        .filter_map(|f| f.link.as_ref().map(|l| l.url.as_str()))
        .collect();
    assert!(links.len() >= 2, "{:#?}", r.findings);
    for l in links {
        assert!(crate::salesforce::is_allowed_link(l), "{l}");
    }
    let d = crate::report::diagnose_all(None, Some(&r), &[]);
    let md = crate::report::markdown(&d, "t");
    assert!(crate::report::stray_links(&d, &md).is_empty());
}
