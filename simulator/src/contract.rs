//! The platform rules the product relies on (simulator/CONTRACT.md), as code: rule ids, the
//! structural checks of a REST or Tooling composite, and a static check of any request the
//! product sends (used by the simulator to refuse, and by the tests to audit the product's
//! requests without an org).
//!
//! Where the documentation states a rule but not the error the platform answers with, the
//! simulator refuses the WHOLE composite with 400 (the stricter form) and the message starts
//! with `simulator:` so nobody mistakes it for Salesforce's wording.

use crate::schema;
use crate::soql;
use serde_json::Value;

/// Rule ids, cited by CONTRACT.md, the tests and the code that enforces each rule.
pub mod rule {
    pub const COMPOSITE_SIZE: &str = "C-COMPOSITE-SIZE";
    pub const COMPOSITE_QUERIES: &str = "C-COMPOSITE-QUERIES";
    pub const COMPOSITE_RESOURCES: &str = "C-COMPOSITE-RESOURCES";
    pub const TOOLING_COMPOSITE_RESOURCES: &str = "C-TOOLING-COMPOSITE-RESOURCES";
    pub const REFERENCE_ID: &str = "C-COMPOSITE-REFERENCE-ID";
    pub const LIMITS_GET: &str = "C-LIMITS-GET";
    pub const LIMITS_STORAGE: &str = "C-LIMITS-STORAGE";
    pub const METADATA_ONE_ROW: &str = "C-METADATA-ONE-ROW";
    pub const FIELDS_DOCUMENTED: &str = "C-FIELDS-DOCUMENTED";
    pub const RELATIONSHIPS: &str = "C-RELATIONSHIPS";
    pub const SOBJECT_GET_FIELDS: &str = "C-SOBJECT-GET-FIELDS";
    pub const ESC_SITE: &str = "C-ESC-SITE-IN-METADATA";
    pub const UNKNOWN_OBJECT: &str = "C-UNKNOWN-OBJECT";
    pub const ORG_LACKS_FIELD: &str = "C-ORG-LACKS-FIELD";
    pub const ORG_LACKS_OBJECT: &str = "C-ORG-LACKS-OBJECT";
    pub const API_ACCESS_CONTROL: &str = "C-API-ACCESS-CONTROL";
    pub const SESSION: &str = "C-SESSION-BEARER";
    pub const API_HOST_PATH: &str = "C-API-PATH";
}

/// Most subrequests in one composite (REST and Tooling).
pub const MAX_SUBREQUESTS: usize = 25;
/// Most query/queryAll/sObject Collections subrequests (next pages included) in one composite.
pub const MAX_QUERIES: usize = 5;

/// A request the platform refuses, and how it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: &'static str,
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({} {}): {}",
            self.rule,
            self.status,
            self.code,
            self.message.trim()
        )
    }
}

fn v(rule: &'static str, status: u16, code: &'static str, message: String) -> Violation {
    Violation {
        rule,
        status,
        code,
        message,
    }
}

/// What a subrequest URL addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// `query`, `queryAll` or a next page of either.
    Query { tooling: bool, soql: Option<String> },
    /// `composite/sobjects…` (sObject Collections).
    Collections,
    /// `sobjects…` (describe, rows, row by external id), not a blob.
    SObject { tooling: bool },
    /// Anything else (`limits`, a blob body, `composite`, a Tooling URL in REST, …).
    Other(String),
}

/// The path after `/services/data/vNN.0/` (and its query string), or None when the URL does
/// not have that shape.
pub fn split(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("/services/data/v")?;
    let (ver, tail) = rest.split_once('/')?;
    if !schema::VERSIONS.iter().any(|(v, _)| *v == ver) {
        return None;
    }
    let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
    Some((path.trim_end_matches('/').to_string(), query.to_string()))
}

/// Fields of the binary "sObject Blob Get" resource, which composite does not support.
const BLOB_FIELDS: &[&str] = &["Body", "VersionData", "ContentData"];

/// Classifies a subrequest URL.
pub fn resource(url: &str) -> Resource {
    let Some((path, query)) = split(url) else {
        return Resource::Other(url.to_string());
    };
    let (tooling, p) = match path.strip_prefix("tooling/") {
        Some(t) => (true, t.to_string()),
        None => (false, path.clone()),
    };
    let segs: Vec<&str> = p.split('/').collect();
    let q = || {
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "q")
            .map(|(_, v)| v.into_owned())
    };
    match segs.as_slice() {
        ["query"] => Resource::Query { tooling, soql: q() },
        ["query", _] => Resource::Query {
            tooling,
            soql: None,
        },
        ["queryAll"] | ["queryAll", _] if !tooling => Resource::Query { tooling, soql: q() },
        ["composite", "sobjects", ..] if !tooling => Resource::Collections,
        ["sobjects", _, _, f] if BLOB_FIELDS.iter().any(|b| b.eq_ignore_ascii_case(f)) => {
            Resource::Other(path)
        }
        ["sobjects", ..] => Resource::SObject { tooling },
        _ => Resource::Other(path),
    }
}

/// letters, digits and underscores only.
pub fn reference_id_ok(r: &str) -> bool {
    !r.is_empty() && r.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// The structural rules of `/composite` (REST, `tooling == false`) or `/tooling/composite`:
/// size, query count, allowed resources, referenceId alphabet and uniqueness. Any violation
/// refuses the whole composite; the simulator answers with the first.
pub fn check_composite(body: &Value, tooling: bool) -> Result<(), Violation> {
    match composite_violations(body, tooling).into_iter().next() {
        Some(v) => Err(v),
        None => Ok(()),
    }
}

/// Every structural violation of a composite body, in the order the simulator checks them.
pub fn composite_violations(body: &Value, tooling: bool) -> Vec<Violation> {
    let mut out = Vec::new();
    let Some(reqs) = body.get("compositeRequest").and_then(|v| v.as_array()) else {
        return out; // the shape error is answered by the composite itself
    };
    let which = if tooling {
        "tooling composite"
    } else {
        "composite"
    };
    if reqs.len() > MAX_SUBREQUESTS {
        out.push(v(
            rule::COMPOSITE_SIZE,
            400,
            "LIMIT_EXCEEDED",
            format!(
                "simulator: a {which} request can contain at most {MAX_SUBREQUESTS} subrequests; this one has {}",
                reqs.len()
            ),
        ));
    }
    let mut queries = 0;
    let mut seen: Vec<&str> = Vec::new();
    for r in reqs {
        let reference = r.get("referenceId").and_then(|v| v.as_str()).unwrap_or("");
        if !reference_id_ok(reference) {
            out.push(v(
                rule::REFERENCE_ID,
                400,
                "INVALID_INPUT",
                format!("simulator: referenceId '{reference}' may contain only letters, numbers and underscores"),
            ));
        } else if seen.contains(&reference) {
            out.push(v(
                rule::REFERENCE_ID,
                400,
                "INVALID_INPUT",
                format!("simulator: duplicate referenceId '{reference}'"),
            ));
        }
        seen.push(reference);
        let url = r.get("url").and_then(|v| v.as_str()).unwrap_or("");
        let allowed = match resource(url) {
            Resource::Query { tooling: t, .. } => {
                queries += 1;
                t == tooling
            }
            Resource::Collections => {
                queries += 1;
                !tooling
            }
            Resource::SObject { tooling: t } => t == tooling,
            Resource::Other(_) => false,
        };
        if !allowed {
            let (rid, what) = if tooling {
                (
                    rule::TOOLING_COMPOSITE_RESOURCES,
                    "only Tooling sObject resources and the Tooling query resource",
                )
            } else {
                (
                    rule::COMPOSITE_RESOURCES,
                    "only sObject resources, query, queryAll and sObject Collections",
                )
            };
            out.push(v(
                rid,
                400,
                "INVALID_API_INPUT",
                format!("simulator: '{url}' (referenceId '{reference}') is not supported in a {which} request: {what}"),
            ));
        }
    }
    if queries > MAX_QUERIES {
        out.push(v(
            rule::COMPOSITE_QUERIES,
            400,
            "LIMIT_EXCEEDED",
            format!(
                "simulator: a {which} request can contain at most {MAX_QUERIES} query, queryAll or sObject Collections subrequests (next pages included); this one has {queries}"
            ),
        ));
    }
    out
}

/// Every SOQL field path of a query checked against the DOCUMENTED fields and relationships
/// of its object (no org data needed): the audit of the product's requests.
pub fn check_soql(q: &str, tooling: bool) -> Vec<Violation> {
    match check_against_catalogue(q, tooling) {
        Ok(()) => vec![],
        Err(e) => {
            let r = match e.code {
                "INVALID_TYPE" => rule::UNKNOWN_OBJECT,
                "INVALID_FIELD" if e.message.contains("relationship") => rule::RELATIONSHIPS,
                _ => rule::FIELDS_DOCUMENTED,
            };
            vec![v(r, 400, e.code, e.message)]
        }
    }
}

fn soql_err(code: &'static str, q: &str, pos: usize, text: String) -> soql::SoqlError {
    soql::SoqlError {
        code,
        message: soql::caret(q, pos, &text),
    }
}

/// Resolves a field path over the documented catalogue (no org): each hop through a documented
/// relationship, the last segment a documented field of the object reached.
fn check_path(q: &str, object: &str, path: &soql::Path) -> Result<(), soql::SoqlError> {
    let mut cur: Option<&'static schema::ObjDef> = schema::obj(object);
    let n = path.segs.len();
    for (i, seg) in path.segs.iter().enumerate() {
        let Some(o) = cur else {
            return Ok(()); // polymorphic: any field of any target
        };
        let fields = schema::documented_fields(o);
        let has = |f: &str| fields.iter().any(|k| k.eq_ignore_ascii_case(f));
        if i == n - 1 {
            if has(seg) {
                return Ok(());
            }
            return Err(soql_err("INVALID_FIELD", q, path.pos, format!(
                "No such column '{seg}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", o.name)));
        }
        cur = match schema::relationship(o.name, seg).filter(|(fk, _)| has(fk)) {
            Some((_, "")) => None,
            Some((_, target)) => match schema::obj(target) {
                Some(t) => Some(t),
                None => return Ok(()),
            },
            None if has(&format!("{seg}Id")) => None,
            None => {
                return Err(soql_err("INVALID_FIELD", q, path.pos, format!(
                    "Didn't understand relationship '{seg}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.")))
            }
        };
    }
    Ok(())
}

fn expr_paths<'a>(e: &'a soql::Expr, out: &mut Vec<&'a soql::Path>) {
    match e {
        soql::Expr::And(a, b) | soql::Expr::Or(a, b) => {
            expr_paths(a, out);
            expr_paths(b, out);
        }
        soql::Expr::Not(a) => expr_paths(a, out),
        soql::Expr::Cmp(p, _, _) | soql::Expr::In(p, _, _) | soql::Expr::Like(p, _, _) => {
            out.push(p)
        }
    }
}

/// A query checked against the documented catalogue only: the object must exist on that API
/// and every path in SELECT, WHERE and ORDER BY must be documented.
pub fn check_against_catalogue(q: &str, tooling: bool) -> Result<(), soql::SoqlError> {
    let query = soql::parse(q)?;
    let Some(o) = schema::obj(&query.object).filter(|o| if tooling { o.tooling } else { o.rest })
    else {
        return Err(soql_err("INVALID_TYPE", q, query.object_pos, format!(
            "sObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", query.object)));
    };
    let mut paths: Vec<&soql::Path> = query.fields.iter().collect();
    if let Some(f) = &query.filter {
        expr_paths(f, &mut paths);
    }
    paths.extend(query.order.iter().map(|o| &o.path));
    for p in paths {
        check_path(q, o.name, p)?;
    }
    Ok(())
}

/// The `?fields=` list of a single-record GET checked against the documented fields.
pub fn check_record_fields(object: &str, fields: &str, tooling: bool) -> Vec<Violation> {
    let Some(o) = schema::obj(object).filter(|o| if tooling { o.tooling } else { o.rest }) else {
        return vec![v(
            rule::UNKNOWN_OBJECT,
            404,
            "NOT_FOUND",
            format!("The requested resource does not exist ({object})"),
        )];
    };
    let known = schema::documented_fields(o);
    fields
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .filter(|f| !known.iter().any(|k| k.eq_ignore_ascii_case(f)))
        .map(|f| {
            v(
                rule::SOBJECT_GET_FIELDS,
                400,
                "INVALID_FIELD",
                format!("No such column '{f}' on sobject of type {}", o.name),
            )
        })
        .collect()
}

/// Everything the contract says about one request of the product (method, path, JSON body):
/// the composite rules, then each SOQL query and each `?fields=` list inside.
pub fn audit_request(method: &str, path: &str, body: Option<&Value>) -> Vec<Violation> {
    let mut out = Vec::new();
    if split(path).is_none() {
        out.push(v(
            rule::API_HOST_PATH,
            404,
            "NOT_FOUND",
            format!("'{path}' is not under /services/data/vNN.0/"),
        ));
        return out;
    }
    let (tail, _) = split(path).unwrap_or_default();
    if method == "POST" && (tail == "composite" || tail == "tooling/composite") {
        let tooling = tail.starts_with("tooling/");
        let body = body.cloned().unwrap_or(Value::Null);
        out.extend(composite_violations(&body, tooling));
        for r in body
            .get("compositeRequest")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            let url = r.get("url").and_then(|v| v.as_str()).unwrap_or("");
            out.extend(audit_single(url));
        }
        return out;
    }
    out.extend(audit_single(path));
    out
}

fn audit_single(url: &str) -> Vec<Violation> {
    match resource(url) {
        Resource::Query {
            tooling,
            soql: Some(q),
        } => check_soql(&q, tooling),
        Resource::SObject { tooling } => {
            let Some((path, query)) = split(url) else {
                return vec![];
            };
            let p = path.strip_prefix("tooling/").unwrap_or(&path);
            let segs: Vec<&str> = p.split('/').collect();
            let fields = form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "fields")
                .map(|(_, v)| v.into_owned());
            match (segs.as_slice(), fields) {
                (["sobjects", obj, _id], Some(f)) => check_record_fields(obj, &f, tooling),
                (["sobjects", obj, ..], _)
                    if schema::obj(obj)
                        .filter(|o| if tooling { o.tooling } else { o.rest })
                        .is_none() =>
                {
                    vec![v(
                        rule::UNKNOWN_OBJECT,
                        404,
                        "NOT_FOUND",
                        format!("The requested resource does not exist ({obj})"),
                    )]
                }
                _ => vec![],
            }
        }
        _ => vec![],
    }
}

/// Where each object's field list comes from (CONTRACT.md repeats these per object).
pub const FIELD_SOURCES: &[(&str, &str)] = &[
    ("Organization", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-organization.html"),
    ("User", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-user.html"),
    ("Profile", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-profile.html"),
    ("PermissionSet", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-permissionset.html"),
    ("PermissionSetAssignment", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-permissionsetassignment.html"),
    ("CustomPermission", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-custompermission.html"),
    ("SetupEntityAccess", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-setupentityaccess.html"),
    ("MessagingChannel", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-messagingchannel.html"),
    ("MessagingSession", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-messagingsession.html"),
    ("MessagingEndUser", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-messagingenduser.html"),
    ("Site", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-site.html"),
    ("Network", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-network.html"),
    ("CorsWhitelistEntry", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-corswhitelistentry.html"),
    ("CspTrustedSite", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-csptrustedsite.html"),
    ("FlowDefinitionView", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-flowdefinitionview.html"),
    ("ApexLog", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-apexlog.html"),
    ("Group", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-group.html"),
    ("BusinessHours", "https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-businesshours.html"),
    ("Flow", "https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-flow.html"),
    ("FlowDefinition", "https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-flowdefinition.html"),
    ("ValidationRule", "https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-validationrule.html"),
    ("ApexTrigger", "https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-apextrigger.html"),
    ("ApexClass", "https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-apexclass.html"),
    ("EmbeddedServiceConfig", "https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-embeddedserviceconfig.html"),
    ("CustomField", "https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-customfield.html"),
    ("TraceFlag", "https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-traceflag.html"),
    ("DebugLevel", "https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-debuglevel.html"),
    ("EntityDefinition", "https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-entitydefinition.html"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_subrequest_urls() {
        let q = resource("/services/data/v65.0/query?q=SELECT+Id+FROM+User");
        assert_eq!(
            q,
            Resource::Query {
                tooling: false,
                soql: Some("SELECT Id FROM User".into())
            }
        );
        assert!(matches!(
            resource("/services/data/v65.0/query/01gABC-2000"),
            Resource::Query { tooling: false, .. }
        ));
        assert!(matches!(
            resource("/services/data/v65.0/tooling/sobjects/Flow/301x?fields=Id"),
            Resource::SObject { tooling: true }
        ));
        assert!(matches!(
            resource("/services/data/v65.0/limits"),
            Resource::Other(_)
        ));
        assert!(matches!(
            resource("/services/data/v65.0/sobjects/ApexLog/07L/Body"),
            Resource::Other(_)
        ));
        assert!(matches!(resource("v65.0/limits"), Resource::Other(_)));
        assert!(reference_id_ok("flows_2") && !reference_id_ok("flows~2"));
        assert!(!reference_id_ok("rule.03d") && !reference_id_ok(""));
    }
}
