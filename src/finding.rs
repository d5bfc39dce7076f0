//! The one shape every check reports in.
//!
//! A finding's `code` is stable (documented in `docs/findings.md`); its `message` reads on its
//! own in a support case; `evidence` says what was seen and where; `fix` is what to do; `link`
//! points at the page (usually a Setup page) where the fix is made. All text that came from a
//! page or an org is carried as plain strings and is rendered as text by the UI.

use serde::{Deserialize, Serialize};

/// How much a finding matters. Ordered from most to least severe so `Ord` sorts worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Breaks the chat for customers now.
    Error,
    /// Likely to break it, or breaks it under conditions named in the message.
    Warning,
    /// Worth knowing; not a fault.
    Info,
    /// A check that passed, listed so the admin sees what was covered.
    Ok,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
            Severity::Info => "Info",
            Severity::Ok => "OK",
        }
    }
}

/// One piece of evidence: a short label and the observed value, optionally with where it was
/// seen (a script position, a URL, an API record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub label: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl Evidence {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Evidence {
            label: label.into(),
            value: value.into(),
            location: None,
        }
    }

    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }
}

/// A link to where the admin can read more or make the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable identifier, e.g. `page/duplicate-snippet`. Never reworded once shipped.
    pub code: String,
    pub severity: Severity,
    /// One line, plain words.
    pub title: String,
    /// Stands alone: says what is wrong and why it matters without the rest of the report.
    pub message: String,
    pub evidence: Vec<Evidence>,
    /// Steps, in order.
    pub fix: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
    /// Why the ranking put this finding where it is, when page and org evidence moved it
    /// (set by `report::rank_all`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_ranked: Option<String>,
}

impl Finding {
    pub fn new(
        code: &str,
        severity: Severity,
        title: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            code: code.to_string(),
            severity,
            title: title.into(),
            message: message.into(),
            evidence: Vec::new(),
            fix: Vec::new(),
            link: None,
            why_ranked: None,
        }
    }

    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }

    pub fn with_fix(mut self, step: impl Into<String>) -> Self {
        self.fix.push(step.into());
        self
    }

    pub fn with_link(mut self, label: impl Into<String>, url: impl Into<String>) -> Self {
        self.link = Some(Link {
            label: label.into(),
            url: url.into(),
        });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_sorts_worst_first() {
        let mut v = vec![
            Severity::Ok,
            Severity::Info,
            Severity::Error,
            Severity::Warning,
        ];
        v.sort();
        assert_eq!(
            v,
            vec![
                Severity::Error,
                Severity::Warning,
                Severity::Info,
                Severity::Ok
            ]
        );
    }

    #[test]
    fn finding_serialises_with_lowercase_severity_and_without_empty_link() {
        let f = Finding::new("page/x", Severity::Warning, "t", "m")
            .with_evidence(Evidence::new("a", "b").at("script #1"));
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["severity"], "warning");
        assert_eq!(json["evidence"][0]["location"], "script #1");
        assert!(json.get("link").is_none());
    }
}
