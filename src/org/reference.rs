//! Composite `referenceId`s. Salesforce accepts only letters, digits and underscores (REST
//! composite; the Tooling composite documents nothing, so the same alphabet is used there),
//! so every reference is built here and read back by [`logical`]:
//!
//! - a base name (`flows`, `classes1`): letters and digits, starting with a letter, no `_`;
//! - a keyed fetch: `<base>_<record id>` (`rule_03d…`), the id 15 or 18 letters/digits;
//! - a next page: `<logical>_page<N>`; a query asked again without a field: `<logical>_retry<N>`.
//!
//! A record id is 15 or 18 characters, so it never reads as `pageN`/`retryN`: the scheme is
//! reversible and two different requests never share a reference.

/// A Salesforce record id (15 or 18 letters/digits): the only keys put in a reference.
pub fn is_record_id(id: &str) -> bool {
    (id.len() == 15 || id.len() == 18) && id.bytes().all(|c| c.is_ascii_alphanumeric())
}
pub fn keyed(base: &str, id: &str) -> Option<String> {
    is_record_id(id).then(|| format!("{base}_{id}"))
}
pub fn page(logical: &str, n: usize) -> String {
    format!("{logical}_page{n}")
}
pub fn retry(logical: &str, n: usize) -> String {
    format!("{logical}_retry{n}")
}
fn numbered(seg: &str, word: &str) -> Option<usize> {
    let n = seg.strip_prefix(word)?;
    (!n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
        .then(|| n.parse().ok())
        .flatten()
}
/// The logical reference (`flows` for `flows_page2`, `rule_03d…` for itself).
pub fn logical(reference: &str) -> String {
    reference
        .split('_')
        .filter(|s| numbered(s, "page").is_none() && numbered(s, "retry").is_none())
        .collect::<Vec<_>>()
        .join("_")
}
/// Which attempt a reference is: 0 for the first, N for `_retryN`.
pub fn attempt(reference: &str) -> usize {
    reference
        .split('_')
        .find_map(|s| numbered(s, "retry"))
        .unwrap_or(0)
}
/// Is this a next page of a query?
pub fn is_page(reference: &str) -> bool {
    reference.split('_').any(|s| numbered(s, "page").is_some())
}
/// The base name (`rule` for `rule_03d…`).
pub fn base(reference: &str) -> &str {
    reference.split('_').next().unwrap_or(reference)
}
/// Letters, digits and `_`, starting with a letter.
pub fn is_valid(reference: &str) -> bool {
    reference.starts_with(|c: char| c.is_ascii_alphabetic())
        && reference
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_')
}
