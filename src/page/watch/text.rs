//! Short texts for findings: cut strings, times and counts (without float formatting).

use std::borrow::Cow;

/// `s` cut to at most `max` bytes at a character boundary, with `…` when cut.
pub fn capped(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    Cow::Owned(format!("{}…", &s[..cut]))
}

/// A time on the page's clock as seconds with two decimals (`1.23 s`). Integer arithmetic:
/// float formatting would add ~30 KB to the content script.
pub fn secs(ms: Option<f64>) -> String {
    match ms {
        Some(ms) if ms.is_finite() && ms >= 0.0 => {
            let cs = (ms / 10.0).round() as u64;
            format!("{}.{:02} s", cs / 100, cs % 100)
        }
        _ => "an unknown time".to_string(),
    }
}

/// `1 request`, `2 requests`.
pub(super) fn count_of(n: u32, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}

/// Whole milliseconds, for the recorder's start (`3 ms`).
pub(super) fn whole_ms(ms: f64) -> i64 {
    if ms.is_finite() {
        ms.max(0.0).round() as i64
    } else {
        0
    }
}
