//! Merging and ranking: the one list the popup shows, likely cause first.

use crate::finding::{Finding, Severity};
use crate::page::PageReport;
use serde::{Deserialize, Serialize};

/// What the popup renders: a headline and the ranked findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// One sentence: the likely cause, or that nothing is wrong and what was checked.
    pub headline: String,
    pub findings: Vec<Finding>,
    /// Version of the core that ran in the popup.
    pub core_version: String,
    /// Version of the core that ran in the content script (from its report).
    pub page_core_version: Option<String>,
    pub page_url: Option<String>,
}

/// Orders findings worst first; among equals, the order the checks produced them (stable).
pub fn rank(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by_key(|f| f.severity);
    findings
}

/// Builds the diagnosis from what is known so far (the page report; org findings join later).
pub fn diagnose(page: Option<&PageReport>) -> Diagnosis {
    let findings = rank(page.map(|p| p.findings.clone()).unwrap_or_default());
    let headline = match findings.first() {
        Some(top) if top.severity <= Severity::Warning => format!("Likely cause: {}", top.title),
        Some(top) => top.title.clone(),
        None => "Nothing was checked yet.".to_string(),
    };
    Diagnosis {
        headline,
        findings,
        core_version: crate::CORE_VERSION.to_string(),
        page_core_version: page.map(|p| p.core_version.clone()),
        page_url: page.map(|p| p.url.clone()),
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
