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
use serde_json::Value;

use super::answers::{answer, write_outcome, WriteOutcome};
use super::cleanup::{cleanup_step, start_cleanup};
use super::log::{parse_log, InsertOutcome};
use super::report;
pub use super::requests::*;
use super::time;
use crate::finding::Finding;
use crate::org::api::{decode, ApiExchange, ApiRequest};
use crate::org::json::{flag, number, text};
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
pub const MAX_LOGS_READ: u32 = 12;
/// Every API call of one capture, worst case included (30 minutes with no chat): setup,
/// polls, log bodies and clean-up. Polls and bodies stop early enough to leave the clean-up
/// its calls.
pub const MAX_API_CALLS: u32 = 60;
/// Poll intervals: fast while the admin is starting the chat (after the trace flags go on, or
/// after "Start a test chat"), slower after, slowest for the rest of the window.
pub const POLL_FAST_MS: i64 = 5_000;
pub const POLL_FAST_FOR_MS: i64 = 90_000;
pub const POLL_MEDIUM_MS: i64 = 20_000;
pub const POLL_MEDIUM_UNTIL_MS: i64 = 300_000;
pub const POLL_SLOW_MS: i64 = 120_000;
/// A `MessagingDoctor_<ms>` debug level older than this belongs to no running capture (its
/// trace flags expired): a new capture removes it.
pub const LEFTOVER_AGE_MS: i64 = (MAX_MINUTES as i64 + 2) * 60_000;
/// Debug-level categories the capture can do without when an org's API version lacks them.
pub const OPTIONAL_CATEGORIES: [&str; 7] = [
    "ApexProfiling",
    "Callout",
    "Visualforce",
    "Nba",
    "Wave",
    "Database",
    "System",
];
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
    /// Reading each named deployment's `Metadata.site`.
    FindSites,
    FindTraceFlags,
    /// Removing trace flags, then debug levels, an earlier capture left.
    SweepFlags,
    SweepLevels,
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
        matches!(
            self,
            Phase::FindUsers
                | Phase::FindSites
                | Phase::FindTraceFlags
                | Phase::SweepFlags
                | Phase::SweepLevels
        )
    }
    pub(crate) fn cleaning(self) -> bool {
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
    /// API calls sent so far (every request the core planned; a composite is one call).
    #[serde(default)]
    pub api_calls: u32,
    /// The next poll is due at this time; fast polling runs from `fast_since_ms`.
    #[serde(default)]
    pub next_poll_ms: i64,
    #[serde(default)]
    pub fast_since_ms: i64,
    /// Debug-level categories the org refused as unknown fields (left out of the create).
    #[serde(default)]
    pub omitted_categories: Vec<String>,
    /// Site rows (`Site` with its guest user) kept until the deployments' sites are read.
    #[serde(default)]
    pub site_rows: Vec<Value>,
    #[serde(default)]
    pub deployment_ids: Vec<String>,
    /// Debug levels (id, name) and trace flags (id) an earlier capture left.
    #[serde(default)]
    pub leftover_levels: Vec<(String, String)>,
    #[serde(default)]
    pub leftover_flags: Vec<String>,
    /// The org refused the session during the clean-up: it is retried after the next login.
    #[serde(default)]
    pub session_lost: bool,
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
    /// The admin is starting the chat now ("Start a test chat"): poll fast again for a while.
    Nudge { now_ms: i64 },
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
    /// API calls this capture has sent so far, these requests included.
    pub api_calls: u32,
    /// The clean-up could not finish: the background keeps the state on record and retries.
    pub cleanup_pending: bool,
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
        api_calls: 0,
        next_poll_ms: 0,
        fast_since_ms: 0,
        omitted_categories: Vec::new(),
        site_rows: Vec::new(),
        deployment_ids: Vec::new(),
        leftover_levels: Vec::new(),
        leftover_flags: Vec::new(),
        session_lost: false,
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
                if state.cleanup_failed.is_empty() {
                    return finish_step(state, Vec::new());
                }
                // A clean-up that could not finish (the session expired, the org refused):
                // try again from what the state records; what is gone counts as removed.
                state.cleanup_failed.clear();
                state.cleanup = None;
                state.session_lost = false;
                return start_cleanup(state, now_ms);
            }
            if state.result.is_none() {
                let wrote = state.writes_attempted;
                state.result = Some(report::cancelled(&ctx(&state), reason.as_deref(), wrote));
            }
            start_cleanup(state, now_ms)
        }
        CaptureEvent::Nudge { now_ms } => {
            if state.phase == Phase::Waiting {
                state.fast_since_ms = now_ms;
                state.next_poll_ms = now_ms;
            }
            finish_step(state, Vec::new())
        }
        CaptureEvent::Tick { now_ms } => {
            if state.phase != Phase::Waiting {
                return finish_step(state, Vec::new());
            }
            if now_ms >= state.expires_ms - WAIT_MARGIN_MS || !budget_allows(&state, 1) {
                state.result = Some(report::no_chat_seen(&ctx(&state), &state));
                return start_cleanup(state, now_ms);
            }
            if now_ms < state.next_poll_ms {
                return finish_step(state, Vec::new());
            }
            state.next_poll_ms = now_ms + poll_interval(&state, now_ms);
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

/// How long until the next poll: fast while the admin is starting the chat, then slower.
pub fn poll_interval(state: &CaptureState, now_ms: i64) -> i64 {
    let since = now_ms - state.fast_since_ms;
    if since < POLL_FAST_FOR_MS {
        POLL_FAST_MS
    } else if since < POLL_MEDIUM_UNTIL_MS {
        POLL_MEDIUM_MS
    } else {
        POLL_SLOW_MS
    }
}

/// Calls the clean-up may still need: a lookup, each flag, a sweep and the debug level.
fn cleanup_reserve(state: &CaptureState) -> u32 {
    3 + state.flags.len() as u32
}

/// `extra` more calls (polls, bodies) still leave the clean-up its calls within the budget.
pub(crate) fn budget_allows(state: &CaptureState, extra: u32) -> bool {
    state.api_calls + extra + cleanup_reserve(state) <= MAX_API_CALLS
}

pub(crate) fn ctx(state: &CaptureState) -> OrgContext {
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
        Phase::FindSites => "Reading the deployment's site…".into(),
        Phase::FindTraceFlags => "Looking for trace flags that are already on…".into(),
        Phase::SweepFlags | Phase::SweepLevels => {
            "Removing what an earlier capture left in the org…".into()
        }
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
                "Waiting for a chat in the customer tab: start one there (or use the button below). Debug logs of {who} are on until {}.{read} API calls so far: {} (at most {MAX_API_CALLS}).",
                time::human(state.expires_ms),
                state.api_calls
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

pub(crate) fn finish_step(mut state: CaptureState, requests: Vec<ApiRequest>) -> CaptureStep {
    // Every planned request is sent (the background sends them all): count them now.
    state.api_calls += requests.len() as u32;
    CaptureStep {
        api_calls: state.api_calls,
        cleanup_pending: state.phase == Phase::Done && !state.cleanup_failed.is_empty(),
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
pub(crate) fn fail(mut state: CaptureState, finding: Finding, now_ms: i64) -> CaptureStep {
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
            let Some(auto) = pick_automated_user(&users) else {
                return fail(state, report::no_automated_user(&c), now_ms);
            };
            state.users.push(TracedUser {
                id: text(auto, "Id").unwrap_or_default(),
                name: text(auto, "Name").unwrap_or_else(|| "Automated Process".into()),
                role: UserRole::AutomatedProcess,
                site: None,
            });
            // Debug levels an earlier capture left: old enough that no running capture (in
            // another browser) can still use them. Only our own name pattern is touched.
            let stale_before = state.started_ms - LEFTOVER_AGE_MS;
            for r in a.records("captureLeftovers").unwrap_or(&[]) {
                let (Some(id), Some(name)) = (
                    text(r, "Id").filter(|i| safe_id(i)),
                    text(r, "DeveloperName"),
                ) else {
                    continue;
                };
                let Some(ms) = name
                    .strip_prefix(LEVEL_PREFIX)
                    .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|d| d.parse::<i64>().ok())
                else {
                    continue;
                };
                if ms < stale_before && name != state.debug_level_name {
                    state.leftover_levels.push((id, name));
                }
            }
            // Guest users of the page's deployments' sites (best effort: a failed lookup only
            // means the guest user is not traced). The site is in each deployment's Metadata.
            state.site_rows = a.records("guestSites").unwrap_or(&[]).to_vec();
            state.deployment_ids = a
                .records("captureDeployments")
                .unwrap_or(&[])
                .iter()
                .filter_map(|d| text(d, "Id").filter(|i| safe_id(i)))
                .take(MAX_DEPLOYMENTS)
                .collect();
            if !state.site_rows.is_empty() && !state.deployment_ids.is_empty() {
                state.phase = Phase::FindSites;
                let reqs = state
                    .deployment_ids
                    .iter()
                    .enumerate()
                    .map(|(i, id)| deployment_metadata_request(i, id))
                    .collect();
                return finish_step(state, reqs);
            }
            find_trace_flags(state)
        }
        Phase::FindSites => {
            for i in 0..state.deployment_ids.len() {
                let a = answer(ex, &format!("capture-deployment-{i}"));
                let Some(site) = a
                    .body
                    .get("Metadata")
                    .and_then(|m| m.get("site"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                else {
                    continue;
                };
                add_guest_user(&mut state, &site);
            }
            state.site_rows.clear();
            find_trace_flags(state)
        }
        Phase::FindTraceFlags => {
            let a = answer(ex, "capture-flags");
            let Some(rows) = a.rows() else {
                let f = report::step_failed(
                    &c,
                    "look for trace flags that are already on",
                    &a.api_error(),
                    Some(a.describe()),
                    false,
                );
                return fail(state, f, now_ms);
            };
            if !state.leftover_levels.is_empty() {
                // Best effort: without this answer the leftover levels stay (their delete is
                // refused while a flag uses them, and reported).
                if let Some(lf) = answer(ex, "capture-leftover-flags").rows() {
                    state.leftover_flags = lf
                        .iter()
                        .filter_map(|r| text(r, "Id").filter(|i| safe_id(i)))
                        .collect();
                }
            }
            let leftover_ids: Vec<String> =
                state.leftover_levels.iter().map(|l| l.0.clone()).collect();
            let users = state.users.clone();
            for u in &users {
                let existing = rows
                    .iter()
                    .filter(|r| {
                        text(r, "TracedEntityId").is_some_and(|t| t.get(..15) == u.id.get(..15))
                    })
                    .filter(|r| {
                        // A flag on a leftover level is removed by the sweep, not reused.
                        !text(r, "DebugLevelId").is_some_and(|d| leftover_ids.contains(&d))
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
            sweep_flags(state)
        }
        Phase::SweepFlags => {
            let ids = std::mem::take(&mut state.leftover_flags);
            for (i, id) in ids.iter().enumerate() {
                let a = answer(ex, &format!("capture-sweep-flag-{i}"));
                if a.ok() || a.status == 404 {
                    state.cleanup_done.push(format!(
                        "Deleted the trace flag {id} an earlier capture left."
                    ));
                } else {
                    state.cleanup_failed.push(format!(
                        "Could not delete the trace flag {id} an earlier capture left ({}).",
                        a.describe()
                    ));
                }
            }
            state.phase = Phase::SweepLevels;
            let reqs = state
                .leftover_levels
                .iter()
                .enumerate()
                .map(|(i, (id, _))| {
                    delete_request(
                        &format!("capture-sweep-level-{i}"),
                        "DebugLevel",
                        id,
                        "Removing a debug level an earlier capture left",
                    )
                })
                .collect();
            finish_step(state, reqs)
        }
        Phase::SweepLevels => {
            let levels = std::mem::take(&mut state.leftover_levels);
            for (i, (id, name)) in levels.iter().enumerate() {
                let a = answer(ex, &format!("capture-sweep-level-{i}"));
                if a.ok() || a.status == 404 {
                    state.cleanup_done.push(format!(
                        "Deleted the debug level {name} ({id}) an earlier capture left."
                    ));
                } else {
                    state.cleanup_failed.push(format!(
                        "Could not delete the debug level {name} ({id}) an earlier capture left ({}).",
                        a.describe()
                    ));
                }
            }
            create_debug_level(state)
        }
        Phase::CreateDebugLevel => {
            let a = answer(ex, "capture-debuglevel");
            match write_outcome(&a, true) {
                WriteOutcome::Done(id) => state.debug_level_id = id,
                WriteOutcome::Refused => {
                    // A category this org's API version lacks: create the level without it.
                    let e = a.api_error();
                    if e.code == "INVALID_FIELD" {
                        if let Some(cat) = OPTIONAL_CATEGORIES.iter().find(|k| {
                            mentions_word(&e.message, k)
                                && !state.omitted_categories.iter().any(|o| o == *k)
                        }) {
                            state.omitted_categories.push(cat.to_string());
                            return create_debug_level(state);
                        }
                    }
                    // Refused: nothing was created.
                    state.debug_level_sent = false;
                    let f = report::step_failed(
                        &c,
                        "create the debug level",
                        &e,
                        Some(a.describe()),
                        false,
                    );
                    return fail(state, f, now_ms);
                }
                WriteOutcome::Unknown => {
                    // It may exist: the clean-up looks for it by name before saying anything.
                    let f = report::step_failed(
                        &c,
                        "create the debug level",
                        &a.api_error(),
                        Some(a.describe()),
                        true,
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
                let outcome = write_outcome(&a, !reused);
                match &outcome {
                    WriteOutcome::Done(Some(id)) if !reused => state.flags[i].id = Some(id.clone()),
                    WriteOutcome::Done(_) => {}
                    // Refused: the flag is as it was (or was never made).
                    WriteOutcome::Refused => state.flags[i].sent = false,
                    // It may have been applied: the clean-up restores it, or finds it by our
                    // debug level.
                    WriteOutcome::Unknown => {}
                }
                if !matches!(outcome, WriteOutcome::Done(_)) && failure.is_none() {
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
            let Some(rows) = a.rows() else {
                let f = report::step_failed(
                    &c,
                    "read the org's debug logs",
                    &a.api_error(),
                    Some(a.describe()),
                    true,
                );
                return fail(state, f, now_ms);
            };
            for r in rows {
                if let Some(row) = log_row(&r) {
                    note_seen(&mut state, &row);
                }
            }
            state.phase = Phase::Waiting;
            state.fast_since_ms = now_ms;
            state.next_poll_ms = now_ms + POLL_FAST_MS;
            finish_step(state, Vec::new())
        }
        Phase::Polling => {
            let id = format!("capture-poll-{}", state.polls);
            let a = answer(ex, &id);
            let Some(rows) = a.rows() else {
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
            };
            state.poll_failures = 0;
            for r in rows {
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
            let asked = ex
                .iter()
                .filter(|e| e.request.id.starts_with("capture-body-"))
                .count()
                .max(1);
            let batch: Vec<LogRow> = state
                .queued_logs
                .drain(..asked.min(BODIES_PER_ROUND).min(state.queued_logs.len()))
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
        Phase::CleanupLookup
        | Phase::CleanupFlags
        | Phase::CleanupSweep
        | Phase::CleanupSweepDelete
        | Phase::CleanupDebugLevel => cleanup_step(state, ex, now_ms),
        Phase::Waiting | Phase::Done => finish_step(state, Vec::new()),
    }
}

pub(crate) fn user_label(state: &CaptureState, user_id: &str) -> String {
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
    // Bodies within the call budget (the clean-up's calls stay reserved).
    let affordable = (0..=BODIES_PER_ROUND as u32)
        .rev()
        .find(|n| budget_allows(&state, *n))
        .unwrap_or(0) as usize;
    if state.queued_logs.is_empty() || state.logs_read >= MAX_LOGS_READ || affordable == 0 {
        state.queued_logs.clear();
        state.phase = Phase::Waiting;
        return finish_step(state, Vec::new());
    }
    let reqs = state
        .queued_logs
        .iter()
        .take(affordable)
        .map(|r| log_body_request(&r.id))
        .collect();
    state.phase = Phase::Reading;
    finish_step(state, reqs)
}

// ---------------------------------------------------------------------------------------------
// Setup helpers

/// The platform's own Automated Process user: of the active users of that type, the one with
/// the alias `autoproc` (several users can have the type), else the first active one.
pub fn pick_automated_user(users: &[Value]) -> Option<&Value> {
    let active: Vec<&Value> = users
        .iter()
        .filter(|u| {
            text(u, "Id").is_some_and(|i| safe_id(&i)) && flag(u, "IsActive") != Some(false)
        })
        .collect();
    active
        .iter()
        .find(|u| text(u, "Alias").is_some_and(|a| a.eq_ignore_ascii_case("autoproc")))
        .or_else(|| active.first())
        .copied()
}

/// Traces the guest user of `site` (a Site's name, or its id as older Metadata gives it).
fn add_guest_user(state: &mut CaptureState, site: &str) {
    let row = state.site_rows.iter().find(|s| {
        text(s, "Name").is_some_and(|n| n.eq_ignore_ascii_case(site))
            || text(s, "Id").is_some_and(|i| i.get(..15).is_some() && i.get(..15) == site.get(..15))
    });
    let Some(row) = row else { return };
    let Some(gid) = text(row, "GuestUserId").filter(|i| safe_id(i)) else {
        return;
    };
    let guest = row.get("GuestUser").cloned().unwrap_or(Value::Null);
    if flag(&guest, "IsActive") == Some(false)
        || state.users.iter().any(|u| u.id.get(..15) == gid.get(..15))
    {
        return;
    }
    let name = text(row, "Name").unwrap_or_else(|| site.to_string());
    state.users.push(TracedUser {
        id: gid,
        name: text(&guest, "Name").unwrap_or_else(|| format!("{name} Site Guest User")),
        role: UserRole::SiteGuest,
        site: Some(name),
    });
}

/// The trace flags of the traced users (and those on leftover levels), in parallel.
fn find_trace_flags(mut state: CaptureState) -> CaptureStep {
    state.phase = Phase::FindTraceFlags;
    let mut reqs = vec![find_trace_flags_request(
        &user_ids(&state),
        state.window_start_ms,
    )];
    if !state.leftover_levels.is_empty() {
        let ids: Vec<&str> = state.leftover_levels.iter().map(|l| l.0.as_str()).collect();
        reqs.push(leftover_flags_request(&ids));
    }
    finish_step(state, reqs)
}

/// Removes what an earlier capture left (flags first: a level in use cannot be deleted).
fn sweep_flags(mut state: CaptureState) -> CaptureStep {
    if state.leftover_levels.is_empty() {
        return create_debug_level(state);
    }
    state.phase = Phase::SweepFlags;
    let reqs = state
        .leftover_flags
        .iter()
        .enumerate()
        .map(|(i, id)| {
            delete_request(
                &format!("capture-sweep-flag-{i}"),
                "TraceFlag",
                id,
                "Removing a trace flag an earlier capture left",
            )
        })
        .collect::<Vec<_>>();
    if reqs.is_empty() {
        return on_answers(state, &[], 0);
    }
    finish_step(state, reqs)
}

/// The first write: recorded as sent before it goes out.
fn create_debug_level(mut state: CaptureState) -> CaptureStep {
    state.phase = Phase::CreateDebugLevel;
    state.debug_level_sent = true;
    state.writes_attempted = true;
    let req = create_debug_level_request(
        &state.debug_level_name,
        state.started_ms,
        &state.omitted_categories,
    );
    finish_step(state, vec![req])
}

/// `word` appears in `text` as a whole word (`No such column 'Nba' on entity 'DebugLevel'`).
fn mentions_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}
