//! The status header: the three answers an admin looks for first — does the widget work, was
//! the org checked, and what to fix first — computed from the ranked findings so the header
//! can never say something a finding below it contradicts.

use super::{ABOUT_THE_READING, ACCESS, PAGE_SYMPTOMS};
use crate::finding::{Finding, Severity};
use crate::org::OrgInfo;
use crate::page::lifecycle::{Stage, Step};
use crate::page::PageReport;
use crate::salesforce::{is_link_host, parse_my_domain_host, HostRole};
use serde::{Deserialize, Serialize};

/// Where the chat widget is on the page, in the admin's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum WidgetStatus {
    /// The button is there (shown or deliberately hidden).
    Ready,
    /// Still within the normal start-up time.
    Starting,
    /// Start-up or the conversation stopped at a step.
    Stalled { at: String },
    /// Something outside the widget stopped it (CSP, a blocker, CORS, the loader not loading).
    Blocked { by: String },
    /// No Messaging for Web code on the page.
    Absent,
    /// The page could not be read, or its request history is incomplete.
    Unknown { why: String },
}

/// How far the org checks got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum OrgStatus {
    /// The checks ran; `checks` is how many, `problems` how many org findings need action.
    Checked {
        org: String,
        checks: u32,
        problems: u32,
    },
    /// No session for the org the page names (`org` is its id when the page names one).
    NotLoggedIn {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        org: Option<String>,
    },
    /// The checks ran only in part, or not at all, for the reason given.
    NotFullyChecked { why: String },
    /// The org checks have not run (yet).
    NotChecked,
}

/// The finding the header names as the likely cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CauseRef {
    pub code: String,
    /// Position in `Diagnosis::findings`.
    pub index: usize,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub widget: WidgetStatus,
    pub org: OrgStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub likely_cause: Option<CauseRef>,
    /// The widget answer as one line ("Widget: ready — its button is on the page").
    pub widget_text: String,
    /// The org answer as one line.
    pub org_text: String,
    /// The org's Lightning host, where "Open in Setup" goes: from the checked org, or derived
    /// from a plainly written My Domain site URL in the page's snippet. Only a Salesforce host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_host: Option<String>,
}

fn step_label(s: &Step) -> &'static str {
    s.label()
}

/// The widget's state from the page report.
pub fn widget_status(page: Option<&PageReport>) -> WidgetStatus {
    let Some(page) = page else {
        return WidgetStatus::Unknown {
            why: "the page was not read".into(),
        };
    };
    match &page.stage {
        None if page.loaders.is_empty() && page.init_calls.is_empty() => WidgetStatus::Absent,
        None => WidgetStatus::Unknown {
            why: "this chat code is not Messaging for Web, whose start-up is followed".into(),
        },
        Some(stage) => match stage {
            Stage::Healthy | Stage::ButtonHidden | Stage::AgentforceReady => WidgetStatus::Ready,
            Stage::Starting => WidgetStatus::Starting,
            Stage::LoaderBlocked => WidgetStatus::Blocked {
                by: "the loader script not loading".into(),
            },
            Stage::StartupRequestsBlocked => WidgetStatus::Blocked {
                by: "the page's Content-Security-Policy or a blocker".into(),
            },
            Stage::StartupAnswersWithheld => WidgetStatus::Blocked {
                by: "the browser withholding the answers (CORS)".into(),
            },
            Stage::InitNeverCalled => WidgetStatus::Stalled {
                at: "start-up (init never called)".into(),
            },
            Stage::StylesFailed => WidgetStatus::Stalled {
                at: step_label(&Step::Styles).into(),
            },
            Stage::ConfigFailed { status } => WidgetStatus::Stalled {
                at: format!("{} (HTTP {status})", step_label(&Step::Config)),
            },
            Stage::StalledBeforeReady { missing } => WidgetStatus::Stalled {
                at: missing
                    .first()
                    .map(|s| step_label(s).to_string())
                    .unwrap_or_else(|| "start-up".into()),
            },
            Stage::StalledAfterClick { step, status } => WidgetStatus::Stalled {
                at: match status {
                    Some(s) => format!("{} (HTTP {s})", step_label(step)),
                    None => step_label(step).to_string(),
                },
            },
            Stage::MessagesNotSent { count } => WidgetStatus::Stalled {
                at: format!("sending messages ({count} not sent)"),
            },
            Stage::RelativeSiteUrl { status, .. } => WidgetStatus::Stalled {
                at: match status {
                    Some(s) => format!("loading its files from this website (HTTP {s}): the site URL has no https://"),
                    None => "loading its files: the site URL has no https://".into(),
                },
            },
            Stage::AgentforceStalled { frame: true, .. } => WidgetStatus::Stalled {
                at: "the chat app in its frame (it never reported its state)".into(),
            },
            Stage::AgentforceStalled { frame: false, .. } => WidgetStatus::Stalled {
                at: "start-up (Agentforce Messaging's loader built nothing)".into(),
            },
            Stage::TimelineIncomplete => WidgetStatus::Unknown {
                why: "the page's request history is full".into(),
            },
        },
    }
}

impl WidgetStatus {
    /// The page shows a failure: a finding that explains it is a cause even as a warning.
    fn failing(&self) -> bool {
        matches!(
            self,
            WidgetStatus::Stalled { .. } | WidgetStatus::Blocked { .. }
        )
    }

    pub fn text(&self) -> String {
        match self {
            WidgetStatus::Ready => "Widget: ready — its button is on the page".into(),
            WidgetStatus::Starting => "Widget: still starting".into(),
            WidgetStatus::Stalled { at } => format!("Widget: stalled at {at}"),
            WidgetStatus::Blocked { by } => format!("Widget: blocked by {by}"),
            WidgetStatus::Absent => "Widget: not on this page".into(),
            WidgetStatus::Unknown { why } => format!("Widget: not determined ({why})"),
        }
    }
}

impl OrgStatus {
    pub fn text(&self) -> String {
        match self {
            OrgStatus::Checked {
                org,
                checks,
                problems: 0,
            } => format!("Org {org}: checked, {checks} checks, no problem found"),
            OrgStatus::Checked {
                org,
                checks,
                problems,
            } => format!(
                "Org {org}: checked, {checks} checks, {problems} problem{}",
                if *problems == 1 { "" } else { "s" }
            ),
            OrgStatus::NotLoggedIn { org: Some(o) } => {
                format!("Org: not logged in to org {o} in this browser")
            }
            OrgStatus::NotLoggedIn { org: None } => {
                "Org: not logged in to Salesforce in this browser".into()
            }
            OrgStatus::NotFullyChecked { why } => format!("Org: not fully checked — {why}"),
            OrgStatus::NotChecked => "Org: not checked yet".into(),
        }
    }
}

/// The org's state from the org report (when the checks ran) and every finding.
fn org_status(
    org: Option<(&OrgInfo, u32)>,
    findings: &[Finding],
    page: Option<&PageReport>,
) -> OrgStatus {
    let has = |code: &str| findings.iter().find(|f| f.code == code);
    if let Some(f) = has("org/not-logged-in") {
        // The org the finding asks to log in to: on a page with several orgs' snippets that
        // need not be the first snippet's.
        let named = f
            .evidence
            .iter()
            .find(|e| e.label == "Snippet org id")
            .map(|e| e.value.clone())
            .or_else(|| page.and_then(|p| p.init_calls.iter().find_map(|c| c.call.org_id.clone())));
        return OrgStatus::NotLoggedIn { org: named };
    }
    if has("org/no-session").is_some() {
        return OrgStatus::NotLoggedIn { org: None };
    }
    if let Some(f) = findings
        .iter()
        .find(|f| f.severity <= Severity::Warning && ACCESS.contains(&f.code.as_str()))
    {
        return OrgStatus::NotFullyChecked {
            why: f.title.clone(),
        };
    }
    match org {
        Some((info, checks)) => OrgStatus::Checked {
            org: info.name.clone().unwrap_or_else(|| info.api_host.clone()),
            checks,
            problems: findings
                .iter()
                .filter(|f| f.code.starts_with("org/") && f.severity <= Severity::Warning)
                .count() as u32,
        },
        None => OrgStatus::NotChecked,
    }
}

/// The likely cause: the first ranked finding that is a cause (not a symptom, not an access
/// problem, not about how the page was read) and that either breaks the chat now (error) or
/// explains the failure the page shows (a warning while the widget is stalled or blocked). A
/// warning next to a working widget — a duplicate that still started — is never called the
/// cause.
fn likely_cause(
    findings: &[Finding],
    widget: &WidgetStatus,
    stage: Option<&Stage>,
) -> Option<CauseRef> {
    // A ready widget got its deployment's configuration, so the deployment it runs works: a
    // deployment finding then concerns another snippet's deployment (one the loader ignored, or
    // the legacy chat's), which explains no failure and blocks no chat of this widget. The same
    // holds for a snippet whose values cannot work: the call that started the widget worked, so
    // the broken one is a copy that did not run (a leftover the CMS kept), to clean up, not the
    // cause.
    let other_deployment = |code: &str| {
        matches!(widget, WidgetStatus::Ready)
            && (code.starts_with("org/deployment-") || code == "page/invalid-snippet")
    };
    findings.iter().enumerate().find_map(|(index, f)| {
        let code = f.code.as_str();
        let eligible = !ACCESS.contains(&code)
            && !ABOUT_THE_READING.contains(&code)
            && !PAGE_SYMPTOMS.contains(&code)
            && !other_deployment(code)
            && (f.severity == Severity::Error
                || (f.severity == Severity::Warning
                    && widget.failing()
                    && explains_the_stall(code, stage)));
        eligible.then(|| CauseRef {
            code: f.code.clone(),
            index,
            title: f.title.clone(),
        })
    })
}

/// Whether a warning can explain where the widget stopped. What may stop the MessagingSession
/// or MessagingEndUser insert (a rule, flow, trigger, required field, storage) acts only once a
/// conversation starts; a widget stalled before that (its files, its configuration,
/// Agentforce's chat frame) shows a failure such a warning cannot explain. Errors are not
/// judged here: one that blocks every chat is the cause to fix first wherever the widget stops.
fn explains_the_stall(code: &str, stage: Option<&Stage>) -> bool {
    const INSERT_SIDE: [&str; 5] = [
        "org/validation-rule-",
        "org/flow-",
        "org/trigger-",
        "org/required-field",
        "org/storage-",
    ];
    if !INSERT_SIDE.iter().any(|p| code.starts_with(p)) {
        return true;
    }
    matches!(
        stage,
        Some(Stage::StalledAfterClick { .. } | Stage::MessagesNotSent { .. })
    )
}

/// The widget line. "Ready" is one state for the header's logic, but what shows it differs:
/// a hidden button (business hours, no agents, `hideChatButtonOnLoad`) is not on view, and
/// Agentforce Messaging's readiness is its chat app reporting from its frame.
fn widget_text(widget: &WidgetStatus, page: Option<&PageReport>) -> String {
    match page.and_then(|p| p.stage.as_ref()) {
        Some(Stage::ButtonHidden) if *widget == WidgetStatus::Ready => {
            "Widget: ready — its button is hidden for now (business hours, no agents, or hidden on load)".into()
        }
        Some(Stage::AgentforceReady) if *widget == WidgetStatus::Ready => {
            "Widget: ready — Agentforce Messaging's chat app reported from its frame".into()
        }
        _ => widget.text(),
    }
}

/// The host a browser would go to for `url`, only when written plainly (no user name, escapes,
/// look-alike dots, IP address or port): page text never steers a link.
fn plain_host(url: &str) -> Option<String> {
    let p = crate::url_host::parse_url(url).ok()?;
    if p.userinfo || p.host_rewritten || p.port.is_some() || p.scheme != "https" {
        return None;
    }
    p.domain().map(|d| d.trim_end_matches('.').to_string())
}

/// Where "Open in Setup" goes: the checked org's Lightning host, else the one in the same My
/// Domain family as the snippet's site URL (only `*.my.site.com` hosts; custom domains give
/// none).
fn setup_host(org: Option<&OrgInfo>, page: Option<&PageReport>) -> Option<String> {
    let from_org = org
        .map(|o| o.lightning_host.clone())
        .filter(|h| !h.is_empty());
    let from_site = || {
        page?.init_calls.iter().find_map(|c| {
            let host = plain_host(c.call.site_url.as_deref()?)?;
            let d = parse_my_domain_host(&host)?;
            (d.role == HostRole::Site).then(|| d.host_for(HostRole::Lightning))
        })
    };
    from_org.or_else(from_site).filter(|h| is_link_host(h))
}

/// The status header and the headline sentence, from the ranked findings.
pub fn status(
    page: Option<&PageReport>,
    org: Option<(&OrgInfo, u32)>,
    findings: &[Finding],
) -> (Status, String) {
    let widget = widget_status(page);
    let org_state = org_status(org, findings, page);
    let cause = likely_cause(findings, &widget, page.and_then(|p| p.stage.as_ref()));
    let headline = headline(&widget, &org_state, cause.as_ref(), findings);
    let st = Status {
        widget_text: widget_text(&widget, page),
        org_text: org_state.text(),
        widget,
        org: org_state,
        likely_cause: cause,
        setup_host: setup_host(org.map(|(o, _)| o), page),
    };
    (st, headline)
}

fn headline(
    widget: &WidgetStatus,
    org: &OrgStatus,
    cause: Option<&CauseRef>,
    findings: &[Finding],
) -> String {
    if let Some(c) = cause {
        return format!("Likely cause: {}", c.title);
    }
    if findings.is_empty() && matches!(widget, WidgetStatus::Unknown { .. }) {
        return "Nothing was checked yet.".into();
    }
    let open: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            f.severity <= Severity::Warning
                && !ACCESS.contains(&f.code.as_str())
                && !ABOUT_THE_READING.contains(&f.code.as_str())
        })
        .collect();
    if widget.failing() {
        return format!(
            "{} — no single cause found; the findings below say what was seen",
            widget.text()
        );
    }
    if let Some(first) = open.first() {
        let count = |n: usize, what: &str| match n {
            0 => None,
            1 => Some(format!("1 {what}")),
            n => Some(format!("{n} {what}s")),
        };
        let errors = open
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let counts: Vec<String> = [
            count(errors, "error"),
            count(open.len() - errors, "warning"),
        ]
        .into_iter()
        .flatten()
        .collect();
        return format!(
            "No cause of failure found; {} to review: {}",
            counts.join(" and "),
            first.title
        );
    }
    match widget {
        WidgetStatus::Absent => "No Salesforce chat snippet on this page".into(),
        WidgetStatus::Starting => "The widget is still starting".into(),
        _ => match org {
            OrgStatus::Checked { checks, .. } => {
                format!("Nothing is wrong: the widget is ready and {checks} org checks passed")
            }
            OrgStatus::NotChecked if matches!(widget, WidgetStatus::Ready) => {
                "Nothing is wrong on the page: the widget is ready".into()
            }
            _ if matches!(widget, WidgetStatus::Ready) => format!(
                "Nothing is wrong on the page: the widget is ready. {}",
                org.text()
            ),
            _ => format!("{}. {}", widget.text(), org.text()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::{CheckResult, CheckStatus, OrgReport};
    use crate::page::{analyze, PageEvidence, ScriptEvidence};
    use crate::report::diagnose_all;

    const SNIPPET: &str = "embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWebChat',{scrt2URL:'https://acme.my.salesforce-scrt.com'})";

    /// A page with one snippet, then the stage and findings of the case.
    fn page(stage: Option<Stage>, findings: Vec<Finding>) -> PageReport {
        let mut p = analyze(&PageEvidence {
            url: "https://shop.example/".into(),
            scripts: vec![ScriptEvidence {
                index: 1,
                inline: Some(SNIPPET.into()),
                ..Default::default()
            }],
            ..Default::default()
        });
        p.stage = stage;
        p.findings = findings;
        p
    }

    fn f(code: &str, s: Severity, title: &str) -> Finding {
        Finding::new(code, s, title, "m")
    }

    fn org(findings: Vec<Finding>) -> OrgReport {
        OrgReport {
            org: OrgInfo {
                api_host: "acme.my.salesforce.com".into(),
                lightning_host: "acme.lightning.force.com".into(),
                id: Some("00DHu00000abcde".into()),
                name: Some("Acme".into()),
                edition: None,
                sandbox: None,
            },
            checks: vec![
                CheckResult::new("deployment", "Deployment", CheckStatus::Passed, "ok"),
                CheckResult::new("rules", "Rules", CheckStatus::Problem, "1 rule"),
                CheckResult::new("storage", "Storage", CheckStatus::Skipped, "n/a"),
            ],
            findings,
            api_calls: 3,
            rounds: 1,
            api_ms: 10,
            refused: Vec::new(),
            missing_fields: Vec::new(),
        }
    }

    /// The likely cause's code and the headline (for the message of a failed assertion).
    fn cause_of(p: &PageReport, o: Option<&OrgReport>) -> (Option<String>, String) {
        let d = diagnose_all(Some(p), o, &[]);
        (
            d.status.and_then(|s| s.likely_cause).map(|c| c.code),
            d.headline,
        )
    }

    fn not_logged_in() -> Finding {
        f(
            "org/not-logged-in",
            Severity::Warning,
            "Log in to org 00DHu00000abcde",
        )
    }

    struct Case {
        name: &'static str,
        page: Option<PageReport>,
        org: Option<OrgReport>,
        session: Vec<Finding>,
        widget: WidgetStatus,
        org_state: OrgStatus,
        cause: Option<&'static str>,
        headline_has: &'static str,
    }

    #[test]
    fn the_header_answers_widget_org_and_cause_for_each_case() {
        let cases = vec![
            Case {
                name: "healthy page, org checked, nothing wrong",
                page: Some(page(
                    Some(Stage::Healthy),
                    vec![f("page/widget-ready", Severity::Ok, "The chat button is on the page")],
                )),
                org: Some(org(vec![f("org/checks-summary", Severity::Ok, "All checks passed")])),
                session: vec![],
                widget: WidgetStatus::Ready,
                org_state: OrgStatus::Checked {
                    org: "Acme".into(),
                    checks: 2,
                    problems: 0,
                },
                cause: None,
                headline_has: "Nothing is wrong: the widget is ready and 2 org checks passed",
            },
            Case {
                name: "healthy page, not logged in",
                page: Some(page(
                    Some(Stage::Healthy),
                    vec![f("page/widget-ready", Severity::Ok, "The chat button is on the page")],
                )),
                org: None,
                session: vec![not_logged_in()],
                widget: WidgetStatus::Ready,
                org_state: OrgStatus::NotLoggedIn {
                    org: Some("00DHu00000abcde".into()),
                },
                cause: None,
                headline_has: "Nothing is wrong on the page: the widget is ready. Org: not logged in to org 00DHu00000abcde",
            },
            Case {
                name: "stalled page, no cause found, not logged in",
                page: Some(page(
                    Some(Stage::StalledBeforeReady {
                        missing: vec![Step::Config],
                    }),
                    vec![f("page/widget-stalled", Severity::Error, "The widget stalled")],
                )),
                org: None,
                session: vec![not_logged_in()],
                widget: WidgetStatus::Stalled {
                    at: "deployment configuration".into(),
                },
                org_state: OrgStatus::NotLoggedIn {
                    org: Some("00DHu00000abcde".into()),
                },
                cause: None,
                headline_has: "Widget: stalled at deployment configuration — no single cause found",
            },
            Case {
                name: "org cause, messages not sent",
                page: Some(page(
                    Some(Stage::MessagesNotSent { count: 1 }),
                    vec![f("page/message-not-sent", Severity::Error, "Messages were not sent")],
                )),
                org: Some(org(vec![f(
                    "org/validation-rule-blocks",
                    Severity::Error,
                    "Validation rule No_Guests blocks every chat",
                )])),
                session: vec![],
                widget: WidgetStatus::Stalled {
                    at: "sending messages (1 not sent)".into(),
                },
                org_state: OrgStatus::Checked {
                    org: "Acme".into(),
                    checks: 2,
                    problems: 1,
                },
                cause: Some("org/validation-rule-blocks"),
                headline_has: "Likely cause: Validation rule No_Guests blocks every chat",
            },
            Case {
                name: "duplicate that still started",
                page: Some(page(
                    Some(Stage::Healthy),
                    vec![f(
                        "page/duplicate-snippet",
                        Severity::Warning,
                        "The chat snippet is on this page more than once",
                    )],
                )),
                org: None,
                session: vec![not_logged_in()],
                widget: WidgetStatus::Ready,
                org_state: OrgStatus::NotLoggedIn {
                    org: Some("00DHu00000abcde".into()),
                },
                cause: None,
                headline_has: "No cause of failure found; 1 warning to review: The chat snippet is on this page more than once",
            },
            Case {
                name: "duplicate that stopped start-up",
                page: Some(page(
                    Some(Stage::StalledBeforeReady {
                        missing: vec![Step::Availability],
                    }),
                    vec![
                        f("page/widget-stalled", Severity::Error, "The widget stalled"),
                        f(
                            "page/duplicate-snippet",
                            Severity::Error,
                            "The chat snippet is on this page more than once",
                        ),
                    ],
                )),
                org: None,
                session: vec![not_logged_in()],
                widget: WidgetStatus::Stalled {
                    at: "agent availability".into(),
                },
                org_state: OrgStatus::NotLoggedIn {
                    org: Some("00DHu00000abcde".into()),
                },
                cause: Some("page/duplicate-snippet"),
                headline_has: "Likely cause: The chat snippet is on this page more than once",
            },
            Case {
                name: "healthy page, an org error that would block every chat",
                page: Some(page(Some(Stage::Healthy), vec![])),
                org: Some(org(vec![
                    f("org/setup-access", Severity::Warning, "Some Setup data could not be read"),
                    f("org/required-field", Severity::Error, "A required field blocks every chat"),
                ])),
                session: vec![],
                widget: WidgetStatus::Ready,
                org_state: OrgStatus::NotFullyChecked {
                    why: "Some Setup data could not be read".into(),
                },
                cause: Some("org/required-field"),
                headline_has: "Likely cause: A required field blocks every chat",
            },
            Case {
                name: "a warning on a blocked page explains it",
                page: Some(page(
                    Some(Stage::StartupAnswersWithheld),
                    vec![f("page/cors-blocked", Severity::Error, "Answers withheld")],
                )),
                org: Some(org(vec![f(
                    "org/cors-origin-missing",
                    Severity::Warning,
                    "This site is not in the CORS allowlist",
                )])),
                session: vec![],
                widget: WidgetStatus::Blocked {
                    by: "the browser withholding the answers (CORS)".into(),
                },
                org_state: OrgStatus::Checked {
                    org: "Acme".into(),
                    checks: 2,
                    problems: 1,
                },
                cause: Some("org/cors-origin-missing"),
                headline_has: "Likely cause: This site is not in the CORS allowlist",
            },
            Case {
                name: "no chat on the page, no session",
                page: Some(analyze(&PageEvidence {
                    url: "https://x.example/".into(),
                    ..Default::default()
                })),
                org: None,
                session: vec![f("org/no-session", Severity::Info, "No Salesforce session")],
                widget: WidgetStatus::Absent,
                org_state: OrgStatus::NotLoggedIn { org: None },
                cause: None,
                headline_has: "No Salesforce chat snippet on this page",
            },
        ];
        for c in cases {
            let d = diagnose_all(c.page.as_ref(), c.org.as_ref(), &c.session);
            let st = d.status.clone().expect("a status");
            assert_eq!(st.widget, c.widget, "{}", c.name);
            assert_eq!(st.org, c.org_state, "{}", c.name);
            assert_eq!(st.widget_text, c.widget.text(), "{}", c.name);
            let cause = st.likely_cause.as_ref().map(|r| r.code.as_str());
            assert_eq!(cause, c.cause, "{}", c.name);
            if let Some(r) = &st.likely_cause {
                // The reference points at the finding it names.
                assert_eq!(d.findings[r.index].code, r.code, "{}", c.name);
                assert_eq!(d.findings[r.index].title, r.title, "{}", c.name);
            } else {
                assert!(
                    !d.headline.contains("Likely cause"),
                    "{}: {}",
                    c.name,
                    d.headline
                );
            }
            assert!(
                d.headline.contains(c.headline_has),
                "{}: {}",
                c.name,
                d.headline
            );
        }
    }

    /// A ready widget runs a deployment that works: a deployment finding (another snippet's
    /// deployment, one the loader ignored) is listed for review, never the likely cause, and
    /// the headline counts it as an error, not as a warning.
    #[test]
    fn a_deployment_finding_next_to_a_ready_widget_is_not_the_cause() {
        let not_found = f(
            "org/deployment-not-found",
            Severity::Error,
            "The page's deployment Sales_Chat does not exist in this org",
        );
        let dup = f(
            "page/duplicate-snippet",
            Severity::Warning,
            "Two different chat deployments on one page",
        );
        let p = page(Some(Stage::Healthy), vec![dup.clone()]);
        let o = org(vec![not_found.clone()]);
        let d = diagnose_all(Some(&p), Some(&o), &[]);
        let st = d.status.clone().unwrap();
        assert_eq!(st.widget, WidgetStatus::Ready);
        assert_eq!(st.likely_cause, None, "{}", d.headline);
        assert!(
            d.headline
                .starts_with("No cause of failure found; 1 error and 1 warning to review: "),
            "{}",
            d.headline
        );
        // The same finding while the widget stalls at its configuration is the cause.
        let p = page(Some(Stage::ConfigFailed { status: 404 }), vec![dup]);
        let (cause, headline) = cause_of(&p, Some(&o));
        assert_eq!(
            cause.as_deref(),
            Some("org/deployment-not-found"),
            "{headline}"
        );
    }

    /// A snippet copy whose values cannot work, next to a widget that started from another
    /// copy, is listed for review; while the widget stalls it is the cause.
    #[test]
    fn an_invalid_snippet_next_to_a_ready_widget_is_not_the_cause() {
        let invalid = f(
            "page/invalid-snippet",
            Severity::Error,
            "The chat snippet for Web_Chat' OR … has values that cannot work",
        );
        let p = page(Some(Stage::Healthy), vec![invalid.clone()]);
        let d = diagnose_all(Some(&p), None, &[]);
        let st = d.status.clone().unwrap();
        assert_eq!(st.widget, WidgetStatus::Ready);
        assert_eq!(st.likely_cause, None, "{}", d.headline);
        assert!(!d.headline.contains("Likely cause"), "{}", d.headline);
        let p = page(Some(Stage::ConfigFailed { status: 404 }), vec![invalid]);
        let (cause, headline) = cause_of(&p, None);
        assert_eq!(cause.as_deref(), Some("page/invalid-snippet"), "{headline}");
    }

    /// A warning about the insert (a rule that may fire) cannot explain a widget that stopped
    /// before any conversation (Agentforce's frame, the configuration); after a conversation
    /// started and messages failed it can.
    #[test]
    fn an_insert_side_warning_explains_only_a_stall_after_the_conversation_starts() {
        let may = f(
            "org/validation-rule-may-block",
            Severity::Warning,
            "Validation rule Name_Length may block new chats",
        );
        let o = org(vec![may]);
        for early in [
            Stage::AgentforceStalled {
                frame: true,
                site_url: None,
            },
            Stage::ConfigFailed { status: 404 },
        ] {
            let p = page(Some(early.clone()), Vec::new());
            let d = diagnose_all(Some(&p), Some(&o), &[]);
            let st = d.status.unwrap();
            assert!(
                matches!(st.widget, WidgetStatus::Stalled { .. }),
                "{early:?}"
            );
            assert_eq!(st.likely_cause, None, "{early:?}: {}", d.headline);
        }
        let p = page(Some(Stage::MessagesNotSent { count: 1 }), Vec::new());
        let (cause, headline) = cause_of(&p, Some(&o));
        assert_eq!(
            cause.as_deref(),
            Some("org/validation-rule-may-block"),
            "{headline}"
        );
    }

    /// On a page with snippets of two orgs, the admin may switch to the second org: the org
    /// line names the org the finding asks to log in to, not the page's first snippet.
    #[test]
    fn not_logged_in_names_the_org_the_finding_names() {
        let other = not_logged_in().with_evidence(crate::finding::Evidence::new(
            "Snippet org id",
            "00DAb00000fghij",
        ));
        let p = page(Some(Stage::Healthy), Vec::new());
        let st = diagnose_all(Some(&p), None, &[other]).status.unwrap();
        assert_eq!(
            st.org,
            OrgStatus::NotLoggedIn {
                org: Some("00DAb00000fghij".into())
            }
        );
        assert!(st.org_text.contains("00DAb00000fghij"), "{}", st.org_text);
        let st = diagnose_all(Some(&p), None, &[not_logged_in()])
            .status
            .unwrap();
        assert!(
            matches!(st.org, OrgStatus::NotLoggedIn { org: Some(ref o) } if o != "00DAb00000fghij")
        );
    }

    #[test]
    fn a_relative_site_url_and_agentforce_stages_have_a_widget_state() {
        let with_stage = |stage: Stage| {
            let mut p = analyze(&PageEvidence {
                url: "https://shop.example/".into(),
                ..Default::default()
            });
            p.stage = Some(stage);
            super::widget_status(Some(&p))
        };
        match with_stage(Stage::RelativeSiteUrl {
            site_url: "acme.my.site.com/ESW".into(),
            requested: Some(
                "https://shop.example/acme.my.site.com/ESW/assets/js/bootstrap.min.js".into(),
            ),
            status: Some(404),
        }) {
            super::WidgetStatus::Stalled { at } => {
                assert!(at.contains("HTTP 404") && at.contains("https://"), "{at}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            with_stage(Stage::AgentforceReady),
            super::WidgetStatus::Ready
        ));
        // The widget line says what shows readiness: no "button on the page" where there is
        // none in view.
        let line = |stage: Stage| {
            let p = page(Some(stage), Vec::new());
            super::widget_text(&super::widget_status(Some(&p)), Some(&p))
        };
        assert_eq!(
            line(Stage::Healthy),
            "Widget: ready — its button is on the page"
        );
        let af = line(Stage::AgentforceReady);
        assert!(
            af.contains("chat app reported") && !af.contains("button"),
            "{af}"
        );
        let hidden = line(Stage::ButtonHidden);
        assert!(
            hidden.contains("hidden") && !hidden.contains("on the page"),
            "{hidden}"
        );
        assert!(matches!(
            with_stage(Stage::AgentforceStalled {
                frame: true,
                site_url: None
            }),
            super::WidgetStatus::Stalled { .. }
        ));
    }

    #[test]
    fn open_in_setup_goes_only_to_the_org_s_lightning_host() {
        let with_site = |site: &str| {
            let mut p = analyze(&PageEvidence {
                url: "https://shop.example/".into(),
                scripts: vec![ScriptEvidence {
                    index: 1,
                    inline: Some(format!(
                        "embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','{site}',{{}})"
                    )),
                    ..Default::default()
                }],
                ..Default::default()
            });
            p.stage = Some(Stage::Starting);
            p
        };
        let host = |p: &PageReport, o: Option<&OrgReport>| {
            diagnose_all(Some(p), o, &[]).status.unwrap().setup_host
        };
        // From the snippet's site URL, in the same My Domain family (sandboxes too).
        assert_eq!(
            host(&with_site("https://acme.my.site.com/ESW"), None).as_deref(),
            Some("acme.lightning.force.com")
        );
        assert_eq!(
            host(
                &with_site("https://acme--uat.sandbox.my.site.com/ESW"),
                None
            )
            .as_deref(),
            Some("acme--uat.sandbox.lightning.force.com")
        );
        // A checked org's own host wins.
        let mut o = org(vec![]);
        o.org.lightning_host = "other.lightning.force.com".into();
        assert_eq!(
            host(&with_site("https://acme.my.site.com/ESW"), Some(&o)).as_deref(),
            Some("other.lightning.force.com")
        );
        // Custom domains and disguised hosts derive nothing.
        for site in [
            "https://chat.acme.com/ESW",
            "https://evil.com@acme.my.site.com/ESW",
            "https://acme%2emy.site.com/ESW",
            "https://acme.my.site.com:8443/ESW",
            "http://acme.my.site.com/ESW",
            "https://acme.my.site.com.evil.com/ESW",
        ] {
            assert_eq!(host(&with_site(site), None), None, "{site}");
        }
    }
}

#[cfg(test)]
mod markdown_tests {
    use crate::finding::{Finding, Severity};
    use crate::page::lifecycle::Stage;
    use crate::page::{analyze, PageEvidence};
    use crate::report::{diagnose_all, markdown};

    #[test]
    fn markdown_leads_with_the_status_header_and_the_first_fix() {
        let mut p = analyze(&PageEvidence {
            url: "https://shop.example/".into(),
            ..Default::default()
        });
        p.stage = Some(Stage::MessagesNotSent { count: 2 });
        p.findings = vec![Finding::new(
            "page/message-not-sent",
            Severity::Error,
            "Messages were not sent",
            "m",
        )];
        let cause = Finding::new(
            "org/required-field",
            Severity::Error,
            "Field X is required",
            "m",
        )
        .with_fix("Make Field X optional.")
        .with_fix("Run again.");
        let d = diagnose_all(Some(&p), None, &[cause]);
        let md = markdown(&d, "2026-12-06T05:00:00Z");
        let head: Vec<&str> = md.lines().take(8).collect();
        assert_eq!(head[2], "**Likely cause: Field X is required**", "{md}");
        assert_eq!(
            head[4], "- Widget: stalled at sending messages (2 not sent)",
            "{md}"
        );
        assert_eq!(head[5], "- Org: not checked yet", "{md}");
        assert_eq!(
            head[6], "- Likely cause (finding 1): Field X is required",
            "{md}"
        );
        assert_eq!(head[7], "- Fix first: Make Field X optional.", "{md}");
    }
}
