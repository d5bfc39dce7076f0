//! Shared by `tests/org_answers_random.rs` (seeded, stable, in CI) and
//! `fuzz/fuzz_targets/org_answers.rs` (cargo-fuzz): drives the org checks' planner loop with
//! answers chosen from a byte stream, then the analysis and the whole report, and asserts the
//! properties that must hold whatever the org answers:
//!
//! - nothing panics (the caller's harness catches that);
//! - the planner stops: at most `MAX_ROUNDS` rounds, then an empty plan;
//! - every planned request stays within the platform rules: a composite has at most 25
//!   sub-requests of which at most 5 queries, each `referenceId` is `[A-Za-z0-9_]+` and unique
//!   in the diagnosis, every path stays under `/services/data/` (the same rules as
//!   simulator/src/contract.rs, reimplemented: the fuzz crate cannot depend on md-sim cheaply);
//! - the diagnosis, its Markdown and its JSON export show no link outside the Salesforce host
//!   families (`report::stray_links`).
//!
//! The answers mix structurally valid composite answers (the planned sub-requests answered,
//! now and then not, twice or under another name, with fuzzed statuses and bodies: query
//! results whose records have the query's own fields with plausible values — record ids,
//! flags, Apex naming classes — and next pages, `INVALID_FIELD` refusals naming the query's
//! columns, describe answers, Metadata records, mutated flow definitions) and raw
//! garbage (bodies that are not JSON, JSON of the wrong shape, HTML, huge and multi-byte
//! strings, hostile names such as `javascript:` and `https://evil.com`).

#![allow(dead_code)]

use messaging_doctor::org::api::{
    ApiExchange, ApiRequest, MAX_QUERIES, MAX_ROUNDS, MAX_SUBREQUESTS,
};
use messaging_doctor::org::{analyze as org_analyze, plan, OrgContext};
use messaging_doctor::page::{analyze as page_analyze, PageEvidence, PageReport, ScriptEvidence};
use messaging_doctor::report::{diagnose_all, export, markdown, stray_links};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Reads choices from the input bytes; zeros once they run out (so every input is a case).
pub struct Source<'a> {
    data: &'a [u8],
    pos: usize,
    /// Longest "huge" string, in bytes (64 KB under the fuzzer; less in the debug-mode test).
    pub huge: usize,
}

impl<'a> Source<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Source {
            data,
            pos: 0,
            huge: 1 << 16,
        }
    }
    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let v = if n <= 256 {
            self.byte() as usize
        } else {
            (self.byte() as usize) << 8 | self.byte() as usize
        };
        v % n
    }
    pub fn chance(&mut self, in_256: u8) -> bool {
        self.byte() < in_256
    }
    pub fn u16(&mut self) -> u16 {
        u16::from(self.byte()) << 8 | u16::from(self.byte())
    }
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        let end = (start + n).min(self.data.len());
        self.pos += n;
        &self.data[start..end]
    }
    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}

/// Field and key names the org answers and flow definitions use, plus a few strangers.
const KEYS: &[&str] = &[
    "Id",
    "Name",
    "DeveloperName",
    "MasterLabel",
    "Label",
    "ApiName",
    "Body",
    "Status",
    "IsActive",
    "Active",
    "IsEnabled",
    "NamespacePrefix",
    "LastModifiedDate",
    "LastModifiedBy",
    "CreatedDate",
    "CreatedBy",
    "Origin",
    "UserType",
    "Alias",
    "ProfileId",
    "Profile",
    "PermissionSetId",
    "PermissionSet",
    "IsOwnedByProfile",
    "ParentId",
    "SetupEntityId",
    "ActiveVersionId",
    "LatestVersionId",
    "ProcessType",
    "TriggerType",
    "RecordTriggerType",
    "TriggerOrder",
    "TriggerObjectOrEvent",
    "QualifiedApiName",
    "EntityDefinition",
    "ValidationName",
    "ErrorDisplayField",
    "ErrorMessage",
    "Description",
    "TableEnumOrId",
    "UsageBeforeInsert",
    "UsageAfterInsert",
    "UsageBeforeUpdate",
    "UsageAfterUpdate",
    "LengthWithoutComments",
    "DeploymentFeature",
    "DeploymentType",
    "AreGuestUsersAllowed",
    "AuthMethod",
    "UrlPattern",
    "UrlPathPrefix",
    "SiteType",
    "MessageType",
    "OrganizationType",
    "IsSandbox",
    "InstanceName",
    "FullName",
    "Metadata",
    "DataStorageMB",
    "FileStorageMB",
    "Max",
    "Remaining",
    "name",
    "label",
    "type",
    "custom",
    "nillable",
    "createable",
    "defaultedOnCreate",
    "defaultValue",
    "defaultValueFormula",
    "errorConditionFormula",
    "site",
    "embeddedServiceMessagingChannel",
    "messagingChannel",
    "authMethod",
    "start",
    "object",
    "triggerType",
    "recordTriggerType",
    "connector",
    "targetReference",
    "decisions",
    "rules",
    "conditions",
    "leftValueReference",
    "operator",
    "rightValue",
    "stringValue",
    "booleanValue",
    "numberValue",
    "elementReference",
    "customErrors",
    "customErrorMessages",
    "errorMessage",
    "assignments",
    "assignmentItems",
    "assignToReference",
    "value",
    "recordCreates",
    "recordUpdates",
    "recordLookups",
    "filters",
    "field",
    "filterLogic",
    "formulas",
    "expression",
    "defaultConnector",
    "faultConnector",
    "inputAssignments",
    "variables",
    "records",
    "done",
    "totalSize",
    "nextRecordsUrl",
    "fields",
    "errorCode",
    "message",
    "attributes",
    "url",
    "",
    "__proto__",
    "Name\u{202E}",
];

/// Strings an org (or whoever controls its data) could put anywhere.
const HOSTILE: &[&str] = &[
    "javascript:alert(1)",
    "https://evil.com",
    "<https://evil.com>",
    "[click](https://evil.com/x)",
    "![x](https://evil.com/p.png)",
    "www.evil.com",
    "admin@evil.com",
    "https://acme.my.salesforce.com@evil.com/",
    "https://acme.my.salesforce.com.evil.com/",
    "//evil.com/x",
    "/services/data/v65.0/query/01gD000000ABCDE-2000",
    "/services/data/../../../evil",
    "https://evil.com/services/data/v65.0/query/01g-2000",
    "data:text/html,<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "`code` | pipe | *bold* _it_ # h",
    "\n\n# Heading\n- item\n",
    "\u{202E}moc.live\u{202C}",
    "e\u{301}vil\u{FF0E}com",
    "日本語のルール名 🚀",
    "\u{0}\u{1}\u{7F}",
    "'; DELETE FROM x; --",
    "' OR Name LIKE '%",
    "MessagingSession",
    "MessagingEndUser",
    "Web_Chat",
    "EmbeddedMessaging",
    "AutomatedProcess",
    "autoproc",
    "RecordBeforeSave",
    "RecordAfterSave",
    "Create",
    "CreateAndUpdate",
    "INVALID_FIELD",
    "true",
    "false",
    "null",
    "0",
    "-1",
    "",
    " ",
    "03d8c000000AbCdEFG",
    "3018c000000AbCd",
    "0Af8c000000AbCdEFG",
    "00D8c000001Hlt1",
    "trigger T on MessagingSession (before insert) { Handler.run(Trigger.new); new Helper(); }",
    "public class Handler extends Base { void run() { Util.go(); insert new Case(); } }",
    "ISBLANK(Origin)",
    "AND(ISNEW(), ISPICKVAL(Status, 'New'))",
    "$User.UserType = 'AutomatedProcess'",
];

/// Optional fields the planner's queries name (for "No such column" refusals).
const COLUMNS: &[&str] = &[
    "OrganizationType",
    "IsSandbox",
    "InstanceName",
    "Label",
    "IsActive",
    "ProcessType",
    "TriggerType",
    "RecordTriggerType",
    "TriggerOrder",
    "QualifiedApiName",
    "LatestVersionId",
    "LastModifiedBy",
    "LastModifiedDate",
    "Name",
    "Status",
    "Origin",
    "UserType",
    "Alias",
    "ProfileId",
    "NamespacePrefix",
    "MasterLabel",
    "MessageType",
    "UrlPathPrefix",
    "SiteType",
    "DeveloperName",
    "ErrorDisplayField",
    "ErrorMessage",
    "Description",
    "TableEnumOrId",
    "UsageBeforeInsert",
    "LengthWithoutComments",
    "DeploymentFeature",
    "AuthMethod",
    "Id",
    "Body",
    "Nope",
];
const RELATIONSHIPS: &[&str] = &[
    "TriggerObjectOrEvent",
    "CreatedBy",
    "Profile",
    "PermissionSet",
    "EntityDefinition",
    "LastModifiedBy",
    "Nope",
];

const FLOWS: &[&str] = &[
    include_str!("../fixtures/flows/custom-error-on-create/bad.json"),
    include_str!("../fixtures/flows/decision-on-prechat-field/bad.json"),
    include_str!("../fixtures/flows/lookup-fault/bad.json"),
    include_str!("../fixtures/flows/cycle/bad.json"),
];

pub fn string(s: &mut Source) -> String {
    match s.below(8) {
        0..=2 => s.pick(HOSTILE).to_string(),
        3 => {
            let n = s.below(64);
            String::from_utf8_lossy(s.take(n)).into_owned()
        }
        4 => format!("{}{}", s.pick(HOSTILE), s.pick(HOSTILE)),
        5 => {
            // Long, sometimes huge (up to ~64 KB): one piece repeated (multi-byte pieces included).
            let piece = s.pick(&["a", "é", "🚀", "https://evil.com ", "x ", "\u{202E}"]);
            let max = if s.chance(24) { s.huge } else { 300 };
            let n = s.below(max) / piece.len().max(1);
            piece.repeat(n)
        }
        6 => s.pick(KEYS).to_string(),
        _ => string_id(s),
    }
}

pub fn scalar(s: &mut Source) -> Value {
    match s.below(8) {
        0..=3 => Value::String(string(s)),
        4 => Value::Bool(s.chance(128)),
        5 => json!(s.pick(&[0i64, 1, -1, 2, 25, 100, 2000, i64::MAX, i64::MIN])),
        6 => json!(s.pick(&[0.5f64, -0.0, 1e300, -1e300, 3.75])),
        _ => Value::Null,
    }
}

pub fn value(s: &mut Source, depth: usize) -> Value {
    if depth == 0 {
        return scalar(s);
    }
    match s.below(6) {
        0..=2 => scalar(s),
        3 => {
            let n = s.below(5);
            Value::Array((0..n).map(|_| value(s, depth - 1)).collect())
        }
        _ => object(s, depth - 1),
    }
}

pub fn object(s: &mut Source, depth: usize) -> Value {
    let mut m = Map::new();
    let n = s.below(10);
    for _ in 0..n {
        let k = if s.chance(230) {
            s.pick(KEYS).to_string()
        } else {
            string(s)
        };
        m.insert(k, value(s, depth));
    }
    Value::Object(m)
}

/// A record as a query returns it: known fields with plausible values, sometimes nested
/// relationship objects.
pub fn record(s: &mut Source) -> Value {
    let mut m = Map::new();
    m.insert("attributes".into(), json!({"type": "X", "url": string(s)}));
    let n = s.below(14);
    for _ in 0..n {
        let k = s.pick(KEYS);
        let v = match s.below(10) {
            0..=5 => scalar(s),
            6 => {
                json!({"Name": scalar(s), "QualifiedApiName": scalar(s), "UserType": scalar(s), "IsOwnedByProfile": scalar(s)})
            }
            _ => value(s, 2),
        };
        m.insert(k.into(), v);
    }
    Value::Object(m)
}

/// A flow definition from the fixtures with some of its strings and booleans replaced.
pub fn flow_metadata(s: &mut Source) -> Value {
    let mut v: Value = serde_json::from_str(s.pick(FLOWS)).unwrap_or(Value::Null);
    fn walk(v: &mut Value, s: &mut Source) {
        match v {
            Value::String(_) | Value::Bool(_) | Value::Number(_) => {
                if s.chance(24) {
                    *v = scalar(s);
                }
            }
            Value::Array(a) => {
                for x in a.iter_mut() {
                    walk(x, s);
                }
                if s.chance(8) {
                    a.push(value(s, 2));
                }
            }
            Value::Object(m) => {
                for (_, x) in m.iter_mut() {
                    walk(x, s);
                }
                if s.chance(8) {
                    m.insert(s.pick(KEYS).to_string(), value(s, 2));
                }
            }
            Value::Null => {}
        }
    }
    walk(&mut v, s);
    v
}

/// The fields of the query in a sub-request URL (`…/query?q=SELECT+A%2C+B+FROM+…`).
pub fn soql_fields(url: &str) -> Vec<String> {
    let Some((_, q)) = url.split_once("q=") else {
        return Vec::new();
    };
    let bytes = q.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    let soql = String::from_utf8_lossy(&out).into_owned();
    let Some(rest) = soql.strip_prefix("SELECT ") else {
        return Vec::new();
    };
    let list = rest.split(" FROM ").next().unwrap_or("");
    list.split(',').map(|f| f.trim().to_string()).collect()
}

/// A plausible value for a queried field: record ids for `…Id`, booleans for flags, Apex for
/// `Body`, the page's deployment for `DeveloperName`; any value now and then.
fn field_value(s: &mut Source, field: &str) -> Value {
    if s.chance(24) {
        return value(s, 1);
    }
    if field == "Id" || field.ends_with("Id") {
        let mut id = string_id(s);
        if s.chance(16) {
            id = string(s);
        }
        return Value::String(id);
    }
    if field.starts_with("Is")
        || field.starts_with("Usage")
        || field.starts_with("Are")
        || field == "Active"
    {
        return Value::Bool(s.chance(200));
    }
    match field {
        "Body" => Value::String(match s.below(3) {
            0 => s.pick(HOSTILE).to_string(),
            1 => format!(
                "trigger T on MessagingSession (before insert) {{ {}.run(); }}",
                s.pick(&["Handler", "Helper", "Util", "Base", "MsgHandler"])
            ),
            _ => format!(
                "public class {} extends {} {{ void run() {{ {}.go(); }} }}",
                s.pick(&["Handler", "Helper", "Util", "Base"]),
                s.pick(&["Base", "Util", "Other"]),
                s.pick(&["Util", "Helper", "Deep", "Deeper"])
            ),
        }),
        "DeveloperName" => Value::String(if s.chance(160) {
            "Web_Chat".into()
        } else {
            string(s)
        }),
        "TableEnumOrId" | "QualifiedApiName" => Value::String(
            s.pick(&["MessagingSession", "MessagingEndUser", "Case"])
                .to_string(),
        ),
        _ => scalar(s),
    }
}

/// A record of the query in `url`: its own fields (relationship paths as nested objects).
fn record_for(s: &mut Source, url: &str) -> Value {
    let fields = soql_fields(url);
    if fields.is_empty() || s.chance(16) {
        return record(s);
    }
    let mut m = Map::new();
    m.insert("attributes".into(), json!({"type": "X"}));
    for f in &fields {
        if s.chance(16) {
            continue;
        }
        match f.split_once('.') {
            Some((rel, leaf)) => {
                let v = field_value(s, leaf);
                let entry = m.entry(rel.to_string()).or_insert_with(|| json!({}));
                if let Value::Object(o) = entry {
                    o.insert(leaf.to_string(), v);
                }
            }
            None => {
                let v = field_value(s, f);
                m.insert(f.clone(), v);
            }
        }
    }
    Value::Object(m)
}

/// A record id of the planner's shape, sometimes with a stray character.
fn string_id(s: &mut Source) -> String {
    let prefix = s.pick(&["03d", "301", "0Af", "300", "01p", "0Ho", "005", "0PS"]);
    let len = s.pick(&[15usize, 18, 18, 15, 14, 16, 19]);
    let mut id = prefix.to_string();
    while id.len() < len {
        let c = s.byte();
        id.push(if c.is_ascii_alphanumeric() {
            c as char
        } else {
            (b'A' + c % 26) as char
        });
    }
    if s.chance(16) {
        id.push(s.pick(&['-', '.', '/', ' ', 'é', '\'']));
    }
    id
}

fn error_list(s: &mut Source, url: &str) -> Value {
    let own = soql_fields(url);
    let code = match s.below(8) {
        0..=2 => "INVALID_FIELD".to_string(),
        3 => s
            .pick(&[
                "INSUFFICIENT_ACCESS",
                "NOT_FOUND",
                "INVALID_TYPE",
                "INVALID_SESSION_ID",
                "API_DISABLED_FOR_ORG",
                "REQUEST_LIMIT_EXCEEDED",
                "MALFORMED_QUERY",
            ])
            .to_string(),
        _ => string(s),
    };
    let message = match s.below(4) {
        0 => {
            let col = if !own.is_empty() && s.chance(200) {
                let f = s.pick(&own);
                f.rsplit('.').next().unwrap_or("").to_string()
            } else {
                s.pick(COLUMNS).to_string()
            };
            format!("No such column '{col}' on entity '{}'.", string(s))
        }
        1 => format!(
            "Didn't understand relationship '{}' in field path.",
            s.pick(RELATIONSHIPS)
        ),
        _ => string(s),
    };
    let one = json!({"errorCode": code, "message": message});
    match s.below(4) {
        0 => one,
        1 => json!([one, {"errorCode": string(s)}]),
        _ => json!([one]),
    }
}

/// A sub-request's body (or a request sent alone): shapes the planner reads, fuzzed inside.
pub fn sub_body(s: &mut Source, url: &str) -> Value {
    let query = url.contains("/query");
    match s.below(12) {
        0..=3 if query || s.chance(64) => {
            let n = s.below(6);
            let records: Vec<Value> = (0..n).map(|_| record_for(s, url)).collect();
            let mut m = Map::new();
            m.insert("totalSize".into(), json!(records.len()));
            m.insert("done".into(), Value::Bool(s.chance(160)));
            if s.chance(128) {
                m.insert(
                    "nextRecordsUrl".into(),
                    if s.chance(160) {
                        json!(format!(
                            "/services/data/v65.0/{}query/01g{}-{}",
                            if s.chance(128) { "tooling/" } else { "" },
                            s.u16(),
                            s.u16()
                        ))
                    } else {
                        Value::String(string(s))
                    },
                );
            }
            m.insert("records".into(), Value::Array(records));
            Value::Object(m)
        }
        0..=4 => {
            // A describe answer.
            let n = s.below(6);
            let fields: Vec<Value> = (0..n)
                .map(|_| {
                    json!({
                        "name": if s.chance(128) { json!(format!("{}__c", string(s))) } else { scalar(s) },
                        "label": scalar(s),
                        "type": s.pick(&["string", "picklist", "reference", "boolean", "x"]),
                        "custom": s.chance(128),
                        "nillable": s.chance(64),
                        "createable": s.chance(200),
                        "defaultedOnCreate": s.chance(64),
                        "defaultValue": scalar(s),
                        "defaultValueFormula": scalar(s),
                    })
                })
                .collect();
            json!({"name": scalar(s), "fields": fields})
        }
        5 | 6 => error_list(s, url),
        7 | 8 => {
            let meta = if s.chance(128) {
                flow_metadata(s)
            } else {
                object(s, 3)
            };
            json!({"Id": scalar(s), "FullName": scalar(s), "Metadata": meta})
        }
        9 => json!({
            "DataStorageMB": {"Max": scalar(s), "Remaining": scalar(s)},
            "FileStorageMB": {"Max": scalar(s), "Remaining": scalar(s)},
        }),
        10 => value(s, 3),
        _ => Value::Null,
    }
}

fn sub_status(s: &mut Source) -> Value {
    match s.below(10) {
        0..=5 => json!(200),
        6 => json!(s.pick(&[400u16, 400, 401, 403, 404, 500, 201, 204, 299, 300])),
        7 => json!(s.u16()),
        8 => json!(s.pick(&["200", "abc", ""])),
        _ => json!(s.pick(&[-1i64, 70000, 4_294_967_496])),
    }
}

/// The `compositeRequest` entries of a request body: (referenceId, url).
fn composite_entries(req: &ApiRequest) -> Vec<(String, String)> {
    let body: Value = req
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    body.get("compositeRequest")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e.get("referenceId")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        e.get("url")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn garbage(s: &mut Source) -> String {
    match s.below(8) {
        0 => String::new(),
        1 => "<html><body>Service Unavailable</body></html>".into(),
        2 => {
            let n = s.below(200);
            String::from_utf8_lossy(s.take(n)).into_owned()
        }
        3 => s
            .pick(&[
                "[]",
                "{}",
                "null",
                "\"x\"",
                "42",
                "{\"compositeResponse\":{}}",
                "{\"compositeResponse\":null}",
                "{\"compositeResponse\":[1,\"x\",null]}",
                "{not json",
                "[{\"errorCode\":",
            ])
            .into(),
        4 => error_list(s, "").to_string(),
        5 => value(s, 3).to_string(),
        6 => string(s),
        _ => {
            // A valid answer cut short (possibly inside a multi-byte character).
            let full = json!({"compositeResponse": [{"referenceId": "org", "httpStatusCode": 200, "body": {"records": [{"Name": "Ac\u{e9}me \u{1F680}"}]}}]}).to_string();
            let n = s.below(full.len());
            String::from_utf8_lossy(&full.as_bytes()[..n]).into_owned()
        }
    }
}

/// One answer to a planned request.
pub fn answer(s: &mut Source, req: &ApiRequest) -> ApiExchange {
    let status = match s.below(12) {
        0..=7 => 200,
        8 => s.pick(&[401u16, 403, 404, 500, 503, 400, 302]),
        9 => 0,
        10 => s.u16(),
        _ => s.pick(&[201u16, 204, 299]),
    };
    let composite = req.path.ends_with("/composite");
    let body = if s.chance(200) {
        if composite {
            let entries = composite_entries(req);
            let mut subs: Vec<Value> = Vec::new();
            for (reference, url) in &entries {
                match s.below(16) {
                    13 => continue, // not answered
                    14 => {
                        // Answered under another name.
                        subs.push(json!({"referenceId": string(s), "httpStatusCode": sub_status(s), "body": sub_body(s, url)}));
                        continue;
                    }
                    15 => subs.push(value(s, 2)), // not a sub-answer at all
                    _ => {}
                }
                let mut m = Map::new();
                m.insert("referenceId".into(), json!(reference));
                let body = sub_body(s, url);
                let is_error = body
                    .as_array()
                    .and_then(|a| a.first())
                    .is_some_and(|e| e.get("errorCode").is_some());
                let status = if is_error && s.chance(200) {
                    json!(400)
                } else {
                    sub_status(s)
                };
                m.insert("httpStatusCode".into(), status);
                if s.chance(250) {
                    m.insert("body".into(), body);
                }
                if s.chance(64) {
                    m.insert("httpHeaders".into(), json!({}));
                }
                subs.push(Value::Object(m));
            }
            if s.chance(32) && !subs.is_empty() {
                // Answered twice, or in another order.
                let i = s.below(subs.len());
                let dup = subs[i].clone();
                subs.push(dup);
                subs.reverse();
            }
            json!({"compositeResponse": subs}).to_string()
        } else {
            sub_body(s, &req.path).to_string()
        }
    } else {
        garbage(s)
    };
    let error = (status == 0 && s.chance(128)).then(|| string(s));
    let ms = s
        .chance(200)
        .then(|| u32::from(s.u16()) * u32::from(s.byte()));
    ApiExchange {
        request: req.clone(),
        status,
        body,
        error,
        ms,
    }
}

/// The platform rules for one planned request; panics with the rule broken.
pub fn check_request(req: &ApiRequest, seen: &mut BTreeSet<String>) {
    assert!(
        req.path.starts_with("/services/data/"),
        "path outside /services/data/: {}",
        req.path
    );
    if !req.path.ends_with("/composite") {
        assert_eq!(req.method, "GET", "{req:?}");
        assert!(req.body.is_none(), "{req:?}");
        return;
    }
    assert_eq!(req.method, "POST", "{req:?}");
    let entries = composite_entries(req);
    assert!(!entries.is_empty(), "empty composite: {req:?}");
    assert!(
        entries.len() <= MAX_SUBREQUESTS,
        "{} sub-requests in {}",
        entries.len(),
        req.id
    );
    let queries = entries
        .iter()
        .filter(|(_, u)| u.contains("/query") || u.contains("/queryAll"))
        .count();
    assert!(queries <= MAX_QUERIES, "{queries} queries in {}", req.id);
    for (reference, url) in &entries {
        assert!(
            !reference.is_empty()
                && reference
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_'),
            "referenceId {reference:?} in {}",
            req.id
        );
        assert!(
            seen.insert(reference.clone()),
            "referenceId {reference} sent twice ({})",
            req.id
        );
        assert!(
            url.starts_with("/services/data/"),
            "sub-request url outside /services/data/: {url}"
        );
    }
}

const HOSTS: &[&str] = &[
    "acme.my.salesforce.com",
    "acme--uat.sandbox.my.salesforce.com",
    "acme.develop.my.salesforce.com",
];

/// The page the checks run for: none, a sound snippet, or a snippet naming a hostile
/// deployment (the deployment names go into the plan).
fn page(s: &mut Source) -> Option<PageReport> {
    let deployment = match s.below(4) {
        0 => return None,
        1 | 2 => "Web_Chat".to_string(),
        _ => string(s)
            .replace('\\', "\\\\")
            .replace('\'', "\\'")
            .replace('\n', " "),
    };
    let evidence = PageEvidence {
        url: "https://www.example.com/".into(),
        scripts: vec![ScriptEvidence {
            index: 1,
            inline: Some(format!(
                "embeddedservice_bootstrap.init('00D8c000001Hlt1','{deployment}','https://acme.my.site.com/ESWWebChat1',{{scrt2URL:'https://acme.my.salesforce-scrt.com'}})"
            )),
            ..Default::default()
        }],
        ..Default::default()
    };
    Some(page_analyze(&evidence))
}

/// The whole property over one input.
pub fn run(data: &[u8]) {
    run_with(data, 1 << 16);
}

/// [`run`] with huge strings at most `huge` bytes long; the number of rounds planned.
pub fn run_with(data: &[u8], huge: usize) -> usize {
    let mut s = Source::new(data);
    s.huge = huge;
    let page = page(&mut s);
    let org = OrgContext {
        api_host: s.pick(HOSTS).to_string(),
        org_id: s.chance(200).then(|| "00D8c000001Hlt1".to_string()),
    };
    let mut exchanges: Vec<ApiExchange> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut rounds = 0usize;
    loop {
        let reqs = plan(page.as_ref(), &exchanges);
        if reqs.is_empty() {
            break;
        }
        rounds += 1;
        assert!(
            rounds <= MAX_ROUNDS,
            "the planner did not stop after {MAX_ROUNDS} rounds: {reqs:?}"
        );
        for r in &reqs {
            check_request(r, &mut seen);
        }
        for r in &reqs {
            let a = answer(&mut s, r);
            exchanges.push(a);
        }
    }
    let report = org_analyze(&org, page.as_ref(), &exchanges);
    assert!(
        report.rounds as usize <= MAX_ROUNDS,
        "{} rounds",
        report.rounds
    );
    assert_eq!(report.api_calls as usize, exchanges.len());
    let session = Vec::new();
    let d = diagnose_all(page.as_ref(), Some(&report), &session);
    let md = markdown(&d, "2026-12-06T00:00:00Z");
    let stray = stray_links(&d, &md);
    assert!(
        stray.is_empty(),
        "links outside the Salesforce hosts: {stray:?}"
    );
    let exported = export(d, page, Some(report), "2026-12-06T00:00:00Z");
    let text = serde_json::to_string(&exported).expect("the export serializes");
    assert!(serde_json::from_str::<Value>(&text).is_ok());
    rounds
}
