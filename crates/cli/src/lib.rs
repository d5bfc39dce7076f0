//! `messaging-doctor check`: the org checks' verdicts on an org's metadata source.
//!
//! This crate does the file work — finding the project's folders, opening only the files
//! the checks need, parsing their XML (bounded) — and the rendering; the judging is the
//! core's [`messaging_doctor::source`], the same engines and codes as the popup's org checks.

pub mod project;
pub mod render;
pub mod xml;

use std::path::Path;

use messaging_doctor::finding::Severity;
use messaging_doctor::source::{check, SourceReport};
use project::Layout;

/// A checked project.
pub struct Checked {
    /// PATH as the user wrote it.
    pub shown_root: String,
    pub layout: Layout,
    pub files_seen: usize,
    pub files_opened: usize,
    pub report: SourceReport,
}

/// Reads and judges the project at `path`. `Err` is a message for exit status 2.
pub fn check_path(path: &Path) -> Result<Checked, String> {
    let shown = path.to_string_lossy().to_string();
    let p = project::read(path, &shown)?;
    let report = check(&p.input);
    Ok(Checked {
        shown_root: shown,
        layout: p.layout,
        files_seen: p.files_seen,
        files_opened: p.files_opened,
        report,
    })
}

/// Reads the project at `path` without judging it (the tests judge the same items with another
/// record model, to compare with the org checks).
pub fn read_path(path: &Path) -> Result<project::Project, String> {
    project::read(path, &path.to_string_lossy())
}

/// `--fail-on`: the least severe finding that fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

/// 0 clean, 1 a finding at or above the threshold.
pub fn exit_status(report: &SourceReport, fail_on: FailOn) -> i32 {
    let n = match fail_on {
        FailOn::Error => report.count_at_least(Severity::Error),
        FailOn::Warning => report.count_at_least(Severity::Warning),
        FailOn::Never => 0,
    };
    i32::from(n > 0)
}

/// ISO 8601 UTC time of `secs` since the Unix epoch (for the report's `generatedAt`).
pub fn iso8601(secs: u64, millis: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso8601_dates() {
        assert_eq!(super::iso8601(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso8601(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(super::iso8601(1_796_545_465, 0), "2026-12-06T08:24:25.000Z");
    }
}
