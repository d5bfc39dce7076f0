//! The source check: the same verdicts as the org checks, on an org's metadata source (a
//! Salesforce DX project or a Metadata API folder) before it is deployed.
//!
//! Pure like the rest of the core: the caller (the `messaging-doctor` command, crates/cli)
//! finds and reads the files and turns their XML into the plain items below; this module
//! judges them with the same engines and the same finding codes and severities as
//! [`crate::org::checks`], and gives every finding a `file:line` location. Codes that need a
//! live org (storage, recent sessions, the page's deployment) are not produced here.
//!
//! The inserted record is the same model the org checks start from
//! ([`crate::org::checks::record_for`]); what only an org knows (the Automated Process user's
//! profile and custom permissions) stays unknown, so a verdict that hinges on it says so
//! ("may block") instead of guessing. [`check_with`] takes another record model, which is how
//! the tests compare source and org verdicts on equal terms.

mod judge;

pub use judge::{trigger_object, OBJECTS};

use serde::{Deserialize, Serialize};

use crate::analysis::record::InsertedRecord;
use crate::finding::{Evidence, Finding, Severity};
use crate::org::{CheckResult, CheckStatus};

/// A place in a file: the path as the caller shows it (relative to the checked folder) and a
/// 1-based line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Located {
    pub file: String,
    pub line: u32,
}

impl Located {
    pub fn new(file: impl Into<String>, line: u32) -> Self {
        Located {
            file: file.into(),
            line: line.max(1),
        }
    }
    pub fn show(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// A custom field of MessagingSession or MessagingEndUser (`*.field-meta.xml`, or a
/// `<fields>` entry of `MessagingSession.object`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceField {
    pub object: String,
    pub name: String,
    pub label: Option<String>,
    /// The Metadata API type (`Text`, `Picklist`, `Checkbox`, `MasterDetail`, …).
    pub field_type: String,
    pub required: bool,
    /// `<defaultValue>`, or a picklist value marked `<default>true</default>`.
    pub default_value: Option<String>,
    /// A formula field (`<formula>`): calculated, never given on insert.
    pub formula: bool,
    /// Where `<required>` (else the field) is written.
    pub at: Located,
}

/// A validation rule (`*.validationRule-meta.xml`, or a `<validationRules>` entry).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceRule {
    pub object: String,
    pub name: String,
    pub active: bool,
    pub formula: String,
    pub error_message: String,
    /// The rule's file, at its `<errorConditionFormula>`; the formula text starts on that line.
    pub at: Located,
}

/// A flow (`*.flow-meta.xml` / `*.flow`), its XML turned into the JSON shape the Tooling
/// API's Flow `Metadata` has, which the flow analyser reads.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFlow {
    pub api_name: String,
    /// `<status>`: `Active`, `Draft`, `Obsolete`, `InvalidDraft`.
    pub status: String,
    pub metadata: serde_json::Value,
    /// Line of each named element (`<name>` of an element), for locations.
    pub element_lines: Vec<(String, u32)>,
    pub at: Located,
}

/// An Apex trigger (`*.trigger` and its `-meta.xml`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceTrigger {
    pub name: String,
    pub body: String,
    /// `<status>` of the meta file (`Active`, `Inactive`, `Deleted`); `Active` when the meta
    /// file is missing, as a deploy without one would be refused anyway.
    pub status: String,
    pub file: String,
    /// The meta file, when there is one.
    pub meta_file: Option<String>,
}

/// An Apex class the triggers may reach (`classes/*.cls`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceClass {
    pub name: String,
    pub body: String,
    pub file: String,
}

/// An Embedded Service deployment (`*.EmbeddedServiceConfig[-meta.xml]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceDeployment {
    pub name: String,
    pub feature: Option<String>,
    pub enabled: Option<bool>,
    pub guests_allowed: Option<bool>,
    pub auth_method: Option<String>,
    pub at: Located,
}

/// A file that could not be read: named, and the rest is still checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub file: String,
    pub line: Option<u32>,
    /// `malformed XML`, `not UTF-8`, `too large`, `nested too deeply`, `unreadable`, …
    pub kind: String,
    pub detail: String,
}

/// Everything the caller read from the project.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceInput {
    pub fields: Vec<SourceField>,
    pub rules: Vec<SourceRule>,
    pub flows: Vec<SourceFlow>,
    pub triggers: Vec<SourceTrigger>,
    pub classes: Vec<SourceClass>,
    pub deployments: Vec<SourceDeployment>,
    pub problems: Vec<FileProblem>,
    /// Flows read that are not record-triggered on the two objects (counted for the summary).
    pub other_flows: usize,
}

/// One finding with its primary location and the item it is about (`rule:Name`,
/// `flow:ApiName`, `trigger:Name`, `field:Object.Name`, `deployment:Name`, `file:path`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceFinding {
    pub item: String,
    pub at: Located,
    pub finding: Finding,
}

/// What the source check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceReport {
    pub checks: Vec<CheckResult>,
    /// Worst first; among equals, the order the checks produced them.
    pub findings: Vec<SourceFinding>,
}

impl SourceReport {
    /// How many findings are at `threshold` or worse.
    pub fn count_at_least(&self, threshold: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.finding.severity <= threshold)
            .count()
    }
}

/// Judges the project with the record the platform inserts at conversation start.
pub fn check(input: &SourceInput) -> SourceReport {
    check_with(input, &crate::org::checks::record_for)
}

/// Judges the project with the record model `record(object)` gives.
pub fn check_with(input: &SourceInput, record: &dyn Fn(&str) -> InsertedRecord) -> SourceReport {
    let mut found: Vec<SourceFinding> = Vec::new();
    for p in &input.problems {
        found.push(file_problem(p));
    }
    let checks = vec![
        judge::required_fields(input, record, &mut found),
        judge::validation_rules(input, record, &mut found),
        judge::flows(input, record, &mut found),
        judge::triggers(input, record, &mut found),
        judge::deployments(input, &mut found),
        CheckResult::new(
            "storage",
            "Data storage",
            CheckStatus::Skipped,
            "needs a live org (not in source)",
        ),
        CheckResult::new(
            "recent-sessions",
            "Recent sessions",
            CheckStatus::Skipped,
            "needs a live org (not in source)",
        ),
    ];
    // Stable: equal severities keep the order the checks produced them.
    found.sort_by_key(|f| f.finding.severity);
    SourceReport {
        checks,
        findings: found,
    }
}

fn file_problem(p: &FileProblem) -> SourceFinding {
    let at = Located::new(p.file.clone(), p.line.unwrap_or(1));
    SourceFinding {
        item: format!("file:{}", p.file),
        finding: Finding::new(
            "source/file-unreadable",
            Severity::Warning,
            format!("Could not read {} ({})", p.file, p.kind),
            format!(
                "{} could not be read: {} ({}). Whatever it defines was not checked; the other files were.",
                p.file, p.kind, p.detail
            ),
        )
        .with_evidence(Evidence::new("File", p.file.clone()).at(at.show()))
        .with_evidence(Evidence::new("Problem", format!("{}: {}", p.kind, p.detail)))
        .with_fix("Fix or remove the file (a deploy would refuse it too), then run the check again."),
        at,
    }
}

#[cfg(test)]
mod tests;
