//! The planner and decoder against the platform's composite rules, on hand-written answers.
use super::*;

fn answer(req: &ApiRequest, subs: Vec<(&str, u16, Value)>) -> ApiExchange {
    let body = json!({"compositeResponse": subs.into_iter().map(|(r, s, b)| json!({
        "referenceId": r, "httpStatusCode": s, "body": b})).collect::<Vec<_>>()});
    ApiExchange {
        request: req.clone(),
        status: 200,
        body: body.to_string(),
        error: None,
        ms: Some(10),
    }
}

fn subs_of(reqs: &[ApiRequest]) -> Vec<(String, String)> {
    reqs.iter().flat_map(composite_refs).collect()
}

/// Every request of a round against the platform's composite rules.
fn assert_within_platform_rules(reqs: &[ApiRequest]) {
    for r in reqs {
        if r.method == "GET" {
            assert!(r.body.is_none(), "{r:#?}");
            assert!(!r.path.contains("/composite"), "{r:#?}");
            continue;
        }
        let tooling = r.path.ends_with("/tooling/composite");
        assert!(
            tooling || r.path.ends_with("/v65.0/composite"),
            "{}",
            r.path
        );
        let refs = composite_refs(r);
        assert!(!refs.is_empty() && refs.len() <= MAX_SUBREQUESTS, "{r:#?}");
        let queries = refs
            .iter()
            .filter(|(_, u)| u.contains("/query?") || u.contains("/query/"))
            .count();
        assert!(queries <= MAX_QUERIES, "{} queries in {}", queries, r.id);
        for (reference, url) in &refs {
            assert!(reference::is_valid(reference), "referenceId {reference}");
            let api = if tooling {
                format!("/services/data/{API_VERSION}/tooling/")
            } else {
                format!("/services/data/{API_VERSION}/")
            };
            let rest = url.strip_prefix(&api).unwrap_or_else(|| panic!("{url}"));
            assert!(
                rest.starts_with("sobjects/")
                    || rest.starts_with("query?")
                    || rest.starts_with("query/"),
                "{url} is not an sObject or query resource"
            );
        }
    }
}

#[test]
fn first_round_is_two_rest_composites_limits_alone_and_one_tooling_composite() {
    let reqs = next_requests(&[], &PlanInput::default());
    assert_within_platform_rules(&reqs);
    let kinds: Vec<&str> = reqs.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "/services/data/v65.0/composite",
            "/services/data/v65.0/composite",
            "/services/data/v65.0/tooling/composite",
            "/services/data/v65.0/limits",
        ],
        "{reqs:#?}"
    );
    assert_eq!(reqs[3].method, "GET");
    assert_eq!(reqs[3].id, "limits-1");
    let all = subs_of(&reqs);
    assert!(
        all.iter().all(|(r, _)| r != "limits"),
        "limits inside a composite"
    );
    let url_of = |r: &str| all.iter().find(|(x, _)| x == r).unwrap().1.clone();
    // The Tooling EmbeddedServiceConfig has no Site field.
    assert!(
        !url_of("deployments").contains("Site"),
        "{}",
        url_of("deployments")
    );
    // Flows: the trigger object by API name, never the translated label.
    let flows = url_of("flows");
    assert!(
        flows.contains("TriggerObjectOrEvent.QualifiedApiName"),
        "{flows}"
    );
    assert!(!flows.contains("TriggerObjectOrEventLabel"), "{flows}");
    assert!(flows.contains("ActiveVersionId"), "{flows}");
}

#[test]
fn references_are_safe_and_reversible() {
    let id = "301000000000001AAA";
    let keyed = reference::keyed("flow", id).unwrap();
    assert_eq!(keyed, "flow_301000000000001AAA");
    for r in [
        keyed.clone(),
        reference::page("flows", 2),
        reference::retry("flows", 1),
        reference::page(&keyed, 3),
    ] {
        assert!(reference::is_valid(&r), "{r}");
    }
    assert_eq!(reference::logical("flows_page2"), "flows");
    assert_eq!(reference::logical("flows_retry1"), "flows");
    assert_eq!(reference::logical(&keyed), keyed);
    assert_eq!(reference::logical(&reference::page(&keyed, 3)), keyed);
    assert_eq!(reference::attempt("flows_retry2"), 2);
    assert!(reference::is_page("classes1_page4"));
    assert!(!reference::is_page(&keyed));
    assert_eq!(reference::base(&keyed), "flow");
    // Nothing but a record id becomes a key.
    for bad in [
        "page2",
        "abc",
        "03d0000000000.1AAA",
        "03d00000000000é",
        "x'y",
    ] {
        assert!(reference::keyed("rule", bad).is_none(), "{bad}");
    }
    assert!(!reference::is_valid("flows~2") && !reference::is_valid("rule.03d"));
    assert!(!reference::is_valid("_x") && !reference::is_valid("1x"));
}

#[test]
fn second_round_fetches_what_the_first_named_then_stops() {
    let input = PlanInput {
        deployments: vec!["Web_Chat".into()],
    };
    let ex1 = round_one(
        &input,
        &[
            (
                "flows",
                200,
                json!({"done": true, "records": [
                {"ApiName": "F1", "IsActive": true, "TriggerType": "RecordBeforeSave", "RecordTriggerType": "Create", "ActiveVersionId": "301000000000001AAA"},
                {"ApiName": "F2", "IsActive": true, "TriggerType": "RecordAfterSave", "RecordTriggerType": null, "ActiveVersionId": "301000000000002AAA"},
                {"ApiName": "F3", "IsActive": false, "TriggerType": "RecordBeforeSave", "RecordTriggerType": "Create", "ActiveVersionId": null},
                {"ApiName": "F4", "IsActive": false, "TriggerType": "RecordAfterSave", "ActiveVersionId": "301000000000004AAA", "LatestVersionId": "301000000000005AAA"}]}),
            ),
            (
                "rules",
                200,
                json!({"done": true, "records": [
                {"Id": "03d000000000001AAA", "Active": true}, {"Id": "03d000000000002AAA", "Active": false}]}),
            ),
            (
                "triggers",
                200,
                json!({"done": true, "records": [
                {"Name": "T", "Body": "trigger T on MessagingSession (before insert) { MsHandler.run(Trigger.new); }"}]}),
            ),
            (
                "deployments",
                200,
                json!({"done": false, "nextRecordsUrl": "/services/data/v65.0/tooling/query/01gX-2000", "records": [
                {"Id": "0Hs000000000001AAA", "DeveloperName": "Web_Chat"}]}),
            ),
        ],
    );
    let r2 = next_requests(&ex1, &input);
    assert_within_platform_rules(&r2);
    let refs: Vec<String> = subs_of(&r2).into_iter().map(|(r, _)| r).collect();
    assert!(
        refs.contains(&"rule_03d000000000001AAA".to_string()),
        "{refs:?}"
    );
    assert!(
        !refs.contains(&"rule_03d000000000002AAA".to_string()),
        "inactive rule fetched"
    );
    // Every flow with an active version, whatever IsActive and RecordTriggerType say.
    for v in [
        "301000000000001AAA",
        "301000000000002AAA",
        "301000000000004AAA",
    ] {
        assert!(
            refs.contains(&format!("flow_{v}")),
            "{v} not fetched: {refs:?}"
        );
    }
    assert!(
        !refs.iter().any(|r| r.contains("301000000000005")),
        "draft fetched"
    );
    assert!(refs.contains(&"deployment_0Hs000000000001AAA".to_string()));
    let dep_url = subs_of(&r2)
        .into_iter()
        .find(|(r, _)| r.starts_with("deployment_"))
        .unwrap()
        .1;
    assert!(
        dep_url.ends_with("EmbeddedServiceConfig/0Hs000000000001AAA?fields=Id,FullName,Metadata")
    );
    assert!(refs.contains(&"classes1".to_string()));
    assert!(
        refs.contains(&"deployments_page2".to_string()),
        "next page not read"
    );
    assert!(r2.iter().all(|r| r.path.ends_with("/tooling/composite")));
    assert_eq!(r2.len(), 1, "{r2:#?}");
    let class_url = subs_of(&r2)
        .into_iter()
        .find(|(r, _)| r == "classes1")
        .map(|(_, u)| u)
        .unwrap();
    assert!(class_url.contains("MsHandler"), "{class_url}");
    // Answer round 2 with a handler that names nothing new: the plan ends.
    let mut ex2 = ex1.clone();
    for r in &r2 {
        let subs = composite_refs(r)
            .into_iter()
            .map(|(reference, _)| {
                let body = if reference == "classes1" {
                    json!({"done": true, "records": [{"Name": "MsHandler", "Body": "public class MsHandler { public static void run(List<SObject> x) {} }"}]})
                } else if reference == "deployments_page2" {
                    json!({"done": true, "records": [{"Id": "0Hs000000000002AAA", "DeveloperName": "Other"}]})
                } else {
                    json!({"done": true, "records": []})
                };
                (reference, 200, body)
            })
            .collect::<Vec<_>>();
        let subs_ref: Vec<(&str, u16, Value)> = subs
            .iter()
            .map(|(a, b, c)| (a.as_str(), *b, c.clone()))
            .collect();
        ex2.push(answer(r, subs_ref));
    }
    let r3 = next_requests(&ex2, &input);
    assert!(r3.is_empty(), "{r3:#?}");
    let a = decode(&ex2);
    assert_eq!(a.calls, 4 + r2.len());
    assert!(a.calls <= 6);
    assert_eq!(a.rounds, 2);
    assert_eq!(a.records("deployments").map(|r| r.len()), Some(2));
}

/// Round 1 answered from `subs` (references not listed answer an empty query).
fn round_one(input: &PlanInput, subs: &[(&str, u16, Value)]) -> Vec<ApiExchange> {
    next_requests(&[], input)
        .iter()
        .map(|r| {
            if r.method == "GET" {
                return ApiExchange {
                    request: r.clone(),
                    status: 200,
                    body: json!({"DailyApiRequests": {"Max": 1, "Remaining": 1}}).to_string(),
                    error: None,
                    ms: Some(1),
                };
            }
            let answered = composite_refs(r)
                .into_iter()
                .map(|(reference, _)| {
                    subs.iter()
                        .find(|(x, _, _)| *x == reference)
                        .map(|(_, s, b)| (reference.clone(), *s, b.clone()))
                        .unwrap_or((reference, 200, json!({"done": true, "records": []})))
                })
                .collect::<Vec<_>>();
            let refs: Vec<(&str, u16, Value)> = answered
                .iter()
                .map(|(a, b, c)| (a.as_str(), *b, c.clone()))
                .collect();
            answer(r, refs)
        })
        .collect()
}

fn no_such_column(field: &str, object: &str) -> Value {
    json!([{"errorCode": "INVALID_FIELD", "message": format!(
        "\nApiName, {field}\n        ^\nERROR at Row:1:Column:22\nNo such column '{field}' on entity '{object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.")}])
}

#[test]
fn a_query_refused_for_an_optional_column_is_asked_again_without_it() {
    let input = PlanInput::default();
    let ex1 = round_one(
        &input,
        &[(
            "flows",
            400,
            no_such_column("TriggerOrder", "FlowDefinitionView"),
        )],
    );
    let r2 = next_requests(&ex1, &input);
    assert_within_platform_rules(&r2);
    let retry = subs_of(&r2)
        .into_iter()
        .find(|(r, _)| r == "flows_retry1")
        .unwrap_or_else(|| panic!("no retry: {r2:#?}"));
    assert!(!retry.1.contains("TriggerOrder"), "{}", retry.1);
    assert!(retry.1.contains("ActiveVersionId") && retry.1.contains("TriggerType"));
    // The retry answers: the flows are read, and the report knows what was left out.
    let mut ex2 = ex1.clone();
    let call = r2
        .iter()
        .find(|r| composite_refs(r).iter().any(|(x, _)| x == "flows_retry1"))
        .unwrap();
    ex2.push(answer(
        call,
        vec![(
            "flows_retry1",
            200,
            json!({"done": true, "records": [{"ApiName": "F", "ActiveVersionId": null}]}),
        )],
    ));
    let a = decode(&ex2);
    assert_eq!(a.records("flows").map(|r| r.len()), Some(1));
    assert!(!a.failed.contains_key("flows"));
    let missing = missing_fields(&ex2, &input);
    assert_eq!(
        missing,
        vec![MissingField {
            query: "flows".into(),
            object: "FlowDefinitionView".into(),
            field: "TriggerOrder".into()
        }]
    );
    let refused: Vec<_> = a
        .refused
        .iter()
        .map(|r| (r.reference.as_str(), r.error_code.as_str()))
        .collect();
    assert_eq!(refused, [("flows", "INVALID_FIELD")]);
    assert!(a.refused[0]
        .message
        .contains("No such column 'TriggerOrder'"));
    // A second optional column named by the retry: asked once more without both.
    let mut ex3 = ex1.clone();
    ex3.push(answer(
        call,
        vec![(
            "flows_retry1",
            400,
            no_such_column("LatestVersionId", "FlowDefinitionView"),
        )],
    ));
    let r3 = next_requests(&ex3, &input);
    let again = subs_of(&r3)
        .into_iter()
        .find(|(r, _)| r == "flows_retry2")
        .unwrap_or_else(|| panic!("{r3:#?}"));
    assert!(!again.1.contains("TriggerOrder") && !again.1.contains("LatestVersionId"));
}

#[test]
fn a_required_column_or_a_relationship_is_handled_without_guessing() {
    let input = PlanInput::default();
    // A required field: no retry, the check reports the refusal.
    let ex = round_one(
        &input,
        &[(
            "flows",
            400,
            no_such_column("ApiName", "FlowDefinitionView"),
        )],
    );
    let r2 = next_requests(&ex, &input);
    assert!(
        !subs_of(&r2)
            .iter()
            .any(|(r, _)| r.starts_with("flows_retry")),
        "{r2:#?}"
    );
    // A relationship the org does not know drops every optional path through it.
    let rel = json!([{"errorCode": "INVALID_FIELD", "message": "\nSELECT Id, Name, Alias, UserType, IsActive, ProfileId, Profile.Name FROM User\n ^\nERROR at Row:1:Column:50\nDidn't understand relationship 'Profile' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name."}]);
    let ex = round_one(&input, &[("automatedUser", 400, rel)]);
    let retry = subs_of(&next_requests(&ex, &input))
        .into_iter()
        .find(|(r, _)| r == "automatedUser_retry1")
        .unwrap();
    assert!(
        !retry.1.contains("Profile.Name") && retry.1.contains("ProfileId"),
        "{}",
        retry.1
    );
}

#[test]
fn limits_alone_is_decoded_as_its_own_answer() {
    let ex = round_one(&PlanInput::default(), &[]);
    let a = decode(&ex);
    assert_eq!(a.calls, 4);
    assert_eq!(a.rounds, 1);
    assert!(a
        .get("limits")
        .unwrap()
        .body
        .get("DailyApiRequests")
        .is_some());
    let mut bad = ex.clone();
    let l = bad.iter_mut().find(|e| e.request.method == "GET").unwrap();
    l.status = 403;
    l.body = r#"[{"errorCode":"INSUFFICIENT_ACCESS","message":"no"}]"#.into();
    let a = decode(&bad);
    assert_eq!(a.failed["limits"].error.code, "INSUFFICIENT_ACCESS");
    assert_eq!(a.refused[0].reference, "limits");
}

#[test]
fn the_platform_automated_process_user_is_the_one_aliased_autoproc() {
    let rows = vec![
        json!({"Id": "005A", "Name": "Integration Bot", "Alias": "intbot", "IsActive": true}),
        json!({"Id": "005B", "Name": "Automated Process", "Alias": "autoproc", "IsActive": true}),
    ];
    let (u, why) = pick_automated_user(&rows).unwrap();
    assert_eq!(text(u, "Id").as_deref(), Some("005B"));
    assert!(why.is_none());
    let (u, why) = pick_automated_user(&rows[..1]).unwrap();
    assert_eq!(text(u, "Id").as_deref(), Some("005A"));
    assert!(why.unwrap().contains("autoproc"));
    assert!(pick_automated_user(&[]).is_none());
}

#[test]
fn composites_split_at_five_queries_and_25_subrequests_in_both_apis() {
    for api in [Api::Rest, Api::Tooling] {
        let mut subs: Vec<Sub> = (0..7)
            .map(|i| Sub::query(&format!("q{i}"), api, "SELECT Id FROM ApexClass"))
            .collect();
        subs.extend((0..30).map(|i| Sub::get(&format!("g{i}"), api, "sobjects/Flow/x")));
        let reqs = batch(subs, 2);
        assert_within_platform_rules(&reqs);
        let total: usize = reqs.iter().map(|r| composite_refs(r).len()).sum();
        assert_eq!(total, 37);
        assert_eq!(reqs.len(), 2);
    }
}

#[test]
fn a_failed_call_marks_every_subrequest_it_carried() {
    let r1 = next_requests(&[], &PlanInput::default());
    let ex: Vec<ApiExchange> = r1
        .iter()
        .map(|r| {
            let unreadable = r.path.ends_with("tooling/composite");
            ApiExchange {
                request: r.clone(),
                status: if unreadable { 200 } else { 401 },
                body: if unreadable {
                    "{\"compositeResp".into()
                } else {
                    r#"[{"errorCode":"INVALID_SESSION_ID","message":"Session expired or invalid"}]"#
                        .into()
                },
                error: None,
                ms: None,
            }
        })
        .collect();
    let a = decode(&ex);
    assert_eq!(a.failed["limits"].error.code, "INVALID_SESSION_ID");
    assert_eq!(a.failed["flows"].error.code, "INVALID_SESSION_ID");
    assert!(a.failed["rules"]
        .detail
        .as_deref()
        .unwrap()
        .contains("not readable JSON"));
    assert!(next_requests(&ex, &PlanInput::default()).is_empty());
}

#[test]
fn class_names_skip_keywords_system_types_and_unsafe_text() {
    let n = class_names_in(
        "trigger T on MessagingSession (before insert) { new Handler_V2().run(); System.debug('x'); \
         Util.go(Trigger.new); List<Case> c = [SELECT Id FROM Case]; String s = 'Evil''; }",
    );
    assert!(n.contains("Handler_V2") && n.contains("Util"), "{n:?}");
    assert!(
        !n.iter()
            .any(|x| x == "System" || x == "List" || x == "Evil"),
        "{n:?}"
    );
}

#[test]
fn query_encoding() {
    assert_eq!(encode_query("a b='c'"), "a+b%3D%27c%27");
}

#[test]
fn rows_naming_one_record_twice_are_fetched_once() {
    // Found by fuzz/fuzz_targets/org_answers.rs: two flows with the same active version (and
    // a rule listed twice) put one referenceId twice in the round-2 composite.
    let input = PlanInput::default();
    let flow = json!({"Id": "300000000000001AAA", "ApiName": "A", "ActiveVersionId": "301000000000001AAA"});
    let rule = json!({"Id": "03d000000000001AAA", "ValidationName": "R", "Active": true});
    let ex = round_one(
        &input,
        &[
            (
                "flows",
                200,
                json!({"done": true, "records": [flow.clone(), flow]}),
            ),
            (
                "rules",
                200,
                json!({"done": true, "records": [rule.clone(), rule]}),
            ),
        ],
    );
    let next = next_requests(&ex, &input);
    assert_within_platform_rules(&next);
    let refs: Vec<String> = subs_of(&next).into_iter().map(|(r, _)| r).collect();
    for want in ["flow_301000000000001AAA", "rule_03d000000000001AAA"] {
        assert_eq!(refs.iter().filter(|r| *r == want).count(), 1, "{refs:?}");
    }
}
