//! The org checks' API traffic as data: which requests to send next (batched into REST and
//! Tooling composites), and the answers decoded back into one map keyed by sub-request.
//!
//! The popup's JS sends each [`ApiRequest`] to the org's API host with the session token and
//! hands back an [`ApiExchange`] (the request echoed, status, body text). Planning is a pure
//! function of the exchanges so far ([`next_requests`]). The first round is two REST composites
//! (at most five queries each), `GET /limits` on its own and one Tooling composite, all sent
//! at once; the second fetches what the first answers name (validation-rule formulas, every
//! active flow version, the page's deployment metadata, Apex classes the triggers call) and
//! the next pages of long query results. A query the org refuses for an optional column is
//! asked again without it (one more round, only then). A typical diagnosis: 2 rounds, 6 calls.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::json::{array, flag, text, text_or_empty};

/// The API version every request uses (Winter '26). Every org on a current release serves it;
/// FlowDefinitionView's `TriggerObjectOrEvent` filter needs 53.0 or later.
pub const API_VERSION: &str = "v65.0";

/// Sub-requests per composite, and query operations among them (Query, QueryAll, a next
/// page): the same limits for the REST and the Tooling composite.
pub const MAX_SUBREQUESTS: usize = 25;
pub const MAX_QUERIES: usize = 5;
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

/// A SOQL query as the planner chooses it: the fields every org has, and the optional ones an
/// org may lack (edition, release, feature). A query refused for an optional field is asked
/// again without it; a required field missing fails the check that needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Select {
    pub object: String,
    pub required: Vec<String>,
    pub optional: Vec<String>,
    /// Everything after the object name: `WHERE …`, `ORDER BY …`, `LIMIT …`.
    pub tail: String,
}

impl Select {
    pub fn new(object: &str, required: &[&str], optional: &[&str], tail: &str) -> Select {
        Select {
            object: object.into(),
            required: required.iter().map(|s| s.to_string()).collect(),
            optional: optional.iter().map(|s| s.to_string()).collect(),
            tail: tail.into(),
        }
    }
    /// The SOQL text without the optional fields in `dropped`.
    pub fn soql(&self, dropped: &[String]) -> String {
        let fields: Vec<&str> = self
            .required
            .iter()
            .chain(
                self.optional
                    .iter()
                    .filter(|f| !dropped.iter().any(|d| d.eq_ignore_ascii_case(f))),
            )
            .map(String::as_str)
            .collect();
        let tail = if self.tail.is_empty() {
            String::new()
        } else {
            format!(" {}", self.tail)
        };
        format!("SELECT {} FROM {}{tail}", fields.join(", "), self.object)
    }
    /// The optional fields an error message names: `No such column 'X' on entity 'Y'` names a
    /// field; `Didn't understand relationship 'R'` names every optional `R.…` path.
    pub fn optional_named_by(&self, message: &str) -> Vec<String> {
        let quoted = |after: &str| -> Option<String> {
            let rest = &message[message.find(after)? + after.len()..];
            let end = rest.find('\'')?;
            Some(rest[..end].to_string())
        };
        let mut out = Vec::new();
        if let Some(col) = quoted("No such column '") {
            // A relationship path is named by its last part (`QualifiedApiName` on entity
            // `EntityDefinition` for `TriggerObjectOrEvent.QualifiedApiName`).
            out.extend(
                self.optional
                    .iter()
                    .filter(|f| {
                        f.eq_ignore_ascii_case(&col)
                            || (f.contains('.')
                                && f.rsplit('.')
                                    .next()
                                    .is_some_and(|l| l.eq_ignore_ascii_case(&col)))
                    })
                    .cloned(),
            );
        }
        if let Some(rel) = quoted("Didn't understand relationship '") {
            out.extend(
                self.optional
                    .iter()
                    .filter(|f| {
                        f.split('.')
                            .next()
                            .is_some_and(|r| f.contains('.') && r.eq_ignore_ascii_case(&rel))
                    })
                    .cloned(),
            );
        }
        out.dedup();
        out
    }
}

/// One logical request inside a composite (or, for `alone`, a request of its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sub {
    /// The composite `referenceId`: letters, digits and `_` only, starting with a letter (see
    /// [`reference`]).
    pub reference: String,
    pub api: Api,
    /// Full path under the API host.
    pub url: String,
    pub is_query: bool,
    /// A resource composite does not accept (`/limits`): sent as its own GET.
    pub alone: bool,
    /// How the query was built, so it can be asked again without a field the org lacks.
    pub select: Option<Select>,
}

impl Sub {
    pub fn query(reference: &str, api: Api, soql: &str) -> Sub {
        Sub {
            reference: reference.to_string(),
            api,
            url: query_url(api, soql),
            is_query: true,
            alone: false,
            select: None,
        }
    }
    /// A query with optional fields (see [`Select`]).
    pub fn select(reference: &str, api: Api, select: Select) -> Sub {
        Sub {
            url: query_url(api, &select.soql(&[])),
            select: Some(select),
            ..Sub::query(reference, api, "")
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
            alone: false,
            select: None,
        }
    }
}

fn query_url(api: Api, soql: &str) -> String {
    let base = match api {
        Api::Rest => format!("/services/data/{API_VERSION}/query?q="),
        Api::Tooling => format!("/services/data/{API_VERSION}/tooling/query?q="),
    };
    format!("{base}{}", encode_query(soql))
}

pub use super::reference;

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

/// A sub-request the org refused, kept as the org said it (for the exported report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Refusal {
    /// The composite `referenceId` (or the request id of a request sent alone).
    pub reference: String,
    pub status: u16,
    pub error_code: String,
    pub message: String,
}

/// Everything learned from the exchanges so far.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// Logical reference → the latest answer (pages merged).
    pub subs: BTreeMap<String, SubAnswer>,
    /// Sub-request references already sent (answered or not), as sent.
    pub requested: BTreeSet<String>,
    /// Logical reference → the whole call's failure.
    pub failed: BTreeMap<String, CallFailure>,
    /// Every sub-request answered with an error, in order.
    pub refused: Vec<Refusal>,
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
    /// Attempts sent for a logical reference (1 + retries).
    pub fn attempts(&self, logical: &str) -> usize {
        self.requested
            .iter()
            .filter(|r| !reference::is_page(r) && reference::logical(r) == logical)
            .count()
    }
    /// Error messages of the failed attempts of a logical reference.
    fn refusals_of(&self, logical: &str) -> impl Iterator<Item = &Refusal> {
        let logical = logical.to_string();
        self.refused.iter().filter(move |r| {
            !reference::is_page(&r.reference) && reference::logical(&r.reference) == logical
        })
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

/// A request sent alone carries its reference in its id: `<reference>-<round>`.
fn alone_reference(req: &ApiRequest) -> Option<String> {
    if req.path.ends_with("/composite") {
        return None;
    }
    let (reference, round) = req.id.rsplit_once('-')?;
    (reference::is_valid(reference) && round.bytes().all(|c| c.is_ascii_digit()))
        .then(|| reference.to_string())
}

/// The round a request belongs to: the first `-`-separated part of its id that starts with a
/// digit (`rest-1a`, `limits-1`, `capture-users-rest-1`).
fn round_of(id: &str) -> String {
    id.split('-')
        .find(|s| s.starts_with(|c: char| c.is_ascii_digit()))
        .map(|s| s.chars().take_while(|c| c.is_ascii_digit()).collect())
        .unwrap_or_default()
}

/// Decodes every exchange into [`Answers`]. Never fails: unreadable answers become
/// [`CallFailure`]s of the sub-requests they carried.
pub fn decode(exchanges: &[ApiExchange]) -> Answers {
    let mut a = Answers::default();
    let mut round_ids = BTreeSet::new();
    for ex in exchanges {
        a.calls += 1;
        a.ms += u64::from(ex.ms.unwrap_or(0));
        round_ids.insert(round_of(&ex.request.id));
        let api = api_of(&ex.request);
        let alone = alone_reference(&ex.request);
        let refs: Vec<String> = match &alone {
            Some(r) => vec![r.clone()],
            None => composite_refs(&ex.request)
                .into_iter()
                .map(|(r, _)| r)
                .collect(),
        };
        for r in &refs {
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
                Ok(_) if alone.is_some() => None,
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
            for r in refs {
                if f.error.status != 0 {
                    a.refused.push(Refusal {
                        reference: r.clone(),
                        status: f.error.status,
                        error_code: f.error.code.clone(),
                        message: f.error.message.clone(),
                    });
                }
                a.failed.insert(reference::logical(&r), f.clone());
            }
            continue;
        }
        let body = parsed.unwrap_or(Value::Null);
        let answers: Vec<(String, u16, Value)> = match alone {
            Some(r) => vec![(r, ex.status, body)],
            None => array(&body, "compositeResponse")
                .iter()
                .filter_map(|sub| {
                    let reference = text(sub, "referenceId")?;
                    let status = super::json::number(sub, "httpStatusCode")
                        .map(|n| n as u16)
                        .unwrap_or(0);
                    Some((
                        reference,
                        status,
                        sub.get("body").cloned().unwrap_or(Value::Null),
                    ))
                })
                .collect(),
        };
        for (reference, status, sbody) in answers {
            if !(200..300).contains(&status) {
                let e = ApiError::from_answer(status, &sbody);
                a.refused.push(Refusal {
                    reference: reference.clone(),
                    status,
                    error_code: e.code,
                    message: e.message,
                });
            }
            let records = array(&sbody, "records").to_vec();
            let next_page = if flag(&sbody, "done") == Some(false) {
                text(&sbody, "nextRecordsUrl")
            } else {
                None
            };
            let logical = reference::logical(&reference);
            match a.subs.get_mut(&logical) {
                Some(prev) if reference::is_page(&reference) => {
                    if (200..300).contains(&status) {
                        prev.records.extend(records);
                        prev.next_page = next_page;
                        prev.pages += 1;
                    } else {
                        prev.next_page = None;
                    }
                }
                _ => {
                    // A first answer, or a retry's answer replacing the refused one.
                    a.failed.remove(&logical);
                    a.subs.insert(
                        logical,
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
/// capture's trace flag both start from it). Several users can have this type; the platform's
/// own has the alias `autoproc` ([`pick_automated_user`]).
pub const AUTOMATED_USER_SOQL: &str = "SELECT Id, Name, Alias, UserType, IsActive, ProfileId, \
     Profile.Name FROM User WHERE UserType = 'AutomatedProcess'";

/// The Automated Process user among the rows of [`AUTOMATED_USER_SOQL`]: the one with alias
/// `autoproc` (the platform's own), else the first active one, else the first. The second
/// value says why, when it is not the platform's own.
pub fn pick_automated_user(rows: &[Value]) -> Option<(&Value, Option<String>)> {
    if let Some(u) = rows
        .iter()
        .find(|u| text(u, "Alias").is_some_and(|a| a.eq_ignore_ascii_case("autoproc")))
    {
        return Some((u, None));
    }
    let u = rows
        .iter()
        .find(|u| flag(u, "IsActive") != Some(false))
        .or_else(|| rows.first())?;
    let why = format!(
        "no user of type AutomatedProcess has the alias autoproc (the platform's own user), so {} of {} such user(s) was taken",
        text(u, "Name").unwrap_or_else(|| "the first".into()),
        rows.len()
    );
    Some((u, Some(why)))
}

/// The first round: everything that needs no earlier answer. Field lists: the required
/// fields are documented for every org on the pinned API version; the optional ones may be
/// missing (edition, release, feature, field-level access) and are dropped on refusal.
pub fn first_round() -> Vec<Sub> {
    use Api::*;
    let mut limits = Sub::get("limits", Rest, "limits");
    // Composite does not accept /limits: it goes alone (one call).
    limits.alone = true;
    vec![
        Sub::select(
            "org",
            Rest,
            Select::new(
                "Organization",
                &["Id", "Name"],
                &["OrganizationType", "IsSandbox", "InstanceName"],
                "",
            ),
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
        limits,
        Sub::select(
            "flows",
            Rest,
            Select::new(
                "FlowDefinitionView",
                &["Id", "ApiName", "ActiveVersionId"],
                &[
                    "Label",
                    "IsActive",
                    "ProcessType",
                    "TriggerType",
                    "RecordTriggerType",
                    "TriggerOrder",
                    "TriggerObjectOrEvent.QualifiedApiName",
                    "LatestVersionId",
                    "LastModifiedBy",
                    "LastModifiedDate",
                ],
                &format!("WHERE TriggerObjectOrEvent.QualifiedApiName IN {OBJECT_LIST}"),
            ),
        ),
        Sub::select(
            "recentSessions",
            Rest,
            Select::new(
                "MessagingSession",
                &["Id", "CreatedDate"],
                &[
                    "Name",
                    "Status",
                    "Origin",
                    "CreatedBy.Name",
                    "CreatedBy.UserType",
                ],
                "ORDER BY CreatedDate DESC LIMIT 10",
            ),
        ),
        Sub::select(
            "automatedUser",
            Rest,
            Select::new(
                "User",
                &["Id", "Name"],
                &["Alias", "UserType", "IsActive", "ProfileId", "Profile.Name"],
                "WHERE UserType = 'AutomatedProcess'",
            ),
        ),
        Sub::select(
            "automatedPermissionSets",
            Rest,
            Select::new(
                "PermissionSetAssignment",
                &["PermissionSetId"],
                &["PermissionSet.Name", "PermissionSet.IsOwnedByProfile"],
                "WHERE Assignee.UserType = 'AutomatedProcess'",
            ),
        ),
        Sub::select(
            "customPermissions",
            Rest,
            Select::new(
                "CustomPermission",
                &["Id", "DeveloperName"],
                &["NamespacePrefix"],
                "",
            ),
        ),
        Sub::select(
            "channels",
            Rest,
            Select::new(
                "MessagingChannel",
                &["Id", "DeveloperName"],
                &["MasterLabel", "IsActive", "MessageType", "LastModifiedDate"],
                "",
            ),
        ),
        Sub::select(
            "sites",
            Rest,
            Select::new(
                "Site",
                &["Id", "Name"],
                &["MasterLabel", "Status", "UrlPathPrefix", "SiteType"],
                "",
            ),
        ),
        Sub::select(
            "cors",
            Rest,
            Select::new(
                "CorsWhitelistEntry",
                &["Id", "UrlPattern"],
                &["DeveloperName"],
                "",
            ),
        ),
        Sub::select(
            "rules",
            Tooling,
            Select::new(
                "ValidationRule",
                &["Id", "ValidationName", "Active"],
                &[
                    "ErrorDisplayField",
                    "ErrorMessage",
                    "Description",
                    "NamespacePrefix",
                    "EntityDefinition.QualifiedApiName",
                    "LastModifiedDate",
                    "LastModifiedBy.Name",
                ],
                &format!("WHERE EntityDefinition.QualifiedApiName IN {OBJECT_LIST}"),
            ),
        ),
        Sub::select(
            "triggers",
            Tooling,
            Select::new(
                "ApexTrigger",
                &["Id", "Name", "Body"],
                &[
                    "TableEnumOrId",
                    "Status",
                    "NamespacePrefix",
                    "UsageBeforeInsert",
                    "UsageAfterInsert",
                    "UsageBeforeUpdate",
                    "UsageAfterUpdate",
                    "LengthWithoutComments",
                    "LastModifiedDate",
                    "LastModifiedBy.Name",
                ],
                &format!("WHERE TableEnumOrId IN {OBJECT_LIST}"),
            ),
        ),
        // No `Site` here: the Tooling object has none; the deployment's site is
        // `Metadata.site` of the single-record fetch in round 2.
        Sub::select(
            "deployments",
            Tooling,
            Select::new(
                "EmbeddedServiceConfig",
                &["Id", "DeveloperName"],
                &[
                    "MasterLabel",
                    "IsEnabled",
                    "DeploymentFeature",
                    "DeploymentType",
                    "AreGuestUsersAllowed",
                    "AuthMethod",
                    "LastModifiedDate",
                ],
                "",
            ),
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
    Sub::select(
        &format!("classes{level}"),
        Api::Tooling,
        Select::new(
            "ApexClass",
            &["Id", "Name", "Body"],
            &["NamespacePrefix", "LengthWithoutComments"],
            &format!("WHERE Name IN ({})", list.join(",")),
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
            let id = text_or_empty(r, "Id");
            if let Some(reference) = reference::keyed("rule", &id) {
                subs.push(Sub::get(
                    &reference,
                    Api::Tooling,
                    &format!("sobjects/ValidationRule/{id}?fields=Id,FullName,Metadata"),
                ));
            }
        }
    }
    // Every flow with an active version on the two objects: IsActive only says whether the
    // latest version is the active one, and RecordTriggerType is documented for before-save
    // flows only, so whether a flow runs on create is read from its version's Metadata.
    if let Some(flows) = a.records("flows") {
        for f in flows {
            let v = text_or_empty(f, "ActiveVersionId");
            if let Some(reference) = reference::keyed("flow", &v) {
                subs.push(Sub::get(
                    &reference,
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
            let id = text_or_empty(d, "Id");
            if let Some(reference) = reference::keyed("deployment", &id) {
                subs.push(Sub::get(
                    &reference,
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
        subs.push(Sub::select(
            "customFields",
            Api::Tooling,
            Select::new(
                "CustomField",
                &["Id", "DeveloperName", "TableEnumOrId"],
                &["LastModifiedDate", "LastModifiedBy.Name"],
                &format!(
                    "WHERE TableEnumOrId IN {OBJECT_LIST} AND DeveloperName IN ({})",
                    list.join(",")
                ),
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

/// Every sub-request the plan asks for given these answers (sent or not): the first round,
/// and what its answers name.
fn planned(a: &Answers, input: &PlanInput) -> Vec<Sub> {
    let mut subs = first_round();
    subs.extend(second_round(a, input));
    subs
}

/// Retries at most this many times per query (one optional field named per refusal).
const MAX_RETRIES: usize = 4;

/// The optional fields left out of a planned query so far: every field a refused attempt
/// named (`INVALID_FIELD`, "No such column …").
fn dropped_fields(a: &Answers, sub: &Sub) -> Vec<String> {
    let Some(sel) = &sub.select else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for r in a.refusals_of(&sub.reference) {
        if r.error_code == "INVALID_FIELD" {
            for f in sel.optional_named_by(&r.message) {
                if !out.contains(&f) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// A field the org does not have, left out of a query so the check still ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MissingField {
    /// The query's logical reference (`flows`).
    pub query: String,
    pub object: String,
    pub field: String,
}

/// Every optional field some refusal named, per query (for "what the org checks covered").
pub fn missing_fields(exchanges: &[ApiExchange], input: &PlanInput) -> Vec<MissingField> {
    let a = decode(exchanges);
    let mut out = Vec::new();
    for sub in planned(&a, input) {
        let Some(sel) = &sub.select else { continue };
        for field in dropped_fields(&a, &sub) {
            out.push(MissingField {
                query: sub.reference.clone(),
                object: sel.object.clone(),
                field,
            });
        }
    }
    out
}

/// The next requests to send, given every exchange so far; empty when the diagnosis has all
/// it will ask for.
pub fn next_requests(exchanges: &[ApiExchange], input: &PlanInput) -> Vec<ApiRequest> {
    let a = decode(exchanges);
    if a.rounds >= MAX_ROUNDS {
        return Vec::new();
    }
    let mut subs: Vec<Sub> = Vec::new();
    for sub in planned(&a, input) {
        if !a.requested.contains(&sub.reference) {
            subs.push(sub);
            continue;
        }
        // Refused for a column this org lacks: ask again without every optional field named
        // so far, as long as the latest refusal named one not yet left out.
        let refused = a
            .get(&sub.reference)
            .is_some_and(|ans| ans.status == 400 && ans.error().code == "INVALID_FIELD");
        let attempts = a.attempts(&sub.reference);
        let Some(sel) = sub
            .select
            .clone()
            .filter(|_| refused && attempts <= MAX_RETRIES)
        else {
            continue;
        };
        let dropped = dropped_fields(&a, &sub);
        let latest = a
            .get(&sub.reference)
            .map(|x| x.error().message)
            .unwrap_or_default();
        if sel.optional_named_by(&latest).is_empty() {
            continue; // a required field, or one already left out: the check explains it
        }
        subs.push(Sub {
            reference: reference::retry(&sub.reference, attempts),
            url: query_url(sub.api, &sel.soql(&dropped)),
            ..sub
        });
    }
    // Next pages of long query results.
    for (logical, ans) in &a.subs {
        if let Some(next) = &ans.next_page {
            if ans.pages < MAX_PAGES && next.starts_with("/services/data/") {
                subs.push(Sub {
                    reference: reference::page(logical, ans.pages + 1),
                    api: ans.api,
                    url: next.clone(),
                    is_query: true,
                    alone: false,
                    select: None,
                });
            }
        }
    }
    // Once each: two rows naming the same record (two flows with one active version, a rule
    // listed twice) must not put one referenceId twice in a composite, which the platform
    // refuses whole.
    let mut once = BTreeSet::new();
    subs.retain(|s| {
        !a.requested.contains(&s.reference)
            && reference::is_valid(&s.reference)
            && once.insert(s.reference.clone())
    });
    batch(subs, a.rounds + 1)
}

/// Packs sub-requests into calls: REST in `/composite`, Tooling in `/tooling/composite`, each
/// at most 25 sub-requests of which at most 5 queries (a next page counts as one); a
/// sub-request composite does not accept goes alone as a plain GET, id `<reference>-<round>`.
pub fn batch(subs: Vec<Sub>, round: usize) -> Vec<ApiRequest> {
    let mut out = Vec::new();
    for api in [Api::Rest, Api::Tooling] {
        let mut chunks: Vec<Vec<&Sub>> = Vec::new();
        for s in subs.iter().filter(|s| s.api == api && !s.alone) {
            let fits = |c: &Vec<&Sub>| {
                c.len() < MAX_SUBREQUESTS
                    && (!s.is_query || c.iter().filter(|x| x.is_query).count() < MAX_QUERIES)
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
    for s in subs.iter().filter(|s| s.alone) {
        out.push(ApiRequest {
            id: format!("{}-{round}", s.reference),
            method: "GET".into(),
            path: s.url.clone(),
            body: None,
            label: label_for(&[s]),
            accept: None,
        });
    }
    out
}

fn label_for(chunk: &[&Sub]) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for s in chunk {
        let p = match reference::base(&s.reference) {
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
#[path = "api_tests.rs"]
mod tests;
