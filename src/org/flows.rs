//! Record-triggered flows judged for the org checks: the FlowDefinitionView row and the
//! version's Metadata go through the flow analyser (`analysis::flow`) against the inserted
//! record; the verdict becomes a finding's parts.

use serde_json::Value;

use super::json::{clip, number, text, text_or_empty};
use crate::analysis::flow::{analyze_flow, FlowSource, Outcome, Verdict};
use crate::analysis::record::InsertedRecord;
use crate::finding::{Evidence, Severity};

/// A flow's judgement, ready to become a finding. `severity` None = does not block.
pub struct FlowJudgement {
    pub severity: Option<Severity>,
    pub code: &'static str,
    /// May contain `{label}`, replaced by the caller.
    pub title: String,
    pub message: String,
    pub summary: String,
    pub evidence: Vec<Evidence>,
    pub fix: Vec<String>,
    /// False when the flow does not run on the insert at all (another object, update only,
    /// not record-triggered).
    pub runs_on_insert: bool,
}

fn source_of(row: &Value) -> FlowSource {
    FlowSource {
        api_name: text_or_empty(row, "ApiName"),
        label: text(row, "Label").unwrap_or_else(|| text_or_empty(row, "ApiName")),
        // Runs when it has an active version, whatever IsActive (latest version active) says.
        is_active: text(row, "ActiveVersionId").is_some_and(|v| !v.is_empty()),
        process_type: text(row, "ProcessType"),
        trigger_type: text(row, "TriggerType"),
        record_trigger_type: text(row, "RecordTriggerType"),
        trigger_order: number(row, "TriggerOrder").map(|n| n as i64),
        active_version_id: text(row, "ActiveVersionId"),
    }
}

pub fn judge(flow: &Value, metadata: Option<&Value>, record: &InsertedRecord) -> FlowJudgement {
    let src = source_of(flow);
    let label = src.label.clone();
    let v = analyze_flow(&src, metadata, record);
    let after = matches!(v.timing, crate::analysis::flow::Timing::AfterSave);
    let rollback = if after {
        " It runs after the save, and a failure there rolls the insert back too."
    } else {
        ""
    };
    let (severity, code, title, message) = match &v.verdict {
        Verdict::Blocks { reason } => (
            Severity::Error,
            "org/flow-blocks",
            "Flow {label} stops every new chat".to_string(),
            format!("The active flow {label} runs when a chat's record is created and stops the save: {reason}.{rollback} {}", v.summary),
        ),
        Verdict::MayBlock { conditions } => (
            Severity::Warning,
            "org/flow-may-block",
            "Flow {label} may stop new chats".to_string(),
            format!("The active flow {label} stops the save if {}.{rollback} {}", conditions.join("; or if "), v.summary),
        ),
        Verdict::CannotSee { what } => (
            Severity::Warning,
            "org/flow-review",
            "Review flow {label}: part of it could not be judged".to_string(),
            format!("The active flow {label} runs when a chat's record is created, but Messaging Doctor could not judge {}. Check it by hand, or capture a debug log of a failing chat.", what.join(", ")),
        ),
        Verdict::Unlikely | Verdict::NotOnInsert { .. } => {
            return FlowJudgement {
                runs_on_insert: !matches!(v.verdict, Verdict::NotOnInsert { .. }),
                severity: None,
                code: "",
                title: String::new(),
                message: String::new(),
                summary: v.summary,
                evidence: Vec::new(),
                fix: Vec::new(),
            }
        }
    };
    let mut evidence = vec![Evidence::new(
        "Entry condition",
        format!("{} — {:?}", clip(&v.entry.condition, 400), v.entry.state),
    )];
    for c in v.entry.clauses.iter().take(6) {
        evidence.push(Evidence::new("Entry clause", clip(c, 300)));
    }
    if !v.path.is_empty() {
        let steps: Vec<String> = v
            .path
            .iter()
            .take(30)
            .map(|p| {
                if p.note.is_empty() {
                    p.label.clone()
                } else {
                    format!("{} ({})", p.label, clip(&p.note, 120))
                }
            })
            .collect();
        evidence.push(Evidence::new("Path", steps.join(" → ")));
    }
    for e in v
        .evidence
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::Blocks | Outcome::MayBlock))
        .take(8)
    {
        evidence.push(
            Evidence::new(
                format!("{:?}", e.element_type),
                format!(
                    "{} — {}{}",
                    e.label,
                    e.why,
                    if e.conditions.is_empty() {
                        String::new()
                    } else {
                        format!(" (when {})", e.conditions.join("; "))
                    }
                ),
            )
            .at(format!("element {}", e.element)),
        );
    }
    for u in &v.unseen {
        evidence.push(Evidence::new("Not judged", u.clone()));
    }
    FlowJudgement {
        runs_on_insert: true,
        severity: Some(severity),
        code,
        title,
        message,
        summary: v.summary,
        evidence,
        fix: vec![
            "Add an entry condition that skips records the platform creates for a chat (e.g. Origin does not equal InboundInitiated), or move the check to an update-only flow.".into(),
            "Give every element that can fail (Create/Update/Get Records, actions, subflows) a fault path that does not end in a Custom Error.".into(),
            "Save as a new version and activate it.".into(),
        ],
    }
}
