//! Reading one answer of the live capture: its status, its parsed body, and what a write's
//! answer proves — created, refused, or unknown (the write may have been applied, so whatever
//! it may have made is looked for again by name before anything is claimed).

use serde_json::Value;

use crate::org::api::{ApiError, ApiExchange};
use crate::org::json::{array, text};

use super::requests::safe_id;

/// A single (non-composite) answer: status, parsed body, or why there is none.
pub(crate) struct Answer<'a> {
    pub status: u16,
    /// `Value::Null` when the body is not JSON (a log body, or an unreadable answer).
    pub body: Value,
    pub raw: &'a str,
    pub error: Option<String>,
}

impl Answer<'_> {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
    pub fn api_error(&self) -> ApiError {
        ApiError::from_answer(self.status, &self.body)
    }
    /// The answer in words for evidence: `HTTP 403 INSUFFICIENT_ACCESS_OR_READONLY: …`.
    pub fn describe(&self) -> String {
        if self.status == 0 {
            return self
                .error
                .clone()
                .unwrap_or_else(|| "no answer from the org".into());
        }
        if self.ok() && self.body.is_null() && !self.raw.is_empty() {
            return format!("HTTP {} with an answer that could not be read", self.status);
        }
        let e = self.api_error();
        let msg = if e.message.is_empty() {
            String::new()
        } else {
            format!(": {}", crate::org::json::clip(&e.message, 240))
        };
        format!("HTTP {} {}{msg}", self.status, e.code)
    }
    /// The rows of a query answer; `None` when the answer failed or is not a query result (an
    /// unreadable 200 proves nothing, least of all "no rows").
    pub fn rows(&self) -> Option<Vec<Value>> {
        if !self.ok() || self.body.get("records").and_then(Value::as_array).is_none() {
            return None;
        }
        Some(array(&self.body, "records").to_vec())
    }
}

pub(crate) fn answer<'a>(exchanges: &'a [ApiExchange], id: &str) -> Answer<'a> {
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

/// What a write's answer proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WriteOutcome {
    /// A create answered with the new record's id (or an update/delete with 2xx).
    Done(Option<String>),
    /// The org answered with a readable refusal: nothing was written.
    Refused,
    /// No answer, an unreadable one, a server error, or a refusal that says the record already
    /// exists (a create that went through once): the write may have been applied.
    Unknown,
}

/// Error codes that mean "the record is already there" — possibly made by this very write.
fn says_exists(e: &ApiError) -> bool {
    let m = e.message.to_ascii_lowercase();
    e.code.starts_with("DUPLICATE")
        || m.contains("already being traced")
        || m.contains("already exists")
        || m.contains("duplicate")
}

/// Reads a write's answer. `create`: a 2xx must carry the new id to count as done.
pub(crate) fn write_outcome(a: &Answer, create: bool) -> WriteOutcome {
    if a.ok() {
        if !create {
            return WriteOutcome::Done(None);
        }
        return match text(&a.body, "id").filter(|i| safe_id(i)) {
            Some(id) => WriteOutcome::Done(Some(id)),
            None => WriteOutcome::Unknown,
        };
    }
    // A readable error answer is the platform's `[{errorCode, message}]` (or one object).
    let readable = match &a.body {
        Value::Array(v) => v.first().and_then(|e| e.get("errorCode")).is_some(),
        Value::Object(o) => o.contains_key("errorCode"),
        _ => false,
    };
    if a.status == 401 {
        // The session was refused before anything ran.
        return WriteOutcome::Refused;
    }
    if (400..500).contains(&a.status) && readable && !says_exists(&a.api_error()) {
        return WriteOutcome::Refused;
    }
    WriteOutcome::Unknown
}
