//! Untrusted text with multi-byte characters, cut at every character boundary, through each
//! public entry point that reads page or org text: nothing panics (a byte-index slice inside a
//! character would). The texts hold the shapes each reader slices around: org ids, quotes,
//! escapes, separators, brackets.

use messaging_doctor::analysis::apex::{analyze_trigger, ClassSource, TriggerSource};
use messaging_doctor::analysis::flow::{analyze_flow, FlowSource};
use messaging_doctor::analysis::formula::{judge_rule, parse};
use messaging_doctor::analysis::record::InsertedRecord;
use messaging_doctor::capture::log::parse_log;
use messaging_doctor::page::{analyze, PageEvidence, ResourceEvidence, ScriptEvidence};

/// Every prefix and suffix of `text` at a character boundary.
fn cuts(text: &str) -> impl Iterator<Item = &str> {
    text.char_indices()
        .flat_map(move |(i, _)| [&text[..i], &text[i..]])
}

#[test]
fn the_page_scan() {
    let text = "é<script>embeddedservice_bootstrap.init('00DHu00000abcdé','Wéb_Chat','https://acmé.my.site.com\\ESW',{scrt2URL:'https://ü。my.salesforce-scrt.com'});initEmbeddedMessaging();</script>https://a.my.site.com/ESW漢1712345678901/assets/js/bootstrap.min.js";
    for t in cuts(text) {
        let _ = analyze(&PageEvidence {
            url: t.to_string(),
            scripts: vec![ScriptEvidence {
                index: 1,
                inline: Some(t.to_string()),
                src: Some(t.to_string()),
                onload: Some(t.to_string()),
                ..Default::default()
            }],
            resources: vec![ResourceEvidence {
                url: t.to_string(),
                ..Default::default()
            }],
            page_age_ms: Some(1_000.0),
            ..Default::default()
        });
    }
}

#[test]
fn the_formula_engine() {
    let text = "IF(AND(ISPICKVAL(Statüs__c,'Ñew'),LEFT($User.Fírst,3)=\"漢字\"),MID(Name,2,1)&'🙂',REGEX(Name,'[é-ü]+\\\\d'))";
    let record = InsertedRecord::messaging_session_at_start(&["Statüs__c"]);
    for t in cuts(text) {
        let _ = parse(t);
        let _ = judge_rule(t, true, &record);
    }
}

#[test]
fn the_apex_analyser() {
    let text = "trigger Tré on MessagingSession (before insert) { for (MessagingSession s : Trigger.new) { if (s.Ñame__c == 'é') { s.addError('Stöp 🙂'); } String x = '\\u00e9'; /* 漢 */ } }";
    let record = InsertedRecord::messaging_session_at_start(&[]);
    for t in cuts(text) {
        let trigger = TriggerSource {
            name: "Tré".into(),
            body: t.to_string(),
            status: "Active".into(),
            usage_before_insert: true,
            ..Default::default()
        };
        let classes = [ClassSource {
            name: "Hé".into(),
            body: t.to_string(),
            namespace_prefix: None,
        }];
        let _ = analyze_trigger(&trigger, &classes, &record);
    }
}

#[test]
fn the_flow_analyser() {
    let names = "Décision_漢字_🙂_Ñ";
    let record = InsertedRecord::messaging_session_at_start(&[]);
    let source = FlowSource {
        api_name: "F".into(),
        is_active: true,
        process_type: Some("AutoLaunchedFlow".into()),
        ..Default::default()
    };
    for t in cuts(names) {
        let meta = serde_json::json!({
            "start": {"object": "MessagingSession", "triggerType": "RecordBeforeSave",
                      "recordTriggerType": "Create", "connector": {"targetReference": t},
                      "filterFormula": format!("{{!$Record.{t}__r.Name}} = '{t}'")},
            "decisions": [{"name": t, "label": t, "rules": [{"name": t, "label": t,
                "conditionLogic": format!("1 OR {t}"),
                "conditions": [{"leftValueReference": format!("$Permission.{t}"), "operator": "EqualTo",
                                "rightValue": {"stringValue": t}}],
                "connector": {"targetReference": "E"}}]}],
            "customErrors": [{"name": "E", "label": t,
                "customErrorMessages": [{"errorMessage": t, "isFieldError": false}]}]
        });
        let _ = analyze_flow(&source, Some(&meta), &record);
    }
}

#[test]
fn the_debug_log_parser() {
    let text = "64.0 APEX_CODE,FINEST;DB,INFO\n12:00:00.0 (1)|DML_BEGIN|[7]|Op:Insert|Type:MessagingSession|Rows:1\n12:00:00.0 (2)|FATAL_ERROR|System.DmlException: Insert failed. First exception on row 0; first error: FIELD_CUSTOM_VALIDATION_EXCEPTION, Stöp 漢字 “Flöw” 🙂: [Ñame__c]\n\nTrigger.Tré: line 3, column 1\n12:00:00.0 (3)|FLOW_ELEMENT_ERROR|Ünable|Décision|Flöw\n";
    for t in cuts(text) {
        let _ = parse_log(t);
    }
}
