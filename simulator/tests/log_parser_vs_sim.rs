//! The core's debug-log parser (`messaging_doctor::capture`) against the logs this simulator
//! writes: for every scenario, trace the Automated Process user, run one widget conversation
//! through the in-process router, fetch every ApexLog body and check that the parser names the
//! scenario's stated outcome (`expect.statusCode`, first of `expect.causes`).

mod common;

use common::*;
use md_sim::scenario::Scenario;
use messaging_doctor::capture::{InsertAttempt, InsertOutcome, LogCause, LogParser, LogSummary};
use serde_json::json;

/// Turns on a trace flag for the Automated Process user (levels as the live capture sets them).
fn trace_autoproc(s: &md_sim::Sim, stem: &str, sid: &str) {
    let dl = send(
        s,
        "POST",
        stem,
        sid,
        "/services/data/v65.0/tooling/sobjects/DebugLevel",
        &json!({"DeveloperName": "MD_Capture", "MasterLabel": "MD Capture", "ApexCode": "FINEST",
                "Validation": "INFO", "Workflow": "FINER", "Database": "INFO", "System": "DEBUG"}),
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
        &json!({"TracedEntityId": autoproc(s, stem), "DebugLevelId": dl_id, "LogType": "USER_DEBUG",
                "StartDate": md_sim::time::format_sf(now - 1000),
                "ExpirationDate": md_sim::time::format_sf(now + 1_800_000)}),
    );
    assert_eq!(tf.status, 201, "{}", tf.body_text());
}

/// Every ApexLog of the org: (Status column, parsed body). Bodies are fed in 700-byte chunks,
/// as a streaming reader would receive them.
fn parsed_logs(s: &md_sim::Sim, stem: &str, sid: &str) -> Vec<(String, LogSummary)> {
    let rows = query(
        s,
        stem,
        sid,
        "SELECT Id, Operation, Status FROM ApexLog ORDER BY StartTime",
    )
    .json_body();
    let mut out = Vec::new();
    for r in rows["records"].as_array().unwrap() {
        let id = r["Id"].as_str().unwrap();
        let body = get(
            s,
            stem,
            sid,
            &format!("/services/data/v65.0/sobjects/ApexLog/{id}/Body"),
        );
        assert_eq!(body.status, 200);
        let mut p = LogParser::new();
        for chunk in body.body.chunks(700) {
            p.feed_bytes(chunk);
        }
        let summary = p.finish();
        assert!(!summary.truncated, "{id}: {summary:#?}");
        assert_eq!(summary.counts.garbled_lines, 0, "{id}");
        assert_eq!(summary.counts.unknown_events, 0, "{id}");
        assert_eq!(summary.api_version.as_deref(), Some("65.0"));
        out.push((r["Status"].as_str().unwrap_or("").to_string(), summary));
    }
    out
}

/// The scenario's name for a cause, as the log can carry it: flows appear by label.
fn names_cause(sc: &Scenario, cause: &LogCause, expected: &str) -> bool {
    if matches!(cause, LogCause::StorageLimit) {
        return expected == "DataStorageMB";
    }
    let label = sc
        .flows
        .iter()
        .find(|f| f.api_name == expected)
        .map(|f| f.label.as_str());
    cause
        .names()
        .iter()
        .any(|n| *n == expected || Some(*n) == label)
}

fn expected_code(scenario: &str) -> Option<&'static str> {
    Some(match scenario {
        "validation-rule" | "hostile" => "capture/validation-rule",
        "required-field" => "capture/required-field",
        "flow-custom-error" | "flow-newer-draft" | "enduser-after-save-flow" => {
            "capture/flow-custom-error"
        }
        "trigger-adderror" => "capture/trigger-adderror",
        "two-causes" => "capture/trigger-exception",
        "storage-full" => "capture/storage-limit",
        _ => return None,
    })
}

#[test]
fn parser_names_every_scenarios_failure() {
    let mut failing_checked = 0;
    for name in scenario_names() {
        let sc = Scenario::load(&scenarios_dir(), &name).unwrap();
        let ex = &sc.expect;
        if ex.config_available != Some(true) {
            continue; // the widget never starts: no insert, no log
        }
        let stem = "org1";
        let s = sim(&[(stem, &name)]);
        let sid = login(&s, stem);
        trace_autoproc(&s, stem, &sid);
        let c = chat(&s, stem, ex.deployment.as_deref().unwrap_or("Web_Chat"));
        assert_eq!(c.conversation_status, 201, "{name}");
        let logs = parsed_logs(&s, stem, &sid);
        let inserts: Vec<&InsertAttempt> = logs.iter().flat_map(|(_, l)| &l.inserts).collect();

        // The parser agrees with the simulator's own ApexLog.Status column.
        for (status, summary) in &logs {
            let a = summary.decisive_insert().expect("one insert per log");
            match a.outcome {
                InsertOutcome::Succeeded => assert_eq!(status, "Success", "{name}"),
                InsertOutcome::Failed => {
                    let st = a.status.as_ref().expect("status parsed");
                    assert!(status.starts_with(&st.status_code), "{name}: {status}");
                }
                InsertOutcome::Unknown => panic!("{name}: inconclusive {a:#?}"),
            }
        }

        if ex.insert_ok == Some(true) {
            assert!(
                inserts
                    .iter()
                    .any(|a| a.object.as_deref() == Some("MessagingSession")),
                "{name}: the session insert is logged"
            );
            for a in &inserts {
                assert_eq!(a.finding_code(), "capture/insert-ok", "{name}: {a:#?}");
            }
            continue;
        }
        let Some(code) = &ex.status_code else {
            // e.g. an inactive channel: nothing is inserted, so no insert fails in the logs.
            assert!(
                inserts.iter().all(|a| a.outcome != InsertOutcome::Failed),
                "{name}"
            );
            continue;
        };
        let failed: Vec<&&InsertAttempt> = inserts
            .iter()
            .filter(|a| a.outcome == InsertOutcome::Failed)
            .collect();
        assert_eq!(failed.len(), 1, "{name}: one failed insert: {failed:#?}");
        let a = failed[0];
        let st = a.status.as_ref().unwrap();
        assert_eq!(&st.status_code, code, "{name}");
        if let Some(m) = &ex.message_contains {
            assert!(st.message.contains(m.as_str()), "{name}: {}", st.message);
        }
        let cause = a.cause.as_ref().expect("a cause");
        let first = ex.causes.first().expect("expect.causes");
        assert!(
            names_cause(&sc, cause, first),
            "{name}: {cause:?} should name {first}"
        );
        assert_eq!(Some(a.finding_code()), expected_code(&name), "{name}");
        assert!(!a.evidence.is_empty(), "{name}");
        failing_checked += 1;
    }
    assert!(
        failing_checked >= 6,
        "failing scenarios checked: {failing_checked}"
    );
}
