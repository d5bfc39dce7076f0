//! Deciding what happened to one insert attempt, and which candidate cause explains its
//! failure.

use super::*;

// ---------------------------------------------------------------------------------------------
// Deciding an attempt
// ---------------------------------------------------------------------------------------------

pub(super) fn decide(a: Attempt, log_cut: bool, apex_off: bool) -> InsertAttempt {
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
pub(super) fn same_source(chosen: &Option<LogCause>, cand: &LogCause) -> bool {
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

pub(super) fn eq_name(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

pub(super) fn messages_match(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && !b.is_empty() && (a == b || a.contains(b) || b.contains(a))
}

pub(super) fn cause_message(c: &LogCause) -> Option<&str> {
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

pub(super) fn cause_from_status(
    st: &DmlStatus,
    raw: &str,
    c: &Collector,
    strong: &[&LogCause],
) -> LogCause {
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

pub(super) fn flow_fault_from(st: &DmlStatus, strong: &[&LogCause]) -> Option<LogCause> {
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

pub(super) struct TriggerFailure {
    trigger: Option<String>,
    exception_type: Option<String>,
    message: String,
    stack: Vec<String>,
}

/// `<Trigger>: execution of BeforeInsert\n\ncaused by: <Type>: <message>\n\n<stack>`.
pub(super) fn parse_trigger_failure(raw: &str) -> Option<TriggerFailure> {
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
