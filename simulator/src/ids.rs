//! Salesforce-shaped record ids and random tokens.

use ring::rand::{SecureRandom, SystemRandom};

const SUFFIX: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
const ALNUM: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Extends a 15-character id with the 3-character case-checksum suffix.
/// Ids that are not 15 characters are returned unchanged.
pub fn to18(id15: &str) -> String {
    if id15.len() != 15 || !id15.is_ascii() {
        return id15.to_string();
    }
    let bytes = id15.as_bytes();
    let mut out = id15.to_string();
    for chunk in 0..3 {
        let mut bits = 0usize;
        for i in 0..5 {
            if bytes[chunk * 5 + i].is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        out.push(SUFFIX[bits] as char);
    }
    out
}

/// The 15-character form of an id (first 15 characters).
pub fn to15(id: &str) -> &str {
    if id.len() >= 15 && id.is_ascii() {
        &id[..15]
    } else {
        id
    }
}

/// Whether two ids name the same record (15/18-character forms compare equal).
pub fn same_id(a: &str, b: &str) -> bool {
    if a.len() == b.len() {
        return a == b;
    }
    let ok = |s: &str| s.len() == 15 || s.len() == 18;
    ok(a) && ok(b) && to15(a) == to15(b)
}

/// Whether a string looks like a record id (15 or 18 alphanumeric characters).
pub fn looks_like_id(s: &str) -> bool {
    (s.len() == 15 || s.len() == 18) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A record id: 3-char key prefix, a pod/instance part (`5g00`) and an 8-character counter,
/// checksummed to 18 characters.
pub fn make_id(prefix: &str, counter: u64) -> String {
    let mut body = String::new();
    let mut n = counter;
    for _ in 0..8 {
        body.insert(0, ALNUM[(n % 62) as usize] as char);
        n /= 62;
    }
    let p: String = format!("{prefix:0<3}").chars().take(3).collect();
    to18(&format!("{p}5g00{body}"))
}

/// Random alphanumeric string of `len` characters.
pub fn random_alnum(len: usize) -> String {
    let rng = SystemRandom::new();
    let mut buf = vec![0u8; len];
    rng.fill(&mut buf).expect("system random");
    buf.iter()
        .map(|b| ALNUM[(*b as usize) % 62] as char)
        .collect()
}

/// Random bytes encoded with URL-safe base64 without padding.
pub fn random_b64(len: usize) -> String {
    let rng = SystemRandom::new();
    let mut buf = vec![0u8; len];
    rng.fill(&mut buf).expect("system random");
    b64url(&buf)
}

/// URL-safe base64 without padding.
pub fn b64url(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len() * 4 / 3 + 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// A random UUID (version 4 layout), lower case.
pub fn uuid() -> String {
    let rng = SystemRandom::new();
    let mut b = [0u8; 16];
    rng.fill(&mut b).expect("system random");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_known_id() {
        // Checksum computed by hand: chunks "00D5g", "00000", "4ABCD" -> bits 4, 0, 30.
        assert_eq!(to18("00D5g000004ABCD"), "00D5g000004ABCDEA4");
        assert!(same_id("00D5g000004ABCD", "00D5g000004ABCDEA4"));
        assert!(!same_id("00D5g000004ABCE", "00D5g000004ABCDEA4"));
    }

    #[test]
    fn made_ids_are_18_chars_with_prefix() {
        let id = make_id("0Mw", 12);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("0Mw"));
        assert_ne!(make_id("0Mw", 12), make_id("0Mw", 13));
    }

    #[test]
    fn b64url_encodes() {
        assert_eq!(b64url(b"hello"), "aGVsbG8");
        assert_eq!(b64url(b"{\"a\":1}"), "eyJhIjoxfQ");
    }
}
