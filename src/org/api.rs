//! The org checks' API traffic as data: which requests to send next (batched into REST and
//! Tooling composites), and the answers decoded back into one map keyed by sub-request.
//!
//! The popup's JS sends each [`ApiRequest`] to the org's API host with the session token and
//! hands back an [`ApiExchange`] (the request echoed, status, body text). Planning is a pure
//! function of the exchanges so far ([`next_requests`]): the first round is one REST composite
//! and one Tooling composite; later rounds fetch what the first answers name (validation-rule
//! formulas, flow definitions, the deployment's metadata, Apex classes the triggers call) and
//! the next pages of long query results. A full diagnosis is typically three API calls.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::json::{array, flag, text};

/// The API version every request uses (Winter '26). Every org on a current release serves it;
/// FlowDefinitionView's `TriggerObjectOrEvent` filter needs 53.0 or later.
pub const API_VERSION: &str = "v65.0";

/// Sub-requests per composite (both APIs), and queries per Tooling composite.
pub const MAX_SUBREQUESTS: usize = 25;
pub const MAX_TOOLING_QUERIES: usize = 5;
/// At most this many rounds of requests, whatever the answers say (pagination included).
pub const MAX_ROUNDS: usize = 6;
/// Apex classes fetched at most (handlers, their bases and helpers), over at most
/// [`CLASS_LEVELS`] levels of "the code names this class".
pub const MAX_CLASSES: usize = 60;
pub const CLASS_LEVELS: usize = 3;
/// Records read per query at most, across pages.
pub const MAX_PAGES: usize = 5;

/// The two objects the platform inserts when a conversation starts.
pub const OBJECTS: [&str; 2] = ["MessagingSession", "MessagingEndUser"];

/// One HTTP request for the JS layer to send to the org's API host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiRequest {
    /// Unique within a diagnosis, e.g. `rest-1`, `tooling-2a`.
    pub id: String,
    pub method: String,
    /// Path and query on the API host, always under `/services/data/`.
    pub path: String,
    /// JSON body for POST.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// What the request is for, shown as progress ("Reading validation rules, triggers…").
    pub label: String,
    /// The `Accept` header, when not JSON (a debug log body is plain text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept: Option<String>,
}

/// A request and what came back. `status` 0 means no HTTP answer (network error, timeout):
/// `error` says what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiExchange {
    pub request: ApiRequest,
    #[serde(default)]
    pub status: u16,
    #[serde(default)]
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Round trip in milliseconds, as measured by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u32>,
}

/// The first error of an error answer: `[{"errorCode": …, "message": …}]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn from_answer(status: u16, body: &Value) -> ApiError {
        let first = body
            .as_array()
            .and_then(|a| a.first())
            .or_else(|| body.get("error").map(|_| body))
            .unwrap_or(body);
        let code = text(first, "errorCode")
            .or_else(|| text(first, "error"))
            .unwrap_or_else(|| match status {
                0 => "NO_ANSWER".into(),
                401 => "INVALID_SESSION_ID".into(),
                _ => format!("HTTP_{status}"),
            });
        let message = text(first, "message")
            .or_else(|| text(first, "error_description"))
            .unwrap_or_default();
        ApiError {
            status,
            code,
            message,
        }
    }
}

/// Which API a sub-request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Api {
    Rest,
    Tooling,
}

/// One logical request inside a composite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sub {
    pub reference: String,
    pub api: Api,
    /// Full path under the API host.
    pub url: String,
    pub is_query: bool,
}

impl Sub {
    pub fn query(reference: &str, api: Api, soql: &str) -> Sub {
        let base = match api {
            Api::Rest => format!("/services/data/{API_VERSION}/query?q="),
            Api::Tooling => format!("/services/data/{API_VERSION}/tooling/query?q="),
        };
        Sub {
            reference: reference.to_string(),
            api,
            url: format!("{base}{}", encode_query(soql)),
            is_query: true,
        }
    }
    pub fn get(reference: &str, api: Api, path: &str) -> Sub {
        let base = match api {
            Api::Rest => format!("/services/data/{API_VERSION}/"),
            Api::Tooling => format!("/services/data/{API_VERSION}/tooling/"),
        };
        Sub {
            reference: reference.to_string(),
            api,
            url: format!("{base}{path}"),
            is_query: false,
        }
    }
}

/// Percent-encodes a SOQL query for a URL query string.
pub fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A sub-request's answer; a query's pages are merged into `records`.
#[derive(Debug, Clone, PartialEq)]
pub struct SubAnswer {
    pub status: u16,
    pub body: Value,
    /// For queries: every record over every page read so far.
    pub records: Vec<Value>,
    /// For queries: the next page to read, if the result is longer.
    pub next_page: Option<String>,
    pub pages: usize,
    pub api: Api,
}

impl SubAnswer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
    pub fn error(&self) -> ApiError {
        ApiError::from_answer(self.status, &self.body)
    }
}

/// A whole composite call that failed (401, 403, network, unreadable answer): every
/// sub-request in it shares the failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFailure {
    pub api: Api,
    pub error: ApiError,
    /// A network error or unreadable answer, in words (no HTTP error body).
    pub detail: Option<String>,
}

/// Everything learned from the exchanges so far.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    pub subs: BTreeMap<String, SubAnswer>,
    /// Sub-request references already sent (answered or not).
    pub requested: BTreeSet<String>,
    /// Sub-request reference → the whole call's failure.
    pub failed: BTreeMap<String, CallFailure>,
    pub calls: usize,
    pub rounds: usize,
    /// Sum of round trips reported by the caller.
    pub ms: u64,
}

impl Answers {
    pub fn get(&self, reference: &str) -> Option<&SubAnswer> {
        self.subs.get(reference)
    }
    /// Records of a query that answered 2xx.
    pub fn records(&self, reference: &str) -> Option<&[Value]> {
        self.subs
            .get(reference)
            .filter(|a| a.ok())
            .map(|a| a.records.as_slice())
    }
}

/// The `compositeRequest` list inside a body this module built.
fn composite_refs(req: &ApiRequest) -> Vec<(String, String)> {
    let body: Value = req
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    array(&body, "compositeRequest")
        .iter()
        .filter_map(|s| Some((text(s, "referenceId")?, text(s, "url").unwrap_or_default())))
        .collect()
}

fn api_of(req: &ApiRequest) -> Api {
    if req.path.contains("/tooling/") {
        Api::Tooling
    } else {
        Api::Rest
    }
}

/// Page references look like `base~2`: the base's second page.
fn page_base(reference: &str) -> &str {
    reference.split('~').next().unwrap_or(reference)
}

/// Decodes every exchange into [`Answers`]. Never fails: unreadable answers become
/// [`CallFailure`]s of the sub-requests they carried.
pub fn decode(exchanges: &[ApiExchange]) -> Answers {
    let mut a = Answers::default();
    let mut round_ids = BTreeSet::new();
    for ex in exchanges {
        a.calls += 1;
        a.ms += u64::from(ex.ms.unwrap_or(0));
        let round: String = ex
            .request
            .id
            .chars()
            .filter(|c| c.is_ascii_digit())
            .collect();
        round_ids.insert(round);
        let api = api_of(&ex.request);
        let refs = composite_refs(&ex.request);
        for (r, _) in &refs {
            a.requested.insert(r.clone());
        }
        let parsed: Result<Value, _> = serde_json::from_str(&ex.body);
        let fail = |detail: Option<String>, body: &Value| CallFailure {
            api,
            error: ApiError::from_answer(ex.status, body),
            detail,
        };
        let failure = if ex.status == 0 {
            Some(fail(
                Some(
                    ex.error
                        .clone()
                        .unwrap_or_else(|| "no answer from the org".into()),
                ),
                &Value::Null,
            ))
        } else if !(200..300).contains(&ex.status) {
            let body = parsed.as_ref().cloned().unwrap_or(Value::Null);
            let detail = if parsed.is_err() {
                Some(format!(
                    "HTTP {} with a body that is not JSON: {}",
                    ex.status,
                    super::json::clip(ex.body.trim(), 160)
                ))
            } else {
                None
            };
            Some(fail(detail, &body))
        } else {
            match &parsed {
                Ok(v) if v.get("compositeResponse").map(|c| c.is_array()) == Some(true) => None,
                Ok(_) => Some(fail(
                    Some("the composite answer has no compositeResponse list".into()),
                    &Value::Null,
                )),
                Err(e) => Some(fail(
                    Some(format!("the answer is not readable JSON ({e})")),
                    &Value::Null,
                )),
            }
        };
        if let Some(f) = failure {
            for (r, _) in refs {
                a.failed.insert(page_base(&r).to_string(), f.clone());
            }
            continue;
        }
        let body = parsed.unwrap_or(Value::Null);
        for sub in array(&body, "compositeResponse") {
            let Some(reference) = text(sub, "referenceId") else {
                continue;
            };
            let status = super::json::number(sub, "httpStatusCode")
                .map(|n| n as u16)
                .unwrap_or(0);
            let sbody = sub.get("body").cloned().unwrap_or(Value::Null);
            let records = array(&sbody, "records").to_vec();
            let next_page = if flag(&sbody, "done") == Some(false) {
                text(&sbody, "nextRecordsUrl")
            } else {
                None
            };
            let base = page_base(&reference).to_string();
            match a.subs.get_mut(&base) {
                Some(prev) if base != reference => {
                    if (200..300).contains(&status) {
                        prev.records.extend(records);
                        prev.next_page = next_page;
                        prev.pages += 1;
                    } else {
                        prev.next_page = None;
                    }
                }
                _ => {
                    a.subs.insert(
                        base,
                        SubAnswer {
                            status,
                            body: sbody,
                            records,
                            next_page,
                            pages: 1,
                            api,
                        },
                    );
                }
            }
        }
    }
    a.rounds = round_ids.len();
    a
}

/// What the plan needs to know besides the answers: the page's deployment names and whether
/// the caller wants the automation bodies (always, today).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanInput {
    /// Deployment API names named by the page's snippets.
    pub deployments: Vec<String>,
}

const OBJECT_LIST: &str = "('MessagingSession','MessagingEndUser')";

/// The user the platform inserts chat sessions as (the org checks' record model and the live
/// capture's trace flag both start from it).
pub const AUTOMATED_USER_SOQL: &str = "SELECT Id, Name, Alias, UserType, IsActive, ProfileId, \
     Profile.Name FROM User WHERE UserType = 'AutomatedProcess'";

/// The first round: everything that needs no earlier answer.
pub fn first_round() -> Vec<Sub> {
    use Api::*;
    vec![
        Sub::query(
            "org",
            Rest,
            "SELECT Id, Name, OrganizationType, IsSandbox, InstanceName FROM Organization",
        ),
        Sub::get(
            "describeSession",
            Rest,
            "sobjects/MessagingSession/describe",
        ),
        Sub::get(
            "describeEndUser",
            Rest,
            "sobjects/MessagingEndUser/describe",
        ),
        Sub::get("limits", Rest, "limits"),
        Sub::query(
            "flows",
            Rest,
            &format!(
                "SELECT Id, ApiName, Label, IsActive, ProcessType, TriggerType, RecordTriggerType, \
                 TriggerOrder, TriggerObjectOrEventLabel, ActiveVersionId, LatestVersionId, \
                 LastModifiedBy, LastModifiedDate FROM FlowDefinitionView WHERE \
                 TriggerObjectOrEvent.QualifiedApiName IN {OBJECT_LIST}"
            ),
        ),
        Sub::query(
            "recentSessions",
            Rest,
            "SELECT Id, Name, Status, Origin, CreatedDate, CreatedBy.Name, CreatedBy.UserType \
             FROM MessagingSession ORDER BY CreatedDate DESC LIMIT 10",
        ),
        Sub::query("automatedUser", Rest, AUTOMATED_USER_SOQL),
        Sub::query(
            "automatedPermissionSets",
            Rest,
            "SELECT PermissionSetId, PermissionSet.Name, PermissionSet.IsOwnedByProfile FROM \
             PermissionSetAssignment WHERE Assignee.UserType = 'AutomatedProcess'",
        ),
        Sub::query(
            "customPermissions",
            Rest,
            "SELECT Id, DeveloperName, NamespacePrefix FROM CustomPermission",
        ),
        Sub::query(
            "channels",
            Rest,
            "SELECT Id, DeveloperName, MasterLabel, IsActive, MessageType, RoutingType, \
             LastModifiedDate FROM MessagingChannel",
        ),
        Sub::query(
            "sites",
            Rest,
            "SELECT Id, Name, MasterLabel, Status, UrlPathPrefix, SiteType FROM Site",
        ),
        Sub::query(
            "cors",
            Rest,
            "SELECT Id, DeveloperName, UrlPattern FROM CorsWhitelistEntry",
        ),
        Sub::query(
            "rules",
            Tooling,
            &format!(
                "SELECT Id, ValidationName, Active, ErrorDisplayField, ErrorMessage, Description, \
                 NamespacePrefix, EntityDefinition.QualifiedApiName, LastModifiedDate, \
                 LastModifiedBy.Name FROM ValidationRule WHERE \
                 EntityDefinition.QualifiedApiName IN {OBJECT_LIST}"
            ),
        ),
        Sub::query(
            "triggers",
            Tooling,
            &format!(
                "SELECT Id, Name, TableEnumOrId, Status, NamespacePrefix, UsageBeforeInsert, \
                 UsageAfterInsert, UsageBeforeUpdate, UsageAfterUpdate, Body, \
                 LengthWithoutComments, LastModifiedDate, LastModifiedBy.Name FROM ApexTrigger \
                 WHERE TableEnumOrId IN {OBJECT_LIST}"
            ),
        ),
        Sub::query(
            "deployments",
            Tooling,
            "SELECT Id, DeveloperName, MasterLabel, Site, IsEnabled, DeploymentFeature, \
             DeploymentType, AreGuestUsersAllowed, AuthMethod, LastModifiedDate FROM \
             EmbeddedServiceConfig",
        ),
    ]
}

/// SOQL-safe name: letters, digits and underscores only (names come from org code).
fn safe_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= 80 && n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Identifiers in Apex source that may name a class in this org: every identifier that is not
/// a keyword or a well-known system type. Over-inclusion is harmless (the query returns only
/// classes that exist).
pub fn class_names_in(body: &str) -> BTreeSet<String> {
    use crate::analysis::apex::lexer::{lex, TokenKind};
    const SYSTEM: &[&str] = &[
        "system",
        "trigger",
        "database",
        "schema",
        "string",
        "list",
        "map",
        "set",
        "id",
        "integer",
        "long",
        "double",
        "decimal",
        "boolean",
        "date",
        "datetime",
        "time",
        "object",
        "sobject",
        "blob",
        "userinfo",
        "test",
        "limits",
        "json",
        "math",
        "exception",
        "dmlexception",
        "queryexception",
        "featuremanagement",
        "security",
        "label",
        "label",
        "messagingsession",
        "messagingenduser",
        "case",
        "contact",
        "account",
        "lead",
        "user",
        "type",
        "http",
        "httprequest",
        "httpresponse",
        "url",
        "label",
        "trigger",
        "new",
        "old",
        "newmap",
        "oldmap",
        "isinsert",
        "isupdate",
        "isbefore",
        "isafter",
        "isdelete",
        "isexecuting",
        "size",
        "add",
        "put",
        "get",
        "debug",
        "adderror",
        "operationtype",
        "accesslevel",
        "task",
        "event",
        "opportunity",
        "note",
        "attachment",
        "contentversion",
        "group",
        "recordtype",
        "organization",
        "profile",
        "permissionset",
        "void",
        "sharing",
        "with",
        "without",
        "inherited",
        "schedulable",
        "queueable",
        "batchable",
        "this",
        "super",
        "null",
    ];
    let toks: Vec<_> = lex(body).into_iter().filter(|t| !t.is_trivia()).collect();
    let mut out = BTreeSet::new();
    for (i, t) in toks.iter().enumerate() {
        if t.kind != TokenKind::Ident {
            continue;
        }
        let s = t.text(body);
        let lower = s.to_ascii_lowercase();
        if s.len() < 3
            || !safe_name(s)
            || SYSTEM.contains(&lower.as_str())
            || lower.ends_with("__c")
        {
            continue;
        }
        let prev = i.checked_sub(1).and_then(|j| toks.get(j));
        let next = toks.get(i + 1);
        let prev_text = prev.map(|p| p.text(body).to_ascii_lowercase());
        // A member access (`x.Name`) is a field or method, not a class.
        if prev_text.as_deref() == Some(".") {
            continue;
        }
        // Class positions: `Handler.run()`, `new Handler()`, `extends Base`, `Handler h`,
        // `List<Handler>`.
        let next_is = |s: &str| next.is_some_and(|n| n.text(body) == s);
        let type_position = next.is_some_and(|n| n.kind == TokenKind::Ident) || next_is(">");
        let after_keyword = matches!(
            prev_text.as_deref(),
            Some("new") | Some("extends") | Some("implements") | Some("<")
        );
        // Apex names classes in PascalCase by convention; `country.startsWith` is a variable.
        let pascal = s.starts_with(|c: char| c.is_ascii_uppercase());
        if (next_is(".") && pascal) || type_position || after_keyword {
            out.insert(s.to_string());
        }
    }
    out
}

fn class_query(level: usize, names: &BTreeSet<String>) -> Sub {
    let list: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    Sub::query(
        &format!("classes{level}"),
        Api::Tooling,
        &format!(
            "SELECT Id, Name, NamespacePrefix, Body, LengthWithoutComments FROM ApexClass WHERE \
             Name IN ({})",
            list.join(",")
        ),
    )
}

/// The Apex classes fetched so far, all levels.
pub fn fetched_classes(a: &Answers) -> Vec<&Value> {
    (1..=CLASS_LEVELS)
        .filter_map(|l| a.records(&format!("classes{l}")))
        .flatten()
        .collect()
}

/// Active rules / flows / deployments the second round fetches in full.
fn second_round(a: &Answers, input: &PlanInput) -> Vec<Sub> {
    let mut subs = Vec::new();
    if let Some(rules) = a.records("rules") {
        for r in rules {
            if flag(r, "Active") != Some(true) {
                continue;
            }
            if let Some(id) = text(r, "Id").filter(|i| safe_name(i)) {
                subs.push(Sub::get(
                    &format!("rule.{id}"),
                    Api::Tooling,
                    &format!("sobjects/ValidationRule/{id}?fields=Id,FullName,Metadata"),
                ));
            }
        }
    }
    if let Some(flows) = a.records("flows") {
        for f in flows {
            if !super::checks::flow_runs_on_create(f) {
                continue;
            }
            if let Some(v) = text(f, "ActiveVersionId").filter(|i| safe_name(i)) {
                subs.push(Sub::get(
                    &format!("flow.{v}"),
                    Api::Tooling,
                    &format!("sobjects/Flow/{v}?fields=Id,Metadata"),
                ));
            }
        }
    }
    if let Some(deps) = a.records("deployments") {
        for d in deps {
            let name = text(d, "DeveloperName").unwrap_or_default();
            if !input
                .deployments
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&name))
            {
                continue;
            }
            if let Some(id) = text(d, "Id").filter(|i| safe_name(i)) {
                subs.push(Sub::get(
                    &format!("deployment.{id}"),
                    Api::Tooling,
                    &format!("sobjects/EmbeddedServiceConfig/{id}?fields=Id,FullName,Metadata"),
                ));
            }
        }
    }
    // Who last changed the custom fields that block the insert (only when some do).
    let mut blocking: Vec<String> = Vec::new();
    for reference in ["describeSession", "describeEndUser"] {
        if let Some(ans) = a.get(reference).filter(|x| x.ok()) {
            for f in array(&ans.body, "fields") {
                if super::checks::required_without_default(f) && flag(f, "custom") == Some(true) {
                    let name = text(f, "name").unwrap_or_default();
                    let dev = name.trim_end_matches("__c").to_string();
                    if safe_name(&dev) && !blocking.contains(&dev) {
                        blocking.push(dev);
                    }
                }
            }
        }
    }
    if !blocking.is_empty() {
        let list: Vec<String> = blocking.iter().map(|n| format!("'{n}'")).collect();
        subs.push(Sub::query(
            "customFields",
            Api::Tooling,
            &format!(
                "SELECT Id, DeveloperName, TableEnumOrId, LastModifiedDate, LastModifiedBy.Name \
                 FROM CustomField WHERE TableEnumOrId IN {OBJECT_LIST} AND DeveloperName IN ({})",
                list.join(",")
            ),
        ));
    }
    // Custom permissions reachable through the Automated Process user's permission sets.
    if let Some(assignments) = a.records("automatedPermissionSets") {
        let ids: Vec<String> = assignments
            .iter()
            .filter_map(|r| text(r, "PermissionSetId"))
            .filter(|i| safe_name(i))
            .map(|i| format!("'{i}'"))
            .collect();
        if !ids.is_empty() {
            subs.push(Sub::query(
                "automatedCustomPermissions",
                Api::Rest,
                &format!(
                    "SELECT ParentId, SetupEntityId FROM SetupEntityAccess WHERE \
                     SetupEntityType = 'CustomPermission' AND ParentId IN ({})",
                    ids.join(",")
                ),
            ));
        }
    }
    // Classes named by the triggers (level 1), then by the classes fetched (levels 2, 3).
    let mut known: BTreeSet<String> = BTreeSet::new();
    let mut next_names: BTreeSet<String> = BTreeSet::new();
    if let Some(triggers) = a.records("triggers") {
        for t in triggers {
            next_names.extend(class_names_in(&text(t, "Body").unwrap_or_default()));
        }
    }
    let mut fetched = 0usize;
    for level in 1..=CLASS_LEVELS {
        next_names.retain(|n| !known.contains(&n.to_ascii_lowercase()));
        let reference = format!("classes{level}");
        if next_names.is_empty() || fetched >= MAX_CLASSES {
            break;
        }
        if !a.requested.contains(&reference) {
            let names: BTreeSet<String> = next_names.iter().take(200).cloned().collect();
            subs.push(class_query(level, &names));
            break;
        }
        known.extend(next_names.iter().map(|n| n.to_ascii_lowercase()));
        let Some(rows) = a.records(&reference) else {
            break;
        };
        fetched += rows.len();
        next_names = BTreeSet::new();
        for c in rows {
            known.insert(text(c, "Name").unwrap_or_default().to_ascii_lowercase());
            next_names.extend(class_names_in(&text(c, "Body").unwrap_or_default()));
        }
    }
    subs
}

/// The next requests to send, given every exchange so far; empty when the diagnosis has all
/// it will ask for.
pub fn next_requests(exchanges: &[ApiExchange], input: &PlanInput) -> Vec<ApiRequest> {
    let a = decode(exchanges);
    if a.rounds >= MAX_ROUNDS {
        return Vec::new();
    }
    let mut subs: Vec<Sub> = if exchanges.is_empty() {
        first_round()
    } else {
        second_round(&a, input)
    };
    // Next pages of long query results.
    for (reference, ans) in &a.subs {
        if let Some(next) = &ans.next_page {
            if ans.pages < MAX_PAGES && next.starts_with("/services/data/") {
                subs.push(Sub {
                    reference: format!("{reference}~{}", ans.pages + 1),
                    api: ans.api,
                    url: next.clone(),
                    is_query: true,
                });
            }
        }
    }
    subs.retain(|s| !a.requested.contains(&s.reference));
    batch(subs, a.rounds + 1)
}

/// Packs sub-requests into composites: REST in `/composite`, Tooling in `/tooling/composite`
/// (at most 25 sub-requests, at most 5 of them queries, per Tooling composite).
pub fn batch(subs: Vec<Sub>, round: usize) -> Vec<ApiRequest> {
    let mut out = Vec::new();
    for api in [Api::Rest, Api::Tooling] {
        let mut chunks: Vec<Vec<&Sub>> = Vec::new();
        for s in subs.iter().filter(|s| s.api == api) {
            let fits = |c: &Vec<&Sub>| {
                c.len() < MAX_SUBREQUESTS
                    && (api == Api::Rest
                        || !s.is_query
                        || c.iter().filter(|x| x.is_query).count() < MAX_TOOLING_QUERIES)
            };
            match chunks.iter_mut().find(|c| fits(c)) {
                Some(c) => c.push(s),
                None => chunks.push(vec![s]),
            }
        }
        let several = chunks.len() > 1;
        for (i, chunk) in chunks.iter().enumerate() {
            let (name, path) = match api {
                Api::Rest => ("rest", format!("/services/data/{API_VERSION}/composite")),
                Api::Tooling => (
                    "tooling",
                    format!("/services/data/{API_VERSION}/tooling/composite"),
                ),
            };
            let suffix = if several {
                ((b'a' + (i % 26) as u8) as char).to_string()
            } else {
                String::new()
            };
            let body = json!({
                "allOrNone": false,
                "compositeRequest": chunk.iter().map(|s| json!({
                    "method": "GET", "url": s.url, "referenceId": s.reference,
                })).collect::<Vec<_>>(),
            });
            out.push(ApiRequest {
                id: format!("{name}-{round}{suffix}"),
                method: "POST".into(),
                path,
                body: Some(body.to_string()),
                label: label_for(chunk),
                accept: None,
            });
        }
    }
    out
}

fn label_for(chunk: &[&Sub]) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for s in chunk {
        let p = match page_base(&s.reference).split('.').next().unwrap_or("") {
            "org" => "the org",
            "describeSession" | "describeEndUser" => "MessagingSession fields",
            "limits" => "storage",
            "flows" | "flow" => "flows",
            "recentSessions" => "recent sessions",
            "automatedUser" => "the Automated Process user",
            "channels" => "messaging channels",
            "sites" | "cors" => "sites and CORS",
            "rules" | "rule" => "validation rules",
            "triggers" => "Apex triggers",
            "deployments" | "deployment" => "deployments",
            r if r.starts_with("classes") => "Apex classes",
            _ => "more records",
        };
        if !parts.contains(&p) {
            parts.push(p);
        }
    }
    format!("Reading {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(req: &ApiRequest, subs: Vec<(&str, u16, Value)>) -> ApiExchange {
        let body = json!({"compositeResponse": subs.into_iter().map(|(r, s, b)| json!({
            "referenceId": r, "httpStatusCode": s, "body": b})).collect::<Vec<_>>()});
        ApiExchange {
            request: req.clone(),
            status: 200,
            body: body.to_string(),
            error: None,
            ms: Some(10),
        }
    }

    #[test]
    fn first_round_is_one_rest_and_one_tooling_composite_within_limits() {
        let reqs = next_requests(&[], &PlanInput::default());
        assert_eq!(reqs.len(), 2, "{reqs:#?}");
        assert_eq!(reqs[0].path, "/services/data/v65.0/composite");
        assert_eq!(reqs[1].path, "/services/data/v65.0/tooling/composite");
        for r in &reqs {
            let refs = composite_refs(r);
            assert!(refs.len() <= MAX_SUBREQUESTS);
            for (_, url) in &refs {
                assert!(url.starts_with("/services/data/v65.0/"), "{url}");
                if r.path.contains("tooling") {
                    assert!(url.contains("/tooling/"), "{url}");
                } else {
                    assert!(!url.contains("/tooling/"), "{url}");
                }
            }
        }
        let t = composite_refs(&reqs[1]);
        assert!(t.iter().filter(|(_, u)| u.contains("/query?")).count() <= MAX_TOOLING_QUERIES);
    }

    #[test]
    fn second_round_fetches_what_the_first_named_then_stops() {
        let input = PlanInput {
            deployments: vec!["Web_Chat".into()],
        };
        let r1 = next_requests(&[], &input);
        let ex1 = vec![
            answer(
                &r1[0],
                vec![(
                    "flows",
                    200,
                    json!({"done": true, "records": [
                    {"ApiName": "F1", "IsActive": true, "TriggerType": "RecordBeforeSave", "RecordTriggerType": "Create", "ActiveVersionId": "301000000000001AAA"},
                    {"ApiName": "F2", "IsActive": true, "TriggerType": "RecordAfterSave", "RecordTriggerType": "Update", "ActiveVersionId": "301000000000002AAA"},
                    {"ApiName": "F3", "IsActive": false, "TriggerType": "RecordBeforeSave", "RecordTriggerType": "Create", "ActiveVersionId": null}]}),
                )],
            ),
            answer(
                &r1[1],
                vec![
                    (
                        "rules",
                        200,
                        json!({"done": true, "records": [
                    {"Id": "03d000000000001AAA", "Active": true}, {"Id": "03d000000000002AAA", "Active": false}]}),
                    ),
                    (
                        "triggers",
                        200,
                        json!({"done": true, "records": [
                    {"Name": "T", "Body": "trigger T on MessagingSession (before insert) { MsHandler.run(Trigger.new); }"}]}),
                    ),
                    (
                        "deployments",
                        200,
                        json!({"done": false, "nextRecordsUrl": "/services/data/v65.0/tooling/query/01gX-2000", "records": [
                    {"Id": "0Hs000000000001AAA", "DeveloperName": "Web_Chat"}]}),
                    ),
                ],
            ),
        ];
        let r2 = next_requests(&ex1, &input);
        let refs: Vec<String> = r2.iter().flat_map(composite_refs).map(|(r, _)| r).collect();
        assert!(
            refs.contains(&"rule.03d000000000001AAA".to_string()),
            "{refs:?}"
        );
        assert!(
            !refs.contains(&"rule.03d000000000002AAA".to_string()),
            "inactive rule fetched"
        );
        assert!(
            refs.contains(&"flow.301000000000001AAA".to_string()),
            "{refs:?}"
        );
        assert!(
            !refs.iter().any(|r| r.contains("301000000000002")),
            "update-only flow fetched"
        );
        assert!(refs.contains(&"deployment.0Hs000000000001AAA".to_string()));
        assert!(refs.contains(&"classes1".to_string()));
        assert!(
            refs.contains(&"deployments~2".to_string()),
            "next page not read"
        );
        assert!(r2.iter().all(|r| r.path.ends_with("/tooling/composite")));
        let class_url = r2
            .iter()
            .flat_map(composite_refs)
            .find(|(r, _)| r == "classes1")
            .map(|(_, u)| u)
            .unwrap();
        assert!(class_url.contains("MsHandler"), "{class_url}");
        // Answer round 2 with a handler that names nothing new: the plan ends.
        let mut ex2 = ex1.clone();
        for r in &r2 {
            let subs = composite_refs(r)
                .into_iter()
                .map(|(reference, _)| {
                    let body = if reference == "classes1" {
                        json!({"done": true, "records": [{"Name": "MsHandler", "Body": "public class MsHandler { public static void run(List<SObject> x) {} }"}]})
                    } else {
                        json!({"done": true, "records": []})
                    };
                    (reference, 200, body)
                })
                .collect::<Vec<_>>();
            let subs_ref: Vec<(&str, u16, Value)> = subs
                .iter()
                .map(|(a, b, c)| (a.as_str(), *b, c.clone()))
                .collect();
            ex2.push(answer(r, subs_ref));
        }
        let r3 = next_requests(&ex2, &input);
        assert!(r3.is_empty(), "{r3:#?}");
        let a = decode(&ex2);
        assert_eq!(a.calls, 2 + r2.len());
        assert_eq!(a.records("deployments").map(|r| r.len()), Some(1));
    }

    #[test]
    fn tooling_composites_split_at_five_queries_and_25_subrequests() {
        let mut subs: Vec<Sub> = (0..7)
            .map(|i| Sub::query(&format!("q{i}"), Api::Tooling, "SELECT Id FROM ApexClass"))
            .collect();
        subs.extend((0..30).map(|i| Sub::get(&format!("g{i}"), Api::Tooling, "sobjects/Flow/x")));
        let reqs = batch(subs, 2);
        for r in &reqs {
            let refs = composite_refs(r);
            assert!(refs.len() <= 25);
            assert!(refs.iter().filter(|(_, u)| u.contains("query")).count() <= 5);
        }
        let total: usize = reqs.iter().map(|r| composite_refs(r).len()).sum();
        assert_eq!(total, 37);
        assert_eq!(reqs.len(), 2);
    }

    #[test]
    fn a_failed_call_marks_every_subrequest_it_carried() {
        let r1 = next_requests(&[], &PlanInput::default());
        let ex = vec![
            ApiExchange {
                request: r1[0].clone(),
                status: 401,
                body:
                    r#"[{"errorCode":"INVALID_SESSION_ID","message":"Session expired or invalid"}]"#
                        .into(),
                error: None,
                ms: None,
            },
            ApiExchange {
                request: r1[1].clone(),
                status: 200,
                body: "{\"compositeResp".into(),
                error: None,
                ms: None,
            },
        ];
        let a = decode(&ex);
        assert_eq!(a.failed["limits"].error.code, "INVALID_SESSION_ID");
        assert!(a.failed["rules"]
            .detail
            .as_deref()
            .unwrap()
            .contains("not readable JSON"));
        assert!(next_requests(&ex, &PlanInput::default()).is_empty());
    }

    #[test]
    fn class_names_skip_keywords_system_types_and_unsafe_text() {
        let n = class_names_in(
            "trigger T on MessagingSession (before insert) { new Handler_V2().run(); System.debug('x'); \
             Util.go(Trigger.new); List<Case> c = [SELECT Id FROM Case]; String s = 'Evil''; }",
        );
        assert!(n.contains("Handler_V2") && n.contains("Util"), "{n:?}");
        assert!(
            !n.iter()
                .any(|x| x == "System" || x == "List" || x == "Evil"),
            "{n:?}"
        );
    }

    #[test]
    fn query_encoding() {
        assert_eq!(encode_query("a b='c'"), "a+b%3D%27c%27");
    }
}
