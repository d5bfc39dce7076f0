//! Tests of the flow analyser. Fixtures: paired bad/fixed Flow Metadata JSON under
//! `tests/fixtures/flows/<case>/` (written for these tests from the Metadata API's Flow type),
//! and small flows built inline below.

use serde_json::{json, Value};

use super::*;
use crate::analysis::record::{FieldValue, InsertedRecord};

// ===== helpers =================================================================================

fn record() -> InsertedRecord {
    InsertedRecord::messaging_session_at_start(&[])
}

fn source(name: &str) -> FlowSource {
    FlowSource {
        api_name: name.into(),
        label: String::new(),
        is_active: true,
        process_type: Some("AutoLaunchedFlow".into()),
        trigger_type: None,
        record_trigger_type: None,
        trigger_order: None,
        active_version_id: Some("301000000000001AAA".into()),
    }
}

fn run(meta: &Value) -> FlowVerdict {
    analyze_flow(&source("F"), Some(meta), &record())
}

/// Every sentence of the verdict (reason, conditions, what) and the summary.
fn words(v: &FlowVerdict) -> String {
    let mut s = match &v.verdict {
        Verdict::Blocks { reason } => reason.clone(),
        Verdict::MayBlock { conditions } => conditions.join("\n"),
        Verdict::NotOnInsert { reason } => reason.clone(),
        Verdict::CannotSee { what } => what.join("\n"),
        Verdict::Unlikely => String::new(),
    };
    s.push('\n');
    s.push_str(&v.summary);
    s
}

fn before_save(rtt: &str, connector: Option<&str>) -> Value {
    let mut start = json!({"object": "MessagingSession", "triggerType": "RecordBeforeSave",
        "recordTriggerType": rtt});
    if let Some(c) = connector {
        start["connector"] = json!({"targetReference": c});
    }
    json!({"label": "F", "processType": "AutoLaunchedFlow", "start": start})
}

fn custom_error(name: &str, msg: &str) -> Value {
    json!({"name": name, "label": name, "customErrorMessages": [{"errorMessage": msg, "isFieldError": false}]})
}

fn decision(name: &str, conds: Value, logic: &str, to: &str, default: Option<&str>) -> Value {
    let mut d = json!({"name": name, "label": name,
        "rules": [{"name": "Yes", "label": "Yes", "conditionLogic": logic, "conditions": conds,
                   "connector": {"targetReference": to}}]});
    if let Some(t) = default {
        d["defaultConnector"] = json!({"targetReference": t});
    }
    d
}

// ===== fixtures ================================================================================

fn fixtures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flows")
}

fn check_expectation(case: &str, variant: &str, v: &FlowVerdict, exp: &Value) {
    let ctx = format!("{case}/{variant}: {v:#?}");
    let want = exp["verdict"].as_str().unwrap_or("?");
    assert_eq!(v.verdict.label(), want, "verdict of {ctx}");
    let text = words(v);
    for c in exp["contains"].as_array().into_iter().flatten() {
        let c = c.as_str().unwrap_or("");
        assert!(
            text.contains(c),
            "{case}/{variant}: missing {c:?} in:\n{text}"
        );
    }
    if let Some(path) = exp["path"].as_array() {
        let got: Vec<&str> = v.path.iter().map(|p| p.element.as_str()).collect();
        let want: Vec<&str> = path.iter().filter_map(Value::as_str).collect();
        assert_eq!(got, want, "path of {ctx}");
    }
    if let Some(ev) = exp["evidence"].as_object() {
        for (element, outcome) in ev {
            let e = v
                .evidence
                .iter()
                .find(|e| &e.element == element)
                .unwrap_or_else(|| panic!("no evidence for {element} in {ctx}"));
            let got = serde_json::to_value(e.outcome).unwrap_or(Value::Null);
            assert_eq!(&got, outcome, "outcome of {element} in {ctx}");
        }
    }
    // Why an element came out as it did (a substring of its evidence).
    if let Some(ev) = exp["evidenceWhy"].as_object() {
        for (element, want) in ev {
            let e = v
                .evidence
                .iter()
                .find(|e| &e.element == element)
                .unwrap_or_else(|| panic!("no evidence for {element} in {ctx}"));
            let want = want.as_str().unwrap_or("");
            assert!(
                e.why.contains(want),
                "why of {element}: {want:?} not in {:?}",
                e.why
            );
        }
    }
    if let Some(entry) = exp["entry"].as_str() {
        let got = serde_json::to_value(&v.entry.state).unwrap_or(Value::Null);
        assert_eq!(got["kind"], entry, "entry of {ctx}");
    }
}

#[test]
fn fixture_pairs_bad_blocks_and_fixed_does_not() {
    let mut cases: Vec<_> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/flows")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 8, "at least 8 fixture cases");
    for dir in &cases {
        let case = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let read = |f: &str| -> Value {
            let p = dir.join(f);
            let t = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            serde_json::from_str(&t).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        };
        let exp = read("expected.json");
        let prechat: Vec<String> = exp["prechat"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        let prechat_refs: Vec<&str> = prechat.iter().map(String::as_str).collect();
        let rec = InsertedRecord::messaging_session_at_start(&prechat_refs);
        for variant in ["bad", "fixed"] {
            let meta = read(&format!("{variant}.json"));
            let v = analyze_flow(&source(&case), Some(&meta), &rec);
            check_expectation(&case, variant, &v, &exp[variant]);
            // The bad variant always blocks or may block; the fixed one never does.
            let blocking = matches!(v.verdict, Verdict::Blocks { .. } | Verdict::MayBlock { .. });
            assert_eq!(blocking, variant == "bad", "{case}/{variant}: {v:#?}");
        }
    }
}

// ===== start ===================================================================================

#[test]
fn flow_source_reads_a_flow_definition_view_row() {
    let row = json!({"attributes": {"type": "FlowDefinitionView"}, "ApiName": "MS_Guard",
        "Label": null, "IsActive": true, "ProcessType": "AutoLaunchedFlow",
        "TriggerType": "RecordBeforeSave", "RecordTriggerType": "Create", "TriggerOrder": 10,
        "ActiveVersionId": "301000000000001AAA", "LastModifiedDate": "2025-01-01T00:00:00.000+0000"});
    let f: FlowSource = serde_json::from_value(row).expect("row");
    assert_eq!(f.api_name, "MS_Guard");
    assert_eq!(f.label, "");
    assert!(f.is_active);
    assert_eq!(f.trigger_order, Some(10));
    let camel: FlowSource =
        serde_json::from_value(json!({"apiName": "X", "isActive": null})).expect("camelCase");
    assert_eq!(camel.api_name, "X");
    assert!(!camel.is_active);
}

#[test]
fn inactive_update_delete_other_object_and_untriggered_flows_do_not_run() {
    let mut meta = before_save("Create", Some("E"));
    meta["customErrors"] = json!([custom_error("E", "no")]);
    let mut inactive = source("F");
    inactive.is_active = false;
    let v = analyze_flow(&inactive, Some(&meta), &record());
    assert_eq!(v.verdict.label(), "notOnInsert");
    assert!(words(&v).contains("inactive"));

    for (rtt, word) in [("Update", "updated"), ("Delete", "deleted")] {
        let mut m = meta.clone();
        m["start"]["recordTriggerType"] = json!(rtt);
        let v = run(&m);
        assert_eq!(v.verdict.label(), "notOnInsert", "{rtt}");
        assert!(words(&v).contains(word), "{rtt}: {}", words(&v));
    }

    let mut case = meta.clone();
    case["start"]["object"] = json!("Case");
    let v = run(&case);
    assert!(words(&v).contains("runs on Case records"), "{v:#?}");

    let screen = json!({"processType": "Flow", "start": {"connector": {"targetReference": "S"}},
        "screens": [{"name": "S"}]});
    let v = run(&screen);
    assert_eq!(v.verdict.label(), "notOnInsert");
    assert!(words(&v).contains("screen flow"));
    assert_eq!(v.timing, Timing::NotTriggered);

    let mut scheduled = meta.clone();
    scheduled["start"]["triggerType"] = json!("Scheduled");
    assert_eq!(run(&scheduled).verdict.label(), "notOnInsert");

    let pb = json!({"processType": "Workflow"});
    assert_eq!(run(&pb).verdict.label(), "cannotSee");
}

#[test]
fn the_flow_source_decides_when_metadata_is_missing() {
    let mut f = source("F");
    f.trigger_type = Some("RecordAfterSave".into());
    f.record_trigger_type = Some("Update".into());
    let v = analyze_flow(&f, None, &record());
    assert_eq!(v.verdict.label(), "notOnInsert");
    assert_eq!(v.timing, Timing::AfterSave);

    f.record_trigger_type = Some("CreateAndUpdate".into());
    let v = analyze_flow(&f, None, &record());
    assert_eq!(v.verdict.label(), "cannotSee");
    assert!(words(&v).contains("was not fetched"), "{}", words(&v));
    assert!(words(&v).contains("301000000000001AAA"));
}

#[test]
fn metadata_in_a_tooling_answer_or_query_result_is_unwrapped() {
    let mut meta = before_save("Create", Some("E"));
    meta["customErrors"] = json!([custom_error("E", "Stop.")]);
    for wrapped in [
        json!({"Id": "301", "Metadata": meta.clone()}),
        json!({"totalSize": 1, "records": [{"Metadata": meta.clone()}]}),
        meta.clone(),
    ] {
        assert_eq!(run(&wrapped).verdict.label(), "blocks");
    }
}

#[test]
fn unknown_record_trigger_type_turns_blocks_into_may_block() {
    let mut meta = before_save("Create", Some("E"));
    meta["start"]
        .as_object_mut()
        .map(|s| s.remove("recordTriggerType"));
    meta["customErrors"] = json!([custom_error("E", "Stop.")]);
    let v = run(&meta);
    assert_eq!(v.verdict.label(), "mayBlock", "{v:#?}");
    assert!(words(&v).contains("record trigger type is not given"));
}

// ===== entry conditions ========================================================================

fn entry_of(filters: Value, logic: Option<&str>) -> FlowVerdict {
    let mut meta = before_save("CreateAndUpdate", Some("E"));
    meta["start"]["filters"] = filters;
    if let Some(l) = logic {
        meta["start"]["filterLogic"] = json!(l);
    }
    meta["customErrors"] = json!([custom_error("E", "Stop.")]);
    run(&meta)
}

#[test]
fn entry_filters_with_and_or_and_custom_logic() {
    let waiting =
        json!({"field": "Status", "operator": "EqualTo", "value": {"stringValue": "Waiting"}});
    let ended =
        json!({"field": "Status", "operator": "EqualTo", "value": {"stringValue": "Ended"}});
    let changed =
        json!({"field": "Status", "operator": "IsChanged", "value": {"booleanValue": true}});
    let not_null = json!({"field": "MessagingEndUserId", "operator": "IsNull", "value": {"booleanValue": false}});
    let prechat =
        json!({"field": "Reason__c", "operator": "EqualTo", "value": {"stringValue": "Billing"}});

    assert_eq!(
        entry_of(json!([waiting.clone()]), None).verdict.label(),
        "blocks"
    );
    assert_eq!(
        entry_of(json!([ended.clone()]), Some("and"))
            .verdict
            .label(),
        "notOnInsert"
    );
    assert_eq!(
        entry_of(json!([ended.clone(), waiting.clone()]), Some("or"))
            .verdict
            .label(),
        "blocks"
    );
    assert_eq!(
        entry_of(json!([changed.clone()]), Some("and"))
            .verdict
            .label(),
        "notOnInsert"
    );
    // Custom logic: 1 AND (2 OR 3) with 1 = Waiting, 2 = Ended, 3 = IsChanged → FALSE.
    let v = entry_of(
        json!([waiting.clone(), ended.clone(), changed.clone()]),
        Some("1 AND (2 OR 3)"),
    );
    assert_eq!(v.verdict.label(), "notOnInsert", "{v:#?}");
    let v = entry_of(
        json!([waiting.clone(), ended.clone(), changed]),
        Some("1 AND NOT (2 OR 3)"),
    );
    assert_eq!(v.verdict.label(), "blocks", "{v:#?}");
    // Ids the platform sets are known not to be null.
    assert_eq!(entry_of(json!([not_null]), None).verdict.label(), "blocks");
    // A field the model does not know: the field is blank at insert → EqualTo 'Billing' false.
    assert_eq!(
        entry_of(json!([prechat.clone()]), None).verdict.label(),
        "notOnInsert"
    );
    // The same field mapped from pre-chat: may be met, naming it.
    let mut meta = before_save("Create", Some("E"));
    meta["start"]["filters"] = json!([prechat]);
    meta["customErrors"] = json!([custom_error("E", "Stop.")]);
    let r = InsertedRecord::messaging_session_at_start(&["Reason__c"]);
    let v = analyze_flow(&source("F"), Some(&meta), &r);
    assert_eq!(v.verdict.label(), "mayBlock");
    assert!(matches!(v.entry.state, EntryState::MayBeMet { .. }));
    assert!(
        words(&v).contains("Reason__c (mapped from a pre-chat field"),
        "{}",
        words(&v)
    );
    // Unreadable logic is unknown, not a crash.
    let v = entry_of(json!([waiting]), Some("1 AND ("));
    assert_eq!(v.verdict.label(), "mayBlock");
    assert!(words(&v).contains("not readable"));
}

#[test]
fn entry_formula_merge_fields_globals_and_prior_values() {
    let cases = [
        ("{!$Record.Status} = 'Waiting'", "blocks"),
        ("ISPICKVAL({!$Record.Status}, 'Ended')", "notOnInsert"),
        ("ISBLANK({!$Record__Prior.Status})", "blocks"),
        ("{!$User.UserType} = 'AutomatedProcess'", "blocks"),
        ("$Record.Status = 'Waiting'", "blocks"),
        ("{!$Record.Status} = '{!$Record.Status}'", "notOnInsert"),
        ("{!$Permission.Bypass_Flows}", "mayBlock"),
        ("{!$GlobalConstant.True}", "blocks"),
        ("AND(ISNEW(), {!varFlag})", "blocks"),
        ("{!fxIsChat}", "blocks"),
        ("{!$Flow.CurrentDate} > DATE(2020,1,1)", "mayBlock"),
        ("AND(", "mayBlock"),
    ];
    for (f, want) in cases {
        let mut meta = before_save("Create", Some("E"));
        meta["start"]["filterFormula"] = json!(f);
        meta["customErrors"] = json!([custom_error("E", "Stop.")]);
        meta["variables"] =
            json!([{"name": "varFlag", "dataType": "Boolean", "value": {"booleanValue": true}}]);
        meta["formulas"] = json!([{"name": "fxIsChat", "dataType": "Boolean",
            "expression": "ISPICKVAL({!$Record.Origin}, 'InboundInitiated')"}]);
        let v = run(&meta);
        assert_eq!(v.verdict.label(), want, "{f}: {v:#?}");
    }
}

// ===== the create path =========================================================================

#[test]
fn decisions_follow_known_outcomes_and_name_unknown_ones() {
    // $User.UserType is known: the outcome is decided.
    let mut meta = before_save("Create", Some("D"));
    meta["decisions"] = json!([decision(
        "D",
        json!([{"leftValueReference": "$User.UserType", "operator": "EqualTo",
                "rightValue": {"stringValue": "AutomatedProcess"}}]),
        "and",
        "E",
        None
    )]);
    meta["customErrors"] = json!([custom_error("E", "No bots.")]);
    let v = run(&meta);
    assert_eq!(v.verdict.label(), "blocks", "{v:#?}");
    let path: Vec<_> = v.path.iter().map(|p| p.element.as_str()).collect();
    assert_eq!(path, ["Start", "D", "E"]);

    // A custom permission is unknown: may block, naming it.
    meta["decisions"] = json!([decision(
        "D",
        json!([{"leftValueReference": "$Permission.Chat_Bypass", "operator": "EqualTo",
                "rightValue": {"booleanValue": false}}]),
        "and",
        "E",
        None
    )]);
    let v = run(&meta);
    assert_eq!(v.verdict.label(), "mayBlock");
    assert!(
        words(&v).contains("$Permission.Chat_Bypass"),
        "{}",
        words(&v)
    );

    // Outcome false → default path; the Custom Error is not reached and says why.
    meta["decisions"] = json!([decision(
        "D",
        json!([{"leftValueReference": "$Record.Status", "operator": "EqualTo",
                "rightValue": {"stringValue": "Ended"}}]),
        "and",
        "E",
        None
    )]);
    let v = run(&meta);
    assert_eq!(v.verdict.label(), "unlikely", "{v:#?}");
    let e = v
        .evidence
        .iter()
        .find(|e| e.element == "E")
        .expect("evidence");
    assert_eq!(e.outcome, Outcome::NotReached);
    assert!(e.why.contains("does not take outcome"), "{}", e.why);
}

#[test]
fn assignments_before_a_decision_are_tracked() {
    let mut meta = before_save("Create", Some("A"));
    meta["assignments"] = json!([{"name": "A", "assignmentItems": [
        {"assignToReference": "$Record.Customer_Tier__c", "operator": "Assign", "value": {"stringValue": "Gold"}}],
        "connector": {"targetReference": "D"}}]);
    meta["decisions"] = json!([decision(
        "D",
        json!([{"leftValueReference": "$Record.Customer_Tier__c", "operator": "IsNull",
                "rightValue": {"booleanValue": true}}]),
        "and",
        "E",
        None
    )]);
    meta["customErrors"] = json!([custom_error("E", "Tier needed.")]);
    assert_eq!(run(&meta).verdict.label(), "unlikely");
    // Without the assignment the tier is blank at insert.
    meta["start"]["connector"] = json!({"targetReference": "D"});
    assert_eq!(run(&meta).verdict.label(), "blocks");
}

#[test]
fn before_save_update_of_the_record_only_sets_fields() {
    let mut meta = before_save("Create", Some("U"));
    meta["recordUpdates"] = json!([{"name": "U", "inputReference": "$Record",
        "inputAssignments": [{"field": "Customer_Tier__c", "value": {"stringValue": "Gold"}}],
        "connector": {"targetReference": "D"}}]);
    meta["decisions"] = json!([decision(
        "D",
        json!([{"leftValueReference": "$Record.Customer_Tier__c", "operator": "EqualTo",
                "rightValue": {"stringValue": "Gold"}}]),
        "and",
        "E",
        None
    )]);
    meta["customErrors"] = json!([custom_error("E", "Gold!")]);
    let v = run(&meta);
    assert_eq!(v.verdict.label(), "blocks", "{v:#?}");

    // After save, an Update Records on $Record re-saves the session: may block.
    meta["start"]["triggerType"] = json!("RecordAfterSave");
    meta["start"]["connector"] = json!({"targetReference": "U"});
    meta["recordUpdates"][0]
        .as_object_mut()
        .map(|u| u.remove("connector"));
    let v = run(&meta);
    assert_eq!(v.verdict.label(), "mayBlock");
    assert!(
        words(&v).contains("saves the MessagingSession again"),
        "{}",
        words(&v)
    );
}

#[test]
fn actions_subflows_and_paths_that_end_harmlessly() {
    let mut meta = before_save("Create", Some("Act"));
    meta["start"]["triggerType"] = json!("RecordAfterSave");
    meta["actionCalls"] = json!([{"name": "Act", "actionName": "RouteChat", "actionType": "apex",
        "connector": {"targetReference": "Sub"}}]);
    meta["subflows"] = json!([{"name": "Sub", "flowName": "Shared_Stuff",
        "faultConnector": {"targetReference": "Log"}}]);
    meta["assignments"] = json!([{"name": "Log", "assignmentItems": []}]);
    let v = run(&meta);
    assert_eq!(v.verdict.label(), "mayBlock");
    let w = words(&v);
    assert!(w.contains("invocable Apex RouteChat"), "{w}");
    assert!(
        !w.contains("Shared_Stuff"),
        "subflow with a fault connector: {w}"
    );
    let sub = v.evidence.iter().find(|e| e.element == "Sub").expect("sub");
    assert_eq!(sub.outcome, Outcome::Harmless);
    assert!(sub.has_fault_path);

    // A flow with only assignments and a decision is harmless.
    let mut meta = before_save("Create", Some("A"));
    meta["assignments"] = json!([{"name": "A", "assignmentItems": [
        {"assignToReference": "$Record.Region__c", "operator": "Assign", "value": {"stringValue": "EMEA"}}]}]);
    let v = run(&meta);
    assert_eq!(v.verdict.label(), "unlikely");
    assert!(v.evidence.is_empty());
}

#[test]
fn unknown_decisions_that_both_lead_to_the_error_may_block() {
    let mut meta = before_save("Create", Some("D"));
    meta["decisions"] = json!([decision(
        "D",
        json!([{"leftValueReference": "$Record.Owner.Name", "operator": "EqualTo",
                "rightValue": {"stringValue": "Queue"}}]),
        "and",
        "E",
        Some("E")
    )]);
    meta["customErrors"] = json!([custom_error("E", "Stop.")]);
    let v = run(&meta);
    // Conservative: both outcomes reach it, each under its condition.
    assert_eq!(v.verdict.label(), "mayBlock", "{v:#?}");
    assert!(words(&v).contains("Owner.Name (a related record's field)"));
}

#[test]
fn a_cycle_that_changes_nothing_may_block_and_ends() {
    let mut meta = before_save("Create", Some("A"));
    meta["assignments"] = json!([{"name": "A", "assignmentItems": [], "connector": {"targetReference": "B"}},
        {"name": "B", "assignmentItems": [], "connector": {"targetReference": "A", "isGoTo": true}}]);
    let v = run(&meta);
    assert_eq!(v.verdict.label(), "mayBlock", "{v:#?}");
    assert!(words(&v).contains("comes back to"));
}

// ===== never panic =============================================================================

#[test]
fn malformed_metadata_gives_a_verdict_not_a_panic() {
    let weird = [
        json!(null),
        json!("a string"),
        json!(42),
        json!([1, 2, 3]),
        json!({}),
        json!({"Metadata": "not an object"}),
        json!({"start": "nope"}),
        json!({"start": {"object": 7, "triggerType": ["RecordBeforeSave"], "filters": 3,
                         "filterLogic": {"x": 1}, "connector": 5}}),
        json!({"start": {"connector": {"targetReference": "Missing"}}}),
        json!({"start": {"connector": {"targetReference": "D"}},
               "decisions": {"name": "D", "rules": "bad", "defaultConnector": 1}}),
        json!({"start": {"connector": {"targetReference": "L"}},
               "loops": [{"name": "L", "nextValueConnector": {"targetReference": "L"}}]}),
        json!({"start": {"connector": {"targetReference": "E"}}, "customErrors": [{"name": "E"}]}),
        json!({"start": {"connector": {"targetReference": "X"}},
               "assignments": [{"name": 5}, {"name": "X", "assignmentItems": [{"assignToReference": null}, 7]}]}),
        json!({"start": {"filterFormula": "{!", "connector": {"targetReference": "X"}}}),
        json!({"start": {"filterFormula": "'unterminated", "filters": [{"operator": "IsChanged"}]}}),
        json!({"start": {"filters": [{"field": "Status", "operator": "Bogus", "value": {"numberValue": "x"}}]}}),
        json!({"records": [{"Metadata": {}}, {"Metadata": {}}]}),
    ];
    let mut f = source("F");
    f.trigger_type = Some("RecordBeforeSave".into());
    f.record_trigger_type = Some("Create".into());
    for m in &weird {
        let v = analyze_flow(&f, Some(m), &record());
        assert!(!v.summary.is_empty(), "{m}");
        let _ = serde_json::to_string(&v).expect("serialises");
    }
    // No start: a clear cannotSee.
    let v = analyze_flow(&f, Some(&json!({"label": "x"})), &record());
    assert_eq!(v.verdict.label(), "cannotSee");
    assert!(words(&v).contains("no start element"), "{}", words(&v));
    // Not an object at all.
    let v = analyze_flow(&f, Some(&json!([1])), &record());
    assert!(
        words(&v).contains("not Flow Metadata JSON"),
        "{}",
        words(&v)
    );
    // A connector to an element that does not exist is reported.
    let v = analyze_flow(
        &f,
        Some(&json!({"start": {"connector": {"targetReference": "Missing"}}})),
        &record(),
    );
    assert_eq!(v.verdict.label(), "cannotSee");
    assert!(words(&v).contains("'Missing'"));
}

#[test]
fn huge_arrays_and_deep_cycles_are_bounded() {
    // More elements than the analyser reads.
    let many: Vec<Value> = (0..6_000)
        .map(|i| json!({"name": format!("A{i}"), "assignmentItems": []}))
        .collect();
    let mut meta = before_save("Create", Some("A0"));
    meta["assignments"] = json!(many);
    let v = run(&meta);
    assert_eq!(v.verdict.label(), "cannotSee");
    assert!(words(&v).contains("6000 elements"), "{}", words(&v));

    // A ring of 4 000 assignments: followed once, then recognised as a cycle.
    let ring: Vec<Value> = (0..4_000)
        .map(|i| {
            json!({"name": format!("A{i}"), "assignmentItems": [],
                   "connector": {"targetReference": format!("A{}", (i + 1) % 4_000)}})
        })
        .collect();
    meta["assignments"] = json!(ring);
    let v = run(&meta);
    assert!(
        matches!(
            v.verdict,
            Verdict::MayBlock { .. } | Verdict::CannotSee { .. }
        ),
        "{:?}",
        v.verdict
    );

    // 40 decisions in a row on an unknown value: 2^40 paths, cut by the step budget.
    let decisions: Vec<Value> = (0..40)
        .map(|i| {
            let next = if i == 39 {
                "E".to_string()
            } else {
                format!("D{}", i + 1)
            };
            decision(
                &format!("D{i}"),
                json!([{"leftValueReference": "$Record.Reason__c", "operator": "EqualTo",
                        "rightValue": {"stringValue": format!("R{i}")}}]),
                "and",
                &next,
                Some(&next),
            )
        })
        .collect();
    let mut meta = before_save("Create", Some("D0"));
    meta["decisions"] = json!(decisions);
    meta["customErrors"] = json!([custom_error("E", "Stop.")]);
    let r = InsertedRecord::messaging_session_at_start(&["Reason__c"]);
    let v = analyze_flow(&source("F"), Some(&meta), &r);
    assert_eq!(v.verdict.label(), "mayBlock", "{:?}", v.verdict);
    assert!(
        v.unseen.iter().any(|u| u.contains("element visits")),
        "{:?}",
        v.unseen
    );

    // Huge filter and condition lists.
    let filters: Vec<Value> = (0..50_000)
        .map(|_| json!({"field": "Status", "operator": "EqualTo", "value": {"stringValue": "Waiting"}}))
        .collect();
    let mut meta = before_save("Create", None);
    meta["start"]["filters"] = json!(filters);
    let _ = run(&meta);
    let logic = "1 AND ".repeat(20_000) + "1";
    meta["start"]["filterLogic"] = json!(logic);
    let _ = run(&meta);
    let deep = "(".repeat(5_000) + "1" + &")".repeat(5_000);
    meta["start"]["filterLogic"] = json!(deep);
    let v = run(&meta);
    assert!(
        matches!(v.entry.state, EntryState::MayBeMet { .. }),
        "{:?}",
        v.entry
    );

    // A long chain of formula resources referring to each other (and to themselves).
    let formulas: Vec<Value> = (0..50)
        .map(|i| json!({"name": format!("f{i}"), "expression": format!("{{!f{}}}", i + 1)}))
        .chain(std::iter::once(
            json!({"name": "f50", "expression": "{!f50}"}),
        ))
        .collect();
    let mut meta = before_save("Create", None);
    meta["start"]["filterFormula"] = json!("{!f0}");
    meta["formulas"] = json!(formulas);
    let v = run(&meta);
    assert!(
        matches!(v.entry.state, EntryState::MayBeMet { .. }),
        "{:?}",
        v.entry
    );
}

#[test]
fn verdicts_serialise_in_camel_case() {
    let mut meta = before_save("Create", Some("E"));
    meta["customErrors"] = json!([custom_error("E", "Stop.")]);
    let v = serde_json::to_value(run(&meta)).expect("json");
    assert_eq!(v["verdict"]["kind"], "blocks");
    assert_eq!(v["timing"], "beforeSave");
    assert_eq!(v["entry"]["state"]["kind"], "met");
    assert_eq!(v["path"][1]["elementType"], "customError");
    assert_eq!(v["evidence"][0]["hasFaultPath"], false);
    assert_eq!(v["evidence"][0]["outcome"], "blocks");
}

#[test]
fn a_field_the_model_marks_unknown_names_its_reason() {
    let mut r = record();
    r.fields.insert(
        "Priority__c".into(),
        FieldValue::unknown("set by a routing rule"),
    );
    let mut meta = before_save("Create", Some("D"));
    meta["decisions"] = json!([decision(
        "D",
        json!([{"leftValueReference": "$Record.Priority__c", "operator": "GreaterThan",
                "rightValue": {"numberValue": 2}}]),
        "and",
        "E",
        None
    )]);
    meta["customErrors"] = json!([custom_error("E", "Too urgent.")]);
    let v = analyze_flow(&source("F"), Some(&meta), &r);
    assert!(
        words(&v).contains("Priority__c (set by a routing rule)"),
        "{}",
        words(&v)
    );
}

#[test]
fn the_record_id_is_blank_before_save_and_set_after() {
    for (trigger, want) in [
        ("RecordBeforeSave", "blocks"),
        ("RecordAfterSave", "unlikely"),
    ] {
        let mut meta = before_save("Create", Some("D"));
        meta["start"]["triggerType"] = json!(trigger);
        meta["decisions"] = json!([decision(
            "D",
            json!([{"leftValueReference": "$Record.Id", "operator": "IsNull",
                    "rightValue": {"booleanValue": true}}]),
            "and",
            "E",
            None
        )]);
        meta["customErrors"] = json!([custom_error("E", "No id.")]);
        assert_eq!(run(&meta).verdict.label(), want, "{trigger}");
    }
}

// ===== size ====================================================================================

/// A decision whose outcomes each hinge on their own unknown custom permission; the last one
/// leads to the Custom Error `E`, the others to nothing.
fn many_outcomes(n: usize, last_known_true: bool) -> Value {
    let rules: Vec<Value> = (0..n)
        .map(|k| {
            let (left, right) = if last_known_true {
                // $User.UserType is known on insert: Standard is false, AutomatedProcess true.
                let v = if k + 1 == n { "AutomatedProcess" } else { "Standard" };
                ("$User.UserType".to_string(), json!({"stringValue": v}))
            } else {
                (format!("$Permission.P{k}"), json!({"booleanValue": true}))
            };
            let mut r = json!({"name": format!("O{k}"), "label": format!("Outcome {k}"),
                "conditionLogic": "and",
                "conditions": [{"leftValueReference": left, "operator": "EqualTo", "rightValue": right}]});
            if k + 1 == n {
                r["connector"] = json!({"targetReference": "E"});
            }
            r
        })
        .collect();
    let mut meta = before_save("Create", Some("D"));
    meta["decisions"] = json!([{"name": "D", "label": "D", "rules": rules}]);
    meta["customErrors"] = json!([custom_error("E", "Stop.")]);
    meta
}

#[test]
fn a_thousand_outcome_decision_keeps_its_verdict_and_short_conditions() {
    let v = run(&many_outcomes(1_000, false));
    assert_eq!(v.verdict.label(), "mayBlock", "{}", words(&v));
    let text = words(&v);
    assert!(text.contains("takes outcome 'Outcome 999'"), "{text}");
    assert!(text.contains("$Permission.P999"), "{text}");
    // The 999 outcomes before it are one condition, not 999.
    assert!(
        text.contains("takes none of its 999 earlier outcomes ('Outcome 0', 'Outcome 1', 'Outcome 2' and 996 more)"),
        "{text}"
    );
    let e = v.evidence.iter().find(|e| e.element == "E").expect("E");
    assert_eq!(e.conditions.len(), 1, "{:?}", e.conditions);
    assert!(e.conditions[0].len() < 1_000, "{}", e.conditions[0]);

    // Known outcomes: the 999 false ones are passed over and the last one is taken.
    let v = run(&many_outcomes(1_000, true));
    assert_eq!(v.verdict.label(), "blocks", "{}", words(&v));
    let path: Vec<_> = v.path.iter().map(|p| p.element.as_str()).collect();
    assert_eq!(path, ["Start", "D", "E"]);
}

#[test]
fn up_to_three_untaken_outcomes_are_listed_one_by_one() {
    let v = run(&many_outcomes(4, false));
    let text = words(&v);
    for k in 0..3 {
        assert!(
            text.contains(&format!("does not take outcome 'Outcome {k}'")),
            "{text}"
        );
    }
    assert!(!text.contains("earlier outcomes"), "{text}");
}
