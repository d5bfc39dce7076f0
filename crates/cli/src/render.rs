//! The three outputs: text for a terminal, the report schema's JSON, and SARIF 2.1.0 for code
//! scanning.
//!
//! SARIF is written with our own serde structures rather than a SARIF model crate: the few
//! properties code scanning reads (rules with help, results with a level, a message and a
//! physical location) are a small, stable subset, and the output is validated against the
//! SARIF 2.1.0 JSON schema in the tests (crates/cli/tests/cli.rs).

use messaging_doctor::finding::Severity;
use messaging_doctor::org::CheckStatus;
use messaging_doctor::source::SourceFinding;
use serde::Serialize;
use serde_json::{json, Value};

use crate::Checked;

/// docs/findings.md, embedded so SARIF rules carry the same help as the documentation.
const FINDINGS_DOC: &str = include_str!("../../../docs/findings.md");

/// The documentation row of `code`: (when, fix in short).
pub fn doc_of(code: &str) -> Option<(String, String)> {
    let tick = format!("`{code}`");
    for line in FINDINGS_DOC.lines() {
        let cells: Vec<&str> = line.split(" | ").collect();
        if cells.len() >= 4
            && cells[0]
                .trim_start_matches('|')
                .trim()
                .split(", ")
                .any(|c| c == tick)
        {
            let clean = |s: &str| s.trim().trim_end_matches('|').trim().replace('`', "");
            return Some((clean(cells[2]), clean(cells[3])));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Text

struct Paint(bool);

impl Paint {
    fn sev(&self, s: Severity) -> String {
        let (code, word) = match s {
            Severity::Error => ("31;1", "error"),
            Severity::Warning => ("33;1", "warning"),
            Severity::Info => ("36", "info"),
            Severity::Ok => ("32", "ok"),
        };
        if self.0 {
            format!("\x1b[{code}m{word:<7}\x1b[0m")
        } else {
            format!("{word:<7}")
        }
    }
    fn dim(&self, s: &str) -> String {
        if self.0 {
            format!("\x1b[2m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        if self.0 {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// Control characters from files (escape sequences in a rule name) are shown, not obeyed.
fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

pub fn text(c: &Checked, colour: bool) -> String {
    let p = Paint(colour);
    let mut out = String::new();
    out.push_str(&p.bold(&format!(
        "messaging-doctor check {} — {} ({} metadata file(s), {} opened)",
        safe(&c.shown_root),
        c.layout.words(),
        c.files_seen,
        c.files_opened
    )));
    out.push_str("\n\n");
    for f in &c.report.findings {
        let x = &f.finding;
        out.push_str(&format!(
            "{} {}  {}\n",
            p.sev(x.severity),
            safe(&x.code),
            p.bold(&safe(&x.title))
        ));
        out.push_str(&format!("        at {}\n", safe(&f.at.show())));
        out.push_str(&format!("        {}\n", safe(&x.message)));
        for e in x.evidence.iter().take(6) {
            let at = e
                .location
                .as_deref()
                .map(|l| format!(" ({})", safe(l)))
                .unwrap_or_default();
            out.push_str(&p.dim(&format!(
                "        {}: {}{}\n",
                safe(&e.label),
                safe(&first_line(&e.value, 160)),
                at
            )));
        }
        if let Some(fix) = x.fix.first() {
            out.push_str(&format!(
                "        fix: {}\n",
                safe(fix).replace('\n', "\n             ")
            ));
        }
        out.push('\n');
    }
    out.push_str(&p.bold("What the source check covered"));
    out.push('\n');
    for ch in &c.report.checks {
        let mark = match ch.status {
            CheckStatus::Passed => "passed",
            CheckStatus::Problem => "problem",
            CheckStatus::Failed => "could not run",
            CheckStatus::Skipped => "skipped",
        };
        out.push_str(&format!(
            "  {:<30} {:<8} {}\n",
            ch.title,
            mark,
            safe(&first_line(&ch.summary, 300))
        ));
    }
    let errors = c.report.count_at_least(Severity::Error);
    let warnings = c.report.count_at_least(Severity::Warning) - errors;
    out.push_str(&format!("\n{} error(s), {} warning(s)\n", errors, warnings));
    out
}

fn first_line(s: &str, max: usize) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > max {
        format!("{}…", one.chars().take(max).collect::<String>())
    } else {
        one
    }
}

// ---------------------------------------------------------------------------------------------
// JSON (docs/report-schema.md)

pub fn json(c: &Checked, generated_at: &str) -> Value {
    let findings: Vec<&messaging_doctor::finding::Finding> =
        c.report.findings.iter().map(|f| &f.finding).collect();
    let headline = match c.report.findings.first() {
        Some(f) if f.finding.severity <= Severity::Warning => {
            format!("Likely cause: {}", f.finding.title)
        }
        _ => "The source check found nothing that stops a chat".to_string(),
    };
    json!({
        "schema": "messaging-doctor/report@1",
        "generatedAt": generated_at,
        "diagnosis": {
            "headline": headline,
            "findings": findings,
            "coreVersion": messaging_doctor::CORE_VERSION,
            "pageCoreVersion": null,
            "pageUrl": null,
            "checks": c.report.checks,
        },
        "source": {
            "path": c.shown_root,
            "layout": match c.layout {
                crate::project::Layout::SfdxProject => "sfdx",
                crate::project::Layout::MetadataApi => "mdapi",
                crate::project::Layout::SourceFolder => "folder",
            },
            "filesSeen": c.files_seen,
            "filesOpened": c.files_opened,
            "findings": c.report.findings.iter().map(|f| json!({
                "code": f.finding.code,
                "severity": f.finding.severity,
                "item": f.item,
                "file": f.at.file,
                "line": f.at.line,
            })).collect::<Vec<_>>(),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Config,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Config {
    level: &'static str,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Ok => "note",
    }
}

fn rule_for(f: &SourceFinding) -> Rule {
    let code = &f.finding.code;
    let (when, fix) = doc_of(code).unwrap_or_else(|| {
        (
            f.finding.title.clone(),
            f.finding.fix.first().cloned().unwrap_or_default(),
        )
    });
    let name = code
        .rsplit('/')
        .next()
        .unwrap_or(code)
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<String>();
    Rule {
        id: code.clone(),
        name,
        short_description: Text {
            text: first_line(&when, 200),
        },
        full_description: Text { text: when.clone() },
        help: Help {
            text: format!("When: {when}\nFix: {fix}\nSee docs/findings.md ({code})."),
            markdown: format!(
                "**When:** {when}\n\n**Fix:** {fix}\n\nSee `docs/findings.md` (`{code}`)."
            ),
        },
        default_configuration: Config {
            level: level(f.finding.severity),
        },
    }
}

pub fn sarif(c: &Checked) -> Value {
    let mut rules: Vec<Rule> = Vec::new();
    let mut results = Vec::new();
    for f in &c.report.findings {
        let x = &f.finding;
        let index = match rules.iter().position(|r| r.id == x.code) {
            Some(i) => i,
            None => {
                rules.push(rule_for(f));
                rules.len() - 1
            }
        };
        let mut text = format!("{}. {}", x.title.trim_end_matches('.'), x.message);
        if let Some(fix) = x.fix.first() {
            text.push_str(&format!(" Fix: {fix}"));
        }
        results.push(json!({
            "ruleId": x.code,
            "ruleIndex": index,
            "level": level(x.severity),
            "message": {"text": text},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri_of(&f.at.file)},
                    "region": {"startLine": f.at.line},
                }
            }],
            "partialFingerprints": {"messagingDoctorItem/v1": format!("{}|{}", x.code, f.item)},
            "properties": {"item": f.item},
        }));
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "messaging-doctor",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
            "properties": {"checks": c.report.checks},
        }]
    })
}

/// A relative path stays relative (code scanning resolves it against the checkout); an
/// absolute one becomes a file URI. Spaces and `%` are escaped.
fn uri_of(file: &str) -> String {
    let esc: String = file
        .chars()
        .map(|ch| match ch {
            ' ' => "%20".to_string(),
            '%' => "%25".to_string(),
            '#' => "%23".to_string(),
            '?' => "%3F".to_string(),
            c => c.to_string(),
        })
        .collect();
    if esc.starts_with('/') {
        format!("file://{esc}")
    } else {
        esc.trim_start_matches("./").to_string()
    }
}
