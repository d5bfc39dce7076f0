//! The capture's clean-up: remove what it created and put back what it changed, finding again
//! by name (the debug level) or by debug level (trace flags) every write whose answer was lost,
//! and say exactly what is left when something could not be removed. Every request here is
//! safe to repeat: a record already gone counts as removed.

use super::answers::answer;
use super::plan::{ctx, finish_step, user_label, CaptureState, CaptureStep, Phase};
use super::report;
use super::requests::{
    debug_level_lookup_request, delete_request, restore_trace_flag_request, safe_id, tooling_query,
};
use super::time;
use crate::org::api::ApiExchange;
use crate::org::json::text;

/// The answers to a clean-up step.
pub(crate) fn cleanup_step(
    mut state: CaptureState,
    ex: &[ApiExchange],
    now_ms: i64,
) -> CaptureStep {
    if ex.iter().any(|e| e.status == 401) {
        state.session_lost = true;
    }
    match state.phase {
        Phase::CleanupLookup => {
            let a = answer(ex, "capture-c-lookup");
            if let Some(rows) = a.rows() {
                state.debug_level_id = rows
                    .iter()
                    .find_map(|r| text(r, "Id").filter(|i| safe_id(i)));
                if state.debug_level_id.is_none() {
                    // The create never took effect (the name is unique and ours).
                    state.debug_level_sent = false;
                    state.cleanup_done.push(format!(
                        "Looked for the debug level {} by name: the org has none (its create never took effect).",
                        state.debug_level_name
                    ));
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
            let rows = a.rows();
            if let Some(rows) = &rows {
                let known: Vec<String> = state.flags.iter().filter_map(|f| f.id.clone()).collect();
                for r in rows {
                    let Some(id) = text(r, "Id").filter(|i| safe_id(i)) else {
                        continue;
                    };
                    let user = text(r, "TracedEntityId").unwrap_or_default();
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
                if rows.is_none() {
                    return cleanup_debug_level(state, now_ms);
                }
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
        _ => finish_step(state, Vec::new()),
    }
}

/// Starts the clean-up from whatever was written (or sent).
pub fn start_cleanup(mut state: CaptureState, now_ms: i64) -> CaptureStep {
    state.queued_logs.clear();
    if state.debug_level_sent && state.debug_level_id.is_none() {
        state.phase = Phase::CleanupLookup;
        let req = debug_level_lookup_request(&state.debug_level_name);
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
    if state.session_lost && !state.cleanup_failed.is_empty() {
        state.cleanup_failed.push(format!(
            "Your Salesforce session ended during the clean-up: log in to {} again in this browser and Messaging Doctor finishes it.",
            state.api_host
        ));
    }
    state.cleanup = report::cleanup_finding(&ctx(&state), &state);
    finish_step(state, Vec::new())
}
