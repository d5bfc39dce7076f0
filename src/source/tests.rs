use super::*;

fn field(name: &str, ty: &str, required: bool) -> SourceField {
    SourceField {
        object: "MessagingSession".into(),
        name: name.into(),
        field_type: ty.into(),
        required,
        at: Located::new("f.field-meta.xml", 4),
        ..Default::default()
    }
}

fn codes(r: &SourceReport) -> Vec<(&str, &str)> {
    r.findings
        .iter()
        .map(|f| (f.finding.code.as_str(), f.item.as_str()))
        .collect()
}

#[test]
fn required_fields_follow_the_org_check_s_rule() {
    let mut with_default = field("Region__c", "Text", true);
    with_default.default_value = Some("'EMEA'".into());
    let mut formula = field("Score__c", "Number", true);
    formula.formula = true;
    let input = SourceInput {
        fields: vec![
            field("Reason__c", "Picklist", true),
            field("Parent__c", "MasterDetail", false),
            field("Flag__c", "Checkbox", true),
            field("Optional__c", "Text", false),
            with_default,
            formula,
        ],
        ..Default::default()
    };
    let r = check(&input);
    assert_eq!(
        codes(&r),
        vec![
            ("org/required-field", "field:MessagingSession.Reason__c"),
            ("org/required-field", "field:MessagingSession.Parent__c"),
        ]
    );
    assert_eq!(r.findings[0].at.show(), "f.field-meta.xml:4");
    let rf = r.checks.iter().find(|c| c.id == "required-fields").unwrap();
    assert_eq!(rf.status, CheckStatus::Problem);
}

#[test]
fn a_rule_finding_points_at_the_deciding_line_of_the_formula() {
    let rule = |name: &str, active: bool, formula: &str| SourceRule {
        object: "MessagingSession".into(),
        name: name.into(),
        active,
        formula: formula.into(),
        error_message: "m".into(),
        at: Located::new("r.validationRule-meta.xml", 10),
    };
    let input = SourceInput {
        rules: vec![
            rule(
                "Blocks",
                true,
                "OR(\n  ISPICKVAL(Status, 'Ended'),\n  ISBLANK(Reason__c)\n)",
            ),
            rule("Inactive", false, "TRUE"),
            rule("Harmless", true, "AND(NOT(ISNEW()), ISBLANK(Reason__c))"),
            rule("Broken", true, "AND(("),
        ],
        ..Default::default()
    };
    let r = check(&input);
    assert_eq!(
        codes(&r),
        vec![
            ("org/validation-rule-blocks", "rule:MessagingSession.Blocks"),
            ("org/validation-rule-review", "rule:MessagingSession.Broken"),
        ]
    );
    // ISBLANK(Reason__c) on the formula's third line decides it: line 10 + 2.
    assert_eq!(r.findings[0].at.line, 12, "{:#?}", r.findings[0]);
    let summary = &r
        .checks
        .iter()
        .find(|c| c.id == "validation-rules")
        .unwrap();
    assert_eq!(summary.status, CheckStatus::Problem);
}

#[test]
fn unreadable_files_are_warnings_and_live_org_checks_are_skipped() {
    let input = SourceInput {
        problems: vec![FileProblem {
            file: "x.flow-meta.xml".into(),
            line: Some(7),
            kind: "malformed XML".into(),
            detail: "unexpected end".into(),
        }],
        ..Default::default()
    };
    let r = check(&input);
    assert_eq!(r.findings.len(), 1);
    let f = &r.findings[0];
    assert_eq!(f.finding.code, "source/file-unreadable");
    assert_eq!(f.finding.severity, Severity::Warning);
    assert_eq!(f.at.show(), "x.flow-meta.xml:7");
    assert_eq!(r.count_at_least(Severity::Error), 0);
    assert_eq!(r.count_at_least(Severity::Warning), 1);
    for id in ["storage", "recent-sessions"] {
        let c = r.checks.iter().find(|c| c.id == id).unwrap();
        assert_eq!(c.status, CheckStatus::Skipped);
    }
}

#[test]
fn triggers_on_other_objects_are_not_judged() {
    let input = SourceInput {
        triggers: vec![SourceTrigger {
            name: "AccountGuard".into(),
            body: "trigger AccountGuard on Account (before insert) { for (Account a : Trigger.new) { a.addError('x'); } }".into(),
            status: "Active".into(),
            file: "AccountGuard.trigger".into(),
            meta_file: None,
        }],
        ..Default::default()
    };
    let r = check(&input);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(
        trigger_object("trigger T on MessagingEndUser (after insert) {}").as_deref(),
        Some("MessagingEndUser")
    );
}
