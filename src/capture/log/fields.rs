//! Field and line helpers of the debug-log format: caps, timestamps, markers, stack lines,
//! names and ids, the event table.

use super::limits::{MAX_NAME, MAX_STACK_LINES, MAX_TEXT, TRACKED_OBJECTS};

// ---------------------------------------------------------------------------------------------
// Field helpers
// ---------------------------------------------------------------------------------------------

/// Largest prefix of `s` of at most `max` bytes ending on a character boundary.
pub(super) fn cap(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut i = max;
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    s.get(..i).unwrap_or("")
}

pub(super) fn first_line(s: &str) -> &str {
    let s = s.trim_start();
    s.split('\n')
        .next()
        .unwrap_or(s)
        .trim_end_matches('\r')
        .trim()
}

pub(super) fn take_digits(b: &[u8], i: &mut usize, max: usize) -> usize {
    let start = *i;
    while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
        *i += 1;
    }
    *i - start
}

pub(super) fn expect(b: &[u8], i: &mut usize, c: u8) -> bool {
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

pub(super) fn looks_like_timestamp(line: &str) -> bool {
    let b = line.as_bytes();
    match b {
        [d1, d2, b':', ..] => d1.is_ascii_digit() && d2.is_ascii_digit(),
        [d1, b':', ..] => d1.is_ascii_digit(),
        _ => false,
    }
}

pub(super) fn is_binary(line: &str) -> bool {
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
pub(super) fn split_marker(fields: &str) -> (Option<u32>, &str) {
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
pub(super) fn parse_trigger_unit(part: &str) -> Option<(&str, &str, &str)> {
    let part = part.trim();
    let (head, event) = part.split_once(" trigger event ")?;
    let (name, object) = head.split_once(" on ")?;
    let (name, object, event) = (name.trim(), object.trim(), event.trim());
    (!name.is_empty() && !object.is_empty()).then_some((name, object, event))
}

/// `Validation:MessagingSession:new`, `Flow:MessagingSession`, `Workflow:MessagingSession` → object.
pub(super) fn context_object(name: &str) -> Option<&str> {
    let (kind, rest) = name.split_once(':')?;
    match kind.trim() {
        "Validation" | "Flow" => Some(rest.split(':').next().unwrap_or(rest).trim()),
        _ => None,
    }
}

pub(super) fn tracked(object: &str) -> Option<&'static str> {
    let o = object.trim();
    TRACKED_OBJECTS
        .iter()
        .copied()
        .find(|t| t.eq_ignore_ascii_case(o))
}

/// A 15/18-character Salesforce id (`01q…`, `03d…`).
pub(super) fn looks_like_id(s: &str) -> bool {
    let s = s.trim();
    (s.len() == 15 || s.len() == 18)
        && s.bytes().all(|c| c.is_ascii_alphanumeric())
        && s.bytes().any(|c| c.is_ascii_digit())
        && !s.contains('_')
}

/// Flow interview ids are long hex-ish tokens without spaces.
pub(super) fn looks_like_interview_id(s: &str) -> bool {
    s.len() >= 8
        && !s.contains(' ')
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        && s.bytes().any(|c| c.is_ascii_digit())
}

/// `FlowCustomError`, `FlowRecordCreate`, `FlowDecision`, … .
pub(super) fn is_flow_element_type(s: &str) -> bool {
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
pub(super) fn is_stack_line(l: &str) -> bool {
    let l = l.trim();
    match l.find(": line ") {
        Some(i) => {
            let head = &l[..i];
            !head.is_empty() && !head.contains(' ') && l[i..].contains(", column ")
        }
        None => false,
    }
}

pub(super) fn stack_lines(text: &str) -> Vec<String> {
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

pub(super) fn is_type_name(s: &str) -> bool {
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

pub(super) fn strip_trailing_stack(mut s: &str) -> &str {
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
pub(super) fn strip_trailing_fields(s: &str) -> Option<(&str, Vec<String>)> {
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

pub(super) fn split_list(inner: &str) -> Vec<String> {
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(32)
        .map(|s| cap(s, MAX_NAME).to_string())
        .collect()
}

/// `Required fields are missing: [A, B]` → [A, B].
pub(super) fn bracket_list(s: &str) -> Vec<String> {
    match (s.find('['), s.rfind(']')) {
        (Some(a), Some(b)) if a < b => split_list(&s[a + 1..b]),
        _ => Vec::new(),
    }
}

/// The name between “…” or "…" in a flow failure message.
pub(super) fn quoted_name(s: &str) -> Option<String> {
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
