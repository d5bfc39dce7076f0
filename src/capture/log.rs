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

const MAX_LINE: usize = 16 * 1024;
const MAX_EVENT_TEXT: usize = 16 * 1024;
const MAX_EVIDENCE_TEXT: usize = 400;
const MAX_EVIDENCE: usize = 16;
const MAX_SUMMARY_EVIDENCE: usize = 8;
const MAX_INSERTS: usize = 16;
const MAX_CANDIDATES: usize = 16;
const MAX_OTHER_CAUSES: usize = 4;
const MAX_STACK: usize = 256;
const MAX_GARBLED_KEPT: usize = 8;
const MAX_UNKNOWN_NAMES: usize = 8;
const MAX_DML_ERRORS: usize = 8;
const MAX_LEVELS: usize = 32;
const MAX_STACK_LINES: usize = 12;
const MAX_TEXT: usize = 2048;
const MAX_NAME: usize = 255;

/// The objects whose inserts the live capture follows.
pub const TRACKED_OBJECTS: [&str; 2] = ["MessagingSession", "MessagingEndUser"];

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

impl LogParser {
    pub fn new() -> Self {
        LogParser::default()
    }

    /// Feeds the next piece of the log; chunks may split lines anywhere.
    pub fn feed(&mut self, chunk: &str) {
        if chunk.is_empty() {
            return;
        }
        if !self.utf8_carry.is_empty() {
            // A byte chunk ended inside a character and text follows: that character is lost.
            self.utf8_carry.clear();
            self.feed_str("\u{FFFD}");
        }
        self.feed_str(chunk);
    }

    /// Feeds raw bytes; a UTF-8 character split between chunks is joined, invalid bytes read
    /// as U+FFFD (and make their line garbled).
    pub fn feed_bytes(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.utf8_carry.is_empty() {
            self.decode(bytes);
        } else {
            let mut joined = std::mem::take(&mut self.utf8_carry);
            joined.extend_from_slice(bytes);
            self.decode(&joined);
        }
    }

    fn decode(&mut self, mut bytes: &[u8]) {
        loop {
            match std::str::from_utf8(bytes) {
                Ok(s) => {
                    self.feed_str(s);
                    return;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    let (good, rest) = bytes.split_at(valid);
                    if let Ok(s) = std::str::from_utf8(good) {
                        self.feed_str(s);
                    }
                    match e.error_len() {
                        Some(n) => {
                            self.feed_str("\u{FFFD}");
                            bytes = rest.get(n..).unwrap_or(&[]);
                        }
                        None => {
                            self.utf8_carry.extend_from_slice(rest);
                            return;
                        }
                    }
                }
            }
        }
    }

    fn feed_str(&mut self, chunk: &str) {
        self.summary.counts.bytes += chunk.len() as u64;
        let mut rest = chunk;
        if !self.partial.is_empty() || self.partial_full {
            match rest.find('\n') {
                None => {
                    self.append_partial(rest);
                    return;
                }
                Some(i) => {
                    self.append_partial(&rest[..i]);
                    rest = &rest[i + 1..];
                    let line = std::mem::take(&mut self.partial);
                    let full = self.partial_full;
                    self.partial_full = false;
                    self.process_line(&line, full);
                    self.partial = line;
                    self.partial.clear();
                }
            }
        }
        while let Some(i) = rest.find('\n') {
            self.process_line(&rest[..i], false);
            rest = &rest[i + 1..];
        }
        self.append_partial(rest);
    }

    fn append_partial(&mut self, s: &str) {
        if self.partial_full || s.is_empty() {
            return;
        }
        let room = MAX_LINE.saturating_sub(self.partial.len());
        if s.len() <= room {
            self.partial.push_str(s);
        } else {
            self.partial.push_str(cap(s, room));
            self.partial_full = true;
        }
    }

    /// Ends the log and returns what it showed.
    pub fn finish(mut self) -> LogSummary {
        if !self.utf8_carry.is_empty() {
            self.utf8_carry.clear();
            self.feed_str("\u{FFFD}");
        }
        if !self.partial.is_empty() || self.partial_full {
            let line = std::mem::take(&mut self.partial);
            let full = self.partial_full;
            let cut = match self.process_line(&line, full) {
                LineKind::Garbled => true,
                // A known event name is a complete line as far as the log can tell.
                LineKind::Event => {
                    let p = &self.pending;
                    !is_known_event(p.raw.get(p.name_start..p.name_end).unwrap_or(""))
                }
                _ => false,
            };
            if cut {
                self.summary.truncation.cut_mid_line = true;
            }
        }
        self.dispatch();
        let open = !self.stack.is_empty() || self.skipped_depth > 0;
        self.summary.truncation.unfinished =
            self.seen_event && (open || (self.exec_started && !self.exec_finished));
        // Frames still open: inserts whose DML never ended stay open (not closed).
        self.stack.clear();
        let t = &self.summary.truncation;
        let cut = t.cut_mid_line || t.max_size_reached || t.unfinished;
        self.summary.truncated = cut || t.skipped_markers > 0;

        let mut inserts = Vec::with_capacity(self.attempts.len());
        for a in std::mem::take(&mut self.attempts) {
            inserts.push(decide(a, cut, self.apex_off));
        }
        if inserts.is_empty() && self.orphan.shows_failure() {
            let a = Attempt {
                object: None,
                scope: AttemptScope::Log,
                line: self.orphan.evidence.first().map(|e| e.line).unwrap_or(0),
                rows: None,
                dml_closed: false,
                after_insert: false,
                c: std::mem::take(&mut self.orphan),
            };
            inserts.push(decide(a, cut, self.apex_off));
        }
        self.summary.inserts = inserts;
        self.summary
    }

    // -----------------------------------------------------------------------------------------
    // Lines
    // -----------------------------------------------------------------------------------------

    fn process_line(&mut self, raw: &str, overflowed: bool) -> LineKind {
        self.line_no += 1;
        let c = &mut self.summary.counts;
        c.lines += 1;
        let mut line = cap(raw, MAX_LINE);
        if overflowed || line.len() < raw.len() {
            c.long_lines += 1;
        }
        if let Some(s) = line.strip_suffix('\r') {
            line = s;
        }
        if self.line_no == 1 {
            line = line.strip_prefix('\u{FEFF}').unwrap_or(line);
        }
        if line.trim().is_empty() {
            c.blank_lines += 1;
            if self.pending.active {
                self.append_pending("");
            }
            return LineKind::Blank;
        }
        if let Some((ns, ne)) = event_shape(line) {
            self.dispatch();
            let p = &mut self.pending;
            p.active = true;
            p.line = self.line_no;
            p.name_start = ns;
            p.name_end = ne;
            p.raw.clear();
            p.raw.push_str(cap(line, MAX_EVENT_TEXT));
            p.full = false;
            self.seen_event = true;
            self.summary.counts.events += 1;
            return LineKind::Event;
        }
        if let Some(after) = line.strip_prefix("*** Skipped") {
            self.dispatch();
            let t = &mut self.summary.truncation;
            t.skipped_markers = t.skipped_markers.saturating_add(1);
            let n = after
                .split_whitespace()
                .next()
                .and_then(|w| w.parse::<u64>().ok())
                .unwrap_or(0);
            t.skipped_bytes = t.skipped_bytes.saturating_add(n);
            self.summary_evidence(self.line_no, line);
            return LineKind::Marker;
        }
        if line.contains("MAXIMUM DEBUG LOG SIZE REACHED") {
            self.dispatch();
            self.summary.truncation.max_size_reached = true;
            self.summary_evidence(self.line_no, line);
            return LineKind::Marker;
        }
        if let Some((version, levels)) = parse_header(line).filter(|_| !self.seen_event) {
            self.dispatch();
            if self.summary.api_version.is_none() {
                self.summary.api_version = Some(version.to_string());
                for part in levels.split(';') {
                    if self.summary.log_levels.len() >= MAX_LEVELS {
                        break;
                    }
                    if let Some((cat, lvl)) = part.split_once(',') {
                        let (cat, lvl) = (cat.trim(), lvl.trim());
                        if cat == "APEX_CODE" && lvl == "NONE" {
                            self.apex_off = true;
                        }
                        self.summary.log_levels.push(LogLevel {
                            category: cap(cat, 64).to_string(),
                            level: cap(lvl, 32).to_string(),
                        });
                    }
                }
            }
            return LineKind::Header;
        }
        if line.starts_with("Execute Anonymous:") && !self.seen_event {
            return LineKind::Preamble;
        }
        if !self.pending.active || is_binary(line) || looks_like_timestamp(line) {
            let c = &mut self.summary.counts;
            c.garbled_lines += 1;
            if self.summary.garbled_lines.len() < MAX_GARBLED_KEPT {
                self.summary.garbled_lines.push(self.line_no);
            }
            return LineKind::Garbled;
        }
        self.summary.counts.continuation_lines += 1;
        self.append_pending(line);
        LineKind::Continuation
    }

    fn append_pending(&mut self, line: &str) {
        let p = &mut self.pending;
        if p.full {
            return;
        }
        let room = MAX_EVENT_TEXT.saturating_sub(p.raw.len());
        if line.len() < room {
            p.raw.push('\n');
            p.raw.push_str(line);
        } else {
            p.full = true;
            if room > 1 {
                p.raw.push('\n');
                p.raw.push_str(cap(line, room - 1));
            }
        }
    }

    fn summary_evidence(&mut self, line: u64, text: &str) {
        if self.summary.evidence.len() < MAX_SUMMARY_EVIDENCE {
            self.summary.evidence.push(EvidenceLine {
                line,
                text: cap(text, MAX_EVIDENCE_TEXT).to_string(),
            });
        }
    }

    // -----------------------------------------------------------------------------------------
    // Events
    // -----------------------------------------------------------------------------------------

    fn dispatch(&mut self) {
        if !self.pending.active {
            return;
        }
        let p = std::mem::take(&mut self.pending);
        let name = p.raw.get(p.name_start..p.name_end).unwrap_or("");
        let fields = p.raw.get(p.name_end + 1..).unwrap_or("");
        let ev = &Ev {
            line: p.line,
            text: cap(&p.raw, MAX_EVIDENCE_TEXT),
        };
        match name {
            "EXECUTION_STARTED" => self.exec_started = true,
            "EXECUTION_FINISHED" => self.exec_finished = true,
            "CODE_UNIT_STARTED" => self.on_unit_started(fields, ev),
            "CODE_UNIT_FINISHED" => self.on_unit_finished(fields),
            "DML_BEGIN" => self.on_dml_begin(fields, ev),
            "DML_END" => self.on_dml_end(),
            "EXCEPTION_THROWN" => self.on_exception(fields, ev),
            "FATAL_ERROR" => self.on_fatal(fields, ev),
            "VALIDATION_RULE" => self.on_validation_rule(fields, ev),
            "VALIDATION_FORMULA" => self.on_validation_formula(fields, ev),
            "VALIDATION_PASS" => self.rule = None,
            "VALIDATION_FAIL" => self.on_validation_fail(ev),
            "VALIDATION_ERROR" => self.on_validation_error(fields, ev),
            "FLOW_START_INTERVIEW_BEGIN" => self.on_flow_begin(fields, ev),
            "FLOW_START_INTERVIEW_END" => self.on_flow_end(),
            "FLOW_ELEMENT_BEGIN" => self.on_flow_element(fields),
            "FLOW_ELEMENT_ERROR" => self.on_flow_error(fields, ev, true),
            "FLOW_ELEMENT_FAULT" => self.on_flow_error(fields, ev, false),
            "FLOW_START_INTERVIEWS_ERROR" => self.on_flow_interviews_error(fields, ev),
            "METHOD_ENTRY" | "SYSTEM_METHOD_ENTRY" => {
                if fields.contains("addError(") {
                    self.on_add_error(ev);
                }
            }
            "USER_DEBUG" => self.summary.counts.user_debug += 1,
            "SOQL_EXECUTE_BEGIN" => self.summary.counts.soql_queries += 1,
            _ => {
                if !is_known_event(name) {
                    self.summary.counts.unknown_events += 1;
                    let names = &mut self.summary.unknown_event_names;
                    if names.len() < MAX_UNKNOWN_NAMES && !names.iter().any(|n| n == name) {
                        names.push(cap(name, 64).to_string());
                    }
                }
            }
        }
        self.pending = p;
        self.pending.active = false;
    }

    fn push_frame(&mut self, f: Frame) {
        if self.stack.len() >= MAX_STACK {
            self.skipped_depth += 1;
        } else {
            self.stack.push(f);
        }
    }

    /// Closes frames down to (and including) `index`.
    fn close_to(&mut self, index: usize) {
        while self.stack.len() > index {
            if let Some(Frame::Dml {
                attempt: Some(i), ..
            }) = self.stack.pop()
            {
                // Closed by an outer frame's end: the DML's own end was not seen.
                self.last_closed = Some(i);
            }
        }
    }

    /// Where the current event belongs: the innermost DML decides.
    fn target(&self) -> Target {
        for f in self.stack.iter().rev() {
            if let Frame::Dml { attempt } = f {
                return match attempt {
                    Some(i) => Target::Attempt(*i),
                    None => Target::Foreign,
                };
            }
        }
        match self.implicit {
            Some(i) => Target::Attempt(i),
            None => Target::Orphan,
        }
    }

    fn collector(&mut self, t: Target) -> Option<&mut Collector> {
        match t {
            Target::Attempt(i) => self.attempts.get_mut(i).map(|a| &mut a.c),
            Target::Orphan => Some(&mut self.orphan),
            Target::Foreign => None,
        }
    }

    /// Stack index of the innermost code unit, when it is a trigger (and no DML lies between).
    fn innermost_trigger(&self) -> Option<usize> {
        for (i, f) in self.stack.iter().enumerate().rev() {
            match f {
                Frame::Dml { .. } => return None,
                Frame::Unit(u) => return u.trigger.as_ref().map(|_| i),
                Frame::Flow(_) => continue,
            }
        }
        None
    }

    fn innermost_flow(&self) -> Option<&FlowFrame> {
        for f in self.stack.iter().rev() {
            match f {
                Frame::Dml { .. } => return None,
                Frame::Unit(_) => continue,
                Frame::Flow(fl) => return Some(fl),
            }
        }
        None
    }

    fn trigger_at(&self, i: usize) -> Option<&Unit> {
        match self.stack.get(i) {
            Some(Frame::Unit(u)) => Some(u),
            _ => None,
        }
    }

    fn has_dml_frame(&self) -> bool {
        self.stack.iter().any(|f| matches!(f, Frame::Dml { .. }))
    }

    fn new_attempt(&mut self, object: &str, scope: AttemptScope, line: u64) -> Option<usize> {
        if self.attempts.len() >= MAX_INSERTS {
            self.summary.counts.inserts_not_kept += 1;
            return None;
        }
        self.attempts.push(Attempt {
            object: Some(object.to_string()),
            scope,
            line,
            rows: None,
            dml_closed: false,
            after_insert: false,
            c: Collector::default(),
        });
        Some(self.attempts.len() - 1)
    }

    fn on_unit_started(&mut self, fields: &str, ev: &Ev) {
        self.summary.counts.code_units += 1;
        let (_, body) = split_marker(fields);
        let mut trigger = None;
        let mut name = "";
        for part in body.split('|') {
            if let Some(t) = parse_trigger_unit(part) {
                trigger = Some(t);
                name = part;
                break;
            }
        }
        if trigger.is_none() {
            name = body
                .split('|')
                .map(str::trim)
                .find(|p| !p.is_empty() && !looks_like_id(p))
                .unwrap_or(body);
        }
        // The platform's own insert shows no DML line: a top-level insert-time unit on a
        // tracked object opens an attempt.
        let after_insert = trigger
            .as_ref()
            .is_some_and(|t| t.2.eq_ignore_ascii_case("AfterInsert"));
        let insert_object = match &trigger {
            Some(t) if t.2.to_ascii_lowercase().contains("insert") => tracked(t.1),
            Some(_) => None,
            None => context_object(name).and_then(tracked),
        };
        if let Some(obj) = insert_object {
            if !self.has_dml_frame() {
                let same = self
                    .implicit
                    .and_then(|i| self.attempts.get(i))
                    .map(|a| a.object.as_deref() == Some(obj))
                    .unwrap_or(false);
                if !same {
                    self.implicit = self.new_attempt(obj, AttemptScope::CodeUnits, ev.line);
                }
                if let Some(c) = self.implicit.and_then(|i| self.attempts.get_mut(i)) {
                    c.c.push_evidence(ev.line, ev.text);
                    c.after_insert |= after_insert;
                }
            }
        }
        let trigger = trigger.map(|(n, o, _)| TriggerInfo {
            name: cap(n, MAX_NAME).to_string(),
            object: cap(o, MAX_NAME).to_string(),
        });
        if let Some(t) = &trigger {
            let tname = t.name.clone();
            let on_tracked = tracked(&t.object).is_some();
            let target = self.target();
            if on_tracked {
                if let Some(c) = self.collector(target) {
                    c.last_trigger = Some(tname);
                }
            }
        }
        let start = trigger.as_ref().map(|_| ev.owned());
        self.push_frame(Frame::Unit(Unit {
            name: cap(name.trim(), MAX_NAME).to_string(),
            trigger,
            start,
            exc_candidate: None,
        }));
    }

    fn on_unit_finished(&mut self, fields: &str) {
        if self.skipped_depth > 0 {
            self.skipped_depth -= 1;
            return;
        }
        let first = fields.split('|').next().unwrap_or("").trim();
        let by_name = self.stack.iter().rposition(|f| match f {
            Frame::Unit(u) => !first.is_empty() && u.name == cap(first, MAX_NAME),
            _ => false,
        });
        let idx = by_name.or_else(|| self.stack.iter().rposition(|f| matches!(f, Frame::Unit(_))));
        if let Some(i) = idx {
            self.close_to(i);
        }
    }

    fn on_dml_begin(&mut self, fields: &str, ev: &Ev) {
        self.summary.counts.dml_statements += 1;
        self.last_closed = None;
        let mut op = "";
        let mut ty = "";
        let mut rows = None;
        for part in fields.split('|') {
            let part = part.trim();
            if let Some(v) = part.strip_prefix("Op:") {
                op = v;
            } else if let Some(v) = part.strip_prefix("Type:") {
                ty = v;
            } else if let Some(v) = part.strip_prefix("Rows:") {
                rows = v.trim().parse::<u64>().ok();
            }
        }
        let mut attempt = None;
        if op.eq_ignore_ascii_case("insert") {
            if let Some(obj) = tracked(ty) {
                attempt = self.new_attempt(obj, AttemptScope::Dml, ev.line);
                if let Some(a) = attempt.and_then(|i| self.attempts.get_mut(i)) {
                    a.rows = rows;
                    a.c.push_evidence(ev.line, ev.text);
                }
            }
        }
        self.push_frame(Frame::Dml { attempt });
    }

    fn on_dml_end(&mut self) {
        if self.skipped_depth > 0 {
            self.skipped_depth -= 1;
            return;
        }
        if let Some(i) = self
            .stack
            .iter()
            .rposition(|f| matches!(f, Frame::Dml { .. }))
        {
            let attempt = match self.stack.get(i) {
                Some(Frame::Dml { attempt }) => *attempt,
                _ => None,
            };
            self.close_to(i);
            if let Some(a) = attempt {
                if let Some(at) = self.attempts.get_mut(a) {
                    at.dml_closed = true;
                }
                self.last_closed = Some(a);
            }
        }
    }

    fn record_dml_error(&mut self, text: &str, line: u64) -> Option<(DmlStatus, String)> {
        let (code, message, fields, raw) = parse_dml_status(text)?;
        let st = DmlStatus {
            status_code: code,
            message,
            fields,
            line,
        };
        // EXCEPTION_THROWN and FATAL_ERROR usually repeat the same error: keep it once.
        let seen = self.summary.dml_errors.iter().any(|e| {
            e.status_code == st.status_code && e.message == st.message && e.fields == st.fields
        });
        if !seen && self.summary.dml_errors.len() < MAX_DML_ERRORS {
            self.summary.dml_errors.push(st.clone());
        }
        Some((st, raw))
    }

    /// A DmlException for the insert itself (not raised inside one of its triggers).
    fn set_status(&mut self, st: DmlStatus, raw: String, ev: &Ev) {
        let mut t = self.target();
        if t == Target::Orphan {
            if let Some(i) = self.last_closed {
                t = Target::Attempt(i);
            }
        }
        if let Some(c) = self.collector(t) {
            if c.status.is_none() {
                c.status = Some(st);
                c.status_raw = cap(&raw, MAX_TEXT).to_string();
            }
            c.push_evidence(ev.line, ev.text);
        }
    }

    fn on_exception(&mut self, fields: &str, ev: &Ev) {
        self.summary.counts.exceptions_thrown += 1;
        let (line, text) = split_marker(fields);
        let status = self.record_dml_error(text, ev.line);
        let target = self.target();
        if target == Target::Foreign {
            return;
        }
        if let Some(ti) = self.innermost_trigger() {
            let Some(unit) = self.trigger_at(ti) else {
                return;
            };
            let trig = unit.trigger.as_ref().map(|t| t.name.clone());
            let start = unit.start.clone();
            let (ty, msg, stack) = parse_exception(text);
            let cause = LogCause::TriggerException {
                trigger: trig,
                exception_type: ty,
                message: msg,
                line,
                stack,
            };
            let idx = self.collector(target).and_then(|c| {
                if let Some(s) = &start {
                    c.push_evidence(s.line, &s.text);
                }
                c.push_evidence(ev.line, ev.text);
                c.push_candidate(cause, false)
            });
            if let Some(Frame::Unit(u)) = self.stack.get_mut(ti) {
                if let Some(idx) = idx {
                    u.exc_candidate = Some((target, idx));
                }
            }
        } else if let Some((st, raw)) = status {
            self.set_status(st, raw, ev);
        }
    }

    fn on_fatal(&mut self, fields: &str, ev: &Ev) {
        self.summary.counts.fatal_errors += 1;
        let status = self.record_dml_error(fields, ev.line);
        let target = self.target();
        if target == Target::Foreign {
            return;
        }
        if let Some(ti) = self.innermost_trigger() {
            let Some(unit) = self.trigger_at(ti) else {
                return;
            };
            let trig = unit.trigger.as_ref().map(|t| t.name.clone());
            let start = unit.start.clone();
            let exc = unit.exc_candidate;
            let (ty, msg, stack) = parse_exception(fields);
            let Some(c) = self.collector(target) else {
                return;
            };
            if let Some(s) = &start {
                c.push_evidence(s.line, &s.text);
            }
            c.push_evidence(ev.line, ev.text);
            let upgraded = match exc {
                Some((t, idx)) if t == target => match c.candidates.get_mut(idx) {
                    Some(cand) => {
                        cand.strong = true;
                        if let LogCause::TriggerException { stack: s, .. } = &mut cand.cause {
                            if s.is_empty() {
                                *s = stack.clone();
                            }
                        }
                        true
                    }
                    None => false,
                },
                _ => false,
            };
            if !upgraded {
                c.push_candidate(
                    LogCause::TriggerException {
                        trigger: trig,
                        exception_type: ty,
                        message: msg,
                        line: None,
                        stack,
                    },
                    true,
                );
            }
        } else if let Some((st, raw)) = status {
            self.set_status(st, raw, ev);
        } else {
            let first = first_line(fields);
            let is_orphan = target == Target::Orphan;
            if let Some(c) = self.collector(target) {
                c.push_evidence(ev.line, ev.text);
                // An uncaught exception whose trigger unit already closed.
                let mut upgraded = false;
                for cand in c.candidates.iter_mut().filter(|c| !c.strong) {
                    if let LogCause::TriggerException {
                        exception_type,
                        message,
                        ..
                    } = &cand.cause
                    {
                        let ty_ok = exception_type
                            .as_deref()
                            .map(|t| first.contains(t))
                            .unwrap_or(true);
                        if ty_ok && !message.is_empty() && first.contains(first_line(message)) {
                            cand.strong = true;
                            upgraded = true;
                            if let LogCause::TriggerException { stack, .. } = &mut cand.cause {
                                if stack.is_empty() {
                                    *stack = stack_lines(fields);
                                }
                            }
                            break;
                        }
                    }
                }
                if !upgraded && c.fatal.is_none() {
                    c.fatal = Some(cap(first, MAX_TEXT).to_string());
                }
            }
            if is_orphan {
                self.summary_evidence(ev.line, ev.text);
            }
        }
    }

    fn on_validation_rule(&mut self, fields: &str, ev: &Ev) {
        self.summary.counts.validation_rules += 1;
        let parts: Vec<&str> = fields
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .take(4)
            .collect();
        let (id, name) = match parts.as_slice() {
            [] => (None, ""),
            [one] => (None, *one),
            [a, b, ..] if looks_like_id(a) => (Some(*a), *b),
            [a, b, ..] if looks_like_id(b) => (Some(*b), *a),
            [a, b, ..] => (None, if b.is_empty() { *a } else { *b }),
        };
        self.rule = Some(RuleState {
            id: id.map(|s| cap(s, 18).to_string()),
            name: cap(name, MAX_NAME).to_string(),
            rule_line: Some(ev.owned()),
            ..RuleState::default()
        });
    }

    fn on_validation_formula(&mut self, fields: &str, ev: &Ev) {
        let (formula, values) = split_formula(fields);
        let r = self.rule.get_or_insert_with(RuleState::default);
        r.formula = Some(cap(formula.trim(), MAX_TEXT).to_string()).filter(|s| !s.is_empty());
        r.values = values
            .map(|v| cap(v.trim(), MAX_TEXT).to_string())
            .filter(|s| !s.is_empty());
        r.formula_line = Some(ev.owned());
    }

    fn on_validation_fail(&mut self, ev: &Ev) {
        let r = self.rule.take().unwrap_or_default();
        let target = self.target();
        if let Some(c) = self.collector(target) {
            for e in [&r.rule_line, &r.formula_line].into_iter().flatten() {
                c.push_evidence(e.line, &e.text);
            }
            c.push_evidence(ev.line, ev.text);
            c.push_candidate(
                LogCause::ValidationRule {
                    name: r.name,
                    id: r.id,
                    formula: r.formula,
                    values: r.values,
                    message: None,
                },
                true,
            );
        }
    }

    fn on_validation_error(&mut self, fields: &str, ev: &Ev) {
        let msg = cap(fields.trim(), MAX_TEXT).to_string();
        let target = self.target();
        if let Some(c) = self.collector(target) {
            let slot = c
                .candidates
                .iter_mut()
                .find_map(|cand| match &mut cand.cause {
                    LogCause::ValidationRule { message, .. } if message.is_none() => Some(message),
                    _ => None,
                });
            if let Some(m) = slot {
                *m = Some(msg);
                c.push_evidence(ev.line, ev.text);
            }
        }
    }

    fn on_flow_begin(&mut self, fields: &str, ev: &Ev) {
        self.summary.counts.flow_interviews += 1;
        let parts: Vec<&str> = fields
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        // `<interview id>|<label>`; tolerate the label alone or in another position.
        let label = parts
            .iter()
            .rev()
            .find(|p| !looks_like_interview_id(p))
            .or(parts.last())
            .copied()
            .unwrap_or("");
        self.push_frame(Frame::Flow(FlowFrame {
            label: cap(label, MAX_NAME).to_string(),
            start: ev.owned(),
            element: None,
            element_type: None,
        }));
    }

    fn on_flow_end(&mut self) {
        if self.skipped_depth > 0 {
            self.skipped_depth -= 1;
            return;
        }
        // Only an interview above the innermost DML can end here.
        let mut idx = None;
        for (i, f) in self.stack.iter().enumerate().rev() {
            match f {
                Frame::Flow(_) => {
                    idx = Some(i);
                    break;
                }
                Frame::Dml { .. } => break,
                Frame::Unit(_) => continue,
            }
        }
        if let Some(i) = idx {
            self.close_to(i);
        }
    }

    fn on_flow_element(&mut self, fields: &str) {
        let parts: Vec<&str> = fields.split('|').map(str::trim).collect();
        let ty_pos = parts.iter().position(|p| is_flow_element_type(p));
        let (ty, name) = match ty_pos {
            Some(i) => (parts.get(i).copied(), parts.get(i + 1).copied()),
            None => (None, parts.last().copied()),
        };
        if let Some(Frame::Flow(f)) = self.stack.last_mut() {
            f.element_type = ty.map(|s| cap(s, 64).to_string());
            f.element = name
                .filter(|s| !s.is_empty())
                .map(|s| cap(s, MAX_NAME).to_string());
        }
    }

    fn on_flow_error(&mut self, fields: &str, ev: &Ev, strong: bool) {
        let parts: Vec<&str> = fields.split('|').collect();
        let ty_pos = parts.iter().rposition(|p| is_flow_element_type(p.trim()));
        let (flow, start, cur_el, cur_ty) = match self.innermost_flow() {
            Some(f) => (
                Some(f.label.clone()).filter(|s| !s.is_empty()),
                Some(f.start.clone()),
                f.element.clone(),
                f.element_type.clone(),
            ),
            None => (None, None, None, None),
        };
        let (message, ty, element) = match ty_pos {
            Some(i) => {
                let before = parts.get(..i).map(|p| p.join("|")).unwrap_or_default();
                let el = parts.get(i + 1).map(|s| s.trim().to_string());
                let after = parts.get(i + 2..).map(|p| p.join("|")).unwrap_or_default();
                let msg = if before.trim().is_empty() {
                    after
                } else {
                    before
                };
                (
                    msg,
                    parts.get(i).map(|s| s.trim().to_string()),
                    el.filter(|s| !s.is_empty()).or(cur_el),
                )
            }
            None => (fields.to_string(), cur_ty, cur_el),
        };
        let message = cap(message.trim(), MAX_TEXT).to_string();
        let custom = ty.as_deref() == Some("FlowCustomError");
        let element = element.map(|s| cap(&s, MAX_NAME).to_string());
        let cause = if custom {
            LogCause::FlowCustomError {
                flow,
                element,
                message,
            }
        } else {
            LogCause::FlowFault {
                flow,
                element,
                message,
            }
        };
        let target = self.target();
        if let Some(c) = self.collector(target) {
            if let Some(s) = &start {
                c.push_evidence(s.line, &s.text);
            }
            c.push_evidence(ev.line, ev.text);
            c.push_candidate(cause, strong);
        }
    }

    fn on_flow_interviews_error(&mut self, fields: &str, ev: &Ev) {
        // `<message>|<interview id>|<flow name>`; the message may span lines or hold `|`.
        let parts: Vec<&str> = fields.split('|').collect();
        let (message, flow) = if parts.len() >= 3 {
            let n = parts.len();
            (
                parts.get(..n - 2).map(|p| p.join("|")).unwrap_or_default(),
                parts.get(n - 1).map(|s| s.trim().to_string()),
            )
        } else {
            (fields.to_string(), None)
        };
        let flow = flow.filter(|s| !s.is_empty());
        let target = self.target();
        if let Some(c) = self.collector(target) {
            c.push_evidence(ev.line, ev.text);
            // Already reported by FLOW_ELEMENT_ERROR: only name the flow.
            let existing = c
                .candidates
                .iter_mut()
                .rev()
                .find_map(|cand| match &mut cand.cause {
                    LogCause::FlowCustomError { flow: f, .. }
                    | LogCause::FlowFault { flow: f, .. }
                        if cand.strong =>
                    {
                        Some(f)
                    }
                    _ => None,
                });
            match existing {
                Some(f) => {
                    if f.is_none() {
                        *f = flow;
                    }
                }
                None => {
                    c.push_candidate(
                        LogCause::FlowFault {
                            flow: flow.map(|s| cap(&s, MAX_NAME).to_string()),
                            element: None,
                            message: cap(message.trim(), MAX_TEXT).to_string(),
                        },
                        true,
                    );
                }
            }
        }
    }

    fn on_add_error(&mut self, ev: &Ev) {
        let Some(ti) = self.innermost_trigger() else {
            return;
        };
        let Some(unit) = self.trigger_at(ti) else {
            return;
        };
        let name = unit.trigger.as_ref().map(|t| t.name.clone());
        let start = unit.start.clone();
        let target = self.target();
        if let Some(c) = self.collector(target) {
            if c.add_error_trigger.is_none() {
                c.add_error_trigger = name;
            }
            if let Some(s) = &start {
                c.push_evidence(s.line, &s.text);
            }
            c.push_evidence(ev.line, ev.text);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Deciding an attempt
// ---------------------------------------------------------------------------------------------

fn decide(a: Attempt, log_cut: bool, apex_off: bool) -> InsertAttempt {
    let Attempt {
        object,
        scope,
        line,
        rows,
        dml_closed,
        after_insert,
        mut c,
    } = a;
    let strong: Vec<&LogCause> = c
        .candidates
        .iter()
        .filter(|x| x.strong)
        .map(|x| &x.cause)
        .collect();
    let cause = match &c.status {
        Some(st) => Some(cause_from_status(st, &c.status_raw, &c, &strong)),
        None => strong.first().map(|x| (*x).clone()).or_else(|| {
            c.fatal.as_ref().map(|m| LogCause::Other {
                status_code: None,
                message: m.clone(),
            })
        }),
    };
    let failed = cause.is_some() || c.status.is_some();
    let outcome = if failed {
        InsertOutcome::Failed
    } else if apex_off || log_cut {
        InsertOutcome::Unknown
    } else {
        match scope {
            AttemptScope::Dml if dml_closed => InsertOutcome::Succeeded,
            // Without a DML line only an after-insert trigger shows the record was saved.
            AttemptScope::CodeUnits if after_insert => InsertOutcome::Succeeded,
            _ => InsertOutcome::Unknown,
        }
    };
    let mut other_causes = Vec::new();
    for s in &strong {
        if other_causes.len() >= MAX_OTHER_CAUSES {
            break;
        }
        if cause.as_ref() != Some(*s) && !other_causes.contains(*s) && !same_source(&cause, s) {
            other_causes.push((*s).clone());
        }
    }
    c.evidence.sort_by_key(|e| e.line);
    InsertAttempt {
        object,
        scope,
        line,
        rows,
        outcome,
        cause,
        other_causes,
        status: c.status.take(),
        evidence: c.evidence,
    }
}

/// The chosen cause was built from this candidate (same rule, flow element or trigger).
fn same_source(chosen: &Option<LogCause>, cand: &LogCause) -> bool {
    match (chosen, cand) {
        (
            Some(LogCause::ValidationRule { name: a, .. }),
            LogCause::ValidationRule { name: b, .. },
        ) => a == b,
        (
            Some(LogCause::FlowCustomError {
                flow: f1,
                element: e1,
                ..
            })
            | Some(LogCause::FlowFault {
                flow: f1,
                element: e1,
                ..
            }),
            LogCause::FlowCustomError {
                flow: f2,
                element: e2,
                ..
            }
            | LogCause::FlowFault {
                flow: f2,
                element: e2,
                ..
            },
        ) => f1 == f2 && e1 == e2,
        (
            Some(LogCause::TriggerException { trigger: a, .. }),
            LogCause::TriggerException { trigger: b, .. },
        ) => eq_name(a, b),
        _ => false,
    }
}

fn eq_name(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

fn messages_match(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && !b.is_empty() && (a == b || a.contains(b) || b.contains(a))
}

fn cause_message(c: &LogCause) -> Option<&str> {
    match c {
        LogCause::ValidationRule { message, .. } => message.as_deref(),
        LogCause::FlowCustomError { message, .. }
        | LogCause::FlowFault { message, .. }
        | LogCause::TriggerException { message, .. }
        | LogCause::TriggerAddError { message, .. }
        | LogCause::Other { message, .. } => Some(message),
        LogCause::RequiredField { .. } | LogCause::StorageLimit => None,
    }
}

fn cause_from_status(st: &DmlStatus, raw: &str, c: &Collector, strong: &[&LogCause]) -> LogCause {
    let other = || LogCause::Other {
        status_code: Some(st.status_code.clone()),
        message: st.message.clone(),
    };
    match st.status_code.as_str() {
        "STORAGE_LIMIT_EXCEEDED" => LogCause::StorageLimit,
        "REQUIRED_FIELD_MISSING" => {
            let fields = if st.fields.is_empty() {
                bracket_list(&st.message)
            } else {
                st.fields.clone()
            };
            LogCause::RequiredField { fields }
        }
        "FIELD_CUSTOM_VALIDATION_EXCEPTION" => {
            let blocking = |x: &&&LogCause| {
                matches!(
                    x,
                    LogCause::ValidationRule { .. } | LogCause::FlowCustomError { .. }
                )
            };
            let by_msg = strong
                .iter()
                .filter(blocking)
                .find(|x| cause_message(x).is_some_and(|m| messages_match(m, &st.message)));
            if let Some(x) = by_msg.or_else(|| strong.iter().find(blocking)) {
                let mut x = (**x).clone();
                if let LogCause::ValidationRule { message, .. } = &mut x {
                    if message.is_none() {
                        *message = Some(st.message.clone());
                    }
                }
                return x;
            }
            // A flow error logged with an unexpected element type but the same message.
            if let Some(LogCause::FlowFault { flow, element, .. }) = strong.iter().find(|x| {
                matches!(x, LogCause::FlowFault { .. })
                    && cause_message(x).is_some_and(|m| messages_match(m, &st.message))
            }) {
                return LogCause::FlowCustomError {
                    flow: flow.clone(),
                    element: element.clone(),
                    message: st.message.clone(),
                };
            }
            match c.add_error_trigger.as_ref().or(c.last_trigger.as_ref()) {
                Some(t) => LogCause::TriggerAddError {
                    trigger: Some(t.clone()),
                    message: st.message.clone(),
                },
                None => other(),
            }
        }
        "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY" => {
            let parsed = parse_trigger_failure(raw);
            let cand = strong.iter().find_map(|x| match x {
                LogCause::TriggerException { trigger, .. }
                    if parsed.as_ref().is_none_or(|p| eq_name(trigger, &p.trigger)) =>
                {
                    Some(*x)
                }
                _ => None,
            });
            match (parsed, cand) {
                (
                    Some(p),
                    Some(LogCause::TriggerException {
                        exception_type,
                        message,
                        line,
                        stack,
                        ..
                    }),
                ) => LogCause::TriggerException {
                    trigger: p.trigger,
                    exception_type: exception_type.clone().or(p.exception_type),
                    message: if message.is_empty() {
                        p.message
                    } else {
                        message.clone()
                    },
                    line: *line,
                    stack: if stack.is_empty() {
                        p.stack
                    } else {
                        stack.clone()
                    },
                },
                (Some(p), _) => LogCause::TriggerException {
                    trigger: p.trigger,
                    exception_type: p.exception_type,
                    message: p.message,
                    line: None,
                    stack: p.stack,
                },
                (None, Some(x)) => (*x).clone(),
                (None, None) => flow_fault_from(st, strong).unwrap_or_else(other),
            }
        }
        "CANNOT_EXECUTE_FLOW_TRIGGER" => {
            flow_fault_from(st, strong).unwrap_or_else(|| LogCause::FlowFault {
                flow: quoted_name(&st.message),
                element: None,
                message: st.message.clone(),
            })
        }
        _ => other(),
    }
}

fn flow_fault_from(st: &DmlStatus, strong: &[&LogCause]) -> Option<LogCause> {
    strong.iter().find_map(|x| match x {
        LogCause::FlowFault {
            flow,
            element,
            message,
        }
        | LogCause::FlowCustomError {
            flow,
            element,
            message,
        } => Some(LogCause::FlowFault {
            flow: flow.clone().or_else(|| quoted_name(&st.message)),
            element: element.clone(),
            message: if message.is_empty() {
                st.message.clone()
            } else {
                message.clone()
            },
        }),
        _ => None,
    })
}

struct TriggerFailure {
    trigger: Option<String>,
    exception_type: Option<String>,
    message: String,
    stack: Vec<String>,
}

/// `<Trigger>: execution of BeforeInsert\n\ncaused by: <Type>: <message>\n\n<stack>`.
fn parse_trigger_failure(raw: &str) -> Option<TriggerFailure> {
    let at = raw.find(": execution of ")?;
    let trigger = raw[..at].trim();
    let trigger = trigger.rsplit([' ', '\n']).next().unwrap_or(trigger);
    let rest = &raw[at..];
    let caused = rest
        .find("caused by: ")
        .map(|i| &rest[i + "caused by: ".len()..]);
    let (ty, msg, stack) = match caused {
        Some(c) => parse_exception(c),
        None => (None, String::new(), stack_lines(rest)),
    };
    Some(TriggerFailure {
        trigger: Some(cap(trigger, MAX_NAME).to_string()).filter(|s| !s.is_empty()),
        exception_type: ty,
        message: msg,
        stack,
    })
}

// ---------------------------------------------------------------------------------------------
// Field helpers
// ---------------------------------------------------------------------------------------------

/// Largest prefix of `s` of at most `max` bytes ending on a character boundary.
fn cap(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut i = max;
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    s.get(..i).unwrap_or("")
}

fn first_line(s: &str) -> &str {
    let s = s.trim_start();
    s.split('\n')
        .next()
        .unwrap_or(s)
        .trim_end_matches('\r')
        .trim()
}

fn take_digits(b: &[u8], i: &mut usize, max: usize) -> usize {
    let start = *i;
    while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
        *i += 1;
    }
    *i - start
}

fn expect(b: &[u8], i: &mut usize, c: u8) -> bool {
    if b.get(*i) == Some(&c) {
        *i += 1;
        true
    } else {
        false
    }
}

/// `HH:MM:SS[.f…] (nanos)|EVENT[|…]` → byte range of EVENT.
pub(crate) fn event_shape(line: &str) -> Option<(usize, usize)> {
    let b = line.as_bytes();
    let mut i = 0;
    if take_digits(b, &mut i, 2) == 0 || !expect(b, &mut i, b':') {
        return None;
    }
    if take_digits(b, &mut i, 2) != 2 || !expect(b, &mut i, b':') {
        return None;
    }
    if take_digits(b, &mut i, 2) != 2 {
        return None;
    }
    if expect(b, &mut i, b'.') && take_digits(b, &mut i, 12) == 0 {
        return None;
    }
    if !expect(b, &mut i, b' ') || !expect(b, &mut i, b'(') {
        return None;
    }
    if take_digits(b, &mut i, 24) == 0 || !expect(b, &mut i, b')') || !expect(b, &mut i, b'|') {
        return None;
    }
    let ns = i;
    if !b.get(i).is_some_and(|c| c.is_ascii_uppercase()) {
        return None;
    }
    while i < b.len() && (b[i].is_ascii_uppercase() || b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    if i < b.len() && b[i] != b'|' {
        return None;
    }
    Some((ns, i))
}

fn looks_like_timestamp(line: &str) -> bool {
    let b = line.as_bytes();
    match b {
        [d1, d2, b':', ..] => d1.is_ascii_digit() && d2.is_ascii_digit(),
        [d1, b':', ..] => d1.is_ascii_digit(),
        _ => false,
    }
}

fn is_binary(line: &str) -> bool {
    line.chars()
        .any(|c| (c < ' ' && c != '\t') || c == '\u{7f}' || c == '\u{FFFD}')
}

/// `65.0 APEX_CODE,FINEST;…` → ("65.0", "APEX_CODE,FINEST;…").
pub(crate) fn parse_header(line: &str) -> Option<(&str, &str)> {
    let b = line.as_bytes();
    let mut i = 0;
    if take_digits(b, &mut i, 4) == 0 || !expect(b, &mut i, b'.') || take_digits(b, &mut i, 4) == 0
    {
        return None;
    }
    let version = line.get(..i)?;
    if !expect(b, &mut i, b' ') {
        return None;
    }
    let rest = line.get(i..)?.trim();
    let (cat, lvl) = rest.split(';').next()?.split_once(',')?;
    let upper = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|c| c.is_ascii_uppercase() || c == b'_' || c.is_ascii_digit())
    };
    (upper(cat) && upper(lvl.trim())).then_some((version, rest))
}

/// `[12]|rest` → (Some(12), rest); `[EXTERNAL]|rest` → (None, rest); otherwise (None, all).
fn split_marker(fields: &str) -> (Option<u32>, &str) {
    if let Some(inner) = fields.strip_prefix('[') {
        if let Some(close) = inner.find(']') {
            let n = inner[..close].trim().parse::<u32>().ok();
            let rest = &inner[close + 1..];
            return (n, rest.strip_prefix('|').unwrap_or(rest));
        }
    }
    (None, fields)
}

/// `MyTrigger on MessagingSession trigger event BeforeInsert` → (trigger, object, event).
fn parse_trigger_unit(part: &str) -> Option<(&str, &str, &str)> {
    let part = part.trim();
    let (head, event) = part.split_once(" trigger event ")?;
    let (name, object) = head.split_once(" on ")?;
    let (name, object, event) = (name.trim(), object.trim(), event.trim());
    (!name.is_empty() && !object.is_empty()).then_some((name, object, event))
}

/// `Validation:MessagingSession:new`, `Flow:MessagingSession`, `Workflow:MessagingSession` → object.
fn context_object(name: &str) -> Option<&str> {
    let (kind, rest) = name.split_once(':')?;
    match kind.trim() {
        "Validation" | "Flow" => Some(rest.split(':').next().unwrap_or(rest).trim()),
        _ => None,
    }
}

fn tracked(object: &str) -> Option<&'static str> {
    let o = object.trim();
    TRACKED_OBJECTS
        .iter()
        .copied()
        .find(|t| t.eq_ignore_ascii_case(o))
}

/// A 15/18-character Salesforce id (`01q…`, `03d…`).
fn looks_like_id(s: &str) -> bool {
    let s = s.trim();
    (s.len() == 15 || s.len() == 18)
        && s.bytes().all(|c| c.is_ascii_alphanumeric())
        && s.bytes().any(|c| c.is_ascii_digit())
        && !s.contains('_')
}

/// Flow interview ids are long hex-ish tokens without spaces.
fn looks_like_interview_id(s: &str) -> bool {
    s.len() >= 8
        && !s.contains(' ')
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        && s.bytes().any(|c| c.is_ascii_digit())
}

/// `FlowCustomError`, `FlowRecordCreate`, `FlowDecision`, … .
fn is_flow_element_type(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 4
        && s.starts_with("Flow")
        && b[4].is_ascii_uppercase()
        && b.iter().all(|c| c.is_ascii_alphanumeric())
}

/// `formula|values`: the first `|` that is not part of a `||` operator separates them.
pub(crate) fn split_formula(fields: &str) -> (&str, Option<&str>) {
    let b = fields.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c != b'|' {
            continue;
        }
        let prev = i > 0 && b[i - 1] == b'|';
        let next = b.get(i + 1) == Some(&b'|');
        if !prev && !next {
            return (&fields[..i], Some(&fields[i + 1..]));
        }
    }
    (fields, None)
}

/// A stack-trace line: `Class.X.y: line 8, column 1`, `Trigger.T: line 2, column 1`,
/// `AnonymousBlock: line 1, column 1` (possibly followed by `: [fields]`).
fn is_stack_line(l: &str) -> bool {
    let l = l.trim();
    match l.find(": line ") {
        Some(i) => {
            let head = &l[..i];
            !head.is_empty() && !head.contains(' ') && l[i..].contains(", column ")
        }
        None => false,
    }
}

fn stack_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| is_stack_line(l))
        .take(MAX_STACK_LINES)
        .map(|l| {
            let l = match l.find(", column ") {
                Some(i) => {
                    let tail = &l[i + ", column ".len()..];
                    let n = tail.bytes().take_while(u8::is_ascii_digit).count();
                    &l[..i + ", column ".len() + n]
                }
                None => l,
            };
            cap(l, MAX_NAME).to_string()
        })
        .collect()
}

/// `System.NullPointerException: Attempt to de-reference a null object\n\n<stack>` →
/// (type, message, stack lines).
pub(crate) fn parse_exception(text: &str) -> (Option<String>, String, Vec<String>) {
    let text = text.trim_start();
    let stack = stack_lines(text);
    let body = match text.find("\n\n") {
        Some(i) => &text[..i],
        None => text,
    };
    // Drop stack lines that follow the message without a blank line.
    let body: String = body
        .lines()
        .filter(|l| !is_stack_line(l))
        .collect::<Vec<_>>()
        .join("\n");
    let (ty, msg) = match body.split_once(": ") {
        Some((t, m)) if is_type_name(t) => (Some(t.trim().to_string()), m),
        _ => (None, body.as_str()),
    };
    (
        ty.map(|t| cap(&t, MAX_NAME).to_string()),
        cap(msg.trim(), MAX_TEXT).to_string(),
        stack,
    )
}

fn is_type_name(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.len() <= MAX_NAME
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_')
        && (s.contains('.') || s.ends_with("Exception"))
}

/// `…first error: CODE, message: [f1, f2]…` → (code, message, fields, raw message).
pub(crate) fn parse_dml_status(text: &str) -> Option<(String, String, Vec<String>, String)> {
    let at = text.find("first error: ")?;
    let rest = text[at + "first error: ".len()..].trim_start();
    let n = rest
        .bytes()
        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
        .count();
    if n < 3 {
        return None;
    }
    let code = &rest[..n];
    let raw = rest[n..].trim_start_matches([',', ':']).trim();
    // Peel the stack lines a FATAL_ERROR appends, then the one trailing `: [fields]` (a
    // message may itself end in a bracket list: `Required fields are missing: [A]: [A]`).
    let mut msg = strip_trailing_stack(raw);
    let mut fields = Vec::new();
    if let Some((m, f)) = strip_trailing_fields(msg) {
        fields = f;
        msg = strip_trailing_stack(m);
    }
    Some((
        code.to_string(),
        cap(msg.trim(), MAX_TEXT).to_string(),
        fields,
        raw.to_string(),
    ))
}

fn strip_trailing_stack(mut s: &str) -> &str {
    loop {
        let t = s.trim_end();
        let (head, last) = match t.rfind('\n') {
            Some(i) => (&t[..i], &t[i + 1..]),
            None => return t,
        };
        if is_stack_line(last) {
            s = head;
        } else {
            return t;
        }
    }
}

/// `message: [A, B]` → (message, [A, B]).
fn strip_trailing_fields(s: &str) -> Option<(&str, Vec<String>)> {
    let t = s.trim_end();
    let inner_end = t.strip_suffix(']')?;
    let open = inner_end.rfind(": [")?;
    let inner = &inner_end[open + 3..];
    if inner.contains('[') || inner.contains('\n') {
        return None;
    }
    let fields = split_list(inner);
    Some((&t[..open], fields))
}

fn split_list(inner: &str) -> Vec<String> {
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(32)
        .map(|s| cap(s, MAX_NAME).to_string())
        .collect()
}

/// `Required fields are missing: [A, B]` → [A, B].
fn bracket_list(s: &str) -> Vec<String> {
    match (s.find('['), s.rfind(']')) {
        (Some(a), Some(b)) if a < b => split_list(&s[a + 1..b]),
        _ => Vec::new(),
    }
}

/// The name between “…” or "…" in a flow failure message.
fn quoted_name(s: &str) -> Option<String> {
    for (open, close) in [('\u{201C}', '\u{201D}'), ('"', '"')] {
        if let Some(a) = s.find(open) {
            let rest = &s[a + open.len_utf8()..];
            if let Some(b) = rest.find(close) {
                let name = rest[..b].trim();
                if !name.is_empty() {
                    return Some(cap(name, MAX_NAME).to_string());
                }
            }
        }
    }
    None
}

/// Event names of the documented debug-log categories (sorted, for binary search).
pub(crate) const KNOWN_EVENTS: &[&str] = &[
    "BULK_COUNTABLE_STATEMENT_EXECUTE",
    "BULK_DML_RETRY",
    "BULK_HEAP_ALLOCATE",
    "CALLOUT_EXTERNAL_ENTRY",
    "CALLOUT_EXTERNAL_EXIT",
    "CALLOUT_REQUEST",
    "CALLOUT_RESPONSE",
    "CODE_UNIT_FINISHED",
    "CODE_UNIT_STARTED",
    "CONSTRUCTOR_ENTRY",
    "CONSTRUCTOR_EXIT",
    "CUMULATIVE_LIMIT_USAGE",
    "CUMULATIVE_LIMIT_USAGE_END",
    "CUMULATIVE_PROFILING",
    "CUMULATIVE_PROFILING_BEGIN",
    "CUMULATIVE_PROFILING_END",
    "DATAWEAVE_USER_DEBUG",
    "DML_BEGIN",
    "DML_END",
    "DUPLICATE_DETECTION_BEGIN",
    "DUPLICATE_DETECTION_END",
    "DUPLICATE_DETECTION_MATCH_INVOCATION_DETAILS",
    "DUPLICATE_DETECTION_MATCH_INVOCATION_SUMMARY",
    "DUPLICATE_DETECTION_RULE_INVOCATION",
    "EMAIL_QUEUE",
    "ENTERING_MANAGED_PKG",
    "EVENT_SERVICE_PUB_BEGIN",
    "EVENT_SERVICE_PUB_DETAIL",
    "EVENT_SERVICE_PUB_END",
    "EVENT_SERVICE_SUB_BEGIN",
    "EVENT_SERVICE_SUB_DETAIL",
    "EVENT_SERVICE_SUB_END",
    "EXCEPTION_THROWN",
    "EXECUTION_FINISHED",
    "EXECUTION_STARTED",
    "FATAL_ERROR",
    "FLOW_ACTIONCALL_DETAIL",
    "FLOW_ASSIGNMENT_DETAIL",
    "FLOW_BULK_ELEMENT_BEGIN",
    "FLOW_BULK_ELEMENT_DETAIL",
    "FLOW_BULK_ELEMENT_END",
    "FLOW_BULK_ELEMENT_LIMIT_USAGE",
    "FLOW_BULK_ELEMENT_NOT_SUPPORTED",
    "FLOW_COLLECTION_PROCESSOR_DETAIL",
    "FLOW_CREATE_INTERVIEW_BEGIN",
    "FLOW_CREATE_INTERVIEW_END",
    "FLOW_CREATE_INTERVIEW_ERROR",
    "FLOW_ELEMENT_BEGIN",
    "FLOW_ELEMENT_DEFERRED",
    "FLOW_ELEMENT_END",
    "FLOW_ELEMENT_ERROR",
    "FLOW_ELEMENT_FAULT",
    "FLOW_ELEMENT_LIMIT_USAGE",
    "FLOW_INTERVIEW_FINISHED",
    "FLOW_INTERVIEW_FINISHED_LIMIT_USAGE",
    "FLOW_INTERVIEW_PAUSED",
    "FLOW_INTERVIEW_RESUMED",
    "FLOW_LOOP_DETAIL",
    "FLOW_RULE_DETAIL",
    "FLOW_START_INTERVIEWS_BEGIN",
    "FLOW_START_INTERVIEWS_END",
    "FLOW_START_INTERVIEWS_ERROR",
    "FLOW_START_INTERVIEW_BEGIN",
    "FLOW_START_INTERVIEW_END",
    "FLOW_START_INTERVIEW_LIMIT_USAGE",
    "FLOW_START_SCHEDULED_RECORDS",
    "FLOW_SUBFLOW_DETAIL",
    "FLOW_VALUE_ASSIGNMENT",
    "FLOW_WAIT_EVENT_RESUMING_DETAIL",
    "FLOW_WAIT_EVENT_WAITING_DETAIL",
    "FLOW_WAIT_RESUMING_DETAIL",
    "FLOW_WAIT_WAITING_DETAIL",
    "HEAP_ALLOCATE",
    "HEAP_DEALLOCATE",
    "IDEAS_QUERY_EXECUTE",
    "LIMIT_USAGE",
    "LIMIT_USAGE_FOR_NS",
    "MATCH_ENGINE_BEGIN",
    "MATCH_ENGINE_END",
    "METHOD_ENTRY",
    "METHOD_EXIT",
    "NAMED_CREDENTIAL_REQUEST",
    "NAMED_CREDENTIAL_RESPONSE",
    "NAMED_CREDENTIAL_RESPONSE_DETAIL",
    "NBA_NODE_BEGIN",
    "NBA_NODE_DETAIL",
    "NBA_NODE_END",
    "NBA_NODE_ERROR",
    "NBA_OFFER_INVALID",
    "NBA_STRATEGY_BEGIN",
    "NBA_STRATEGY_END",
    "NBA_STRATEGY_ERROR",
    "ORG_CACHE_GET_BEGIN",
    "ORG_CACHE_GET_END",
    "ORG_CACHE_MEMORY_USAGE",
    "ORG_CACHE_PUT_BEGIN",
    "ORG_CACHE_PUT_END",
    "ORG_CACHE_REMOVE_BEGIN",
    "ORG_CACHE_REMOVE_END",
    "POP_TRACE_FLAGS",
    "PUSH_NOTIFICATION_INVALID_APP",
    "PUSH_NOTIFICATION_INVALID_CERTIFICATE",
    "PUSH_NOTIFICATION_INVALID_NOTIFICATION",
    "PUSH_NOTIFICATION_NOT_ENABLED",
    "PUSH_NOTIFICATION_NO_DEVICES",
    "PUSH_NOTIFICATION_SENT",
    "PUSH_TRACE_FLAGS",
    "QUERY_MORE_BEGIN",
    "QUERY_MORE_END",
    "QUERY_MORE_ITERATIONS",
    "SAVEPOINT_RESET",
    "SAVEPOINT_ROLLBACK",
    "SAVEPOINT_SET",
    "SESSION_CACHE_GET_BEGIN",
    "SESSION_CACHE_GET_END",
    "SESSION_CACHE_MEMORY_USAGE",
    "SESSION_CACHE_PUT_BEGIN",
    "SESSION_CACHE_PUT_END",
    "SESSION_CACHE_REMOVE_BEGIN",
    "SESSION_CACHE_REMOVE_END",
    "SLA_END",
    "SLA_EVAL_MILESTONE",
    "SLA_NULL_START_DATE",
    "SLA_PROCESS_CASE",
    "SOQL_EXECUTE_BEGIN",
    "SOQL_EXECUTE_END",
    "SOQL_EXECUTE_EXPLAIN",
    "SOSL_EXECUTE_BEGIN",
    "SOSL_EXECUTE_END",
    "STACK_FRAME_VARIABLE_LIST",
    "STATEMENT_EXECUTE",
    "STATIC_VARIABLE_LIST",
    "SYSTEM_CONSTRUCTOR_ENTRY",
    "SYSTEM_CONSTRUCTOR_EXIT",
    "SYSTEM_METHOD_ENTRY",
    "SYSTEM_METHOD_EXIT",
    "SYSTEM_MODE_ENTER",
    "SYSTEM_MODE_EXIT",
    "TESTING_LIMITS",
    "TOTAL_EMAIL_RECIPIENTS_QUEUED",
    "USER_DEBUG",
    "USER_INFO",
    "VALIDATION_ERROR",
    "VALIDATION_FAIL",
    "VALIDATION_FORMULA",
    "VALIDATION_PASS",
    "VALIDATION_RULE",
    "VARIABLE_ASSIGNMENT",
    "VARIABLE_SCOPE_BEGIN",
    "VARIABLE_SCOPE_END",
    "VF_APEX_CALL_END",
    "VF_APEX_CALL_START",
    "VF_DESERIALIZE_CONTINUATION_STATE_BEGIN",
    "VF_DESERIALIZE_CONTINUATION_STATE_END",
    "VF_DESERIALIZE_VIEWSTATE_BEGIN",
    "VF_DESERIALIZE_VIEWSTATE_END",
    "VF_EVALUATE_FORMULA_BEGIN",
    "VF_EVALUATE_FORMULA_END",
    "VF_PAGE_MESSAGE",
    "VF_SERIALIZE_CONTINUATION_STATE_BEGIN",
    "VF_SERIALIZE_CONTINUATION_STATE_END",
    "VF_SERIALIZE_VIEWSTATE_BEGIN",
    "VF_SERIALIZE_VIEWSTATE_END",
    "WF_ACTION",
    "WF_ACTIONS_END",
    "WF_ACTION_TASK",
    "WF_APPROVAL",
    "WF_APPROVAL_REMOVE",
    "WF_APPROVAL_SUBMIT",
    "WF_APPROVAL_SUBMITTER",
    "WF_ASSIGN",
    "WF_CRITERIA_BEGIN",
    "WF_CRITERIA_END",
    "WF_EMAIL_ALERT",
    "WF_EMAIL_SENT",
    "WF_ENQUEUE_ACTIONS",
    "WF_ESCALATION_ACTION",
    "WF_ESCALATION_RULE",
    "WF_EVAL_ENTRY_CRITERIA",
    "WF_FIELD_UPDATE",
    "WF_FLOW_ACTION_BEGIN",
    "WF_FLOW_ACTION_DETAIL",
    "WF_FLOW_ACTION_END",
    "WF_FLOW_ACTION_ERROR",
    "WF_FLOW_ACTION_ERROR_DETAIL",
    "WF_FORMULA",
    "WF_HARD_REJECT",
    "WF_NEXT_APPROVER",
    "WF_NO_PROCESS_FOUND",
    "WF_OUTBOUND_MSG",
    "WF_PROCESS_FOUND",
    "WF_PROCESS_NODE",
    "WF_REASSIGN_RECORD",
    "WF_RESPONSE_NOTIFY",
    "WF_RULE_ENTRY_ORDER",
    "WF_RULE_EVAL_BEGIN",
    "WF_RULE_EVAL_END",
    "WF_RULE_EVAL_VALUE",
    "WF_RULE_FILTER",
    "WF_RULE_INVOCATION",
    "WF_RULE_NOT_EVALUATED",
    "WF_SOFT_REJECT",
    "WF_SPOOL_ACTION_BEGIN",
    "WF_TIME_TRIGGER",
    "WF_TIME_TRIGGERS_BEGIN",
    "XDS_DETAIL",
    "XDS_RESPONSE",
    "XDS_RESPONSE_DETAIL",
    "XDS_RESPONSE_ERROR",
];

pub(crate) fn is_known_event(name: &str) -> bool {
    KNOWN_EVENTS.binary_search(&name).is_ok()
}
