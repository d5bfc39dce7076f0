//! Streaming reader of Apex debug logs: what happened to the MessagingSession (and
//! MessagingEndUser) inserts a log shows, and why an insert failed.
//!
//! The log arrives as text in chunks split anywhere (even inside a line or a UTF-8 character
//! when fed as bytes). Lines are read one at a time; an event's text runs until the next event
//! line, so multi-line messages (`FATAL_ERROR` stack traces, `USER_DEBUG` output, formulas
//! spanning lines) become one event. Memory stays bounded whatever the input: a line or event
//! is cut at 16 KiB, the frame stack at 256, and only what the diagnosis needs is kept (insert
//! attempts, their candidate causes, capped evidence lines) plus counts.
//!
//! Line shapes read (see `ARCHITECTURE.md`, "Debug log parser"):
//! - header `65.0 APEX_CODE,FINEST;APEX_PROFILING,INFO;…` → API version and levels;
//! - events `HH:MM:SS.f (nanos)|EVENT|field|…`; unknown event names are counted, not errors;
//! - markers `*** Skipped N bytes of detailed log` and `MAXIMUM DEBUG LOG SIZE REACHED`;
//! - `Execute Anonymous: …` preamble lines;
//! - anything else continues the previous event's text, or is garbled (binary noise, a broken
//!   timestamp, text before the first event).
//!
//! Nothing here panics on any input.

use serde::Serialize;

mod decide;
mod fields;
mod limits;
mod parse;

#[cfg(test)]
pub(crate) use fields::KNOWN_EVENTS;
use fields::*;
pub(crate) use fields::{
    event_shape, is_known_event, parse_dml_status, parse_exception, parse_header, split_formula,
};
pub use limits::TRACKED_OBJECTS;
use limits::*;

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/// What one debug log says about the inserts the live capture is after.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogSummary {
    /// From the header line (`65.0 APEX_CODE,…`); `None` when the log has no header.
    pub api_version: Option<String>,
    /// Debug levels from the header, in header order (at most 32).
    pub log_levels: Vec<LogLevel>,
    /// MessagingSession / MessagingEndUser insert attempts, in log order (at most 16).
    pub inserts: Vec<InsertAttempt>,
    /// Every `first error: CODE, message: [fields]` the log carries, in order (at most 8),
    /// including those of other objects' DML.
    pub dml_errors: Vec<DmlStatus>,
    /// Part of the log is missing: a skipped-bytes or maximum-size marker, a last line cut
    /// mid-line, or execution that never finished (open code units at the end).
    pub truncated: bool,
    pub truncation: Truncation,
    pub counts: LogCounts,
    /// The first few distinct event names not in the known list.
    pub unknown_event_names: Vec<String>,
    /// Line numbers (1-based) of the first few garbled lines.
    pub garbled_lines: Vec<u64>,
    /// Log-level evidence: truncation markers and fatal errors outside any insert (capped).
    pub evidence: Vec<EvidenceLine>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogLevel {
    pub category: String,
    pub level: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Truncation {
    /// `*** Skipped N bytes of detailed log` lines.
    pub skipped_markers: u32,
    /// Sum of their N.
    pub skipped_bytes: u64,
    /// `MAXIMUM DEBUG LOG SIZE REACHED` was seen.
    pub max_size_reached: bool,
    /// The text ended inside a line that is not a complete event.
    pub cut_mid_line: bool,
    /// Execution never finished: code units or DML still open, or `EXECUTION_STARTED` without
    /// `EXECUTION_FINISHED`.
    pub unfinished: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogCounts {
    pub bytes: u64,
    pub lines: u64,
    pub events: u64,
    pub unknown_events: u64,
    pub garbled_lines: u64,
    pub continuation_lines: u64,
    pub blank_lines: u64,
    /// Lines longer than 16 KiB (their tail is not read).
    pub long_lines: u64,
    pub code_units: u64,
    pub dml_statements: u64,
    pub soql_queries: u64,
    pub user_debug: u64,
    pub exceptions_thrown: u64,
    pub fatal_errors: u64,
    pub validation_rules: u64,
    pub flow_interviews: u64,
    /// Tracked inserts beyond the 16 kept.
    pub inserts_not_kept: u64,
}

/// One line of the log a finding can show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceLine {
    /// 1-based line number of the event's first line.
    pub line: u64,
    /// The event's text (with its continuation lines), cut at 400 bytes.
    pub text: String,
}

/// A status parsed from `System.DmlException: Insert failed. First exception on row 0; first
/// error: CODE, message: [fields]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DmlStatus {
    pub status_code: String,
    /// The message without the trailing `: [fields]` and stack lines.
    pub message: String,
    pub fields: Vec<String>,
    pub line: u64,
}

/// How the log shows the insert.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AttemptScope {
    /// `DML_BEGIN|…|Op:Insert|Type:<Object>|…` and what ran inside it.
    #[default]
    Dml,
    /// No DML line: top-level code units on the object (`<Trigger> on <Object> trigger event
    /// BeforeInsert`, `Validation:<Object>:…`, `Flow:<Object>`), as for the platform's own insert.
    CodeUnits,
    /// Nothing names the object, but the log shows a failure: the whole log is taken as the
    /// insert.
    Log,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum InsertOutcome {
    Succeeded,
    Failed,
    /// The log does not say: cut before the end, or Apex logging off.
    #[default]
    Unknown,
}

/// One insert of a tracked object and what became of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InsertAttempt {
    /// `MessagingSession` or `MessagingEndUser`; `None` for a [`AttemptScope::Log`] attempt.
    pub object: Option<String>,
    pub scope: AttemptScope,
    /// Line of the `DML_BEGIN` (or first code unit).
    pub line: u64,
    /// `Rows:N` of the DML line.
    pub rows: Option<u64>,
    pub outcome: InsertOutcome,
    /// Why it failed; `None` when it did not fail (or the log shows a failure it cannot
    /// explain: then `outcome` is `Failed` and [`InsertAttempt::finding_code`] says
    /// `capture/unknown-failure`).
    pub cause: Option<LogCause>,
    /// Other failures seen inside the same insert (e.g. a second validation rule).
    pub other_causes: Vec<LogCause>,
    /// The DmlException status for this insert, when the log carries one.
    pub status: Option<DmlStatus>,
    /// The lines that show it, in log order (at most 16).
    pub evidence: Vec<EvidenceLine>,
}

/// Why an insert failed, as far as the log shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum LogCause {
    /// `VALIDATION_RULE` → `VALIDATION_FORMULA` → `VALIDATION_FAIL` (→ `VALIDATION_ERROR`).
    ValidationRule {
        name: String,
        id: Option<String>,
        formula: Option<String>,
        /// The field values the formula saw, as logged (`Reason__c=null , …`).
        values: Option<String>,
        message: Option<String>,
    },
    /// `REQUIRED_FIELD_MISSING`.
    RequiredField { fields: Vec<String> },
    /// A flow's Custom Error element (`FLOW_ELEMENT_ERROR|…|FlowCustomError|…`). `flow` is the
    /// interview's label as logged (the log does not carry the API name).
    FlowCustomError {
        flow: Option<String>,
        element: Option<String>,
        message: String,
    },
    /// A flow element failed (unhandled fault), or `CANNOT_EXECUTE_FLOW_TRIGGER`.
    FlowFault {
        flow: Option<String>,
        element: Option<String>,
        message: String,
    },
    /// An uncaught exception in a trigger on the object.
    TriggerException {
        trigger: Option<String>,
        exception_type: Option<String>,
        message: String,
        /// Line in the trigger (or its handler) from `EXCEPTION_THROWN|[line]|…`.
        line: Option<u32>,
        stack: Vec<String>,
    },
    /// `addError` in a trigger (`FIELD_CUSTOM_VALIDATION_EXCEPTION` with no failing rule or
    /// flow). `trigger` is the one whose `addError` call is logged, else the last trigger on the
    /// object that ran before the failure.
    TriggerAddError {
        trigger: Option<String>,
        message: String,
    },
    /// `STORAGE_LIMIT_EXCEEDED`.
    StorageLimit,
    /// A failure the log shows but does not explain further.
    Other {
        status_code: Option<String>,
        message: String,
    },
}

impl LogCause {
    /// The stable finding code (`docs/findings-capture.md`).
    pub fn finding_code(&self) -> &'static str {
        match self {
            LogCause::ValidationRule { .. } => "capture/validation-rule",
            LogCause::RequiredField { .. } => "capture/required-field",
            LogCause::FlowCustomError { .. } => "capture/flow-custom-error",
            LogCause::FlowFault { .. } => "capture/flow-fault",
            LogCause::TriggerException { .. } => "capture/trigger-exception",
            LogCause::TriggerAddError { .. } => "capture/trigger-adderror",
            LogCause::StorageLimit => "capture/storage-limit",
            LogCause::Other { .. } => "capture/unknown-failure",
        }
    }

    /// The automation or field(s) the cause names, for matching against org metadata.
    pub fn names(&self) -> Vec<&str> {
        match self {
            LogCause::ValidationRule { name, .. } => vec![name.as_str()],
            LogCause::RequiredField { fields } => fields.iter().map(String::as_str).collect(),
            LogCause::FlowCustomError { flow, element, .. }
            | LogCause::FlowFault { flow, element, .. } => flow
                .iter()
                .chain(element.iter())
                .map(String::as_str)
                .collect(),
            LogCause::TriggerException { trigger, .. }
            | LogCause::TriggerAddError { trigger, .. } => {
                trigger.iter().map(String::as_str).collect()
            }
            LogCause::StorageLimit | LogCause::Other { .. } => vec![],
        }
    }
}

impl InsertAttempt {
    /// `capture/insert-ok`, the cause's code, `capture/unknown-failure` (failed, cause not
    /// shown) or `capture/inconclusive` (the log does not say).
    pub fn finding_code(&self) -> &'static str {
        match (&self.outcome, &self.cause) {
            (InsertOutcome::Succeeded, _) => "capture/insert-ok",
            (_, Some(c)) => c.finding_code(),
            (InsertOutcome::Failed, None) => "capture/unknown-failure",
            (InsertOutcome::Unknown, None) => "capture/inconclusive",
        }
    }
}

impl LogSummary {
    /// The insert that answers the live-capture question: the last failed MessagingSession
    /// insert, else the last failed insert of any kind, else the last MessagingSession insert,
    /// else the last insert.
    pub fn decisive_insert(&self) -> Option<&InsertAttempt> {
        let is_ms = |a: &&InsertAttempt| a.object.as_deref() == Some("MessagingSession");
        let failed = |a: &&InsertAttempt| a.outcome == InsertOutcome::Failed;
        self.inserts
            .iter()
            .rev()
            .find(|a| is_ms(a) && failed(a))
            .or_else(|| self.inserts.iter().rev().find(failed))
            .or_else(|| self.inserts.iter().rev().find(is_ms))
            .or_else(|| self.inserts.last())
    }
}

/// Parses a whole log at once.
pub fn parse_log(text: &str) -> LogSummary {
    let mut p = LogParser::new();
    p.feed(text);
    p.finish()
}

// ---------------------------------------------------------------------------------------------
// Parser state
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Pending {
    active: bool,
    line: u64,
    name_start: usize,
    name_end: usize,
    raw: String,
    full: bool,
}

#[derive(Debug)]
struct TriggerInfo {
    name: String,
    object: String,
}

#[derive(Debug)]
struct Unit {
    name: String,
    trigger: Option<TriggerInfo>,
    start: Option<EvidenceLine>,
    /// The weak trigger-exception candidate raised in this unit: (target, index).
    exc_candidate: Option<(Target, usize)>,
}

#[derive(Debug)]
struct FlowFrame {
    label: String,
    start: EvidenceLine,
    element: Option<String>,
    element_type: Option<String>,
}

#[derive(Debug)]
enum Frame {
    Unit(Unit),
    Dml { attempt: Option<usize> },
    Flow(FlowFrame),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Attempt(usize),
    Orphan,
    Foreign,
}

#[derive(Debug, Clone)]
struct Candidate {
    cause: LogCause,
    strong: bool,
}

/// What one insert (or the log outside any insert) showed.
#[derive(Debug, Default)]
struct Collector {
    candidates: Vec<Candidate>,
    status: Option<DmlStatus>,
    /// The status message with its stack lines, for trigger parsing.
    status_raw: String,
    add_error_trigger: Option<String>,
    last_trigger: Option<String>,
    fatal: Option<String>,
    evidence: Vec<EvidenceLine>,
}

impl Collector {
    fn push_evidence(&mut self, line: u64, text: &str) {
        if self.evidence.len() < MAX_EVIDENCE && !self.evidence.iter().any(|x| x.line == line) {
            self.evidence.push(EvidenceLine {
                line,
                text: cap(text, MAX_EVIDENCE_TEXT).to_string(),
            });
        }
    }

    fn push_candidate(&mut self, cause: LogCause, strong: bool) -> Option<usize> {
        if self.candidates.len() >= MAX_CANDIDATES {
            return None;
        }
        self.candidates.push(Candidate { cause, strong });
        Some(self.candidates.len() - 1)
    }

    fn shows_failure(&self) -> bool {
        self.status.is_some() || self.fatal.is_some() || self.candidates.iter().any(|c| c.strong)
    }
}

#[derive(Debug)]
struct Attempt {
    object: Option<String>,
    scope: AttemptScope,
    line: u64,
    rows: Option<u64>,
    dml_closed: bool,
    /// An after-insert trigger on the object ran: the record was saved (for `CodeUnits`).
    after_insert: bool,
    c: Collector,
}

#[derive(Debug, Default)]
struct RuleState {
    id: Option<String>,
    name: String,
    formula: Option<String>,
    values: Option<String>,
    rule_line: Option<EvidenceLine>,
    formula_line: Option<EvidenceLine>,
}

/// The current event, for evidence (copied only when kept).
struct Ev<'a> {
    line: u64,
    text: &'a str,
}

impl Ev<'_> {
    fn owned(&self) -> EvidenceLine {
        EvidenceLine {
            line: self.line,
            text: self.text.to_string(),
        }
    }
}

/// Line classes, for telling a cut last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Blank,
    Event,
    Marker,
    Header,
    Preamble,
    Garbled,
    Continuation,
}

/// Streaming debug-log parser: `feed` chunks, then `finish`.
#[derive(Debug, Default)]
pub struct LogParser {
    partial: String,
    partial_full: bool,
    utf8_carry: Vec<u8>,
    line_no: u64,
    pending: Pending,
    seen_event: bool,
    exec_started: bool,
    exec_finished: bool,
    apex_off: bool,
    stack: Vec<Frame>,
    skipped_depth: u64,
    attempts: Vec<Attempt>,
    orphan: Collector,
    implicit: Option<usize>,
    last_closed: Option<usize>,
    rule: Option<RuleState>,
    summary: LogSummary,
}
