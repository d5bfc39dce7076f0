//! The live capture's requests, as data (`ApiRequest`): every query, create, update and delete
//! the state machine in [`super::plan`] sends. All of them go to the org's own API host under
//! `/services/data/`; the builders only accept ids and names from a safe alphabet.

use serde_json::{json, Value};

use super::plan::OldFlag;
use super::plan::DEBUG_LEVELS;
use super::time;
use crate::org::api::{batch, encode_query, Api, ApiRequest, Sub, API_VERSION};
/// The users of type AutomatedProcess. Several users can have that type; the platform's own
/// one has the alias `autoproc`, which the capture prefers (`plan::pick_automated_user`).
pub const CAPTURE_USER_SOQL: &str =
    "SELECT Id, Name, Alias, UserType, IsActive FROM User WHERE UserType = 'AutomatedProcess'";

/// Debug levels an earlier capture may have left behind (any age; the caller decides which
/// are stale). A DebugLevel never expires, so nothing else would ever remove them.
pub const LEFTOVER_LEVELS_SOQL: &str =
    "SELECT Id, DeveloperName FROM DebugLevel WHERE DeveloperName LIKE 'MessagingDoctor%'";

/// The name prefix of every debug level the capture creates.
pub const LEVEL_PREFIX: &str = "MessagingDoctor_";

pub(crate) fn rest_path(path: &str) -> String {
    format!("/services/data/{API_VERSION}/{path}")
}

pub(crate) fn tooling_path(path: &str) -> String {
    format!("/services/data/{API_VERSION}/tooling/{path}")
}

pub(crate) fn request(
    id: &str,
    method: &str,
    path: String,
    body: Option<Value>,
    label: &str,
) -> ApiRequest {
    ApiRequest {
        id: id.to_string(),
        method: method.to_string(),
        path,
        body: body.map(|b| b.to_string()),
        label: label.to_string(),
        accept: None,
    }
}

pub(crate) fn tooling_query(id: &str, soql: &str, label: &str) -> ApiRequest {
    request(
        id,
        "GET",
        tooling_path(&format!("query?q={}", encode_query(soql))),
        None,
        label,
    )
}

pub(crate) fn rest_query(id: &str, soql: &str, label: &str) -> ApiRequest {
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

pub(crate) fn safe_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= 80 && n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

pub(crate) fn id_list(ids: &[&str]) -> String {
    ids.iter()
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The users to trace: the Automated Process user and, when the page names deployments, the
/// deployments (their site comes from each one's Metadata next) and the sites' guest users; and
/// debug levels an earlier capture left. Every field selected is in the object's documented
/// field list; `Site` is not a Tooling field of EmbeddedServiceConfig (only `Metadata.site`).
pub fn find_users_requests(deployments: &[String]) -> Vec<ApiRequest> {
    let mut subs = vec![Sub::query("automatedUser", Api::Rest, CAPTURE_USER_SOQL)];
    let names: Vec<&str> = deployments
        .iter()
        .map(String::as_str)
        .filter(|d| safe_name(d))
        .take(MAX_DEPLOYMENTS)
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
                "SELECT Id, DeveloperName FROM EmbeddedServiceConfig WHERE DeveloperName IN ({})",
                id_list(&names)
            ),
        ));
    }
    subs.push(Sub::query(
        "captureLeftovers",
        Api::Tooling,
        LEFTOVER_LEVELS_SOQL,
    ));
    batch(subs, 1)
        .into_iter()
        .map(|mut r| {
            r.id = format!("capture-users-{}", r.id);
            r.label = "Finding the Automated Process user".into();
            r
        })
        .collect()
}

/// Deployments whose site is read (one single-record GET each).
pub const MAX_DEPLOYMENTS: usize = 3;

/// `GET …/tooling/sobjects/EmbeddedServiceConfig/{id}?fields=Id,FullName,Metadata`: the site
/// is `Metadata.site` (Metadata may only be read one record at a time).
pub fn deployment_metadata_request(index: usize, id: &str) -> ApiRequest {
    request(
        &format!("capture-deployment-{index}"),
        "GET",
        tooling_path(&format!(
            "sobjects/EmbeddedServiceConfig/{id}?fields=Id,FullName,Metadata"
        )),
        None,
        "Reading the deployment's site",
    )
}

/// Trace flags on the debug levels an earlier capture left (they must go before the level).
pub fn leftover_flags_request(level_ids: &[&str]) -> ApiRequest {
    tooling_query(
        "capture-leftover-flags",
        &format!(
            "SELECT Id, TracedEntityId, DebugLevelId FROM TraceFlag WHERE DebugLevelId IN ({})",
            id_list(level_ids)
        ),
        "Looking for trace flags an earlier capture left",
    )
}

/// Our debug level by its unique name (its create went unanswered).
pub fn debug_level_lookup_request(name: &str) -> ApiRequest {
    tooling_query(
        "capture-c-lookup",
        &format!("SELECT Id FROM DebugLevel WHERE DeveloperName = '{name}'"),
        "Looking for the debug level to remove",
    )
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

/// `POST …/tooling/sobjects/DebugLevel` with [`DEBUG_LEVELS`], less the categories in `omit`
/// (ones the org's API version refused as unknown fields).
pub fn create_debug_level_request(name: &str, started_ms: i64, omit: &[String]) -> ApiRequest {
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
        if !omit.iter().any(|o| o == k) {
            body.insert(k.into(), json!(v));
        }
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

pub(crate) fn delete_request(id: &str, object: &str, record_id: &str, label: &str) -> ApiRequest {
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
