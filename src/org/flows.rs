//! Record-triggered flows judged for the org checks. Until the flow analyser lands
//! (`analysis::flow`), an active flow that runs on create is listed for review with what its
//! definition shows (Custom Error elements, elements without a fault path).

use serde_json::Value;

use super::json::{array, text, text_or_empty};
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
}

const FAILABLE: [&str; 6] = [
    "recordCreates",
    "recordUpdates",
    "recordLookups",
    "recordDeletes",
    "actionCalls",
    "subflows",
];

pub fn judge(flow: &Value, metadata: Option<&Value>, _record: &InsertedRecord) -> FlowJudgement {
    let label = text(flow, "Label").unwrap_or_else(|| text_or_empty(flow, "ApiName"));
    let Some(meta) = metadata else {
        return FlowJudgement {
            severity: Some(Severity::Warning),
            code: "org/flow-review",
            title: "Review flow {label}: its definition could not be read".into(),
            message: format!("The active flow {label} runs when a MessagingSession is created, but its definition could not be read, so it was not judged. Check its Custom Error elements and fault paths by hand."),
            summary: "definition not readable".into(),
            evidence: Vec::new(),
            fix: vec!["Open the flow and check every path a new record takes.".into()],
        };
    };
    let mut evidence = Vec::new();
    for e in array(meta, "customErrors") {
        evidence.push(Evidence::new(
            "Custom Error element",
            text_or_empty(e, "name"),
        ));
    }
    for kind in FAILABLE {
        for e in array(meta, kind) {
            if e.get("faultConnector").map(|c| c.is_null()).unwrap_or(true) {
                evidence.push(Evidence::new(
                    "No fault path",
                    format!("{} ({kind})", text_or_empty(e, "name")),
                ));
            }
        }
    }
    if evidence.is_empty() {
        return FlowJudgement {
            severity: None,
            code: "",
            title: String::new(),
            message: String::new(),
            summary: "no Custom Error element and every element that can fail has a fault path"
                .into(),
            evidence,
            fix: Vec::new(),
        };
    }
    FlowJudgement {
        severity: Some(Severity::Warning),
        code: "org/flow-review",
        title: "Review flow {label}".into(),
        message: format!("The active flow {label} runs when a MessagingSession is created and has elements that can stop the save. Check whether the chat's record reaches them."),
        summary: "has elements that can stop the save".into(),
        evidence,
        fix: vec!["Make the flow skip records the platform creates for a chat (entry condition on Origin), or add fault paths.".into()],
    }
}
