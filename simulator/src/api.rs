//! REST and Tooling API on the org's API host.

use crate::http::{Request, Response};
use crate::ids;
use crate::org::{Cursor, Org, Row};
use crate::pipeline;
use crate::schema::{self, VERSIONS};
use crate::soql;
use crate::time;
use crate::State;
use serde_json::{json, Map, Value};

/// An API answer before it is turned into HTTP (so composite can embed it).
pub struct ApiResp {
    pub status: u16,
    pub body: Value,
    /// Non-JSON body (e.g. a debug log) with its content type.
    pub raw: Option<(String, String)>,
    pub headers: Vec<(String, String)>,
}

impl ApiResp {
    fn ok(body: Value) -> ApiResp {
        ApiResp {
            status: 200,
            body,
            raw: None,
            headers: vec![],
        }
    }
    fn status(status: u16, body: Value) -> ApiResp {
        ApiResp {
            status,
            body,
            raw: None,
            headers: vec![],
        }
    }
    pub fn err(status: u16, code: &str, message: &str) -> ApiResp {
        ApiResp::status(status, json!([{"errorCode": code, "message": message}]))
    }
    fn not_found() -> ApiResp {
        ApiResp::err(404, "NOT_FOUND", "The requested resource does not exist")
    }
    fn into_response(self) -> Response {
        let mut r = match self.raw {
            Some((ct, text)) => Response::text(self.status, &ct, text.into_bytes()),
            None if self.status == 204 => Response::empty(204),
            None => Response::json(self.status, &self.body),
        };
        r.headers.extend(self.headers);
        r
    }
}

/// Who is calling.
pub struct Caller {
    pub user_id: String,
}

fn versions_list() -> Value {
    Value::Array(
        VERSIONS
            .iter()
            .map(|(v, l)| json!({"label": l, "url": format!("/services/data/v{v}"), "version": v}))
            .collect(),
    )
}

/// Entry point for `/services/...` on an org's API host.
pub fn handle(st: &mut State, oi: usize, req: &Request) -> Response {
    let path = req.path.clone();
    let rest = path.strip_prefix("/services/data").unwrap_or("");
    if !path.starts_with("/services/data") {
        return Response::sf_error(404, "NOT_FOUND", "The requested resource does not exist");
    }
    if let Some(status) = st.orgs[oi].faults.error_status(&path) {
        let code = if status == 503 {
            "SERVER_UNAVAILABLE"
        } else {
            "UNKNOWN_EXCEPTION"
        };
        return Response::sf_error(status, code, "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)");
    }
    if rest.is_empty() || rest == "/" {
        if req.method != "GET" {
            return Response::sf_error(
                405,
                "METHOD_NOT_ALLOWED",
                &format!(
                    "HTTP Method '{}' not allowed. Allowed are GET,HEAD",
                    req.method
                ),
            );
        }
        return Response::json(200, &versions_list());
    }
    // Authentication.
    let token = match auth_token(req) {
        Some(t) => t,
        None => return invalid_session(),
    };
    let caller = match st.sessions.get(&token) {
        Some(s) if s.api && !s.expired && s.org == oi => Caller {
            user_id: s.user_id.clone(),
        },
        _ => return invalid_session(),
    };
    // API Access Control admits only approved clients; a browser session is not one
    // (CONTRACT C-API-ACCESS-CONTROL).
    if st.orgs[oi].scenario.org.api_access_control {
        return Response::sf_error(
            401,
            "INVALID_SESSION_ID",
            "This session is not valid for use with the REST API",
        );
    }
    let faults = st.orgs[oi].faults.clone();
    if faults.api_disabled {
        return Response::sf_error(
            403,
            "API_DISABLED_FOR_ORG",
            "The REST API is not enabled for this Organization.",
        );
    }
    let org = &st.orgs[oi];
    if faults.request_limit_exceeded || org.api_calls >= org.scenario.storage.daily_api_max {
        return Response::sf_error(
            403,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        );
    }
    let mut segs: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let version = match segs.first().and_then(|v| v.strip_prefix('v')) {
        Some(v) if VERSIONS.iter().any(|(x, _)| *x == v) => v.to_string(),
        _ => return Response::sf_error(404, "NOT_FOUND", "The requested resource does not exist"),
    };
    segs.remove(0);
    // Count the call (composite/batch counts each subrequest).
    let is_batch = segs == ["composite", "batch"];
    let n = if is_batch {
        req.json()
            .ok()
            .and_then(|b| {
                b.get("batchRequests")
                    .and_then(|a| a.as_array())
                    .map(|a| a.len().max(1))
            })
            .unwrap_or(1)
    } else {
        1
    };
    st.stats.count(&token, &st.orgs[oi].stem, n as u64);
    st.orgs[oi].api_calls += n as i64;
    let tooling = segs.first() == Some(&"tooling");
    if tooling && faults.tooling_insufficient_access {
        return Response::sf_error(
            403,
            "INSUFFICIENT_ACCESS_OR_READONLY",
            "Insufficient Privileges: You do not have the level of access necessary to perform the operation you requested. Please contact the owner of the record or your administrator if access is necessary.",
        );
    }
    let body = match req.json() {
        Ok(b) => b,
        Err(e) => {
            return Response::sf_error(
                400,
                "JSON_PARSER_ERROR",
                &format!("Unexpected character: {e}"),
            )
        }
    };
    let tail = segs.join("/");
    let resp = dispatch(
        st,
        oi,
        &caller,
        &req.method,
        &version,
        &tail,
        &req.query,
        &body,
    );
    let mut r = resp.into_response();
    if faults.malformed(&path) && !r.body.is_empty() {
        let cut = r.body.len() / 2;
        r.body.truncate(cut.max(1));
        r.body.extend_from_slice(b",\"trunc");
    }
    r
}

fn invalid_session() -> Response {
    Response::sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        .with_header("WWW-Authenticate", "Token")
}

fn auth_token(req: &Request) -> Option<String> {
    let h = req.header("Authorization")?.trim();
    let (scheme, tok) = h.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("Bearer") || scheme.eq_ignore_ascii_case("OAuth") {
        Some(tok.trim().to_string())
    } else {
        None
    }
}

fn param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Dispatches one API request (also used for composite subrequests). `tail` is the path after
/// `/services/data/vNN.0/`.
#[allow(clippy::too_many_arguments)]
pub fn dispatch(
    st: &mut State,
    oi: usize,
    caller: &Caller,
    method: &str,
    version: &str,
    tail: &str,
    query: &str,
    body: &Value,
) -> ApiResp {
    let (tooling, tail) = match tail.strip_prefix("tooling") {
        Some(t) if t.is_empty() || t.starts_with('/') => (true, t.trim_start_matches('/')),
        _ => (false, tail),
    };
    let segs: Vec<&str> = if tail.is_empty() {
        vec![]
    } else {
        tail.split('/').collect()
    };
    match (method, segs.as_slice()) {
        ("GET", []) => ApiResp::ok(resources(version, tooling)),
        ("GET", ["query"]) | ("GET", ["queryAll"]) => match param(query, "q") {
            Some(q) => run_query(&mut st.orgs[oi], &q, tooling, version),
            None => ApiResp::err(400, "MALFORMED_QUERY", "A query string has to be specified"),
        },
        ("GET", ["query", loc]) | ("GET", ["queryAll", loc]) => {
            next_page(&mut st.orgs[oi], loc, tooling)
        }
        ("GET", ["limits"]) if !tooling => ApiResp::ok(limits(&st.orgs[oi], &caller.user_id)),
        ("GET", ["sobjects"]) => describe_global(&st.orgs[oi], tooling),
        ("GET", ["sobjects", obj, "describe"]) => describe(&st.orgs[oi], obj, tooling, version),
        ("GET", ["sobjects", obj]) => match object_table(&st.orgs[oi], obj, tooling) {
            Ok(name) => ApiResp::ok(
                json!({"objectDescribe": {"name": name, "urls": {"describe": format!("/services/data/v{version}/{}sobjects/{name}/describe", if tooling { "tooling/" } else { "" })}}, "recentItems": []}),
            ),
            Err(e) => e,
        },
        ("GET", ["sobjects", obj, id]) => get_record(
            &st.orgs[oi],
            obj,
            id,
            param(query, "fields"),
            tooling,
            version,
        ),
        ("GET", ["sobjects", obj, id, "Body"]) if obj.eq_ignore_ascii_case("ApexLog") => {
            let org = &st.orgs[oi];
            match org
                .find_in("ApexLog", id)
                .and_then(|r| r.get("Id"))
                .and_then(|v| v.as_str())
                .and_then(|id| org.log_bodies.get(id))
            {
                Some(b) => ApiResp {
                    status: 200,
                    body: Value::Null,
                    raw: Some(("text/plain;charset=UTF-8".into(), b.clone())),
                    headers: vec![],
                },
                None => ApiResp::not_found(),
            }
        }
        ("POST", ["sobjects", obj]) => create(st, oi, caller, obj, body, tooling, version),
        ("PATCH", ["sobjects", obj, id]) => update(st, oi, caller, obj, id, body, tooling),
        ("DELETE", ["sobjects", obj, id]) => delete(st, oi, obj, id, tooling),
        ("POST", ["composite"]) => composite(st, oi, caller, version, body, tooling),
        ("POST", ["composite", "batch"]) if !tooling => batch(st, oi, caller, version, body),
        (_, ["composite"]) | (_, ["composite", "batch"]) | (_, ["query"]) | (_, ["limits"]) => {
            ApiResp::err(
                405,
                "METHOD_NOT_ALLOWED",
                &format!("HTTP Method '{method}' not allowed."),
            )
        }
        _ => ApiResp::not_found(),
    }
}

fn resources(version: &str, tooling: bool) -> Value {
    let base = format!(
        "/services/data/v{version}{}",
        if tooling { "/tooling" } else { "" }
    );
    let mut m = Map::new();
    for k in ["sobjects", "query", "composite"] {
        m.insert(k.into(), json!(format!("{base}/{k}")));
    }
    if !tooling {
        m.insert("tooling".into(), json!(format!("{base}/tooling")));
        m.insert("limits".into(), json!(format!("{base}/limits")));
        m.insert("queryAll".into(), json!(format!("{base}/queryAll")));
    }
    Value::Object(m)
}

fn run_query(org: &mut Org, q: &str, tooling: bool, version: &str) -> ApiResp {
    match soql::run(org, q, tooling, version) {
        Ok(res) => {
            let page = org.page_size();
            paginate(
                org,
                res.records,
                res.total_size,
                &res.object,
                tooling,
                version,
                0,
                page,
            )
        }
        Err(e) => ApiResp::err(400, e.code, &e.message),
    }
}

#[allow(clippy::too_many_arguments)]
fn paginate(
    org: &mut Org,
    records: Vec<Value>,
    total: usize,
    object: &str,
    tooling: bool,
    version: &str,
    start: usize,
    page: usize,
) -> ApiResp {
    let end = (start + page).min(records.len());
    let slice: Vec<Value> = records[start.min(end)..end].to_vec();
    let mut out = Map::new();
    if tooling {
        out.insert("size".into(), json!(total));
    }
    out.insert("totalSize".into(), json!(total));
    out.insert("done".into(), json!(end >= records.len()));
    let mut locator = Value::Null;
    if end < records.len() {
        let id = format!("01g{}", ids::random_alnum(15));
        let url = format!(
            "/services/data/v{version}/{}query/{id}-{end}",
            if tooling { "tooling/" } else { "" }
        );
        locator = json!(format!("{id}-{end}"));
        out.insert("nextRecordsUrl".into(), json!(url));
        org.cursors.insert(
            id,
            Cursor {
                records,
                total,
                tooling,
                version: version.to_string(),
            },
        );
    }
    if tooling {
        out.insert("queryLocator".into(), locator);
        out.insert("entityTypeName".into(), json!(object));
    }
    out.insert("records".into(), Value::Array(slice));
    ApiResp::ok(Value::Object(out))
}

fn next_page(org: &mut Org, loc: &str, tooling: bool) -> ApiResp {
    let bad = || ApiResp::err(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    let Some((id, start)) = loc.split_once('-') else {
        return bad();
    };
    let Ok(start) = start.parse::<usize>() else {
        return bad();
    };
    let Some(cur) = org.cursors.remove(id) else {
        return bad();
    };
    if cur.tooling != tooling || start > cur.records.len() {
        return bad();
    }
    let object = cur
        .records
        .first()
        .and_then(|r| r.pointer("/attributes/type"))
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    let page = org.page_size();
    paginate(
        org,
        cur.records,
        cur.total,
        &object,
        tooling,
        &cur.version,
        start,
        page,
    )
}

/// `/limits`: the storage entries only for a user with Manage Users (CONTRACT C-LIMITS-STORAGE).
fn limits(org: &Org, user_id: &str) -> Value {
    let s = &org.scenario.storage;
    let mut all = json!({
        "ActiveScratchOrgs": {"Max": 3, "Remaining": 3},
        "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
        "DailyApiRequests": {"Max": s.daily_api_max, "Remaining": (s.daily_api_max - org.api_calls).max(0)},
        "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
        "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
        "DailyStreamingApiEvents": {"Max": 200000, "Remaining": 200000},
        "DataStorageMB": {"Max": s.data_max_mb, "Remaining": s.data_remaining_mb},
        "FileStorageMB": {"Max": s.file_max_mb, "Remaining": s.file_remaining_mb},
        "HourlyTimeBasedWorkflow": {"Max": 1000, "Remaining": 1000},
        "SingleEmail": {"Max": 5000, "Remaining": 5000}
    });
    if !org.user_has_permission(user_id, "ManageUsers") {
        if let Some(m) = all.as_object_mut() {
            m.remove("DataStorageMB");
            m.remove("FileStorageMB");
        }
    }
    all
}

fn object_table(org: &Org, obj: &str, tooling: bool) -> Result<String, ApiResp> {
    match org
        .table(obj)
        .filter(|t| if tooling { t.tooling } else { t.rest })
    {
        Some(t) => Ok(t.name.clone()),
        // An sObject URL naming an object this org (or this API) does not have is an unknown
        // resource (CONTRACT C-ORG-LACKS-OBJECT); only a query answers INVALID_TYPE.
        None => Err(ApiResp::not_found()),
    }
}

fn describe_global(org: &Org, tooling: bool) -> ApiResp {
    let list: Vec<Value> = org
        .tables
        .iter()
        .filter(|t| if tooling { t.tooling } else { t.rest })
        .map(|t| {
            let label = schema::obj(&t.name).map(|o| o.label).unwrap_or(&t.name);
            json!({"name": t.name, "label": label, "keyPrefix": t.prefix, "custom": false, "queryable": true,
                "createable": matches!(t.name.as_str(), "DebugLevel" | "TraceFlag" | "MessagingSession" | "MessagingEndUser")})
        })
        .collect();
    ApiResp::ok(json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": list}))
}

fn guess_type(name: &str) -> &'static str {
    if name == "Id" {
        "id"
    } else if name.ends_with("Id") {
        "reference"
    } else if name.starts_with("Is")
        || name.starts_with("Usage")
        || name == "Active"
        || name.starts_with("Are")
    {
        "boolean"
    } else if name.ends_with("Date") || name.ends_with("Time") || name == "SystemModstamp" {
        "datetime"
    } else if name == "Body" || name == "Metadata" {
        "textarea"
    } else {
        "string"
    }
}

fn describe(org: &Org, obj: &str, tooling: bool, version: &str) -> ApiResp {
    let name = match object_table(org, obj, tooling) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let t = org.table(&name).expect("table");
    let fields: Vec<Value> = match org.fields_of(&name) {
        Some(defs) => defs.iter().map(|d| d.to_describe()).collect(),
        None => t
            .fields
            .iter()
            .map(|f| {
                let d = schema::FieldDef {
                    name: f.clone(),
                    label: f.clone(),
                    field_type: guess_type(f).into(),
                    createable: !matches!(
                        f.as_str(),
                        "Id" | "CreatedDate"
                            | "CreatedById"
                            | "LastModifiedDate"
                            | "LastModifiedById"
                            | "SystemModstamp"
                    ),
                    ..Default::default()
                }
                .normalise();
                d.to_describe()
            })
            .collect(),
    };
    let label = schema::obj(&name).map(|o| o.label).unwrap_or(&name);
    let base = format!(
        "/services/data/v{version}/{}sobjects/{name}",
        if tooling { "tooling/" } else { "" }
    );
    ApiResp::ok(json!({
        "actionOverrides": [], "activateable": false, "childRelationships": [], "compactLayoutable": true,
        "createable": true, "custom": false, "customSetting": false, "deletable": true, "deprecatedAndHidden": false,
        "feedEnabled": false, "fields": fields, "hasSubtypes": false, "isSubtype": false, "keyPrefix": t.prefix,
        "label": label, "labelPlural": format!("{label}s"), "layoutable": true, "mergeable": false, "mruEnabled": true,
        "name": name, "namedLayoutInfos": [], "queryable": true, "recordTypeInfos": [], "replicateable": true,
        "retrieveable": true, "searchable": true, "supportedScopes": [{"label": "All", "name": "everything"}],
        "triggerable": true, "undeletable": true, "updateable": true,
        "urls": {"describe": format!("{base}/describe"), "sobject": base, "rowTemplate": format!("{base}/{{ID}}")}
    }))
}

fn get_record(
    org: &Org,
    obj: &str,
    id: &str,
    fields: Option<String>,
    tooling: bool,
    version: &str,
) -> ApiResp {
    let name = match object_table(org, obj, tooling) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let Some(row) = org.find_in(&name, id) else {
        return ApiResp::not_found();
    };
    let t = org.table(&name).expect("table");
    let mut out = Map::new();
    let rid = row.get("Id").and_then(|v| v.as_str()).unwrap_or(id);
    out.insert(
        "attributes".into(),
        json!({"type": name, "url": soql::record_url(version, tooling, &name, rid)}),
    );
    match fields {
        Some(list) => {
            for f in list.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                match t.field(f) {
                    Some(c) => {
                        out.insert(c.to_string(), row.get(c).cloned().unwrap_or(Value::Null));
                    }
                    None => {
                        return ApiResp::err(
                            400,
                            "INVALID_FIELD",
                            &format!("No such column '{f}' on sobject of type {name}"),
                        )
                    }
                }
            }
        }
        None => {
            for f in &t.fields {
                out.insert(f.clone(), row.get(f).cloned().unwrap_or(Value::Null));
            }
        }
    }
    ApiResp::ok(Value::Object(out))
}

fn field_error(status: u16, code: &str, message: &str, fields: &[&str]) -> ApiResp {
    ApiResp::status(
        status,
        json!([{"errorCode": code, "message": message, "fields": fields}]),
    )
}

const LEVELS: &[&str] = &[
    "NONE", "ERROR", "WARN", "INFO", "DEBUG", "FINE", "FINER", "FINEST",
];
const DEBUG_CATEGORIES: &[&str] = &[
    "ApexCode",
    "ApexProfiling",
    "Callout",
    "Database",
    "System",
    "Validation",
    "Visualforce",
    "Workflow",
    "Nba",
    "Wave",
];

fn canonical_row(org: &Org, table: &str, body: &Value) -> Result<Row, ApiResp> {
    let t = org.table(table).expect("table");
    let mut row = Row::new();
    let Some(obj) = body.as_object() else {
        return Err(ApiResp::err(
            400,
            "JSON_PARSER_ERROR",
            "The request body must be a JSON object",
        ));
    };
    for (k, v) in obj {
        if k == "attributes" {
            continue;
        }
        match t.field(k) {
            Some(c) => {
                row.insert(c.to_string(), v.clone());
            }
            None => {
                return Err(ApiResp::err(
                    400,
                    "INVALID_FIELD",
                    &format!("No such column '{k}' on sobject of type {}", t.name),
                ));
            }
        }
    }
    Ok(row)
}

fn created(id: &str, version: &str, tooling: bool, obj: &str) -> ApiResp {
    let mut r = ApiResp::status(
        201,
        json!({"id": id, "success": true, "errors": [], "warnings": [], "infos": []}),
    );
    r.headers.push((
        "Location".into(),
        soql::record_url(version, tooling, obj, id),
    ));
    r
}

fn validate_debug_level(row: &Row) -> Result<(), ApiResp> {
    for c in DEBUG_CATEGORIES {
        if let Some(v) = row.get(*c) {
            let ok = v.as_str().map(|s| LEVELS.contains(&s)).unwrap_or(false);
            if !ok {
                return Err(field_error(
                    400,
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    &format!("{c}: bad value for restricted picklist field: {v}"),
                    &[c],
                ));
            }
        }
    }
    Ok(())
}

fn validate_trace_flag(org: &Org, row: &Row, self_id: Option<&str>) -> Result<(), ApiResp> {
    let missing: Vec<&str> = [
        "TracedEntityId",
        "DebugLevelId",
        "LogType",
        "ExpirationDate",
    ]
    .into_iter()
    .filter(|f| row.get(*f).map(|v| v.is_null()).unwrap_or(true))
    .collect();
    if !missing.is_empty() {
        return Err(field_error(
            400,
            "REQUIRED_FIELD_MISSING",
            &format!("Required fields are missing: [{}]", missing.join(", ")),
            &missing,
        ));
    }
    let dl = row["DebugLevelId"].as_str().unwrap_or("");
    if org.find_in("DebugLevel", dl).is_none() {
        return Err(field_error(
            400,
            "FIELD_INTEGRITY_EXCEPTION",
            &format!("Debug Level ID: id value of incorrect type: {dl}"),
            &["DebugLevelId"],
        ));
    }
    let lt = row["LogType"].as_str().unwrap_or("");
    if !["USER_DEBUG", "DEVELOPER_LOG", "CLASS_TRACING", "PROFILING"].contains(&lt) {
        return Err(field_error(
            400,
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            &format!("Log Type: bad value for restricted picklist field: {lt}"),
            &["LogType"],
        ));
    }
    let start = row
        .get("StartDate")
        .and_then(|v| v.as_str())
        .and_then(time::parse)
        .unwrap_or_else(time::now_ms);
    let Some(end) = row["ExpirationDate"].as_str().and_then(time::parse) else {
        return Err(field_error(
            400,
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            "Expiration Date: value not of required type",
            &["ExpirationDate"],
        ));
    };
    if end <= start || end - start > 24 * 3_600_000 {
        return Err(field_error(
            400,
            "FIELD_INTEGRITY_EXCEPTION",
            "The trace flag's expiration date must be after its start date and within 24 hours of it.",
            &["ExpirationDate"],
        ));
    }
    let traced = row["TracedEntityId"].as_str().unwrap_or("");
    let t = org.table("TraceFlag").expect("TraceFlag");
    let clash = t.rows.iter().any(|r| {
        let other_id = r.get("Id").and_then(|v| v.as_str()).unwrap_or("");
        if self_id.map(|s| ids::same_id(s, other_id)).unwrap_or(false) {
            return false;
        }
        let same_entity = r
            .get("TracedEntityId")
            .and_then(|v| v.as_str())
            .map(|v| ids::same_id(v, traced))
            .unwrap_or(false);
        let same_type = r.get("LogType").and_then(|v| v.as_str()) == Some(lt);
        let os = r
            .get("StartDate")
            .and_then(|v| v.as_str())
            .and_then(time::parse)
            .unwrap_or(0);
        let oe = r
            .get("ExpirationDate")
            .and_then(|v| v.as_str())
            .and_then(time::parse)
            .unwrap_or(0);
        same_entity && same_type && os < end && start < oe
    });
    if clash {
        return Err(field_error(
            400,
            "FIELD_INTEGRITY_EXCEPTION",
            "This entity is already being traced.",
            &["TracedEntityId"],
        ));
    }
    Ok(())
}

fn normalise_dates(row: &mut Row) {
    for k in ["StartDate", "ExpirationDate"] {
        if let Some(ms) = row.get(k).and_then(|v| v.as_str()).and_then(time::parse) {
            row.insert(k.into(), json!(time::format_sf(ms)));
        }
    }
}

fn create(
    st: &mut State,
    oi: usize,
    caller: &Caller,
    obj: &str,
    body: &Value,
    tooling: bool,
    version: &str,
) -> ApiResp {
    let org = &mut st.orgs[oi];
    let name = match object_table(org, obj, tooling) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let mut row = match canonical_row(org, &name, body) {
        Ok(r) => r,
        Err(e) => return e,
    };
    match name.as_str() {
        "DebugLevel" => {
            let missing: Vec<&str> = ["DeveloperName", "MasterLabel"]
                .into_iter()
                .filter(|f| {
                    row.get(*f)
                        .and_then(|v| v.as_str())
                        .map(|s| s.is_empty())
                        .unwrap_or(true)
                })
                .collect();
            if !missing.is_empty() {
                return field_error(
                    400,
                    "REQUIRED_FIELD_MISSING",
                    &format!("Required fields are missing: [{}]", missing.join(", ")),
                    &missing,
                );
            }
            if let Err(e) = validate_debug_level(&row) {
                return e;
            }
            let dn = row["DeveloperName"].as_str().unwrap_or("").to_string();
            if let Some(other) = org.table("DebugLevel").and_then(|t| {
                t.rows.iter().find(|r| {
                    r.get("DeveloperName")
                        .and_then(|v| v.as_str())
                        .map(|v| v.eq_ignore_ascii_case(&dn))
                        .unwrap_or(false)
                })
            }) {
                let oid = other
                    .get("Id")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string();
                return field_error(400, "DUPLICATE_DEVELOPER_NAME", &format!("Another Debug Level has the same developer name ({dn}); duplicate of {oid}"), &["DeveloperName"]);
            }
            for c in DEBUG_CATEGORIES {
                row.entry(c.to_string())
                    .or_insert(json!(if *c == "Nba" || *c == "Wave" {
                        "NONE"
                    } else {
                        "INFO"
                    }));
            }
            row.entry("Language").or_insert(json!("en_US"));
            stamp(&mut row, &caller.user_id);
            match org.add_row("DebugLevel", row) {
                Ok(id) => created(&id, version, tooling, "DebugLevel"),
                Err(e) => ApiResp::err(500, "UNKNOWN_EXCEPTION", &e),
            }
        }
        "TraceFlag" => {
            if let Some(v) = row
                .get("TracedEntityId")
                .and_then(|v| v.as_str())
                .map(str::to_string)
            {
                row.insert(
                    "TracedEntityId".into(),
                    json!(if v.len() == 15 { ids::to18(&v) } else { v }),
                );
            }
            if let Err(e) = validate_trace_flag(org, &row, None) {
                return e;
            }
            row.entry("StartDate")
                .or_insert(json!(time::format_sf(time::now_ms())));
            normalise_dates(&mut row);
            stamp(&mut row, &caller.user_id);
            match org.add_row("TraceFlag", row) {
                Ok(id) => created(&id, version, tooling, "TraceFlag"),
                Err(e) => ApiResp::err(500, "UNKNOWN_EXCEPTION", &e),
            }
        }
        "MessagingSession" | "MessagingEndUser" if !tooling => {
            let out = pipeline::insert(org, &name, row, &caller.user_id, "api");
            match (&out.record_id, out.ok) {
                (Some(id), true) => created(id, version, tooling, &name),
                _ => {
                    let errs: Vec<Value> = out.errors.iter().map(|e| json!({"errorCode": e.status_code, "message": e.message, "fields": e.fields})).collect();
                    ApiResp::status(400, Value::Array(errs))
                }
            }
        }
        _ => ApiResp::err(
            400,
            "INVALID_TYPE_FOR_OPERATION",
            &format!("entity type {name} does not support insert (simulator)"),
        ),
    }
}

fn stamp(row: &mut Row, user: &str) {
    let now = time::format_sf(time::now_ms());
    for (k, v) in [
        ("CreatedDate", json!(now)),
        ("CreatedById", json!(user)),
        ("LastModifiedDate", json!(now)),
        ("LastModifiedById", json!(user)),
        ("SystemModstamp", json!(now)),
    ] {
        row.insert(k.into(), v);
    }
}

fn update(
    st: &mut State,
    oi: usize,
    caller: &Caller,
    obj: &str,
    id: &str,
    body: &Value,
    tooling: bool,
) -> ApiResp {
    let org = &mut st.orgs[oi];
    let name = match object_table(org, obj, tooling) {
        Ok(n) => n,
        Err(e) => return e,
    };
    if !matches!(name.as_str(), "DebugLevel" | "TraceFlag") {
        return ApiResp::err(
            400,
            "INVALID_TYPE_FOR_OPERATION",
            &format!("entity type {name} does not support update (simulator)"),
        );
    }
    let patch = match canonical_row(org, &name, body) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let Some(existing) = org.find_in(&name, id).cloned() else {
        return ApiResp::not_found();
    };
    let mut merged = existing.clone();
    for (k, v) in patch {
        if k != "Id" {
            merged.insert(k, v);
        }
    }
    let rid = existing
        .get("Id")
        .and_then(|v| v.as_str())
        .unwrap_or(id)
        .to_string();
    let check = if name == "TraceFlag" {
        validate_trace_flag(org, &merged, Some(&rid))
    } else {
        validate_debug_level(&merged)
    };
    if let Err(e) = check {
        return e;
    }
    normalise_dates(&mut merged);
    let now = time::format_sf(time::now_ms());
    merged.insert("LastModifiedDate".into(), json!(now));
    merged.insert("LastModifiedById".into(), json!(caller.user_id));
    let t = org.table_mut(&name).expect("table");
    if let Some(r) = t
        .rows
        .iter_mut()
        .find(|r| r.get("Id").and_then(|v| v.as_str()) == Some(rid.as_str()))
    {
        *r = merged;
    }
    ApiResp::status(204, Value::Null)
}

fn delete(st: &mut State, oi: usize, obj: &str, id: &str, tooling: bool) -> ApiResp {
    let org = &mut st.orgs[oi];
    let name = match object_table(org, obj, tooling) {
        Ok(n) => n,
        Err(e) => return e,
    };
    if !matches!(name.as_str(), "DebugLevel" | "TraceFlag" | "ApexLog") {
        return ApiResp::err(
            400,
            "INVALID_TYPE_FOR_OPERATION",
            &format!("entity type {name} does not support delete (simulator)"),
        );
    }
    if name == "DebugLevel" {
        let used = org
            .table("TraceFlag")
            .map(|t| {
                t.rows.iter().any(|r| {
                    r.get("DebugLevelId")
                        .and_then(|v| v.as_str())
                        .map(|v| ids::same_id(v, id))
                        .unwrap_or(false)
                })
            })
            .unwrap_or(false);
        if used {
            return ApiResp::err(400, "DELETE_FAILED", "Your attempt to delete this debug level failed because it is in use by a trace flag.");
        }
    }
    let t = org.table_mut(&name).expect("table");
    let before = t.rows.len();
    t.rows.retain(|r| {
        !r.get("Id")
            .and_then(|v| v.as_str())
            .map(|v| ids::same_id(v, id))
            .unwrap_or(false)
    });
    if t.rows.len() == before {
        return ApiResp::not_found();
    }
    ApiResp::status(204, Value::Null)
}

/// Replaces `@{ref.path}` references with values from earlier composite results.
fn substitute(text: &str, results: &Map<String, Value>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("@{") {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let expr = &rest[i + 2..i + j];
        let mut parts = expr.split('.');
        let mut cur = parts
            .next()
            .and_then(|r| results.get(r))
            .cloned()
            .unwrap_or(Value::Null);
        for p in parts {
            let (name, idx) = match p.split_once('[') {
                Some((n, ix)) => (n, ix.trim_end_matches(']').parse::<usize>().ok()),
                None => (p, None),
            };
            cur = if name.is_empty() {
                cur
            } else {
                cur.get(name).cloned().unwrap_or(Value::Null)
            };
            if let Some(ix) = idx {
                cur = cur.get(ix).cloned().unwrap_or(Value::Null);
            }
        }
        match cur {
            Value::String(s) => out.push_str(&s),
            Value::Null => {}
            other => out.push_str(&other.to_string()),
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

fn split_sub_url(url: &str) -> Option<(String, String, String)> {
    let u = url
        .strip_prefix("/services/data/")
        .unwrap_or(url.trim_start_matches('/'));
    let (path, query) = match u.split_once('?') {
        Some((p, q)) => (p, q.to_string()),
        None => (u, String::new()),
    };
    let (ver, tail) = path.split_once('/').unwrap_or((path, ""));
    let ver = ver.strip_prefix('v')?;
    if !VERSIONS.iter().any(|(v, _)| *v == ver) {
        return None;
    }
    Some((ver.to_string(), tail.to_string(), query))
}

fn composite(
    st: &mut State,
    oi: usize,
    caller: &Caller,
    version: &str,
    body: &Value,
    tooling: bool,
) -> ApiResp {
    let all_or_none = body
        .get("allOrNone")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let Some(reqs) = body.get("compositeRequest").and_then(|v| v.as_array()) else {
        return ApiResp::err(400, "JSON_PARSER_ERROR", "compositeRequest is required");
    };
    // Size, query count, allowed resources and referenceIds refuse the whole composite.
    if let Err(v) = crate::contract::check_composite(body, tooling) {
        return ApiResp::err(v.status, v.code, &v.message);
    }
    let _ = version;
    let mut out = Vec::new();
    let mut by_ref = Map::new();
    let mut failed = false;
    for r in reqs {
        let reference = r
            .get("referenceId")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let method = r
            .get("method")
            .and_then(|v| v.as_str())
            .unwrap_or("GET")
            .to_ascii_uppercase();
        let url = substitute(r.get("url").and_then(|v| v.as_str()).unwrap_or(""), &by_ref);
        let sub_body = r.get("body").cloned().unwrap_or(Value::Null);
        let resp = if failed && all_or_none {
            ApiResp::err(400, "PROCESSING_HALTED", "The transaction was rolled back since another operation in the same transaction failed.")
        } else {
            match split_sub_url(&url) {
                Some((ver, tail, query)) => {
                    let is_tooling = tail == "tooling" || tail.starts_with("tooling/");
                    if is_tooling != tooling || tail.starts_with("composite") {
                        ApiResp::err(400, "INVALID_API_INPUT", &format!("The resource {url} is not supported in this composite request (simulator wording)."))
                    } else {
                        dispatch(st, oi, caller, &method, &ver, &tail, &query, &sub_body)
                    }
                }
                None => ApiResp::not_found(),
            }
        };
        if resp.status >= 400 {
            failed = true;
        }
        let body = match &resp.raw {
            Some((_, text)) => json!(text),
            None if resp.status == 204 => Value::Null,
            None => resp.body.clone(),
        };
        by_ref.insert(reference.clone(), body.clone());
        let headers: Map<String, Value> = resp
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        out.push(json!({"body": body, "httpHeaders": headers, "httpStatusCode": resp.status, "referenceId": reference}));
    }
    ApiResp::ok(json!({"compositeResponse": out}))
}

fn batch(st: &mut State, oi: usize, caller: &Caller, version: &str, body: &Value) -> ApiResp {
    let Some(reqs) = body.get("batchRequests").and_then(|v| v.as_array()) else {
        return ApiResp::err(400, "JSON_PARSER_ERROR", "batchRequests is required");
    };
    if reqs.len() > 25 {
        return ApiResp::err(
            400,
            "LIMIT_EXCEEDED",
            "A batch can contain at most 25 subrequests (simulator wording).",
        );
    }
    let halt = body
        .get("haltOnError")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let _ = version;
    let mut results = Vec::new();
    let mut has_errors = false;
    for r in reqs {
        let method = r
            .get("method")
            .and_then(|v| v.as_str())
            .unwrap_or("GET")
            .to_ascii_uppercase();
        let url = r.get("url").and_then(|v| v.as_str()).unwrap_or("");
        let sub_body = r.get("richInput").cloned().unwrap_or(Value::Null);
        let resp = if halt && has_errors {
            ApiResp::err(
                412,
                "BATCH_PROCESSING_HALTED",
                "Batch processing halted per request",
            )
        } else {
            match split_sub_url(url) {
                Some((ver, tail, query)) if !tail.starts_with("composite") => {
                    dispatch(st, oi, caller, &method, &ver, &tail, &query, &sub_body)
                }
                _ => ApiResp::not_found(),
            }
        };
        if resp.status >= 400 {
            has_errors = true;
        }
        let result = match &resp.raw {
            Some((_, text)) => json!(text),
            None if resp.status == 204 => Value::Null,
            None => resp.body,
        };
        results.push(json!({"statusCode": resp.status, "result": result}));
    }
    ApiResp::ok(json!({"hasErrors": has_errors, "results": results}))
}
