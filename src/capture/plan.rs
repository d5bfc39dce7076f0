//! The live capture as data: the requests that turn debug logging on for the user the platform
//! inserts chat sessions as, wait for the admin's test chat, read the new debug logs, and take
//! everything down again — and the decoding of every answer into the next step or a finding.
//!
//! The core has no clock and no network. The background script drives a small state machine:
//!
//! ```text
//! begin(input)                          → step: find the users           (read-only)
//! step(state, Answers{exchanges, now})  → find their trace flags         (read-only)
//!                                       → create the DebugLevel          (first write)
//!                                       → create / extend the TraceFlags
//!                                       → baseline: logs already there
//!                                       → waiting (no requests)
//! step(state, Tick{now})   while waiting → poll ApexLog; new logs → fetch bodies → parse
//!                                       → decisive insert found → finding → clean-up
//! step(state, Cancel{now}) at any time   → clean-up (or done, when nothing was written)
//! clean-up: find a DebugLevel whose create went unanswered → delete our TraceFlags and put a
//!           pre-existing one back → delete flags whose create went unanswered → delete the
//!           DebugLevel → done, with a finding saying what was removed (or what is left).
//! ```
//!
//! [`CaptureState`] is plain serialisable data without the token. Every write is recorded in it
//! *before* it is sent (a create whose answer is lost is remembered as "sent, id unknown" and
//! found again by name during clean-up), so the background can store the state after every step
//! and a restarted service worker can still clean up with `step(state, Cancel)`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::log::{parse_log, InsertOutcome};
use super::report;
use super::time;
use crate::finding::Finding;
use crate::org::api::{
    batch, decode, encode_query, pick_automated_user, Api, ApiError, ApiExchange, ApiRequest, Sub,
    API_VERSION, AUTOMATED_USER_SOQL,
};
use crate::org::json::{array, flag, number, text};
use crate::org::OrgContext;

/// The longest a trace flag of ours may run (the issue's limit; the platform allows 24 h).
pub const MAX_MINUTES: u32 = 30;
/// The trace window starts this long before the caller's clock says "now", so a browser clock a
/// little ahead of the org's still gives an active flag at once.
pub const CLOCK_SLACK_MS: i64 = 60_000;
/// Waiting for the chat ends this long before the trace flag expires.
pub const WAIT_MARGIN_MS: i64 = 60_000;
/// Log bodies fetched per round, and in all.
pub const BODIES_PER_ROUND: usize = 4;
pub const MAX_LOGS_READ: u32 = 40;
/// Debug logs are capped at 20 MB by the platform; a longer `LogLength` is not fetched.
pub const MAX_LOG_BYTES: f64 = 21.0 * 1024.0 * 1024.0;
/// Failed polls in a row before the capture gives up.
pub const MAX_POLL_FAILURES: u32 = 3;

/// Debug levels of the DebugLevel the capture creates. Apex at FINEST shows trigger code units,
/// exceptions and `addError` calls; Validation INFO the rule, formula, values and result;
/// Workflow FINER the flow interviews and their elements; Database INFO the DML lines; System
/// DEBUG the `System.DmlException` status. The rest is off to keep logs small.
pub const DEBUG_LEVELS: [(&str, &str); 10] = [
    ("ApexCode", "FINEST"),
    ("Validation", "INFO"),
    ("Workflow", "FINER"),
    ("Database", "INFO"),
    ("System", "DEBUG"),
    ("ApexProfiling", "NONE"),
    ("Callout", "NONE"),
    ("Visualforce", "NONE"),
    ("Nba", "NONE"),
    ("Wave", "NONE"),
];

/// What the popup hands the background to start a capture (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptureInput {
    /// The org's API host, e.g. `acme.my.salesforce.com`.
    pub api_host: String,
    #[serde(default)]
    pub org_id: Option<String>,
    /// Deployment API names the page's snippets name: their site's guest user is traced too.
    #[serde(default)]
    pub deployments: Vec<String>,
    /// The caller's clock, epoch milliseconds.
    pub now_ms: i64,
    /// How long the trace flag runs; at most (and by default) [`MAX_MINUTES`].
    #[serde(default)]
    pub minutes: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    FindUsers,
    FindTraceFlags,
    CreateDebugLevel,
    SetTraceFlags,
    Baseline,
    /// Trace flags are on; the admin starts a chat. No request is outstanding.
    Waiting,
    Polling,
    Reading,
    CleanupLookup,
    CleanupFlags,
    CleanupSweep,
    CleanupSweepDelete,
    CleanupDebugLevel,
    Done,
}

impl Phase {
    /// Nothing has been written to the org before these phases' requests.
    fn before_writes(self) -> bool {
        matches!(self, Phase::FindUsers | Phase::FindTraceFlags)
    }
    fn cleaning(self) -> bool {
        matches!(
            self,
            Phase::CleanupLookup
                | Phase::CleanupFlags
                | Phase::CleanupSweep
                | Phase::CleanupSweepDelete
                | Phase::CleanupDebugLevel
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UserRole {
    /// The Automated Process user: the platform inserts MessagingSession as this user.
    AutomatedProcess,
    /// The guest user of the deployment's Experience Cloud site.
    SiteGuest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TracedUser {
    pub id: String,
    pub name: String,
    pub role: UserRole,
    /// For a site guest: the site's name.
    #[serde(default)]
    pub site: Option<String>,
}

/// A trace flag that existed before the capture, as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OldFlag {
    pub start_date: Option<String>,
    pub expiration_date: Option<String>,
    pub debug_level_id: Option<String>,
    pub log_type: Option<String>,
}

/// One traced user's flag: created by the capture, or a pre-existing one it extended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flag {
    pub user_id: String,
    /// The TraceFlag id; `None` while a create is unanswered (or its answer was lost).
    pub id: Option<String>,
    /// The write (create or update) has been sent.
    pub sent: bool,
    /// Set for a pre-existing flag: what to put back.
    pub restore: Option<OldFlag>,
    /// The clean-up removed (ours) or restored (pre-existing) it.
    pub settled: bool,
}

/// A new ApexLog row of a traced user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogRow {
    pub id: String,
    pub user_id: String,
    pub operation: String,
    pub status: String,
    pub length: f64,
    pub start_time: String,
}

/// Everything the capture knows between steps. Serialisable, no token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptureState {
    pub api_host: String,
    pub org_id: Option<String>,
    pub deployments: Vec<String>,
    pub phase: Phase,
    /// The caller's clock when the capture began.
    pub started_ms: i64,
    /// Trace window: start (with [`CLOCK_SLACK_MS`]) and end.
    pub window_start_ms: i64,
    pub expires_ms: i64,
    pub debug_level_name: String,
    pub debug_level_id: Option<String>,
    pub debug_level_sent: bool,
    pub debug_level_deleted: bool,
    /// A write was sent to the org (the clean-up then reports, even when it found nothing).
    pub writes_attempted: bool,
    pub users: Vec<TracedUser>,
    pub flags: Vec<Flag>,
    /// ApexLog rows seen (baseline and read), and those waiting to be read.
    pub seen_logs: Vec<String>,
    pub queued_logs: Vec<LogRow>,
    /// Polls start at this time (SOQL literal, `>=`), moved forward as logs are seen.
    pub log_cursor_ms: i64,
    pub polls: u32,
    pub poll_failures: u32,
    pub logs_read: u32,
    /// A MessagingEndUser insert went through; the session insert is still to come.
    pub end_user_ok: bool,
    /// The capture's answer, once known.
    pub result: Option<Finding>,
    /// The org check the result confirms, e.g. `org/validation-rule-blocks`.
    pub static_code: Option<String>,
    /// What the clean-up did, in words, and what it could not do.
    pub cleanup_done: Vec<String>,
    pub cleanup_failed: Vec<String>,
    /// The clean-up's finding, once done.
    pub cleanup: Option<Finding>,
}

/// What happened since the last step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CaptureEvent {
    /// The answers to the last step's requests (all of them; a missing one counts as no
    /// answer).
    Answers {
        exchanges: Vec<ApiExchange>,
        now_ms: i64,
    },
    /// Time passed; while waiting, poll for new logs.
    Tick { now_ms: i64 },
    /// The admin cancelled or the popup closed: clean up. Ignored once the clean-up runs.
    Cancel {
        now_ms: i64,
        #[serde(default)]
        reason: Option<String>,
    },
    /// The last step's answers are lost (the background restarted while requests were out):
    /// clean up from what the state records, restarting a clean-up that was under way. Every
    /// clean-up request is safe to repeat (a record already gone counts as removed).
    Recover {
        now_ms: i64,
        #[serde(default)]
        reason: Option<String>,
    },
}

/// One step's outcome for the background.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptureStep {
    pub state: CaptureState,
    /// Send these (in parallel), then call `step` with their answers.
    pub requests: Vec<ApiRequest>,
    pub phase: Phase,
    /// What the popup shows as progress.
    pub progress: String,
    /// Trace flags are on: the admin can start the chat; send ticks.
    pub waiting: bool,
    /// The clean-up is under way (a Cancel now changes nothing).
    pub cleaning: bool,
    /// Everything is finished, clean-up included.
    pub done: bool,
    /// The capture's answer (a `capture/*` finding), once known.
    pub finding: Option<Finding>,
    pub static_code: Option<String>,
    /// What the clean-up removed (or could not), once done.
    pub cleanup: Option<Finding>,
}

// ---------------------------------------------------------------------------------------------
// Request builders

fn rest_path(path: &str) -> String {
    format!("/services/data/{API_VERSION}/{path}")
}

fn tooling_path(path: &str) -> String {
    format!("/services/data/{API_VERSION}/tooling/{path}")
}

fn request(id: &str, method: &str, path: String, body: Option<Value>, label: &str) -> ApiRequest {
    ApiRequest {
        id: id.to_string(),
        method: method.to_string(),
        path,
        body: body.map(|b| b.to_string()),
        label: label.to_string(),
        accept: None,
    }
}

fn tooling_query(id: &str, soql: &str, label: &str) -> ApiRequest {
    request(
        id,
        "GET",
        tooling_path(&format!("query?q={}", encode_query(soql))),
        None,
        label,
    )
}

fn rest_query(id: &str, soql: &str, label: &str) -> ApiRequest {
    request(
        id,
        "GET",
        rest_path(&format!("query?q={}", encode_query(soql))),
        None,
        label,
    )
}

/// A Salesforce id as it may go into a URL or a SOQL literal: 15 or 18 letters and digits.
pub fn safe_id(s: &str) -> bool {
    (s.len() == 15 || s.len() == 18) && s.bytes().all(|c| c.is_ascii_alphanumeric())
}

fn safe_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= 80 && n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

fn id_list(ids: &[&str]) -> String {
    ids.iter()
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The users to trace: the Automated Process user (the same query as the org checks) and,
/// when the page names deployments, their sites' guest users.
pub fn find_users_requests(deployments: &[String]) -> Vec<ApiRequest> {
    let mut subs = vec![Sub::query("automatedUser", Api::Rest, AUTOMATED_USER_SOQL)];
    let names: Vec<&str> = deployments
        .iter()
        .map(String::as_str)
        .filter(|d| safe_name(d))
        .collect();
    if !names.is_empty() {
        subs.push(Sub::query(
            "guestSites",
            Api::Rest,
            "SELECT Id, Name, GuestUserId, GuestUser.Name, GuestUser.IsActive FROM Site WHERE \
             GuestUserId != null",
        ));
        subs.push(Sub::query(
            "captureDeployments",
            Api::Tooling,
            &format!(
                "SELECT Id, DeveloperName, Site, AreGuestUsersAllowed FROM EmbeddedServiceConfig \
                 WHERE DeveloperName IN ({})",
                id_list(&names)
            ),
        ));
    }
    batch(subs, 1)
        .into_iter()
        .map(|mut r| {
            r.id = format!("capture-users-{}", r.id);
            r.label = "Finding the Automated Process user".into();
            r
        })
        .collect()
}

/// Trace flags of the traced users that are active in (or overlap) the capture's window.
pub fn find_trace_flags_request(user_ids: &[&str], window_start_ms: i64) -> ApiRequest {
    tooling_query(
        "capture-flags",
        &format!(
            "SELECT Id, TracedEntityId, DebugLevelId, LogType, StartDate, ExpirationDate FROM \
             TraceFlag WHERE TracedEntityId IN ({}) AND ExpirationDate > {}",
            id_list(user_ids),
            time::soql_datetime(window_start_ms)
        ),
        "Looking for trace flags that are already on",
    )
}

/// `POST …/tooling/sobjects/DebugLevel` with [`DEBUG_LEVELS`].
pub fn create_debug_level_request(name: &str, started_ms: i64) -> ApiRequest {
    let mut body = serde_json::Map::new();
    body.insert("DeveloperName".into(), json!(name));
    body.insert(
        "MasterLabel".into(),
        json!(format!(
            "Messaging Doctor capture {}",
            time::human(started_ms)
        )),
    );
    for (k, v) in DEBUG_LEVELS {
        body.insert(k.into(), json!(v));
    }
    request(
        "capture-debuglevel",
        "POST",
        tooling_path("sobjects/DebugLevel"),
        Some(Value::Object(body)),
        "Creating the debug level",
    )
}

/// `POST …/tooling/sobjects/TraceFlag` for a user.
pub fn create_trace_flag_request(
    index: usize,
    user_id: &str,
    debug_level_id: &str,
    start_ms: i64,
    expires_ms: i64,
) -> ApiRequest {
    request(
        &format!("capture-flag-{index}"),
        "POST",
        tooling_path("sobjects/TraceFlag"),
        Some(json!({
            "TracedEntityId": user_id,
            "DebugLevelId": debug_level_id,
            "LogType": "USER_DEBUG",
            "StartDate": time::field_datetime(start_ms),
            "ExpirationDate": time::field_datetime(expires_ms),
        })),
        "Turning the trace flag on",
    )
}

/// `PATCH` of a pre-existing flag: our levels, running at least until our window ends.
pub fn extend_trace_flag_request(
    index: usize,
    flag_id: &str,
    old: &OldFlag,
    debug_level_id: &str,
    start_ms: i64,
    expires_ms: i64,
) -> ApiRequest {
    let mut body = serde_json::Map::new();
    body.insert("DebugLevelId".into(), json!(debug_level_id));
    let old_end = old.expiration_date.as_deref().and_then(time::parse);
    if old_end.is_none_or(|e| e < expires_ms) {
        body.insert(
            "ExpirationDate".into(),
            json!(time::field_datetime(expires_ms)),
        );
    }
    let old_start = old.start_date.as_deref().and_then(time::parse);
    if old_start.is_some_and(|s| s > start_ms) {
        body.insert("StartDate".into(), json!(time::field_datetime(start_ms)));
    }
    request(
        &format!("capture-flag-{index}"),
        "PATCH",
        tooling_path(&format!("sobjects/TraceFlag/{flag_id}")),
        Some(Value::Object(body)),
        "Extending the trace flag that is already on",
    )
}

/// ApexLog rows of the traced users from `cursor_ms` on, oldest first.
pub fn log_query_request(id: &str, user_ids: &[&str], cursor_ms: i64) -> ApiRequest {
    rest_query(
        id,
        &format!(
            "SELECT Id, LogUserId, Operation, Status, LogLength, StartTime FROM ApexLog WHERE \
             LogUserId IN ({}) AND StartTime >= {} ORDER BY StartTime ASC LIMIT 50",
            id_list(user_ids),
            time::soql_datetime(cursor_ms)
        ),
        "Looking for new debug logs",
    )
}

/// `GET …/sobjects/ApexLog/<id>/Body` (plain text).
pub fn log_body_request(log_id: &str) -> ApiRequest {
    let mut r = request(
        &format!("capture-body-{log_id}"),
        "GET",
        rest_path(&format!("sobjects/ApexLog/{log_id}/Body")),
        None,
        "Reading the debug log",
    );
    r.accept = Some("text/plain, */*".into());
    r
}

fn delete_request(id: &str, object: &str, record_id: &str, label: &str) -> ApiRequest {
    request(
        id,
        "DELETE",
        tooling_path(&format!("sobjects/{object}/{record_id}")),
        None,
        label,
    )
}

/// `PATCH` putting a pre-existing flag back as it was.
pub fn restore_trace_flag_request(index: usize, flag_id: &str, old: &OldFlag) -> ApiRequest {
    let mut body = serde_json::Map::new();
    if let Some(v) = &old.debug_level_id {
        body.insert("DebugLevelId".into(), json!(v));
    }
    if let Some(v) = &old.start_date {
        body.insert("StartDate".into(), json!(v));
    }
    if let Some(v) = &old.expiration_date {
        body.insert("ExpirationDate".into(), json!(v));
    }
    request(
        &format!("capture-restore-{index}"),
        "PATCH",
        tooling_path(&format!("sobjects/TraceFlag/{flag_id}")),
        Some(Value::Object(body)),
        "Putting the earlier trace flag back",
    )
}

// ---------------------------------------------------------------------------------------------
// Answers

/// A single (non-composite) answer: status, parsed body, or why there is none.
struct Answer<'a> {
    status: u16,
    body: Value,
    raw: &'a str,
    error: Option<String>,
}

impl Answer<'_> {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
    fn api_error(&self) -> ApiError {
        ApiError::from_answer(self.status, &self.body)
    }
    /// The answer in words for evidence: `HTTP 403 INSUFFICIENT_ACCESS_OR_READONLY: …`.
    fn describe(&self) -> String {
        if self.status == 0 {
            return self
                .error
                .clone()
                .unwrap_or_else(|| "no answer from the org".into());
        }
        let e = self.api_error();
        let msg = if e.message.is_empty() {
            String::new()
        } else {
            format!(": {}", crate::org::json::clip(&e.message, 240))
        };
        format!("HTTP {} {}{msg}", self.status, e.code)
    }
}

fn answer<'a>(exchanges: &'a [ApiExchange], id: &str) -> Answer<'a> {
    match exchanges.iter().rev().find(|e| e.request.id == id) {
        Some(e) => Answer {
            status: e.status,
            body: serde_json::from_str(&e.body).unwrap_or(Value::Null),
            raw: &e.body,
            error: e.error.clone(),
        },
        None => Answer {
            status: 0,
            body: Value::Null,
            raw: "",
            error: Some("the request was not answered".into()),
        },
    }
}

/// The id of a create answer (`{id, success, errors}`).
fn created_id(a: &Answer) -> Option<String> {
    if a.status != 201 && a.status != 200 {
        return None;
    }
    text(&a.body, "id").filter(|i| safe_id(i))
}

fn records(a: &Answer) -> Vec<Value> {
    array(&a.body, "records").to_vec()
}

// ---------------------------------------------------------------------------------------------
// The state machine

/// Starts a capture: the first (read-only) requests.
pub fn begin(input: &CaptureInput) -> CaptureStep {
    let minutes = input.minutes.unwrap_or(MAX_MINUTES).clamp(1, MAX_MINUTES);
    let state = CaptureState {
        api_host: input.api_host.clone(),
        org_id: input.org_id.clone(),
        deployments: input.deployments.clone(),
        phase: Phase::FindUsers,
        started_ms: input.now_ms,
        window_start_ms: input.now_ms - CLOCK_SLACK_MS,
        expires_ms: input.now_ms + i64::from(minutes) * 60_000,
        debug_level_name: format!("MessagingDoctor_{}", input.now_ms.max(0)),
        debug_level_id: None,
        debug_level_sent: false,
        debug_level_deleted: false,
        writes_attempted: false,
        users: Vec::new(),
        flags: Vec::new(),
        seen_logs: Vec::new(),
        queued_logs: Vec::new(),
        log_cursor_ms: input.now_ms - CLOCK_SLACK_MS,
        polls: 0,
        poll_failures: 0,
        logs_read: 0,
        end_user_ok: false,
        result: None,
        static_code: None,
        cleanup_done: Vec::new(),
        cleanup_failed: Vec::new(),
        cleanup: None,
    };
    let requests = find_users_requests(&state.deployments);
    finish_step(state, requests)
}

/// Advances the capture by one event.
pub fn step(mut state: CaptureState, event: CaptureEvent) -> CaptureStep {
    match event {
        CaptureEvent::Cancel { now_ms, reason } => {
            if state.phase == Phase::Done || state.phase.cleaning() {
                return finish_step(state, Vec::new());
            }
            if state.result.is_none() {
                state.result = Some(report::cancelled(
                    &ctx(&state),
                    reason.as_deref(),
                    !state.phase.before_writes(),
                ));
            }
            start_cleanup(state, now_ms)
        }
        CaptureEvent::Recover { now_ms, reason } => {
            if state.phase == Phase::Done {
                return finish_step(state, Vec::new());
            }
            if state.result.is_none() {
                let wrote = state.writes_attempted;
                state.result = Some(report::cancelled(&ctx(&state), reason.as_deref(), wrote));
            }
            start_cleanup(state, now_ms)
        }
        CaptureEvent::Tick { now_ms } => {
            if state.phase != Phase::Waiting {
                return finish_step(state, Vec::new());
            }
            if now_ms >= state.expires_ms - WAIT_MARGIN_MS {
                state.result = Some(report::no_chat_seen(&ctx(&state), &state));
                return start_cleanup(state, now_ms);
            }
            state.polls += 1;
            state.phase = Phase::Polling;
            let ids = user_ids(&state);
            let req = log_query_request(
                &format!("capture-poll-{}", state.polls),
                &ids,
                state.log_cursor_ms,
            );
            finish_step(state, vec![req])
        }
        CaptureEvent::Answers { exchanges, now_ms } => on_answers(state, &exchanges, now_ms),
    }
}

fn ctx(state: &CaptureState) -> OrgContext {
    OrgContext {
        api_host: state.api_host.clone(),
        org_id: state.org_id.clone(),
    }
}

fn user_ids(state: &CaptureState) -> Vec<&str> {
    state.users.iter().map(|u| u.id.as_str()).collect()
}

fn progress(state: &CaptureState) -> String {
    let who = state
        .users
        .iter()
        .map(|u| u.name.as_str())
        .collect::<Vec<_>>()
        .join(" and ");
    match state.phase {
        Phase::FindUsers => "Finding the Automated Process user…".into(),
        Phase::FindTraceFlags => "Looking for trace flags that are already on…".into(),
        Phase::CreateDebugLevel => "Creating the debug level…".into(),
        Phase::SetTraceFlags => format!("Turning on debug logs for {who}…"),
        Phase::Baseline => "Noting the debug logs already in the org…".into(),
        Phase::Waiting | Phase::Polling | Phase::Reading => {
            let read = if state.logs_read > 0 {
                format!(
                    " Read {} new debug log(s) so far; none shows the chat's MessagingSession yet.",
                    state.logs_read
                )
            } else {
                String::new()
            };
            format!(
                "Waiting for a chat in the customer tab: start one there (or use the button below). Debug logs of {who} are on until {}.{read}",
                time::human(state.expires_ms)
            )
        }
        Phase::CleanupLookup
        | Phase::CleanupFlags
        | Phase::CleanupSweep
        | Phase::CleanupSweepDelete
        | Phase::CleanupDebugLevel => {
            "Removing the trace flag and debug level from the org…".into()
        }
        Phase::Done => "The capture is finished.".into(),
    }
}

fn finish_step(state: CaptureState, requests: Vec<ApiRequest>) -> CaptureStep {
    CaptureStep {
        requests,
        phase: state.phase,
        progress: progress(&state),
        waiting: state.phase == Phase::Waiting,
        cleaning: state.phase.cleaning(),
        done: state.phase == Phase::Done,
        finding: state.result.clone(),
        static_code: state.static_code.clone(),
        cleanup: state.cleanup.clone(),
        state,
    }
}

/// A step failed: record the finding (unless one is known) and clean up.
fn fail(mut state: CaptureState, finding: Finding, now_ms: i64) -> CaptureStep {
    if state.result.is_none() {
        state.result = Some(finding);
    }
    start_cleanup(state, now_ms)
}

fn on_answers(mut state: CaptureState, ex: &[ApiExchange], now_ms: i64) -> CaptureStep {
    let c = ctx(&state);
    match state.phase {
        Phase::FindUsers => {
            let a = decode(ex);
            let failure = a.failed.get("automatedUser").map(|f| f.error.clone());
            let users = match (failure, a.get("automatedUser")) {
                (Some(e), _) => {
                    return fail(
                        state,
                        report::step_failed(&c, "find the Automated Process user", &e, None, false),
                        now_ms,
                    )
                }
                (None, Some(s)) if !s.ok() => {
                    let e = s.error();
                    return fail(
                        state,
                        report::step_failed(&c, "find the Automated Process user", &e, None, false),
                        now_ms,
                    );
                }
                (None, Some(s)) => s.records.clone(),
                (None, None) => Vec::new(),
            };
            // Several users can have the type; the platform's own (alias autoproc) first.
            let usable: Vec<Value> = users
                .iter()
                .filter(|u| {
                    text(u, "Id").is_some_and(|i| safe_id(&i)) && flag(u, "IsActive") != Some(false)
                })
                .cloned()
                .collect();
            let auto = pick_automated_user(&usable).map(|(u, _)| u);
            let Some(auto) = auto else {
                return fail(state, report::no_automated_user(&c), now_ms);
            };
            state.users.push(TracedUser {
                id: text(auto, "Id").unwrap_or_default(),
                name: text(auto, "Name").unwrap_or_else(|| "Automated Process".into()),
                role: UserRole::AutomatedProcess,
                site: None,
            });
            // Guest users of the page's deployments' sites (best effort: a failed lookup only
            // means the guest user is not traced).
            let sites = a.records("guestSites").unwrap_or(&[]);
            for d in a.records("captureDeployments").unwrap_or(&[]) {
                if flag(d, "AreGuestUsersAllowed") == Some(false) {
                    continue;
                }
                let Some(site) = text(d, "Site") else {
                    continue;
                };
                let Some(row) = sites
                    .iter()
                    .find(|s| text(s, "Name").is_some_and(|n| n.eq_ignore_ascii_case(&site)))
                else {
                    continue;
                };
                let Some(gid) = text(row, "GuestUserId").filter(|i| safe_id(i)) else {
                    continue;
                };
                let guest = row.get("GuestUser").cloned().unwrap_or(Value::Null);
                if flag(&guest, "IsActive") == Some(false)
                    || state.users.iter().any(|u| u.id.get(..15) == gid.get(..15))
                {
                    continue;
                }
                state.users.push(TracedUser {
                    id: gid,
                    name: text(&guest, "Name").unwrap_or_else(|| format!("{site} Site Guest User")),
                    role: UserRole::SiteGuest,
                    site: Some(site),
                });
            }
            state.phase = Phase::FindTraceFlags;
            let req = find_trace_flags_request(&user_ids(&state), state.window_start_ms);
            finish_step(state, vec![req])
        }
        Phase::FindTraceFlags => {
            let a = answer(ex, "capture-flags");
            if !a.ok() {
                let f = report::step_failed(
                    &c,
                    "look for trace flags that are already on",
                    &a.api_error(),
                    Some(a.describe()),
                    false,
                );
                return fail(state, f, now_ms);
            }
            let rows = records(&a);
            let users = state.users.clone();
            for u in &users {
                let existing = rows
                    .iter()
                    .filter(|r| {
                        text(r, "TracedEntityId").is_some_and(|t| t.get(..15) == u.id.get(..15))
                    })
                    .filter(|r| {
                        // Overlaps our window (the query already asked for ExpirationDate > start).
                        text(r, "StartDate")
                            .and_then(|s| time::parse(&s))
                            .is_none_or(|s| s < state.expires_ms)
                    })
                    .min_by_key(|r| {
                        (
                            text(r, "LogType").as_deref() != Some("USER_DEBUG"),
                            text(r, "StartDate")
                                .and_then(|s| time::parse(&s))
                                .unwrap_or(0),
                        )
                    });
                match existing.and_then(|r| Some((r, text(r, "Id").filter(|i| safe_id(i))?))) {
                    Some((r, id)) => state.flags.push(Flag {
                        user_id: u.id.clone(),
                        id: Some(id),
                        sent: false,
                        restore: Some(OldFlag {
                            start_date: text(r, "StartDate"),
                            expiration_date: text(r, "ExpirationDate"),
                            debug_level_id: text(r, "DebugLevelId"),
                            log_type: text(r, "LogType"),
                        }),
                        settled: false,
                    }),
                    None => state.flags.push(Flag {
                        user_id: u.id.clone(),
                        id: None,
                        sent: false,
                        restore: None,
                        settled: false,
                    }),
                }
            }
            state.phase = Phase::CreateDebugLevel;
            state.debug_level_sent = true;
            state.writes_attempted = true;
            let req = create_debug_level_request(&state.debug_level_name, state.started_ms);
            finish_step(state, vec![req])
        }
        Phase::CreateDebugLevel => {
            let a = answer(ex, "capture-debuglevel");
            match created_id(&a) {
                Some(id) => state.debug_level_id = Some(id),
                None => {
                    if a.status != 0 {
                        // Refused: nothing was created.
                        state.debug_level_sent = false;
                    }
                    // Refused: nothing was written; no answer: it may exist (the clean-up looks).
                    let f = report::step_failed(
                        &c,
                        "create the debug level",
                        &a.api_error(),
                        Some(a.describe()),
                        a.status == 0,
                    );
                    return fail(state, f, now_ms);
                }
            }
            let dl = state.debug_level_id.clone().unwrap_or_default();
            let mut reqs = Vec::new();
            for (i, f) in state.flags.iter_mut().enumerate() {
                f.sent = true;
                reqs.push(match (&f.id, &f.restore) {
                    (Some(id), Some(old)) => extend_trace_flag_request(
                        i,
                        id,
                        old,
                        &dl,
                        state.window_start_ms,
                        state.expires_ms,
                    ),
                    _ => create_trace_flag_request(
                        i,
                        &f.user_id,
                        &dl,
                        state.window_start_ms,
                        state.expires_ms,
                    ),
                });
            }
            state.phase = Phase::SetTraceFlags;
            finish_step(state, reqs)
        }
        Phase::SetTraceFlags => {
            let mut failure: Option<Finding> = None;
            for i in 0..state.flags.len() {
                let a = answer(ex, &format!("capture-flag-{i}"));
                let reused = state.flags[i].restore.is_some();
                if reused {
                    if !a.ok() && a.status != 0 {
                        // The update was refused: the flag is as it was.
                        state.flags[i].sent = false;
                    }
                } else if let Some(id) = created_id(&a) {
                    state.flags[i].id = Some(id);
                } else if a.status != 0 {
                    state.flags[i].sent = false;
                }
                if !a.ok() && failure.is_none() {
                    let what = if reused {
                        "extend the trace flag that was already on"
                    } else {
                        "create the trace flag"
                    };
                    failure = Some(report::step_failed(
                        &c,
                        what,
                        &a.api_error(),
                        Some(a.describe()),
                        true,
                    ));
                }
            }
            if let Some(f) = failure {
                return fail(state, f, now_ms);
            }
            state.phase = Phase::Baseline;
            let req = log_query_request("capture-baseline", &user_ids(&state), state.log_cursor_ms);
            finish_step(state, vec![req])
        }
        Phase::Baseline => {
            let a = answer(ex, "capture-baseline");
            if !a.ok() {
                let f = report::step_failed(
                    &c,
                    "read the org's debug logs",
                    &a.api_error(),
                    Some(a.describe()),
                    true,
                );
                return fail(state, f, now_ms);
            }
            for r in records(&a) {
                if let Some(row) = log_row(&r) {
                    note_seen(&mut state, &row);
                }
            }
            state.phase = Phase::Waiting;
            finish_step(state, Vec::new())
        }
        Phase::Polling => {
            let id = format!("capture-poll-{}", state.polls);
            let a = answer(ex, &id);
            if !a.ok() {
                state.poll_failures += 1;
                if state.poll_failures >= MAX_POLL_FAILURES || matches!(a.status, 401 | 403) {
                    let f = report::step_failed(
                        &c,
                        "read the org's debug logs",
                        &a.api_error(),
                        Some(a.describe()),
                        true,
                    );
                    return fail(state, f, now_ms);
                }
                state.phase = Phase::Waiting;
                return finish_step(state, Vec::new());
            }
            state.poll_failures = 0;
            for r in records(&a) {
                let Some(row) = log_row(&r) else { continue };
                if state.seen_logs.contains(&row.id)
                    || state.queued_logs.iter().any(|q| q.id == row.id)
                {
                    continue;
                }
                if state.queued_logs.len() < 50 {
                    state.queued_logs.push(row);
                }
            }
            next_bodies(state)
        }
        Phase::Reading => {
            let batch: Vec<LogRow> = state
                .queued_logs
                .drain(..BODIES_PER_ROUND.min(state.queued_logs.len()))
                .collect();
            let mut decided: Option<(Finding, Option<&'static str>, u8)> = None;
            for row in &batch {
                note_seen(&mut state, row);
                let a = answer(ex, &format!("capture-body-{}", row.id));
                if a.status != 200 {
                    continue;
                }
                state.logs_read += 1;
                let summary = parse_log(a.raw);
                let Some(attempt) = summary.decisive_insert() else {
                    continue;
                };
                let is_session = attempt.object.as_deref() == Some("MessagingSession");
                // Rank: a failed session insert, any failed insert, a session insert's end.
                let rank = match (attempt.outcome, is_session) {
                    (InsertOutcome::Failed, true) => 4,
                    (InsertOutcome::Failed, false) => 3,
                    (InsertOutcome::Succeeded, true) => 2,
                    (InsertOutcome::Unknown, true) => 1,
                    (InsertOutcome::Succeeded, false) => {
                        state.end_user_ok = true;
                        continue;
                    }
                    (InsertOutcome::Unknown, false) => continue,
                };
                if decided.as_ref().is_none_or(|d| rank > d.2) {
                    let (f, code) = report::insert_finding(&c, attempt, &summary, row);
                    decided = Some((f, code, rank));
                }
            }
            if let Some((f, code, _)) = decided {
                state.result = Some(f);
                state.static_code = code.map(str::to_string);
                return start_cleanup(state, now_ms);
            }
            next_bodies(state)
        }
        Phase::CleanupLookup => {
            let a = answer(ex, "capture-c-lookup");
            if a.ok() {
                state.debug_level_id = records(&a)
                    .iter()
                    .find_map(|r| text(r, "Id").filter(|i| safe_id(i)));
                if state.debug_level_id.is_none() {
                    // The create never happened.
                    state.debug_level_sent = false;
                }
            } else {
                state.cleanup_failed.push(format!(
                    "Could not look for the debug level {} ({}).",
                    state.debug_level_name,
                    a.describe()
                ));
            }
            cleanup_flags(state, now_ms)
        }
        Phase::CleanupFlags => {
            for i in 0..state.flags.len() {
                let (id, restore, sent) = {
                    let f = &state.flags[i];
                    (f.id.clone(), f.restore.clone(), f.sent)
                };
                let Some(id) = id else { continue };
                if !sent || state.flags[i].settled {
                    continue;
                }
                let who = user_label(&state, &state.flags[i].user_id);
                match restore {
                    Some(old) => {
                        let a = answer(ex, &format!("capture-restore-{i}"));
                        if a.ok() {
                            state.flags[i].settled = true;
                            state.cleanup_done.push(format!(
                                "Put the trace flag {id} on {who} back as it was (debug level {}, expires {}).",
                                old.debug_level_id.as_deref().unwrap_or("?"),
                                old.expiration_date.as_deref().and_then(time::parse).map(time::human).unwrap_or_else(|| "?".into())
                            ));
                        } else {
                            state.cleanup_failed.push(format!(
                                "Could not put the trace flag {id} on {who} back as it was ({}).",
                                a.describe()
                            ));
                        }
                    }
                    None => {
                        let a = answer(ex, &format!("capture-c-flag-{i}"));
                        if a.ok() || a.status == 404 {
                            state.flags[i].settled = true;
                            state
                                .cleanup_done
                                .push(format!("Deleted the trace flag {id} on {who}."));
                        } else {
                            state.cleanup_failed.push(format!(
                                "Could not delete the trace flag {id} on {who} ({}); it expires by itself at {}.",
                                a.describe(),
                                time::human(state.expires_ms)
                            ));
                        }
                    }
                }
            }
            cleanup_sweep(state, now_ms)
        }
        Phase::CleanupSweep => {
            let a = answer(ex, "capture-c-sweep");
            let mut reqs = Vec::new();
            if a.ok() {
                let known: Vec<String> = state.flags.iter().filter_map(|f| f.id.clone()).collect();
                for r in records(&a) {
                    let Some(id) = text(&r, "Id").filter(|i| safe_id(i)) else {
                        continue;
                    };
                    let user = text(&r, "TracedEntityId").unwrap_or_default();
                    if known.contains(&id) {
                        continue;
                    }
                    // A flag of ours whose create answer was lost: adopt it for deletion.
                    if let Some(f) = state.flags.iter_mut().find(|f| {
                        f.id.is_none()
                            && f.restore.is_none()
                            && f.user_id.get(..15) == user.get(..15)
                    }) {
                        f.id = Some(id.clone());
                    }
                    reqs.push(delete_request(
                        &format!("capture-c-sweep-{}", reqs.len()),
                        "TraceFlag",
                        &id,
                        "Removing the trace flag",
                    ));
                }
            } else {
                state.cleanup_failed.push(format!(
                    "Could not look for trace flags using the debug level {} ({}).",
                    state.debug_level_name,
                    a.describe()
                ));
            }
            if reqs.is_empty() {
                for f in state
                    .flags
                    .iter_mut()
                    .filter(|f| f.id.is_none() && f.restore.is_none())
                {
                    // Its create never took effect.
                    f.sent = false;
                }
                return cleanup_debug_level(state, now_ms);
            }
            state.phase = Phase::CleanupSweepDelete;
            finish_step(state, reqs)
        }
        Phase::CleanupSweepDelete => {
            for e in ex {
                let id = e.request.path.rsplit('/').next().unwrap_or("").to_string();
                let ok = (200..300).contains(&e.status) || e.status == 404;
                if let Some(f) = state
                    .flags
                    .iter_mut()
                    .find(|f| f.id.as_deref() == Some(id.as_str()))
                {
                    f.settled = ok;
                }
                if ok {
                    state
                        .cleanup_done
                        .push(format!("Deleted the trace flag {id}."));
                } else {
                    state.cleanup_failed.push(format!(
                        "Could not delete the trace flag {id} (HTTP {}); it expires by itself at {}.",
                        e.status,
                        time::human(state.expires_ms)
                    ));
                }
            }
            cleanup_debug_level(state, now_ms)
        }
        Phase::CleanupDebugLevel => {
            let a = answer(ex, "capture-c-debuglevel");
            let id = state.debug_level_id.clone().unwrap_or_default();
            if a.ok() || a.status == 404 {
                state.debug_level_deleted = true;
                state.cleanup_done.push(format!(
                    "Deleted the debug level {} ({id}).",
                    state.debug_level_name
                ));
            } else {
                state.cleanup_failed.push(format!(
                    "Could not delete the debug level {} ({id}): {}.",
                    state.debug_level_name,
                    a.describe()
                ));
            }
            finish_cleanup(state)
        }
        // Answers when none were asked for: nothing to do.
        Phase::Waiting | Phase::Done => finish_step(state, Vec::new()),
    }
}

fn user_label(state: &CaptureState, user_id: &str) -> String {
    state
        .users
        .iter()
        .find(|u| u.id == user_id)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| user_id.to_string())
}

fn log_row(r: &Value) -> Option<LogRow> {
    let id = text(r, "Id").filter(|i| safe_id(i))?;
    Some(LogRow {
        id,
        user_id: text(r, "LogUserId").unwrap_or_default(),
        operation: text(r, "Operation").unwrap_or_default(),
        status: text(r, "Status").unwrap_or_default(),
        length: number(r, "LogLength").unwrap_or(0.0),
        start_time: text(r, "StartTime").unwrap_or_default(),
    })
}

fn note_seen(state: &mut CaptureState, row: &LogRow) {
    if !state.seen_logs.contains(&row.id) {
        state.seen_logs.push(row.id.clone());
        if state.seen_logs.len() > 500 {
            state.seen_logs.remove(0);
        }
    }
    if let Some(t) = time::parse(&row.start_time) {
        // Later polls start at the newest log seen (`>=` plus the seen list covers ties).
        state.log_cursor_ms = state.log_cursor_ms.max(t);
    }
}

/// Fetches the next queued bodies, or goes back to waiting.
fn next_bodies(mut state: CaptureState) -> CaptureStep {
    // Logs too long to fetch are skipped (the platform caps logs at 20 MB).
    let (skip, keep): (Vec<LogRow>, Vec<LogRow>) = std::mem::take(&mut state.queued_logs)
        .into_iter()
        .partition(|r| r.length > MAX_LOG_BYTES);
    for r in &skip {
        note_seen(&mut state, r);
    }
    state.queued_logs = keep;
    if state.queued_logs.is_empty() || state.logs_read >= MAX_LOGS_READ {
        state.queued_logs.clear();
        state.phase = Phase::Waiting;
        return finish_step(state, Vec::new());
    }
    let reqs = state
        .queued_logs
        .iter()
        .take(BODIES_PER_ROUND)
        .map(|r| log_body_request(&r.id))
        .collect();
    state.phase = Phase::Reading;
    finish_step(state, reqs)
}

// ---------------------------------------------------------------------------------------------
// Clean-up

/// Starts the clean-up from whatever was written (or sent).
pub fn start_cleanup(mut state: CaptureState, now_ms: i64) -> CaptureStep {
    state.queued_logs.clear();
    if state.debug_level_sent && state.debug_level_id.is_none() {
        state.phase = Phase::CleanupLookup;
        let req = tooling_query(
            "capture-c-lookup",
            &format!(
                "SELECT Id FROM DebugLevel WHERE DeveloperName = '{}'",
                state.debug_level_name
            ),
            "Looking for the debug level to remove",
        );
        return finish_step(state, vec![req]);
    }
    cleanup_flags(state, now_ms)
}

fn cleanup_flags(mut state: CaptureState, now_ms: i64) -> CaptureStep {
    let mut reqs = Vec::new();
    for (i, f) in state.flags.iter().enumerate() {
        let Some(id) = &f.id else { continue };
        if !f.sent || f.settled {
            continue;
        }
        reqs.push(match &f.restore {
            Some(old) => restore_trace_flag_request(i, id, old),
            None => delete_request(
                &format!("capture-c-flag-{i}"),
                "TraceFlag",
                id,
                "Removing the trace flag",
            ),
        });
    }
    if reqs.is_empty() {
        return cleanup_sweep(state, now_ms);
    }
    state.phase = Phase::CleanupFlags;
    finish_step(state, reqs)
}

/// Flags whose create went unanswered may exist: find them by our debug level.
fn cleanup_sweep(mut state: CaptureState, now_ms: i64) -> CaptureStep {
    let unknown = state
        .flags
        .iter()
        .any(|f| f.sent && f.id.is_none() && f.restore.is_none());
    match (&state.debug_level_id, unknown) {
        (Some(dl), true) => {
            let req = tooling_query(
                "capture-c-sweep",
                &format!("SELECT Id, TracedEntityId FROM TraceFlag WHERE DebugLevelId = '{dl}'"),
                "Looking for trace flags to remove",
            );
            state.phase = Phase::CleanupSweep;
            finish_step(state, vec![req])
        }
        _ => cleanup_debug_level(state, now_ms),
    }
}

fn cleanup_debug_level(mut state: CaptureState, _now_ms: i64) -> CaptureStep {
    // A pre-existing flag that still uses our level (its restore failed) keeps it in use.
    let in_use = state
        .flags
        .iter()
        .any(|f| f.restore.is_some() && f.sent && !f.settled);
    match (&state.debug_level_id, state.debug_level_deleted, in_use) {
        (Some(dl), false, false) => {
            let req = delete_request(
                "capture-c-debuglevel",
                "DebugLevel",
                dl,
                "Removing the debug level",
            );
            state.phase = Phase::CleanupDebugLevel;
            finish_step(state, vec![req])
        }
        (Some(dl), false, true) => {
            state.cleanup_failed.push(format!(
                "Kept the debug level {} ({dl}): the earlier trace flag still uses it.",
                state.debug_level_name
            ));
            finish_cleanup(state)
        }
        _ => finish_cleanup(state),
    }
}

fn finish_cleanup(mut state: CaptureState) -> CaptureStep {
    state.phase = Phase::Done;
    state.cleanup = report::cleanup_finding(&ctx(&state), &state);
    finish_step(state, Vec::new())
}
