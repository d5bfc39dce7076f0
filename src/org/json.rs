//! Small, total accessors over `serde_json::Value` for org answers. Org JSON is untrusted: a
//! missing key, a wrong type or a null is always "absent", never a panic.

use serde_json::Value;

/// `v[key]` as text; numbers and booleans are rendered, null/absent is `None`.
pub fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `v[key]` as text, or "" when absent.
pub fn text_or_empty(v: &Value, key: &str) -> String {
    text(v, key).unwrap_or_default()
}

/// `v[key]` as a boolean; strings "true"/"false" are accepted (some answers quote them).
pub fn flag(v: &Value, key: &str) -> Option<bool> {
    match v.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// `v[key]` as a number.
pub fn number(v: &Value, key: &str) -> Option<f64> {
    match v.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A dotted relationship path such as `LastModifiedBy.Name`.
pub fn path_text(v: &Value, path: &str) -> Option<String> {
    let mut cur = v;
    let mut parts = path.split('.').peekable();
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            return text(cur, p);
        }
        cur = cur.get(p)?;
        if cur.is_null() {
            return None;
        }
    }
    None
}

/// `v[key]` as an array slice (empty when absent or not an array).
pub fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(|a| a.as_array())
        .map(|a| a.as_slice())
        .unwrap_or(&[])
}

/// Cuts a text to at most `max` characters (on a char boundary), marking the cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accessors_are_total() {
        let v = json!({"a": "x", "b": true, "c": 3, "d": null, "e": {"Name": "Ada"}, "f": [1, 2], "g": "TRUE"});
        assert_eq!(text(&v, "a").as_deref(), Some("x"));
        assert_eq!(text(&v, "c").as_deref(), Some("3"));
        assert_eq!(text(&v, "d"), None);
        assert_eq!(text(&v, "zz"), None);
        assert_eq!(flag(&v, "b"), Some(true));
        assert_eq!(flag(&v, "g"), Some(true));
        assert_eq!(flag(&v, "a"), None);
        assert_eq!(number(&v, "c"), Some(3.0));
        assert_eq!(path_text(&v, "e.Name").as_deref(), Some("Ada"));
        assert_eq!(path_text(&v, "d.Name"), None);
        assert_eq!(array(&v, "f").len(), 2);
        assert_eq!(array(&v, "a").len(), 0);
        assert_eq!(text(&json!([1]), "a"), None);
        assert_eq!(clip("héllo wörld", 5), "héllo…");
        assert_eq!(clip("abc", 5), "abc");
    }
}
