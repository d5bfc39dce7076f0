//! Tests of the debug-log parser: the fixture table (`tests/fixtures/logs/<case>.log` +
//! `<case>.expected.json`, each also fed in pseudo-random chunks), the field readers, the
//! bounds, and inputs that must not panic.

use super::log::{
    event_shape, is_known_event, parse_dml_status, parse_exception, parse_header, split_formula,
    KNOWN_EVENTS,
};
use super::*;
use serde_json::Value;
use std::path::PathBuf;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs")
}

/// Deterministic xorshift64*: no rand crate, same splits on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

fn parse_bytes(bytes: &[u8]) -> LogSummary {
    let mut p = LogParser::new();
    p.feed_bytes(bytes);
    p.finish()
}

/// Feeds `bytes` in chunks of 1..=max bytes (splitting lines and UTF-8 characters anywhere).
fn parse_byte_chunks(bytes: &[u8], rng: &mut Rng, max: u64) -> LogSummary {
    let mut p = LogParser::new();
    let mut i = 0;
    while i < bytes.len() {
        let n = 1 + rng.below(max) as usize;
        let end = (i + n).min(bytes.len());
        p.feed_bytes(&bytes[i..end]);
        i = end;
    }
    p.finish()
}

/// Feeds `text` in chunks of about 1..=max bytes, cut at character boundaries.
fn parse_str_chunks(text: &str, rng: &mut Rng, max: u64) -> LogSummary {
    let mut p = LogParser::new();
    let mut i = 0;
    while i < text.len() {
        let mut end = (i + 1 + rng.below(max) as usize).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        p.feed(&text[i..end]);
        i = end;
    }
    p.finish()
}

/// Every key of `expected` is in `actual` with a matching value; arrays match element-wise
/// and in length.
fn subset(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                let av = a
                    .get(k)
                    .ok_or_else(|| format!("{path}.{k}: missing in actual"))?;
                subset(v, av, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: expected {} items, got {}: {a:?}",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset(ev, av, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        _ if expected == actual => Ok(()),
        _ => Err(format!("{path}: expected {expected}, got {actual}")),
    }
}

/// The finding code of the insert each fixture is about.
const CASES: &[(&str, &str)] = &[
    ("validation-rule", "capture/validation-rule"),
    ("validation-rule-sim", "capture/validation-rule"),
    ("required-field", "capture/required-field"),
    ("flow-custom-error", "capture/flow-custom-error"),
    ("flow-fault", "capture/flow-fault"),
    ("trigger-exception", "capture/trigger-exception"),
    ("trigger-adderror", "capture/trigger-adderror"),
    ("storage-limit", "capture/storage-limit"),
    ("success", "capture/insert-ok"),
    ("truncated", "capture/validation-rule"),
    ("cut-mid-line", "capture/inconclusive"),
    ("cut-after-failure", "capture/validation-rule"),
    ("garbled", "capture/required-field"),
    ("no-dml-insert", "capture/trigger-exception"),
    ("log-scope", "capture/required-field"),
];

#[test]
fn fixture_table() {
    let mut on_disk: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures dir")
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".log"))
                .map(str::to_string)
        })
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every fixture is in CASES and vice versa");

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (name, code) in CASES {
        let bytes = std::fs::read(fixtures_dir().join(format!("{name}.log"))).unwrap();
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(fixtures_dir().join(format!("{name}.expected.json"))).unwrap(),
        )
        .unwrap_or_else(|e| panic!("{name}.expected.json: {e}"));
        let whole = parse_bytes(&bytes);
        let actual = serde_json::to_value(&whole).unwrap();
        if let Err(e) = subset(&expected, &actual, name) {
            panic!(
                "{e}\nactual: {}",
                serde_json::to_string_pretty(&actual).unwrap()
            );
        }
        let decisive = whole.decisive_insert().expect("an insert");
        assert_eq!(decisive.finding_code(), *code, "{name}");
        for e in decisive.evidence.windows(2) {
            assert!(e[0].line < e[1].line, "{name}: evidence in log order");
        }

        // Chunked feeding, split anywhere (bytes) and at char boundaries (text).
        for max in [1, 3, 7, 64, 512, 4096] {
            for _ in 0..4 {
                let chunked = parse_byte_chunks(&bytes, &mut rng, max);
                assert_eq!(chunked, whole, "{name}: byte chunks of up to {max}");
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        assert_eq!(parse_log(&text), whole, "{name}: as text");
        for max in [1, 5, 100, 2000] {
            let chunked = parse_str_chunks(&text, &mut rng, max);
            assert_eq!(chunked, whole, "{name}: text chunks of up to {max}");
        }
    }
}

#[test]
fn known_events_are_sorted_and_unique() {
    for w in KNOWN_EVENTS.windows(2) {
        assert!(w[0] < w[1], "{} !< {}", w[0], w[1]);
    }
    assert!(is_known_event("DML_BEGIN"));
    assert!(is_known_event("FLOW_ELEMENT_ERROR"));
    assert!(!is_known_event("DML_BEGI"));
}

#[test]
fn event_line_shapes() {
    let l = "09:18:22.6 (100)|FLOW_ELEMENT_ERROR|x";
    let (a, b) = event_shape(l).unwrap();
    assert_eq!(&l[a..b], "FLOW_ELEMENT_ERROR");
    let l = "10:15:02.106 (106470312)|EXECUTION_FINISHED";
    let (a, b) = event_shape(l).unwrap();
    assert_eq!(&l[a..b], "EXECUTION_FINISHED");
    assert!(event_shape("1:02:03 (5)|X").is_some());
    for bad in [
        "",
        "12:00:00.001",
        "12:00:00.001 (12",
        "12:00:00.001 (12)",
        "12:00:00.001 (12)|",
        "12:00:00.001 (12)|lower",
        "12:00:00.001 (12)|EVENT name",
        "12:0x:00.001 (12)|EVENT",
        "12:00:00. (12)|EVENT",
        "AnonymousBlock: line 1, column 1",
    ] {
        assert!(event_shape(bad).is_none(), "{bad:?}");
    }
}

#[test]
fn header_lines() {
    let (v, rest) = parse_header("65.0 APEX_CODE,FINEST;APEX_PROFILING,INFO").unwrap();
    assert_eq!(v, "65.0");
    assert!(rest.starts_with("APEX_CODE,FINEST"));
    assert!(parse_header("65.0 hello, world").is_none());
    assert!(parse_header("Execute Anonymous: x").is_none());
    let s = parse_log("58.0 APEX_CODE,NONE;DB,INFO\n01:00:00.1 (1)|DML_BEGIN|[1]|Op:Insert|Type:MessagingSession|Rows:1\n01:00:00.1 (2)|DML_END|[1]\n");
    assert_eq!(s.api_version.as_deref(), Some("58.0"));
    assert_eq!(s.log_levels.len(), 2);
    // Apex logging off: a quiet insert proves nothing.
    assert_eq!(s.inserts[0].outcome, InsertOutcome::Unknown);
    assert_eq!(s.inserts[0].finding_code(), "capture/inconclusive");
}

#[test]
fn dml_status_variants() {
    let (code, msg, fields, _) = parse_dml_status(
        "System.DmlException: Insert failed. First exception on row 0; first error: FIELD_CUSTOM_VALIDATION_EXCEPTION, Please select a reason: [Reason__c]",
    )
    .unwrap();
    assert_eq!(code, "FIELD_CUSTOM_VALIDATION_EXCEPTION");
    assert_eq!(msg, "Please select a reason");
    assert_eq!(fields, vec!["Reason__c"]);

    let (code, msg, fields, _) = parse_dml_status(
        "Insert failed. First exception on row 0; first error: REQUIRED_FIELD_MISSING, Required fields are missing: [Name, Topic__c]: [Name, Topic__c]\n\nClass.X.y: line 18, column 1",
    )
    .unwrap();
    assert_eq!(code, "REQUIRED_FIELD_MISSING");
    assert_eq!(msg, "Required fields are missing: [Name, Topic__c]");
    assert_eq!(fields, vec!["Name", "Topic__c"]);

    let (code, msg, fields, _) = parse_dml_status(
        "first error: STORAGE_LIMIT_EXCEEDED, storage limit exceeded: []\n\nClass.APIService.doPost: line 18, column 1",
    )
    .unwrap();
    assert_eq!(
        (code.as_str(), msg.as_str(), fields.len()),
        ("STORAGE_LIMIT_EXCEEDED", "storage limit exceeded", 0)
    );

    // The first "first error:" is the insert's own; a nested one stays in the message.
    let (code, msg, _, raw) = parse_dml_status(
        "first error: CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY, T: execution of AfterInsert\n\ncaused by: System.DmlException: Insert failed. First exception on row 0; first error: FIELD_CUSTOM_VALIDATION_EXCEPTION, Cases need a subject.: []\n\nTrigger.T: line 4, column 1: []",
    )
    .unwrap();
    assert_eq!(code, "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY");
    assert!(msg.starts_with("T: execution of AfterInsert"), "{msg}");
    assert!(raw.contains("Trigger.T: line 4"));

    for bad in [
        "first error: ",
        "first error: ab, x",
        "no status here",
        "first error:X",
    ] {
        assert!(parse_dml_status(bad).is_none(), "{bad}");
    }
}

#[test]
fn formula_and_values_split() {
    assert_eq!(
        split_formula("ISBLANK(A) || ISBLANK(B)|A=null , B=null"),
        ("ISBLANK(A) || ISBLANK(B)", Some("A=null , B=null"))
    );
    assert_eq!(
        split_formula("AND(\nISBLANK(Name))|Name=null").1,
        Some("Name=null")
    );
    assert_eq!(split_formula("LEN(Name) > 80"), ("LEN(Name) > 80", None));
    assert_eq!(split_formula("A||B").1, None);
}

#[test]
fn exception_text() {
    let (ty, msg, stack) = parse_exception(
        "System.NullPointerException: Attempt to de-reference a null object\n\nClass.H.route: line 12, column 1\nTrigger.T: line 3, column 1",
    );
    assert_eq!(ty.as_deref(), Some("System.NullPointerException"));
    assert_eq!(msg, "Attempt to de-reference a null object");
    assert_eq!(stack.len(), 2);
    let (ty, msg, _) = parse_exception("Something went wrong: badly");
    assert_eq!(ty, None);
    assert_eq!(msg, "Something went wrong: badly");
    let (ty, msg, _) = parse_exception("System.LimitException: Apex CPU time limit exceeded");
    assert_eq!(ty.as_deref(), Some("System.LimitException"));
    assert_eq!(msg, "Apex CPU time limit exceeded");
}

#[test]
fn flow_element_error_field_orders() {
    let base = |line: &str| {
        format!(
            "65.0 APEX_CODE,FINEST;WORKFLOW,FINER\n\
             01:00:00.1 (1)|DML_BEGIN|[EXTERNAL]|Op:Insert|Type:MessagingSession|Rows:1\n\
             01:00:00.1 (2)|FLOW_START_INTERVIEW_BEGIN|a1b2c3d4e5|My Flow\n\
             01:00:00.1 (3)|FLOW_ELEMENT_BEGIN|a1b2c3d4e5|FlowCustomError|Stop_It\n\
             {line}\n\
             01:00:00.1 (5)|FLOW_START_INTERVIEW_END|a1b2c3d4e5|My Flow\n\
             01:00:00.1 (6)|DML_END|[EXTERNAL]\n"
        )
    };
    let expect = LogCause::FlowCustomError {
        flow: Some("My Flow".into()),
        element: Some("Stop_It".into()),
        message: "Nope: a|b".into(),
    };
    for line in [
        "01:00:00.1 (4)|FLOW_ELEMENT_ERROR|Nope: a|b|FlowCustomError|Stop_It",
        "01:00:00.1 (4)|FLOW_ELEMENT_ERROR|FlowCustomError|Stop_It|Nope: a|b",
        "01:00:00.1 (4)|FLOW_ELEMENT_ERROR|Nope: a|b",
    ] {
        let s = parse_log(&base(line));
        assert_eq!(s.inserts[0].cause.as_ref(), Some(&expect), "{line}");
        assert_eq!(s.inserts[0].outcome, InsertOutcome::Failed);
    }
    // A message spanning lines with the fields on the continuation line.
    let s = parse_log(&base(
        "01:00:00.1 (4)|FLOW_ELEMENT_ERROR|You have reached the limit.\nActions will start again in the next hour.\n|FlowActionCall|Notify",
    ));
    assert_eq!(
        s.inserts[0].cause,
        Some(LogCause::FlowFault {
            flow: Some("My Flow".into()),
            element: Some("Notify".into()),
            message: "You have reached the limit.\nActions will start again in the next hour."
                .into(),
        })
    );
}

#[test]
fn foreign_dml_inside_the_insert_is_not_its_cause() {
    // A trigger inserts a Case whose validation rule fails; the trigger catches it.
    let log = "\
01:00:00.1 (1)|DML_BEGIN|[EXTERNAL]|Op:Insert|Type:MessagingSession|Rows:1
01:00:00.1 (2)|CODE_UNIT_STARTED|[EXTERNAL]|01q000000000001AAA|T on MessagingSession trigger event AfterInsert|__sfdc_trigger/T
01:00:00.1 (3)|DML_BEGIN|[4]|Op:Insert|Type:Case|Rows:1
01:00:00.1 (4)|VALIDATION_RULE|03d000000000001AAA|Case_Rule
01:00:00.1 (5)|VALIDATION_FORMULA|ISBLANK(Subject)|Subject=null
01:00:00.1 (6)|VALIDATION_FAIL
01:00:00.1 (7)|DML_END|[4]
01:00:00.1 (8)|EXCEPTION_THROWN|[4]|System.DmlException: Insert failed. First exception on row 0; first error: FIELD_CUSTOM_VALIDATION_EXCEPTION, Subject please: [Subject]
01:00:00.1 (9)|CODE_UNIT_FINISHED|T on MessagingSession trigger event AfterInsert|__sfdc_trigger/T
01:00:00.1 (10)|DML_END|[EXTERNAL]
";
    let s = parse_log(log);
    assert_eq!(s.inserts.len(), 1);
    assert_eq!(s.inserts[0].outcome, InsertOutcome::Succeeded, "{s:#?}");
    assert_eq!(s.dml_errors.len(), 1, "the Case error is still listed");
}

#[test]
fn validation_without_status_and_decisive_insert() {
    let log = "\
01:00:00.1 (1)|DML_BEGIN|[EXTERNAL]|Op:Insert|Type:MessagingEndUser|Rows:1
01:00:00.1 (2)|DML_END|[EXTERNAL]
01:00:00.1 (3)|DML_BEGIN|[EXTERNAL]|Op:Insert|Type:MessagingSession|Rows:1
01:00:00.1 (4)|VALIDATION_RULE|Only_Name
01:00:00.1 (5)|VALIDATION_FAIL
01:00:00.1 (6)|DML_END|[EXTERNAL]
";
    let s = parse_log(log);
    assert_eq!(s.inserts.len(), 2);
    assert_eq!(s.inserts[0].outcome, InsertOutcome::Succeeded);
    let d = s.decisive_insert().unwrap();
    assert_eq!(d.object.as_deref(), Some("MessagingSession"));
    match &d.cause {
        Some(LogCause::ValidationRule { name, id, .. }) => {
            assert_eq!(name, "Only_Name");
            assert_eq!(id, &None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn serialised_shape_is_camel_case() {
    let s = parse_log(
        "01:00:00.1 (1)|DML_BEGIN|[EXTERNAL]|Op:Insert|Type:MessagingSession|Rows:1\n\
         01:00:00.1 (2)|EXCEPTION_THROWN|[EXTERNAL]|System.DmlException: Insert failed. First exception on row 0; first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record: []\n\
         01:00:00.1 (3)|DML_END|[EXTERNAL]\n",
    );
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["inserts"][0]["cause"]["kind"], "other");
    assert_eq!(v["inserts"][0]["cause"]["statusCode"], "UNABLE_TO_LOCK_ROW");
    assert_eq!(
        v["inserts"][0]["status"]["statusCode"],
        "UNABLE_TO_LOCK_ROW"
    );
    assert_eq!(s.inserts[0].finding_code(), "capture/unknown-failure");
    assert!(v["counts"]["unknownEvents"].is_u64());
    assert!(v["truncation"]["cutMidLine"].is_boolean());
}

#[test]
fn finding_codes_are_documented() {
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/findings-capture.md"),
    )
    .unwrap();
    let causes = [
        LogCause::ValidationRule {
            name: String::new(),
            id: None,
            formula: None,
            values: None,
            message: None,
        },
        LogCause::RequiredField { fields: vec![] },
        LogCause::FlowCustomError {
            flow: None,
            element: None,
            message: String::new(),
        },
        LogCause::FlowFault {
            flow: None,
            element: None,
            message: String::new(),
        },
        LogCause::TriggerException {
            trigger: None,
            exception_type: None,
            message: String::new(),
            line: None,
            stack: vec![],
        },
        LogCause::TriggerAddError {
            trigger: None,
            message: String::new(),
        },
        LogCause::StorageLimit,
        LogCause::Other {
            status_code: None,
            message: String::new(),
        },
    ];
    let mut codes: Vec<&str> = causes.iter().map(LogCause::finding_code).collect();
    codes.extend(["capture/insert-ok", "capture/inconclusive"]);
    for code in codes {
        assert!(doc.contains(&format!("`{code}`")), "{code} not in docs");
    }
}

// ---------- bounds ----------

#[test]
fn long_lines_are_cut_and_memory_stays_bounded() {
    let mut p = LogParser::new();
    p.feed("65.0 APEX_CODE,FINEST\n01:00:00.1 (1)|USER_DEBUG|[1]|DEBUG|");
    let chunk = "x".repeat(64 * 1024);
    for _ in 0..64 {
        p.feed(&chunk); // 4 MiB on one line
    }
    p.feed("\n01:00:00.1 (2)|DML_BEGIN|[EXTERNAL]|Op:Insert|Type:MessagingSession|Rows:1\n");
    p.feed("01:00:00.1 (3)|FATAL_ERROR|");
    for _ in 0..64 {
        p.feed("é".repeat(10_000).as_str()); // multi-byte characters across the cap
        p.feed("\n");
    }
    p.feed("01:00:00.1 (4)|DML_END|[EXTERNAL]\n");
    let s = p.finish();
    assert_eq!(
        s.counts.long_lines,
        1 + 64,
        "the debug line and each 20 KB continuation line"
    );
    assert_eq!(s.counts.user_debug, 1);
    let a = &s.inserts[0];
    assert_eq!(a.outcome, InsertOutcome::Failed);
    match &a.cause {
        Some(LogCause::Other { message, .. }) => assert!(message.len() <= 2048),
        other => panic!("{other:?}"),
    }
    assert!(a.evidence.iter().all(|e| e.text.len() <= 400));
}

#[test]
fn many_inserts_and_deep_nesting() {
    let mut log = String::new();
    for i in 0..100 {
        log.push_str(&format!(
            "01:00:00.1 ({i})|DML_BEGIN|[EXTERNAL]|Op:Insert|Type:MessagingSession|Rows:1\n01:00:00.1 ({i})|DML_END|[EXTERNAL]\n"
        ));
    }
    for i in 0..5000 {
        log.push_str(&format!(
            "01:00:00.1 ({i})|CODE_UNIT_STARTED|[EXTERNAL]|unit{i}\n"
        ));
    }
    for i in 0..20 {
        log.push_str(&format!(
            "01:00:00.1 ({i})|FLOW_ELEMENT_ERROR|boom {i}|FlowDecision|D{i}\n"
        ));
    }
    let s = parse_log(&log);
    assert_eq!(s.inserts.len(), 16);
    assert_eq!(s.counts.inserts_not_kept, 84);
    assert!(s.truncation.unfinished);
    assert!(s.truncated);
    for a in &s.inserts {
        assert!(a.evidence.len() <= 16);
        assert!(a.other_causes.len() <= 4);
    }
}

#[test]
fn evidence_and_garbled_lists_are_capped() {
    let mut log = String::from(
        "01:00:00.1 (1)|DML_BEGIN|[EXTERNAL]|Op:Insert|Type:MessagingSession|Rows:1\n",
    );
    for i in 0..50 {
        log.push_str(&format!(
            "01:00:00.1 ({i})|VALIDATION_RULE|R{i}\n01:00:00.1 ({i})|VALIDATION_FAIL\n\u{0}noise\n01:00:00.1 ({i})|NEW_EVENT_{i}\n"
        ));
    }
    let s = parse_log(&log);
    assert_eq!(s.garbled_lines.len(), 8);
    assert_eq!(s.counts.garbled_lines, 50);
    assert_eq!(s.unknown_event_names.len(), 8);
    assert_eq!(s.counts.unknown_events, 50);
    assert!(s.inserts[0].evidence.len() <= 16);
}

#[test]
fn odd_inputs_do_not_panic() {
    let samples: &[&str] = &[
        "",
        "\n",
        "\r\n\r\n",
        "|",
        "||||",
        "\u{FEFF}65.0 APEX_CODE,FINEST\n",
        "00:00:00 (1)|",
        "00:00:00.0 (1)|FATAL_ERROR|first error: ",
        "00:00:00.0 (1)|FATAL_ERROR|first error: ABC",
        "00:00:00.0 (1)|EXCEPTION_THROWN|[",
        "00:00:00.0 (1)|EXCEPTION_THROWN|[999999999999999999999]|x",
        "00:00:00.0 (1)|DML_BEGIN|Rows:99999999999999999999999|Op:Insert|Type:messagingsession",
        "00:00:00.0 (1)|DML_END\n00:00:00.0 (1)|DML_END\n00:00:00.0 (1)|CODE_UNIT_FINISHED|x",
        "00:00:00.0 (1)|FLOW_START_INTERVIEW_END\n00:00:00.0 (1)|FLOW_ELEMENT_ERROR",
        "00:00:00.0 (1)|FLOW_START_INTERVIEWS_ERROR|||",
        "00:00:00.0 (1)|VALIDATION_ERROR\n00:00:00.0 (1)|VALIDATION_FAIL\n00:00:00.0 (1)|VALIDATION_FORMULA",
        "00:00:00.0 (1)|CODE_UNIT_STARTED|[EXTERNAL]| on  trigger event ",
        "00:00:00.0 (1)|CODE_UNIT_STARTED|[EXTERNAL]|X on MessagingSession trigger event BeforeInsert\n00:00:00.0 (1)|SYSTEM_METHOD_ENTRY|[1]|addError(\n00:00:00.0 (1)|FATAL_ERROR|first error: FIELD_CUSTOM_VALIDATION_EXCEPTION, m: [",
        "*** Skipped bytes of detailed log\n*** Skipped 99999999999999999999999 bytes",
        "MAXIMUM DEBUG LOG SIZE REACHED",
        "Execute Anonymous: x\n65.0 APEX_CODE,NONE",
        "first error: CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY, : execution of \n\ncaused by: ",
        "00:00:00.0 (1)|FATAL_ERROR|first error: CANNOT_EXECUTE_FLOW_TRIGGER, the \u{201C}",
        "00:00:00.0 (1)|FATAL_ERROR|first error: CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY, : execution of ",
        "\u{1F600}\u{1F600}|\u{1F600}",
    ];
    for s in samples {
        let whole = parse_log(s);
        let mut rng = Rng(7);
        assert_eq!(parse_byte_chunks(s.as_bytes(), &mut rng, 3), whole, "{s:?}");
    }
    // Invalid UTF-8 everywhere, including a character split at the very end.
    let mut p = LogParser::new();
    p.feed_bytes(b"00:00:00.0 (1)|USER_DEBUG|\xff\xfe\xe2\x9c");
    p.feed("text after a split character");
    p.feed_bytes(b"\xe2");
    let s = p.finish();
    assert!(s.counts.lines >= 1);
}

/// A small deterministic fuzz: fixture fragments shuffled with random bytes.
#[test]
fn shuffled_fragments_do_not_panic_and_chunking_agrees() {
    let mut pieces: Vec<Vec<u8>> = Vec::new();
    for (name, _) in CASES {
        let b = std::fs::read(fixtures_dir().join(format!("{name}.log"))).unwrap();
        pieces.extend(b.split(|c| *c == b'\n').map(|l| l.to_vec()));
    }
    let mut rng = Rng(42);
    for _ in 0..300 {
        let mut input = Vec::new();
        for _ in 0..rng.below(60) {
            match rng.below(10) {
                0 => input.extend((0..rng.below(20)).map(|_| rng.next() as u8)),
                1 => input.push(b'|'),
                _ => {
                    let p = &pieces[rng.below(pieces.len() as u64) as usize];
                    let cut = rng.below(p.len() as u64 + 1) as usize;
                    input.extend_from_slice(if rng.below(4) == 0 { &p[..cut] } else { p });
                }
            }
            if rng.below(3) != 0 {
                input.push(b'\n');
            }
        }
        let whole = parse_bytes(&input);
        assert_eq!(parse_byte_chunks(&input, &mut rng, 17), whole);
    }
}

#[test]
fn platform_insert_without_dml_line_succeeds_only_when_saved() {
    let before = "\
01:00:00.1 (1)|EXECUTION_STARTED
01:00:00.1 (2)|CODE_UNIT_STARTED|[EXTERNAL]|01q000000000001AAA|Guard on MessagingSession trigger event BeforeInsert|__sfdc_trigger/Guard
01:00:00.1 (3)|CODE_UNIT_FINISHED|Guard on MessagingSession trigger event BeforeInsert|__sfdc_trigger/Guard
";
    let s = parse_log(&format!("{before}01:00:00.1 (9)|EXECUTION_FINISHED\n"));
    assert_eq!(s.inserts[0].scope, AttemptScope::CodeUnits);
    assert_eq!(
        s.inserts[0].outcome,
        InsertOutcome::Unknown,
        "nothing shows the save"
    );
    let s = parse_log(&format!(
        "{before}01:00:00.1 (4)|CODE_UNIT_STARTED|[EXTERNAL]|01q000000000002AAA|Audit on MessagingSession trigger event AfterInsert|__sfdc_trigger/Audit
01:00:00.1 (5)|CODE_UNIT_FINISHED|Audit on MessagingSession trigger event AfterInsert|__sfdc_trigger/Audit
01:00:00.1 (9)|EXECUTION_FINISHED
"
    ));
    assert_eq!(s.inserts.len(), 1);
    assert_eq!(s.inserts[0].outcome, InsertOutcome::Succeeded);
    assert_eq!(s.inserts[0].finding_code(), "capture/insert-ok");
}
