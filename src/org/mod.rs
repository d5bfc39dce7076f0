//! Org checks: why the org cannot create the MessagingSession behind a chat.
//!
//! Pure like the rest of the core. The popup's JS does three things only: list the `sid`
//! cookies (host + org-id prefix, never the token) for [`session::choose_session`], send the
//! requests [`plan`] returns to the chosen org's API host with the token, and hand the
//! exchanges back to [`analyze`]. Everything else — what to ask, how to read the answers,
//! what they mean — is here and tested natively against recorded answers and the simulator.
//!
//! - [`session`]: which logged-in org to check.
//! - [`api`]: the requests (REST and Tooling composites within the platform's limits, `/limits`
//!   alone; typically 2 rounds and 6 calls per diagnosis) and the decoding of the answers,
//!   pagination and queries asked again without a column the org lacks included.
//! - [`checks`]: one function per check → findings with evidence, fix and Setup link.
//! - [`flows`]: record-triggered flow judgement for the checks.

pub mod access;
pub mod api;
pub mod checks;
pub mod flows;
pub mod json;
pub mod reference;
pub mod session;

#[cfg(test)]
mod checks_tests;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::page::PageReport;
use crate::salesforce::{parse_my_domain_host, HostRole};
use api::{decode, ApiExchange, ApiRequest, MissingField, PlanInput, Refusal};

/// The org being checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgContext {
    /// The API host the requests go to, e.g. `acme.my.salesforce.com`.
    pub api_host: String,
    /// The org id from the session cookie (15 chars), when known.
    #[serde(default)]
    pub org_id: Option<String>,
}

impl OrgContext {
    /// The Lightning host of the same org, for Setup links.
    pub fn lightning_host(&self) -> String {
        parse_my_domain_host(&self.api_host)
            .map(|d| d.host_for(HostRole::Lightning))
            .unwrap_or_else(|| self.api_host.clone())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CheckStatus {
    /// Nothing wrong found.
    Passed,
    /// Found something that blocks or may block the insert.
    Problem,
    /// Could not run (its request failed); a finding says why.
    Failed,
    /// Not applicable (e.g. no deployment on the page).
    Skipped,
}

/// One line of "what was checked" for the popup and the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    pub id: String,
    pub title: String,
    pub status: CheckStatus,
    pub summary: String,
}

impl CheckResult {
    pub fn new(id: &str, title: &str, status: CheckStatus, summary: impl Into<String>) -> Self {
        CheckResult {
            id: id.into(),
            title: title.into(),
            status,
            summary: summary.into(),
        }
    }
}

/// What the org checks found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgReport {
    pub org: OrgInfo,
    pub checks: Vec<CheckResult>,
    pub findings: Vec<Finding>,
    /// API calls made (each composite counts one against the org's allowance).
    pub api_calls: u32,
    pub rounds: u32,
    /// Sum of the calls' round trips as measured by the caller.
    pub api_ms: u64,
    /// Every sub-request the org answered with an error, with its errorCode and message as
    /// the org gave them (a report from a real org shows exactly what it refused).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<Refusal>,
    /// Optional fields this org does not have, left out of the queries that named them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_fields: Vec<MissingField>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgInfo {
    pub api_host: String,
    pub lightning_host: String,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub edition: Option<String>,
    #[serde(default)]
    pub sandbox: Option<bool>,
}

fn plan_input(page: Option<&PageReport>) -> PlanInput {
    let mut deployments: Vec<String> = Vec::new();
    if let Some(p) = page {
        for c in &p.init_calls {
            if let Some(d) = &c.call.deployment {
                if !deployments.iter().any(|x| x.eq_ignore_ascii_case(d)) {
                    deployments.push(d.clone());
                }
            }
        }
    }
    PlanInput { deployments }
}

/// The next requests to send (empty: call [`analyze`]).
pub fn plan(page: Option<&PageReport>, exchanges: &[ApiExchange]) -> Vec<ApiRequest> {
    api::next_requests(exchanges, &plan_input(page))
}

/// Codes that describe access to the org as a whole: one finding each, however many checks
/// ran into it.
const ACCESS_CODES: [&str; 7] = [
    "org/session-expired",
    "org/api-disabled",
    "org/api-access-control",
    "org/request-limit",
    "org/unreachable",
    "org/messaging-not-enabled",
    "org/setup-access",
];

/// Reads every exchange and runs every check. Never fails: a check whose data is missing
/// reports that as a finding.
pub fn analyze(
    org: &OrgContext,
    page: Option<&PageReport>,
    exchanges: &[ApiExchange],
) -> OrgReport {
    let answers = decode(exchanges);
    let missing_fields = api::missing_fields(exchanges, &plan_input(page));
    let ctx = checks::Ctx {
        org,
        answers: &answers,
        page,
    };
    let mut findings = Vec::new();
    let checks = vec![
        checks::required_fields(&ctx, &mut findings),
        checks::validation_rules(&ctx, &mut findings),
        checks::flows(&ctx, &mut findings),
        checks::triggers(&ctx, &mut findings),
        checks::storage(&ctx, &mut findings),
        checks::deployment(&ctx, &mut findings),
        checks::recent_sessions(&ctx, &mut findings),
    ];
    let findings = merge_access_findings(findings);
    let org_row = answers.records("org").and_then(|r| r.first());
    let info = OrgInfo {
        api_host: org.api_host.clone(),
        lightning_host: org.lightning_host(),
        id: org_row
            .and_then(|r| json::text(r, "Id"))
            .or_else(|| org.org_id.clone()),
        name: org_row.and_then(|r| json::text(r, "Name")),
        edition: org_row.and_then(|r| json::text(r, "OrganizationType")),
        sandbox: org_row.and_then(|r| json::flag(r, "IsSandbox")),
    };
    let mut report = OrgReport {
        org: info,
        checks,
        findings,
        api_calls: answers.calls as u32,
        rounds: answers.rounds as u32,
        api_ms: answers.ms,
        refused: answers.refused.clone(),
        missing_fields,
    };
    report.findings.push(checked_summary(&report));
    report
}

/// Keeps one finding per access code; the requests that hit it become its evidence.
fn merge_access_findings(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for f in findings {
        if ACCESS_CODES.contains(&f.code.as_str()) {
            if let Some(prev) = out.iter_mut().find(|p| p.code == f.code) {
                for e in f.evidence {
                    if e.label == "Request" && !prev.evidence.contains(&e) {
                        prev.evidence.push(e);
                    }
                }
                continue;
            }
        }
        out.push(f);
    }
    out
}

/// The "what was checked" finding: always present, `ok` when every check passed.
fn checked_summary(r: &OrgReport) -> Finding {
    use crate::finding::{Evidence, Severity};
    let passed = r
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Passed)
        .count();
    let failed = r
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Failed)
        .count();
    let problems = r
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Problem)
        .count();
    let org = r.org.name.clone().unwrap_or_else(|| r.org.api_host.clone());
    let (severity, title) = if problems == 0 && failed == 0 {
        (
            Severity::Ok,
            format!("The org checks found nothing that stops a chat in {org}"),
        )
    } else {
        (
            Severity::Info,
            format!("Org checks in {org}: {passed} passed, {problems} found problems, {failed} could not run"),
        )
    };
    let mut f = Finding::new(
        "org/checks-summary",
        severity,
        title,
        format!(
            "Checked {} as the user whose session this browser holds, with {} API call(s) (composite requests, read-only). Each line below is one check and its result.",
            r.org.api_host, r.api_calls
        ),
    );
    for c in &r.checks {
        let state = match c.status {
            CheckStatus::Passed => "passed",
            CheckStatus::Problem => "problem",
            CheckStatus::Failed => "could not run",
            CheckStatus::Skipped => "skipped",
        };
        f = f.with_evidence(Evidence::new(
            c.title.clone(),
            format!("{state} — {}", c.summary),
        ));
    }
    for m in &r.missing_fields {
        f = f.with_evidence(
            Evidence::new(
                "Field this org does not have",
                format!(
                    "{}.{} — left out of the query for {}; the check ran without it",
                    m.object, m.field, m.query
                ),
            )
            .at("400 INVALID_FIELD"),
        );
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn ctx() -> OrgContext {
        OrgContext {
            api_host: "acme.my.salesforce.com".into(),
            org_id: Some("00D8c000001Hlt1".into()),
        }
    }

    /// The first round answered with one status and error for the REST call and another for
    /// the Tooling call.
    fn first_round(rest: (u16, &str), tooling: (u16, &str)) -> Vec<ApiExchange> {
        let reqs = plan(None, &[]);
        reqs.into_iter()
            .map(|r| {
                let (status, body) = if r.path.contains("tooling") {
                    tooling
                } else {
                    rest
                };
                ApiExchange {
                    request: r,
                    status,
                    body: body.to_string(),
                    error: None,
                    ms: Some(5),
                }
            })
            .collect()
    }

    fn err(code: &str) -> String {
        format!(r#"[{{"errorCode":"{code}","message":"m"}}]"#)
    }

    #[test]
    fn each_access_problem_is_one_explained_finding() {
        for (status, code, expect) in [
            (401, "INVALID_SESSION_ID", "org/session-expired"),
            (403, "API_DISABLED_FOR_ORG", "org/api-disabled"),
            (403, "REQUEST_LIMIT_EXCEEDED", "org/request-limit"),
            (403, "OAUTH_APP_BLOCKED", "org/api-access-control"),
        ] {
            let body = err(code);
            let r = analyze(&ctx(), None, &first_round((status, &body), (status, &body)));
            let hits: Vec<_> = r.findings.iter().filter(|f| f.code == expect).collect();
            assert_eq!(hits.len(), 1, "{code}: {:#?}", r.findings);
            assert!(hits[0].severity == Severity::Error);
            assert!(!hits[0].fix.is_empty());
            // Merged: the requests it hit are listed as evidence.
            assert!(
                hits[0]
                    .evidence
                    .iter()
                    .filter(|e| e.label == "Request")
                    .count()
                    >= 3,
                "{code}"
            );
            assert!(
                r.findings.iter().all(|f| f.code != "org/check-failed"),
                "{code}"
            );
            assert!(
                r.checks
                    .iter()
                    .all(|c| c.status == CheckStatus::Failed || c.status == CheckStatus::Skipped),
                "{code}: {:#?}",
                r.checks
            );
        }
    }

    #[test]
    fn tooling_refused_still_runs_the_rest_checks() {
        let limits =
            serde_json::json!({"DataStorageMB": {"Max": 100, "Remaining": -3}}).to_string();
        let mut ex = first_round(
            (200, r#"{"compositeResponse": []}"#),
            (403, &err("INSUFFICIENT_ACCESS_OR_READONLY")),
        );
        let l = ex.iter_mut().find(|e| e.request.method == "GET").unwrap();
        l.body = limits;
        let r = analyze(&ctx(), None, &ex);
        assert!(
            r.findings.iter().any(|f| f.code == "org/storage-full"),
            "{:#?}",
            r.findings
        );
        assert_eq!(
            r.findings
                .iter()
                .filter(|f| f.code == "org/setup-access")
                .count(),
            1
        );
        let storage = r.checks.iter().find(|c| c.id == "storage").unwrap();
        assert_eq!(storage.status, CheckStatus::Problem);
        let rules = r
            .checks
            .iter()
            .find(|c| c.id == "validation-rules")
            .unwrap();
        assert_eq!(rules.status, CheckStatus::Failed);
    }

    #[test]
    fn unreadable_and_missing_answers_are_findings_not_panics() {
        for (status, body) in [
            (200, "{not json"),
            (200, "[]"),
            (500, "<html>oops</html>"),
            (0, ""),
        ] {
            let r = analyze(&ctx(), None, &first_round((status, body), (status, body)));
            assert!(
                r.findings
                    .iter()
                    .any(|f| f.code == "org/check-failed" || f.code == "org/unreachable"),
                "{status} {body}: {:#?}",
                r.findings
            );
            assert_eq!(r.findings.last().unwrap().code, "org/checks-summary");
        }
    }
}
