//! Date-times for the live capture. The core has no clock: the caller passes epoch
//! milliseconds in, and these helpers format them the way the API wants them (record fields,
//! SOQL literals) and read the API's own `2025-01-15T10:20:30.000+0000` back.

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
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

fn parts(ms: i64) -> (i64, i64, i64, i64, i64, i64, i64) {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    (
        y,
        m,
        d,
        rem / 3_600_000,
        (rem / 60_000) % 60,
        (rem / 1000) % 60,
        rem % 1000,
    )
}

/// A record field value: `2025-01-15T10:20:30.000Z`.
pub fn field_datetime(ms: i64) -> String {
    let (y, m, d, h, mi, s, f) = parts(ms);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{f:03}Z")
}

/// A SOQL date-time literal, to the second (rounded down): `2025-01-15T10:20:30Z`.
pub fn soql_datetime(ms: i64) -> String {
    let (y, m, d, h, mi, s, _) = parts(ms);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Short form for messages: `2025-01-15 10:20 UTC`.
pub fn human(ms: i64) -> String {
    let (y, m, d, h, mi, _, _) = parts(ms);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// Reads `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HHMM|±HH:MM)` (what the API returns); `None` for
/// anything else.
pub fn parse(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + se * 1000;
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        for (k, c) in s[start..i].bytes().take(3).enumerate() {
            ms += i64::from(c - b'0') * [100, 10, 1][k];
        }
    }
    let tz = &s[i..];
    match tz {
        "" | "Z" => Some(ms),
        _ => {
            let sign = match tz.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = tz[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let oh: i64 = digits[0..2].parse().ok()?;
            let om: i64 = digits[2..4].parse().ok()?;
            Some(ms - sign * (oh * 3_600_000 + om * 60_000))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_reads_back() {
        let t = parse("2025-03-09T14:05:07.250+0000").unwrap();
        assert_eq!(field_datetime(t), "2025-03-09T14:05:07.250Z");
        assert_eq!(soql_datetime(t), "2025-03-09T14:05:07Z");
        assert_eq!(human(t), "2025-03-09 14:05 UTC");
        assert_eq!(parse("2025-03-09T16:05:07.250+02:00"), Some(t));
        assert_eq!(parse("2025-03-09T14:05:07.25Z"), Some(t));
        assert_eq!(parse(&field_datetime(t)), Some(t));
        assert_eq!(parse("2024-02-29T00:00:00Z"), Some(1_709_164_800_000));
        for bad in [
            "",
            "not a date",
            "2025-13-01T00:00:00Z",
            "2025-01-01 00:00:00",
            "2025-01-01T00:00:00+1",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
