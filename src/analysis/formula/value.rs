//! Values of the evaluator, three-valued results, and the date arithmetic they need.

use std::fmt;

/// A known formula value. `Null` is Salesforce's blank: a known absence of a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    /// Days since 1970-01-01.
    Date(i64),
    /// Milliseconds since 1970-01-01T00:00:00Z.
    DateTime(i64),
}

/// The result of evaluating an expression: a value, or unknown with what it hinges on
/// (each entry names one unknown, e.g. `$Permission.Bypass_VR` or
/// `Contact__r.Email (a related record's field)`).
#[derive(Debug, Clone, PartialEq)]
pub enum Eval {
    Known(Value),
    Unknown(Vec<String>),
}

impl Eval {
    pub fn unknown(why: impl Into<String>) -> Eval {
        Eval::Unknown(vec![why.into()])
    }
    pub fn is_true(&self) -> bool {
        matches!(self, Eval::Known(Value::Bool(true)))
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Eval::Unknown(_))
    }
    /// The hinges of an unknown (empty for a known value).
    pub fn hinges(&self) -> &[String] {
        match self {
            Eval::Unknown(h) => h,
            Eval::Known(_) => &[],
        }
    }
}

/// Adds `more` to `into`, keeping first-seen order and no duplicates.
pub(crate) fn merge_hinges(into: &mut Vec<String>, more: &[String]) {
    for h in more {
        if !into.contains(h) {
            into.push(h.clone());
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "blank (null)"),
            Value::Bool(true) => write!(f, "TRUE"),
            Value::Bool(false) => write!(f, "FALSE"),
            Value::Number(n) => write!(f, "{}", format_number(*n)),
            Value::Text(s) => write!(f, "\"{}\"", s.escape_default()),
            Value::Date(d) => write!(f, "{}", format_date(*d)),
            Value::DateTime(ms) => write!(f, "{}", format_datetime(*ms)),
        }
    }
}

impl fmt::Display for Eval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Eval::Known(v) => write!(f, "{v}"),
            Eval::Unknown(h) if h.is_empty() => write!(f, "unknown"),
            Eval::Unknown(h) => write!(f, "unknown (depends on {})", h.join("; ")),
        }
    }
}

/// A number as Salesforce's TEXT() shows it: no trailing `.0`, no exponent for ordinary sizes.
pub(crate) fn format_number(n: f64) -> String {
    if !n.is_finite() {
        return "#Error!".to_string();
    }
    if n == n.trunc() && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    let s = format!("{n}");
    if s.contains('e') {
        // Rare: tiny or huge numbers; fixed notation with up to 10 decimals.
        let t = format!("{n:.10}");
        let t = t.trim_end_matches('0').trim_end_matches('.');
        return t.to_string();
    }
    s
}

// ---- Dates (proleptic Gregorian, UTC) ----

pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(crate) fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub(crate) fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Salesforce dates run from 1700 to 4000.
pub(crate) fn valid_date(y: i64, m: i64, d: i64) -> bool {
    (1700..=4000).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

pub(crate) fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

pub(crate) fn format_datetime(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000) / 1000;
    format!(
        "{} {:02}:{:02}:{:02}Z",
        format_date(days),
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `YYYY-MM-DD` → days.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.trim().split('-');
    let y = num(it.next()?)?;
    let m = num(it.next()?)?;
    let d = num(it.next()?)?;
    if it.next().is_some() || !valid_date(y, m, d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// `YYYY-MM-DD HH:MM:SS` or ISO `YYYY-MM-DDTHH:MM:SS[.sss][Z]`, read as GMT; a bare date is
/// midnight GMT.
pub(crate) fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = match s.find(['T', ' ']) {
        Some(i) => (s.get(..i)?, s.get(i + 1..)?),
        None => (s, "00:00:00"),
    };
    let days = parse_date(date)?;
    let time = time
        .trim_end_matches('Z')
        .trim_end_matches("+0000")
        .trim_end_matches("+00:00");
    let (hms, frac) = match time.find('.') {
        Some(i) => (time.get(..i)?, time.get(i + 1..)?),
        None => (time, ""),
    };
    let mut parts = hms.split(':');
    let h = num(parts.next()?)?;
    let mi = num(parts.next()?)?;
    let sec = match parts.next() {
        Some(p) => num(p)?,
        None => 0,
    };
    if parts.next().is_some() || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let ms = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().take(3).collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: i64 = digits.parse().ok()?;
        v * 10i64.pow(3 - digits.len() as u32)
    };
    Some(days * 86_400_000 + ((h * 60 + mi) * 60 + sec) * 1000 + ms)
}
