//! Which host a browser would really go to for a URL written on a page.
//!
//! A snippet's site URL is page text. Read naively ("the part after `://` up to the first `/`"),
//! `https://acme.x@evil%2ecom\.my.site.com/ESW` looks like a Salesforce site, but a browser
//! follows the WHATWG URL Standard: the part before `@` is a user name, `\` ends the host in
//! http(s) URLs, `%2e` is decoded to a dot, `。` counts as a dot and `16909060` is the IPv4
//! address 1.2.3.4. This module applies those rules (the subset that decides the host), so every
//! host the core derives from page text is the host the browser would contact.
//!
//! It is deliberately smaller than a full URL parser (the `url` crate would add its IDNA tables
//! to both Wasm modules): a host with other non-ASCII characters is refused rather than mapped,
//! which only ever makes the core stricter — a Salesforce host is plain ASCII.

/// A URL's parts as far as the host decision goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUrl {
    /// Lower-case scheme without `:`.
    pub scheme: String,
    /// True when the authority carried a user name or password (`user:pass@`).
    pub userinfo: bool,
    pub host: Host,
    /// The port when one was written and it is not the scheme's default.
    pub port: Option<u16>,
    /// True when the host as written differs from the host the browser uses beyond letter
    /// case: percent escapes, IDN dots, an IPv4 number form or an IPv6 literal.
    pub host_rewritten: bool,
}

/// The host of a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A domain name: ASCII, lower case, as the browser resolves it.
    Domain(String),
    /// An IPv4 address in any of the number forms browsers accept (`1.2.3.4`, `16909060`,
    /// `0x1020304`, `01.02.03.04`).
    Ipv4([u8; 4]),
    /// An IPv6 literal (`[…]`), not read further.
    Ipv6,
}

/// Why a string is not a URL with a usable host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlProblem {
    /// No `scheme:` in front: a relative address.
    NoScheme,
    /// A scheme without a network host (`mailto:`, `javascript:`, `data:`, `file:`…).
    NoHost,
    /// Nothing where the host should be.
    EmptyHost,
    /// A percent escape that does not decode (`%zz`) or decodes to something other than text.
    BadEscape,
    /// A character no host may contain (space, `%` after decoding, `<`, `^`, a control…).
    ForbiddenCharacter(char),
    /// A character outside ASCII that is not one of the dots browsers accept.
    NonAscii(char),
    /// Ends in a number but is not a valid IPv4 address.
    BadIpv4,
    /// The port is not a number up to 65535.
    BadPort,
}

impl std::fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UrlProblem::NoScheme => write!(f, "it does not start with a scheme such as https://"),
            UrlProblem::NoHost => write!(f, "its scheme has no web host"),
            UrlProblem::EmptyHost => write!(f, "it names no host"),
            UrlProblem::BadEscape => write!(f, "its host has a percent escape that does not decode"),
            UrlProblem::ForbiddenCharacter(c) => {
                write!(f, "its host contains {}, which no host name may contain", describe(*c))
            }
            UrlProblem::NonAscii(c) => write!(
                f,
                "its host contains {}, a character outside plain ASCII (Salesforce host names are plain ASCII)",
                describe(*c)
            ),
            UrlProblem::BadIpv4 => write!(f, "its host ends in a number but is not an IP address"),
            UrlProblem::BadPort => write!(f, "its port is not a number up to 65535"),
        }
    }
}

/// A character named so that an invisible or look-alike one is recognisable in a message.
fn describe(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("'{c}'")
    } else {
        format!("U+{:04X}", c as u32)
    }
}

impl ParsedUrl {
    /// The domain, when the host is one.
    pub fn domain(&self) -> Option<&str> {
        match &self.host {
            Host::Domain(d) => Some(d),
            _ => None,
        }
    }
}

const SPECIAL: [(&str, Option<u16>); 6] = [
    ("http", Some(80)),
    ("https", Some(443)),
    ("ws", Some(80)),
    ("wss", Some(443)),
    ("ftp", Some(21)),
    ("file", None),
];

/// Parses `input` the way a browser decides where it goes (WHATWG URL Standard, basic URL
/// parser without a base URL): leading/trailing spaces and controls trimmed, tabs and newlines
/// removed, `\` read as `/` in special schemes, credentials before the last `@` of the
/// authority, the host percent-decoded, IDN dots (U+3002, U+FF0E, U+FF61) read as dots, upper
/// case folded, and a host ending in a number read as IPv4.
pub fn parse_url(input: &str) -> Result<ParsedUrl, UrlProblem> {
    let trimmed = input.trim_matches(|c: char| c <= ' ');
    let cleaned: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let colon = cleaned.find(':').ok_or(UrlProblem::NoScheme)?;
    let scheme = &cleaned[..colon];
    let mut sc = scheme.chars();
    if !sc.next().is_some_and(|c| c.is_ascii_alphabetic())
        || !sc.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return Err(UrlProblem::NoScheme);
    }
    let scheme = scheme.to_ascii_lowercase();
    let default_port = SPECIAL.iter().find(|(s, _)| *s == scheme).map(|(_, p)| *p);
    let rest = &cleaned[colon + 1..];
    let special = default_port.is_some();
    if scheme == "file" {
        return Err(UrlProblem::NoHost);
    }
    let after_slashes = if special {
        rest.trim_start_matches(['/', '\\'])
    } else {
        rest.strip_prefix("//").ok_or(UrlProblem::NoHost)?
    };
    let ends_authority = |c: char| c == '/' || c == '?' || c == '#' || (special && c == '\\');
    let authority = after_slashes
        .split(ends_authority)
        .next()
        .unwrap_or_default();
    let (userinfo, host_port) = match authority.rfind('@') {
        Some(at) => (true, &authority[at + 1..]),
        None => (false, authority),
    };
    let (raw_host, raw_port) = if host_port.starts_with('[') {
        match host_port.find(']') {
            Some(end) => (&host_port[..=end], host_port[end + 1..].strip_prefix(':')),
            None => return Err(UrlProblem::ForbiddenCharacter('[')),
        }
    } else {
        match host_port.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    let port = match raw_port {
        None | Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
            let digits = p.trim_start_matches('0');
            let n: u32 = if digits.is_empty() {
                0
            } else if digits.len() > 5 {
                return Err(UrlProblem::BadPort);
            } else {
                digits.parse().map_err(|_| UrlProblem::BadPort)?
            };
            let n = u16::try_from(n).map_err(|_| UrlProblem::BadPort)?;
            (Some(n) != default_port.flatten()).then_some(n)
        }
        Some(_) => return Err(UrlProblem::BadPort),
    };
    if !special {
        // Opaque hosts of other schemes are never used for a link or a request.
        return Err(UrlProblem::NoHost);
    }
    let host = parse_host(raw_host)?;
    let host_rewritten = match &host {
        Host::Domain(d) => !raw_host.eq_ignore_ascii_case(d),
        _ => true,
    };
    Ok(ParsedUrl {
        scheme,
        userinfo,
        host,
        port,
        host_rewritten,
    })
}

/// The host parser for special schemes: percent-decode, map IDN dots, lower-case, refuse
/// forbidden characters, read number forms as IPv4.
pub fn parse_host(raw: &str) -> Result<Host, UrlProblem> {
    if raw.is_empty() {
        return Err(UrlProblem::EmptyHost);
    }
    if raw.starts_with('[') {
        return Ok(Host::Ipv6);
    }
    let decoded = percent_decode(raw)?;
    let mut ascii = String::with_capacity(decoded.len());
    for c in decoded.chars() {
        match c {
            '\u{3002}' | '\u{FF0E}' | '\u{FF61}' => ascii.push('.'),
            c if !c.is_ascii() => return Err(UrlProblem::NonAscii(c)),
            c => ascii.push(c.to_ascii_lowercase()),
        }
    }
    if let Some(c) = ascii.chars().find(|c| {
        c.is_ascii_control()
            || matches!(
                c,
                ' ' | '#' | '/' | ':' | '<' | '>' | '?' | '@' | '[' | '\\' | ']' | '^' | '|' | '%'
            )
    }) {
        return Err(UrlProblem::ForbiddenCharacter(c));
    }
    if ascii.is_empty() {
        return Err(UrlProblem::EmptyHost);
    }
    if ends_in_a_number(&ascii) {
        return parse_ipv4(&ascii).map(Host::Ipv4);
    }
    Ok(Host::Domain(ascii))
}

fn percent_decode(raw: &str) -> Result<String, UrlProblem> {
    if !raw.contains('%') {
        return Ok(raw.to_string());
    }
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |x: u8| (x as char).to_digit(16);
            match (
                b.get(i + 1).and_then(|x| hex(*x)),
                b.get(i + 2).and_then(|x| hex(*x)),
            ) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                // WHATWG keeps a lone `%`; the forbidden-character check then refuses it.
                _ => out.push(b'%'),
            }
        } else {
            out.push(b[i]);
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| UrlProblem::BadEscape)
}

fn ends_in_a_number(host: &str) -> bool {
    let mut parts: Vec<&str> = host.split('.').collect();
    if parts.last() == Some(&"") {
        if parts.len() == 1 {
            return false;
        }
        parts.pop();
    }
    let last = parts.last().copied().unwrap_or_default();
    (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())) || ipv4_number(last).is_some()
}

/// One part of an IPv4 address: decimal, `0x` hex or leading-zero octal.
fn ipv4_number(part: &str) -> Option<u64> {
    if part.is_empty() {
        return None;
    }
    let (digits, radix) =
        if let Some(h) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (h, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() {
        return Some(0);
    }
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Saturate instead of overflowing: anything this large is refused below anyway.
    let v = u64::from_str_radix(digits.trim_start_matches('0'), radix).unwrap_or(
        if digits.bytes().all(|b| b == b'0') {
            0
        } else {
            u64::MAX
        },
    );
    Some(v)
}

fn parse_ipv4(host: &str) -> Result<[u8; 4], UrlProblem> {
    let mut parts: Vec<&str> = host.split('.').collect();
    if parts.last() == Some(&"") && parts.len() > 1 {
        parts.pop();
    }
    if parts.len() > 4 {
        return Err(UrlProblem::BadIpv4);
    }
    let nums: Vec<u64> = parts
        .iter()
        .map(|p| ipv4_number(p).ok_or(UrlProblem::BadIpv4))
        .collect::<Result<_, _>>()?;
    let (last, head) = nums.split_last().ok_or(UrlProblem::BadIpv4)?;
    if head.iter().any(|n| *n > 255) || *last >= 256u64.pow(5 - nums.len() as u32) {
        return Err(UrlProblem::BadIpv4);
    }
    let mut v = *last;
    for (i, n) in head.iter().enumerate() {
        v += n * 256u64.pow(3 - i as u32);
    }
    let b = (v as u32).to_be_bytes();
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(u: &str) -> Result<Host, UrlProblem> {
        parse_url(u).map(|p| p.host)
    }

    fn domain(d: &str) -> Result<Host, UrlProblem> {
        Ok(Host::Domain(d.into()))
    }

    #[test]
    fn plain_hosts() {
        assert_eq!(
            host("https://acme.my.site.com/ESW"),
            domain("acme.my.site.com")
        );
        assert_eq!(host("https://ACME.My.Site.com"), domain("acme.my.site.com"));
        assert_eq!(
            host("  https://acme.my.site.com:443/x?y#z "),
            domain("acme.my.site.com")
        );
        assert_eq!(
            host("https://acme.my.site.com."),
            domain("acme.my.site.com.")
        );
        let p = parse_url("https://acme.my.site.com:443/").unwrap();
        assert_eq!((p.port, p.userinfo, p.host_rewritten), (None, false, false));
        assert_eq!(parse_url("https://a.b:8443/").unwrap().port, Some(8443));
        assert_eq!(
            parse_url("https://a.b:99999/").map(|p| p.port),
            Err(UrlProblem::BadPort)
        );
        assert_eq!(
            parse_url("https://a.b:x/").map(|p| p.port),
            Err(UrlProblem::BadPort)
        );
    }

    /// The hostile forms: what a naive reader takes for a Salesforce host goes elsewhere.
    #[test]
    fn hostile_forms_resolve_where_the_browser_goes() {
        let p = parse_url("https://acme.x@evil%2ecom\\.my.site.com/ESW").unwrap();
        assert!(p.userinfo);
        assert_eq!(p.host, Host::Domain("evil.com".into()));
        assert!(p.host_rewritten);
        assert_eq!(
            host("https://acme.x@16909060\\.my.site.com/ESW"),
            Ok(Host::Ipv4([1, 2, 3, 4]))
        );
        assert_eq!(
            host("https://evil\u{3002}com\\.my.site.com"),
            domain("evil.com")
        );
        assert_eq!(
            host("https://evil\u{FF0E}com/.my.site.com"),
            domain("evil.com")
        );
        assert_eq!(host("https://evil\u{FF61}com"), domain("evil.com"));
        assert_eq!(
            host("https:\\\\evil.com\\x.my.site.com"),
            domain("evil.com")
        );
        assert_eq!(host("https:evil.com/.my.site.com"), domain("evil.com"));
        assert_eq!(host("ht\ttps://ev\nil.com"), domain("evil.com"));
        assert_eq!(host("https://a@b@evil.com/"), domain("evil.com"));
        assert_eq!(
            host("https://evil.com#@acme.my.site.com"),
            domain("evil.com")
        );
        assert_eq!(
            host("https://evil.com?@acme.my.site.com"),
            domain("evil.com")
        );
        assert_eq!(host("https://0x7f.1/"), Ok(Host::Ipv4([127, 0, 0, 1])));
        assert_eq!(host("https://0177.0.0.01/"), Ok(Host::Ipv4([127, 0, 0, 1])));
        assert_eq!(host("https://1.2.3.4./"), Ok(Host::Ipv4([1, 2, 3, 4])));
        assert_eq!(host("https://[::1]/"), Ok(Host::Ipv6));
    }

    #[test]
    fn refused_hosts() {
        assert_eq!(host("acme.my.site.com/ESW"), Err(UrlProblem::NoScheme));
        assert_eq!(host("://w.=.my.site.com"), Err(UrlProblem::NoScheme));
        assert_eq!(
            host("javascript:alert(1)//x.my.site.com"),
            Err(UrlProblem::NoHost)
        );
        assert_eq!(host("https://"), Err(UrlProblem::EmptyHost));
        assert_eq!(
            host("https://%zz.com"),
            Err(UrlProblem::ForbiddenCharacter('%'))
        );
        assert_eq!(host("https://%ff.com"), Err(UrlProblem::BadEscape));
        assert_eq!(
            host("https://a%20b.com"),
            Err(UrlProblem::ForbiddenCharacter(' '))
        );
        assert_eq!(
            host("https://a%00b.com"),
            Err(UrlProblem::ForbiddenCharacter('\0'))
        );
        assert_eq!(
            host("https://a^b.com"),
            Err(UrlProblem::ForbiddenCharacter('^'))
        );
        assert_eq!(
            host("https://аcme.my.site.com"),
            Err(UrlProblem::NonAscii('а'))
        );
        assert_eq!(
            host("https://acme\u{200B}.my.site.com"),
            Err(UrlProblem::NonAscii('\u{200B}'))
        );
        assert_eq!(host("https://1.2.3.999/"), Err(UrlProblem::BadIpv4));
        assert_eq!(host("https://a.09/"), Err(UrlProblem::BadIpv4));
        assert_eq!(host("https://1.2.3.4.5/"), Err(UrlProblem::BadIpv4));
        assert_eq!(host("https://4294967296/"), Err(UrlProblem::BadIpv4));
        assert_eq!(
            host("https://99999999999999999999999/"),
            Err(UrlProblem::BadIpv4)
        );
        assert_eq!(
            host("https://[::1/"),
            Err(UrlProblem::ForbiddenCharacter('['))
        );
        // Not every dotted word is a number: a label that only looks numeric-ish stays a domain.
        assert_eq!(host("https://1.2.3.x/"), domain("1.2.3.x"));
        assert_eq!(host("https://0xg.com/"), domain("0xg.com"));
    }

    #[test]
    fn problems_read_as_sentences_and_name_invisible_characters() {
        let m = UrlProblem::NonAscii('\u{202E}').to_string();
        assert!(m.contains("U+202E"), "{m}");
        let m = UrlProblem::ForbiddenCharacter('^').to_string();
        assert!(m.contains("'^'"), "{m}");
    }
}
