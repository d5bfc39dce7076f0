//! Merging and ranking: the one list the popup shows, likely cause first.

use crate::finding::{Finding, Severity};
use crate::org::{CheckResult, OrgInfo, OrgReport};
use crate::page::lifecycle::Stage;
use crate::page::PageReport;
use serde::{Deserialize, Serialize};

mod status;
pub use status::{widget_status, CauseRef, OrgStatus, Status, WidgetStatus};

/// What the popup renders: a headline and the ranked findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// One sentence: the likely cause, or that nothing is wrong and what was checked.
    pub headline: String,
    /// The status header: widget, org, likely cause (absent in reports that have no page or
    /// org part, such as the command line's source check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    pub findings: Vec<Finding>,
    /// Version of the core that ran in the popup.
    pub core_version: String,
    /// Version of the core that ran in the content script (from its report).
    pub page_core_version: Option<String>,
    pub page_url: Option<String>,
    /// The org that was checked, when the org checks ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<OrgInfo>,
    /// What the org checks covered, one line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckResult>,
    /// API calls the org checks made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_calls: Option<u32>,
}

/// Orders findings worst first; among equals, the order the checks produced them (stable).
pub fn rank(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by_key(|f| f.severity);
    findings
}

/// Org findings that stop the MessagingSession insert itself.
pub const INSERT_BLOCKERS: [&str; 7] = [
    "org/required-field",
    "org/validation-rule-blocks",
    "org/flow-blocks",
    "org/trigger-blocks",
    "org/storage-full",
    "org/channel-inactive",
    "org/messaging-not-enabled",
];

/// Org findings about the deployment the page starts (its configuration, site, guests).
const DEPLOYMENT_CAUSES: [&str; 7] = [
    "org/deployment-not-found",
    "org/deployment-not-messaging",
    "org/deployment-disabled",
    "org/deployment-not-published",
    "org/site-missing",
    "org/site-inactive",
    "org/site-url-mismatch",
];

/// Page findings that describe a symptom (the widget stalled, a request failed, messages were
/// not sent) rather than a cause on the page: an org finding that explains them ranks first.
const PAGE_SYMPTOMS: [&str; 4] = [
    "page/widget-stalled",
    "page/request-failed",
    "page/message-not-sent",
    "page/cors-blocked",
];

/// Findings that say the org could not be (fully) checked: they matter, but they are not the
/// cause of the chat's problem.
const ACCESS: [&str; 9] = [
    "org/session-expired",
    "org/api-disabled",
    "org/api-access-control",
    "org/request-limit",
    "org/unreachable",
    "org/setup-access",
    "org/check-failed",
    "org/not-logged-in",
    "org/no-session",
];

/// Findings about how the page was read (watch mode's recording), not about the chat: they
/// rank last among findings of their severity and never make the headline while anything else
/// is listed.
const ABOUT_THE_READING: [&str; 1] = ["page/watch-recorded"];

/// Ranks page and org findings together: worst first, moved by what the page shows.
///
/// - The page shows the conversation started but messages were not sent (or the window kept
///   loading after the click): org findings that stop the insert come first, the page's
///   symptom right after them.
/// - The page's configuration request failed: the deployment findings come first.
/// - The browser withheld the start-up answers: the CORS allowlist finding comes first.
/// - Otherwise, at equal severity: causes on the page (a duplicate or invalid snippet, a CSP
///   block), then causes in the org, then the page's symptoms (stalled, request failed, not
///   sent), which the causes explain.
/// - Access problems (expired session, missing permission) rank below every real cause of the
///   same severity: they say what could not be checked, not what is wrong; what watch mode
///   recorded (`page/watch-recorded`) likewise says how the page was read.
///
/// Among equals the order the checks produced them is kept.
pub fn rank_all(findings: Vec<Finding>, stage: Option<&Stage>) -> Vec<Finding> {
    let after_start = matches!(
        stage,
        Some(Stage::MessagesNotSent { .. }) | Some(Stage::StalledAfterClick { .. })
    );
    let config_failed = matches!(stage, Some(Stage::ConfigFailed { .. }));
    let withheld = matches!(stage, Some(Stage::StartupAnswersWithheld));
    let mut keyed: Vec<(u32, Finding)> = findings
        .into_iter()
        .map(|mut f| {
            let base = match f.severity {
                Severity::Error => 100,
                Severity::Warning => 200,
                Severity::Info => 300,
                Severity::Ok => 400,
            };
            let code = f.code.as_str();
            let mut key = if ACCESS.contains(&code) || ABOUT_THE_READING.contains(&code) {
                base + 90
            } else if PAGE_SYMPTOMS.contains(&code) {
                base + 30
            } else if code.starts_with("org/") {
                base + 20
            } else {
                base + 10
            };
            if after_start && INSERT_BLOCKERS.contains(&code) {
                key = base;
                f.why_ranked = Some(
                    "Ranked first: the page shows the chat started but the message was not sent, which is what happens when the org cannot create the MessagingSession, and this stops that insert.".into(),
                );
            } else if config_failed && DEPLOYMENT_CAUSES.contains(&code) {
                key = base;
                f.why_ranked = Some(
                    "Ranked first: the page's configuration request failed, and this explains why the org does not serve the deployment's configuration.".into(),
                );
            } else if withheld && code == "org/cors-origin-missing" {
                key = base;
                f.why_ranked = Some(
                    "Ranked first: the browser withheld the messaging service's answers from the page, which is what a missing CORS allowlist entry does.".into(),
                );
            }
            (key, f)
        })
        .collect();
    keyed.sort_by_key(|(k, _)| *k);
    keyed.into_iter().map(|(_, f)| f).collect()
}

/// Builds the diagnosis from what is known so far (the page report; org findings join later).
pub fn diagnose(page: Option<&PageReport>) -> Diagnosis {
    diagnose_all(page, None, &[])
}

/// The diagnosis from the page report, the org report and findings about the session choice.
pub fn diagnose_all(
    page: Option<&PageReport>,
    org: Option<&OrgReport>,
    session: &[Finding],
) -> Diagnosis {
    let mut all: Vec<Finding> = page.map(|p| p.findings.clone()).unwrap_or_default();
    all.extend(session.iter().cloned());
    if let Some(o) = org {
        all.extend(o.findings.iter().cloned());
    }
    let findings = rank_all(all, page.and_then(|p| p.stage.as_ref()));
    let (status, headline) = status::status(
        page,
        org.map(|o| {
            let ran = o.checks.iter().filter(|c| {
                matches!(
                    c.status,
                    crate::org::CheckStatus::Passed | crate::org::CheckStatus::Problem
                )
            });
            (&o.org, ran.count() as u32)
        }),
        &findings,
    );
    Diagnosis {
        headline,
        status: Some(status),
        findings,
        core_version: crate::CORE_VERSION.to_string(),
        page_core_version: page.map(|p| p.core_version.clone()),
        page_url: page.map(|p| p.url.clone()),
        org: org.map(|o| o.org.clone()),
        checks: org.map(|o| o.checks.clone()).unwrap_or_default(),
        api_calls: org.map(|o| o.api_calls),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::{analyze, PageEvidence, ScriptEvidence};

    #[test]
    fn rank_puts_errors_first_and_keeps_check_order_among_equals() {
        let f = |code: &str, s| Finding::new(code, s, code, "m");
        let ranked = rank(vec![
            f("a", Severity::Ok),
            f("b", Severity::Error),
            f("c", Severity::Info),
            f("d", Severity::Error),
        ]);
        let codes: Vec<_> = ranked.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, vec!["b", "d", "c", "a"]);
    }

    #[test]
    fn headline_names_the_top_problem() {
        let page = analyze(&PageEvidence {
            url: "https://shop.example/".into(),
            scripts: (1..=2)
                .map(|i| ScriptEvidence {
                    index: i,
                    inline: Some("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://a.my.site.com/E',{})".into()),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        });
        let d = diagnose(Some(&page));
        assert_eq!(d.findings[0].code, "page/duplicate-snippet");
        assert!(d.headline.starts_with("Likely cause: "), "{}", d.headline);
        assert_eq!(d.page_url.as_deref(), Some("https://shop.example/"));
    }

    #[test]
    fn page_evidence_moves_org_causes_to_the_top_and_says_why() {
        let f = |code: &str, s| Finding::new(code, s, code, "m");
        let findings = vec![
            f("page/message-not-sent", Severity::Error),
            f("org/setup-access", Severity::Warning),
            f("org/validation-rule-may-block", Severity::Warning),
            f("org/required-field", Severity::Error),
            f("org/cors-origin-missing", Severity::Warning),
        ];
        let ranked = rank_all(findings.clone(), Some(&Stage::MessagesNotSent { count: 1 }));
        let codes: Vec<_> = ranked.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            codes,
            vec![
                "org/required-field",
                "page/message-not-sent",
                "org/validation-rule-may-block",
                "org/cors-origin-missing",
                "org/setup-access"
            ]
        );
        assert!(ranked[0]
            .why_ranked
            .as_deref()
            .unwrap()
            .contains("not sent"));
        // Without page evidence an org cause still outranks the page's symptom.
        let plain = rank_all(findings.clone(), None);
        assert_eq!(plain[0].code, "org/required-field");
        assert_eq!(plain[1].code, "page/message-not-sent");
        assert!(plain[0].why_ranked.is_none());
        // A cause on the page outranks an org cause of the same severity; both outrank symptoms.
        let mixed = rank_all(
            vec![
                f("page/widget-stalled", Severity::Error),
                f("org/messaging-not-enabled", Severity::Error),
                f("page/duplicate-snippet", Severity::Error),
            ],
            None,
        );
        let codes: Vec<_> = mixed.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            codes,
            vec![
                "page/duplicate-snippet",
                "org/messaging-not-enabled",
                "page/widget-stalled"
            ]
        );
        // Withheld answers put the CORS finding first among warnings, ahead of other warnings.
        let cors = rank_all(findings, Some(&Stage::StartupAnswersWithheld));
        let warn: Vec<_> = cors
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .map(|f| f.code.as_str())
            .collect();
        assert_eq!(warn[0], "org/cors-origin-missing");
        assert_eq!(*warn.last().unwrap(), "org/setup-access");
    }

    #[test]
    fn watch_mode_s_note_ranks_below_every_other_info_finding_and_is_never_the_headline() {
        let f = |code: &str, s| Finding::new(code, s, code, "m");
        let findings = vec![
            f("page/watch-recorded", Severity::Info),
            f("page/widget-ready", Severity::Ok),
            f("org/recent-sessions", Severity::Info),
            f("page/button-hidden", Severity::Info),
            f("org/checks-summary", Severity::Ok),
        ];
        let ranked = rank_all(findings.clone(), Some(&Stage::ButtonHidden));
        let codes: Vec<_> = ranked.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            codes,
            vec![
                "page/button-hidden",
                "org/recent-sessions",
                "page/watch-recorded",
                "page/widget-ready",
                "org/checks-summary"
            ]
        );
        // Only passed checks besides it: the headline is the first of those.
        let ok_only = vec![findings[0].clone(), findings[1].clone()];
        let d = diagnose_all(None, None, &ok_only);
        assert_eq!(d.findings[0].code, "page/watch-recorded");
        assert!(
            !d.headline.contains("page/watch-recorded"),
            "{}",
            d.headline
        );
        let d = diagnose_all(None, None, &ok_only[..1]);
        assert!(
            !d.headline.contains("page/watch-recorded"),
            "{}",
            d.headline
        );
    }

    #[test]
    fn access_problems_headline_says_not_fully_checked() {
        let d = diagnose_all(
            None,
            None,
            &[Finding::new(
                "org/not-logged-in",
                Severity::Warning,
                "Log in to org X",
                "m",
            )],
        );
        // The headline says what could not be checked, never that it is the cause.
        assert!(!d.headline.contains("Likely cause"), "{}", d.headline);
        assert!(
            d.headline.contains("Org: not logged in to Salesforce"),
            "{}",
            d.headline
        );
        assert_eq!(d.status.unwrap().org, OrgStatus::NotLoggedIn { org: None });
    }

    #[test]
    fn headline_without_problems_is_the_top_informational_title() {
        let page = analyze(&PageEvidence {
            url: "https://x.example/".into(),
            ..Default::default()
        });
        let d = diagnose(Some(&page));
        assert_eq!(d.headline, "No Salesforce chat snippet on this page");
        assert_eq!(diagnose(None).headline, "Nothing was checked yet.");
    }
}

/// Version tag of the exported JSON (see docs/report-schema.md). Bump on breaking changes.
pub const REPORT_SCHEMA: &str = "messaging-doctor/report@1";

/// The exported report: everything the popup knew, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedReport {
    pub schema: String,
    /// When the report was made, as given by the caller (ISO 8601); the core has no clock.
    pub generated_at: String,
    pub diagnosis: Diagnosis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PageReport>,
    /// The org checks' own report (checks, findings, API calls), when they ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<OrgReport>,
}

pub fn export(
    diagnosis: Diagnosis,
    page: Option<PageReport>,
    org: Option<OrgReport>,
    generated_at: &str,
) -> ExportedReport {
    ExportedReport {
        schema: REPORT_SCHEMA.to_string(),
        generated_at: generated_at.to_string(),
        diagnosis,
        page,
        org,
    }
}

/// True for characters that change how text reads without being seen: bidi controls
/// (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C), zero-width and joiner characters
/// (U+200B–U+200D, U+2060–U+2064, U+FEFF), invisible fillers and tag characters. A page can
/// use them to make a host or a rule name read as something else.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}')
}

/// How an invisible character is shown: `⟨U+202E⟩` (the popup's dom.js writes the same form).
pub fn visible_form(c: char) -> String {
    format!("\u{27E8}U+{:04X}\u{27E9}", c as u32)
}

/// Escapes text from a page or an org so it stays text in Markdown when placed inside a line:
/// no links, autolinks, images, HTML, emphasis, code spans or table breaks can be smuggled into
/// a support case. Only what can form markup is changed, so dates, ids and names stay readable:
/// - markup characters get a backslash;
/// - `://`, `www.` and `@` become `[:]//`, `www[.]` and `[@]`, because GitHub-style renderers
///   turn bare `https://…`, `www.…` and `name@host` into links (a backslash does not stop that);
/// - invisible and bidi characters are shown as `⟨U+202E⟩`; line breaks become spaces; other
///   control characters are dropped.
pub fn md_escape(s: &str) -> String {
    // Controls are dropped first, so that `:\u{1}//` or `www\u{0}.` cannot turn into an
    // address after the scan below.
    let cleaned: String = s
        .chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    let mut out = String::with_capacity(cleaned.len() + 8);
    let mut rest = cleaned.as_str();
    while let Some(c) = rest.chars().next() {
        let len = c.len_utf8();
        if rest.starts_with("://") {
            out.push_str("\\[:\\]//");
            rest = &rest[3..];
            continue;
        }
        if rest.len() >= 4 && rest.as_bytes()[..4].eq_ignore_ascii_case(b"www.") {
            out.push_str(&rest[..3]);
            out.push_str("\\[.\\]");
            rest = &rest[4..];
            continue;
        }
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("\\[@\\]"),
            c if is_invisible(c) => out.push_str(&visible_form(c)),
            c => out.push(c),
        }
        rest = &rest[len..];
    }
    out
}

/// [`md_escape`] for text that starts a line: leading indentation is dropped (up to three
/// spaces still let a heading, list or quote start; four make a code block) and a leading
/// block marker (heading, list, quote, numbered item, setext underline) is escaped so the text
/// cannot become one.
pub fn md_escape_block(s: &str) -> String {
    let s = s.trim_start_matches(|c: char| c.is_whitespace() || c.is_control() || is_invisible(c));
    let starts_block = s.starts_with(['#', '-', '+', '=', '>', '*']) || {
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && matches!(s.as_bytes().get(digits), Some(b'.') | Some(b')'))
    };
    let escaped = md_escape(s);
    if starts_block && !escaped.starts_with('\\') {
        format!("\\{escaped}")
    } else {
        escaped
    }
}

/// A path inside the org's Setup (`/lightning/setup/…`), named as such, never a link.
fn is_setup_path(url: &str) -> bool {
    url.starts_with('/') && !url.starts_with("//")
}

/// A finding's link for Markdown. Checked at this last step against the Salesforce host
/// families ([`crate::salesforce::is_allowed_link`]): only then an autolink `<https://…>`; a
/// Setup path stays a path; anything else is inert text saying it is not linked.
fn md_link(label: &str, url: &str) -> String {
    if crate::salesforce::is_allowed_link(url) {
        format!("{}: <{url}>", md_escape(label))
    } else if is_setup_path(url) {
        format!("In Setup: {} ({})", md_escape(label), md_escape(url))
    } else {
        format!(
            "{} ({}; not linked: not a Salesforce address)",
            md_escape(label),
            md_escape(url)
        )
    }
}

/// The diagnosis as Markdown for a support case: headline, then each finding with its
/// evidence and fix. Every string is escaped with [`md_escape`].
pub fn markdown(d: &Diagnosis, generated_at: &str) -> String {
    let mut out = String::new();
    out.push_str("## Messaging Doctor report\n\n");
    out.push_str(&format!("**{}**\n\n", md_escape(&d.headline)));
    // The same status header as the popup, first: widget, org, and the one thing to fix.
    if let Some(st) = &d.status {
        out.push_str(&format!("- {}\n", md_escape(&st.widget_text)));
        out.push_str(&format!("- {}\n", md_escape(&st.org_text)));
        if let Some(cause) = &st.likely_cause {
            out.push_str(&format!(
                "- Likely cause (finding {}): {}\n",
                cause.index + 1,
                md_escape(&cause.title)
            ));
            if let Some(step) = d.findings.get(cause.index).and_then(|f| f.fix.first()) {
                out.push_str(&format!("- Fix first: {}\n", md_escape(step)));
            }
        }
        out.push('\n');
    }
    if let Some(url) = &d.page_url {
        out.push_str(&format!("- Page: {}\n", md_escape(url)));
    }
    out.push_str(&format!("- Made: {}\n", md_escape(generated_at)));
    if let Some(org) = &d.org {
        out.push_str(&format!(
            "- Org: {} ({}){}\n",
            md_escape(org.name.as_deref().unwrap_or("?")),
            md_escape(&org.api_host),
            d.api_calls
                .map(|n| format!(", checked with {n} API call(s)"))
                .unwrap_or_default()
        ));
    }
    out.push_str(&format!(
        "- Messaging Doctor core {}\n\n",
        md_escape(&d.core_version)
    ));
    if !d.checks.is_empty() {
        out.push_str("| Check | Result |\n|---|---|\n");
        for c in &d.checks {
            out.push_str(&format!(
                "| {} | {:?}: {} |\n",
                md_escape(&c.title),
                c.status,
                md_escape(&c.summary)
            ));
        }
        out.push('\n');
    }
    for (i, f) in d.findings.iter().enumerate() {
        out.push_str(&format!(
            "### {}. {} — {}\n\n",
            i + 1,
            f.severity.label(),
            md_escape(&f.title)
        ));
        out.push_str(&format!("{}\n\n", md_escape_block(&f.message)));
        if let Some(why) = &f.why_ranked {
            out.push_str(&format!("_{}_\n\n", md_escape(why)));
        }
        if !f.evidence.is_empty() {
            out.push_str("Evidence:\n\n");
            for e in &f.evidence {
                out.push_str(&format!(
                    "- {}: {}",
                    md_escape(&e.label),
                    md_escape(&e.value)
                ));
                if let Some(l) = &e.location {
                    out.push_str(&format!(" ({})", md_escape(l)));
                }
                out.push('\n');
            }
            out.push('\n');
        }
        if !f.fix.is_empty() {
            out.push_str("Fix:\n\n");
            for (n, step) in f.fix.iter().enumerate() {
                out.push_str(&format!("{}. {}\n", n + 1, md_escape(step)));
            }
            out.push('\n');
        }
        if let Some(link) = &f.link {
            out.push_str(&format!("Where: {}\n\n", md_link(&link.label, &link.url)));
        }
        out.push_str(&format!("Code: `{}`\n\n", f.code.replace('`', "")));
    }
    out
}

/// Every address a GitHub-style renderer would make a link of: `<…>` autolinks and bare
/// `scheme://`, `www.` and `name@host` text (escapes aside).
pub fn linkable_addresses(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in md.lines() {
        let mut rest = line;
        while let Some(i) = rest.find('<') {
            if rest[..i].ends_with('\\') {
                rest = &rest[i + 1..];
                continue;
            }
            let end = rest[i..].find('>').map(|e| i + e).unwrap_or(rest.len());
            out.push(rest[i + 1..end].to_string());
            rest = &rest[end.min(rest.len())..];
            rest = rest.get(1..).unwrap_or("");
        }
        let lower = line
            .to_ascii_lowercase()
            .replace("\\[@\\]", " ")
            .replace("\\[:\\]", " ")
            .replace("\\[.\\]", " ");
        let plain: String = lower
            .split('<')
            .map(|p| p.split_once('>').map(|(_, b)| b).unwrap_or(p))
            .collect();
        for pat in ["://", "www.", "@"] {
            if plain.contains(pat) {
                out.push(format!("bare {pat} in: {line}"));
            }
        }
    }
    out
}

/// Every link a diagnosis would show that is not allowed: finding links outside the Salesforce
/// host families (Setup paths aside) and Markdown addresses a renderer would link. Empty when
/// all is well; tests and the fuzz targets check it whatever the page and cookies were.
pub fn stray_links(d: &Diagnosis, md: &str) -> Vec<String> {
    let mut out: Vec<String> = d
        .findings
        .iter()
        .filter_map(|f| f.link.as_ref())
        .filter(|l| !crate::salesforce::is_allowed_link(&l.url) && !is_setup_path(&l.url))
        .map(|l| format!("finding link {}", l.url))
        .collect();
    out.extend(
        linkable_addresses(md)
            .into_iter()
            .filter(|u| !crate::salesforce::is_allowed_link(u)),
    );
    out
}

#[cfg(test)]
mod export_tests {
    use super::*;
    use crate::finding::Evidence;

    fn hostile_diagnosis() -> Diagnosis {
        let f = Finding::new(
            "page/invalid-snippet",
            Severity::Error,
            "Rule [click](javascript:alert(1)) <img src=x onerror=alert(1)>",
            "line one\nline two | with a pipe",
        )
        .with_evidence(Evidence::new("Site URL", "acme.my.site.com/ESW").at("script #2 in <body>"))
        .with_fix("Copy the snippet again.");
        Diagnosis {
            headline: "Likely cause: **bold**".into(),
            status: None,
            findings: vec![f],
            core_version: "0.1.0".into(),
            page_core_version: Some("0.1.0".into()),
            page_url: Some("https://shop.example/".into()),
            org: None,
            checks: Vec::new(),
            api_calls: None,
        }
    }

    #[test]
    fn markdown_keeps_page_text_inert() {
        let md = markdown(&hostile_diagnosis(), "2026-11-25T10:00:00Z");
        assert!(md.contains("\\[click\\](javascript:alert(1))"), "{md}");
        assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");
        assert!(md.contains("Likely cause: \\*\\*bold\\*\\*"), "{md}");
        assert!(md.contains("line one line two \\| with a pipe"), "{md}");
        let unescaped_links = md
            .match_indices("](")
            .filter(|(i, _)| !md[..*i].ends_with('\\'))
            .count();
        assert_eq!(unescaped_links, 0, "{md}");
        assert!(md.contains("### 1. Error — "));
        assert!(
            md.contains("- Site URL: acme.my.site.com/ESW (script #2 in \\<body\\>)"),
            "{md}"
        );
        assert!(md.contains("1. Copy the snippet again."));
        assert!(md.contains("- Made: 2026-11-25T10:00:00Z"), "{md}");
        assert!(md.contains("- Messaging Doctor core 0.1.0"), "{md}");
        assert!(md.contains("Code: `page/invalid-snippet`"));
    }

    #[test]
    fn escaping_only_touches_markup() {
        assert_eq!(md_escape_block("# Heading"), "\\# Heading");
        assert_eq!(md_escape_block("1. item"), "\\1. item");
        assert_eq!(md_escape_block("- item"), "\\- item");
        assert_eq!(md_escape("1. item"), "1. item");
        assert_eq!(md_escape("v1.2-beta (x)"), "v1.2-beta (x)");
        assert_eq!(md_escape("a_b*c`d|e~f\\g"), "a\\_b\\*c\\`d\\|e\\~f\\\\g");
        assert_eq!(md_escape("bell\u{7}ok"), "bellok");
    }

    #[test]
    fn bare_addresses_do_not_autolink() {
        let e = md_escape("see https://evil.com, HTTP://x.y, ftp://z, www.evil.com and WWW.Evil.com or bob@evil.com");
        assert_eq!(
            e,
            "see https\\[:\\]//evil.com, HTTP\\[:\\]//x.y, ftp\\[:\\]//z, www\\[.\\]evil.com and WWW\\[.\\]Evil.com or bob\\[@\\]evil.com"
        );
        assert!(
            !e.to_ascii_lowercase().contains("://") && !e.to_ascii_lowercase().contains("www.")
        );
        // Found by fuzzing: a control character between the pieces was dropped after the scan.
        let e = md_escape("https:\u{1}//evil.com ww\u{0}w.evil.com h\u{7f}ttp:/\u{1b}/x");
        assert!(
            !e.contains("://") && !e.to_ascii_lowercase().contains("www."),
            "{e}"
        );
    }

    #[test]
    fn invisible_and_bidi_characters_are_shown() {
        for c in [
            '\u{202E}',
            '\u{200B}',
            '\u{2066}',
            '\u{2069}',
            '\u{200E}',
            '\u{200F}',
            '\u{FEFF}',
            '\u{2060}',
            '\u{E0041}',
        ] {
            let e = md_escape(&format!("a{c}b"));
            assert_eq!(e, format!("a\u{27E8}U+{:04X}\u{27E9}b", c as u32));
        }
        assert_eq!(
            md_escape("Rule\u{202E}lla\u{202C}"),
            "Rule\u{27E8}U+202E\u{27E9}lla\u{27E8}U+202C\u{27E9}"
        );
        assert_eq!(md_escape("a\u{2028}b\u{85}c"), "a b c");
        // Ordinary non-ASCII text stays as it is.
        assert_eq!(
            md_escape("Chat für Kunden — 客服"),
            "Chat für Kunden — 客服"
        );
    }

    #[test]
    fn indented_block_markers_are_escaped() {
        for (input, want) in [
            ("   # Heading", "\\# Heading"),
            (" - item", "\\- item"),
            ("  + item", "\\+ item"),
            ("   > quote", "\\> quote"),
            ("  1. item", "\\1. item"),
            ("  2) item", "\\2) item"),
            ("\t# tab", "\\# tab"),
            ("    code block", "code block"),
            ("\u{200B}# hidden", "\\# hidden"),
            ("  * star", "\\* star"),
            ("  plain", "plain"),
        ] {
            assert_eq!(md_escape_block(input), want, "{input:?}");
        }
    }

    #[test]
    fn links_are_checked_at_the_last_step() {
        let mut d = hostile_diagnosis();
        let evil = "https://acme.x@evil%2ecom\\.my.salesforce.com/";
        d.findings[0].link = Some(crate::finding::Link {
            label: "Log in to the org".into(),
            url: evil.into(),
        });
        let mut ok = d.findings[0].clone();
        ok.link = Some(crate::finding::Link {
            label: "Setup › Flows".into(),
            url: "https://acme.lightning.force.com/lightning/setup/Flows/home".into(),
        });
        let mut rel = d.findings[0].clone();
        rel.link = Some(crate::finding::Link {
            label: "CORS (Setup)".into(),
            url: "/lightning/setup/CorsWhitelistEntries/home".into(),
        });
        d.findings.push(ok);
        d.findings.push(rel);
        let md = markdown(&d, "2026-11-25T10:00:00Z");
        assert!(md.contains("Where: Setup › Flows: <https://acme.lightning.force.com/lightning/setup/Flows/home>"), "{md}");
        assert!(
            md.contains(
                "Where: In Setup: CORS (Setup) (/lightning/setup/CorsWhitelistEntries/home)"
            ),
            "{md}"
        );
        assert!(md.contains("not linked: not a Salesforce address"), "{md}");
        assert!(!md.contains("<https://acme.x"), "{md}");
        assert_eq!(
            linkable_addresses(&md),
            vec!["https://acme.lightning.force.com/lightning/setup/Flows/home".to_string()],
            "{md}"
        );
        assert!(md.contains("- Page: https\\[:\\]//shop.example/"), "{md}");
    }

    #[test]
    fn export_carries_the_schema_tag_and_round_trips() {
        let e = export(hostile_diagnosis(), None, None, "2026-11-25T10:00:00Z");
        let json = serde_json::to_string(&e).unwrap();
        assert!(
            json.starts_with(
                r#"{"schema":"messaging-doctor/report@1","generatedAt":"2026-11-25T10:00:00Z""#
            ),
            "{json}"
        );
        let back: ExportedReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
    }
}
