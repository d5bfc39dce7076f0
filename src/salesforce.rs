//! Salesforce identifiers and host names, as pure functions.
//!
//! - Record/org ids: 15-char case-sensitive ids and their 18-char form whose last three
//!   characters encode, five characters at a time, which of the first fifteen are upper case.
//! - My Domain host families: a snippet's site URL (`acme.my.site.com`) and scrt2 URL
//!   (`acme.my.salesforce-scrt.com`) name the org's My Domain, from which the API host
//!   (`acme.my.salesforce.com`) and the Lightning host follow. Sandboxes put `--<sandbox>` after
//!   the stem and `.sandbox` before `.my`; Developer Edition orgs use `.develop`.

use serde::{Deserialize, Serialize};

const CHECKSUM_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// The three checksum characters of a 15-char id. `None` if `id15` is not 15 ASCII
/// alphanumerics.
pub fn id_checksum(id15: &str) -> Option<String> {
    let b = id15.as_bytes();
    if b.len() != 15 || !b.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let mut out = String::with_capacity(3);
    for chunk in b.chunks(5) {
        let mut bits = 0usize;
        for (i, c) in chunk.iter().enumerate() {
            if c.is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        out.push(CHECKSUM_ALPHABET[bits] as char);
    }
    Some(out)
}

/// Why an org id from a snippet cannot be right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrgIdProblem {
    /// Not 15 or 18 characters.
    Length(usize),
    /// Characters other than letters and digits.
    Characters,
    /// Does not start with `00D`, the org key prefix.
    NotAnOrgId,
    /// An 18-char id whose last three characters do not match the first fifteen: a typo, or
    /// the case of a letter was changed (15-char ids are case-sensitive).
    Checksum { expected: String },
}

/// Checks an org id's shape; returns its 15-char form when it is sound.
pub fn check_org_id(id: &str) -> Result<String, OrgIdProblem> {
    let n = id.chars().count();
    if n != 15 && n != 18 {
        return Err(OrgIdProblem::Length(n));
    }
    if !id.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(OrgIdProblem::Characters);
    }
    if !id.starts_with("00D") {
        return Err(OrgIdProblem::NotAnOrgId);
    }
    let id15 = &id[..15];
    if n == 18 {
        let expected = id_checksum(id15).unwrap_or_default();
        // Salesforce accepts the suffix in any case.
        if !id[15..].eq_ignore_ascii_case(&expected) {
            return Err(OrgIdProblem::Checksum { expected });
        }
    }
    Ok(id15.to_string())
}

/// Which kind of org a My Domain host belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "name")]
pub enum OrgKind {
    Production,
    Sandbox(String),
    Developer,
    /// Scratch orgs and trials (`.scratch.`, `.trailblaze.`, …): recognised, not split further.
    Other(String),
}

/// The role of a Salesforce host in a My Domain family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostRole {
    /// `*.my.salesforce.com`: the API (and classic UI) host.
    Api,
    /// `*.lightning.force.com`.
    Lightning,
    /// `*.my.salesforce-setup.com`.
    Setup,
    /// `*.my.site.com` (Experience Cloud sites, incl. the ESW site of a deployment).
    Site,
    /// `*.my.salesforce-scrt.com` (the messaging runtime).
    Scrt2,
}

/// A parsed My Domain host: `acme--uat.sandbox.my.site.com` → stem `acme`, sandbox `uat`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MyDomainHost {
    pub stem: String,
    pub kind: OrgKind,
    pub role: HostRole,
}

impl MyDomainHost {
    /// The org's identity across its host family: stem plus kind.
    pub fn org_key(&self) -> (String, OrgKind) {
        (self.stem.clone(), self.kind.clone())
    }

    /// The host of another role in the same family.
    pub fn host_for(&self, role: HostRole) -> String {
        let label = match &self.kind {
            OrgKind::Sandbox(s) => format!("{}--{}", self.stem, s),
            _ => self.stem.clone(),
        };
        let kind_part = match &self.kind {
            OrgKind::Production => String::new(),
            OrgKind::Sandbox(_) => ".sandbox".to_string(),
            OrgKind::Developer => ".develop".to_string(),
            OrgKind::Other(k) => format!(".{k}"),
        };
        match role {
            HostRole::Api => format!("{label}{kind_part}.my.salesforce.com"),
            HostRole::Lightning => format!("{label}{kind_part}.lightning.force.com"),
            HostRole::Setup => format!("{label}{kind_part}.my.salesforce-setup.com"),
            HostRole::Site => format!("{label}{kind_part}.my.site.com"),
            HostRole::Scrt2 => format!("{label}{kind_part}.my.salesforce-scrt.com"),
        }
    }
}

/// True for one DNS label as Salesforce host names use them: 1–63 letters, digits and hyphens,
/// not starting or ending with a hyphen.
pub fn is_ldh_label(label: &str) -> bool {
    let b = label.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// The host lower-cased without one trailing dot, when every label is a sound LDH label.
fn clean_host(host: &str) -> Option<String> {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    (host.len() <= 253 && host.split('.').all(is_ldh_label)).then_some(host)
}

/// Parses a host name of a My Domain family. `None` for other hosts (custom domains included)
/// and for any host with a label that is not a plain LDH label: every label is checked, not
/// only the first, so `w.=.my.site.com` is no Salesforce host.
pub fn parse_my_domain_host(host: &str) -> Option<MyDomainHost> {
    let host = clean_host(host)?;
    let suffixes: [(&str, HostRole); 5] = [
        (".my.salesforce.com", HostRole::Api),
        (".lightning.force.com", HostRole::Lightning),
        (".my.salesforce-setup.com", HostRole::Setup),
        (".my.site.com", HostRole::Site),
        (".my.salesforce-scrt.com", HostRole::Scrt2),
    ];
    let (rest, role) = suffixes
        .iter()
        .find_map(|(s, r)| host.strip_suffix(s).map(|rest| (rest, *r)))?;
    let mut labels: Vec<&str> = rest.split('.').collect();
    let first = labels.remove(0);
    if first.is_empty() || labels.len() > 1 {
        return None;
    }
    let kind_label = labels.first().copied();
    let (stem, kind) = match (first.split_once("--"), kind_label) {
        (Some((stem, sbx)), Some("sandbox")) => {
            // Sandbox names are letters and digits only.
            if sbx.is_empty() || !sbx.bytes().all(|c| c.is_ascii_alphanumeric()) {
                return None;
            }
            (stem, OrgKind::Sandbox(sbx.to_string()))
        }
        (None, None) => (first, OrgKind::Production),
        (None, Some("develop")) => (first, OrgKind::Developer),
        (Some((stem, _)), Some(other)) => (stem, OrgKind::Other(other.to_string())),
        (None, Some(other)) => (first, OrgKind::Other(other.to_string())),
        (Some(_), None) => return None,
    };
    if !is_ldh_label(stem) {
        return None;
    }
    Some(MyDomainHost {
        stem: stem.to_string(),
        kind,
        role,
    })
}

/// Host families whose sessions the org checks do not use, said in the session findings:
/// the extension has no host permission there (manifest.json lists only the commercial My
/// Domain hosts), and their Lightning/Setup families are not known to the core. Legacy instance
/// hosts redirect to My Domain since enhanced domains; Microsoft Defender for Cloud Apps' proxy
/// hides the session cookie.
pub const UNSUPPORTED_SESSION_HOSTS: &str = "Government Cloud Plus (*.salesforce.mil, *.crmforce.mil), Salesforce on Alibaba Cloud in China (*.sfcrmapps.cn, *.sfcrmproducts.cn), legacy instance hosts (such as na1.salesforce.com), *.cloudforce.com, and *.force.com.mcas.ms (Microsoft Defender for Cloud Apps hides the session cookie)";

/// True for a host whose `sid` can call the API and that the org checks may send it to: the
/// commercial My Domain API host (`<name>.my.salesforce.com`, sandbox and Developer Edition
/// forms included), every label checked. The same rule as `isApiHost` in
/// extension/popup/hosts.js (org.js, background/capture.js); tests/fixtures/salesforce-hosts.json
/// is the one table both are tested against.
pub fn is_api_host(host: &str) -> bool {
    parse_my_domain_host(host.strip_prefix('.').unwrap_or(host))
        .is_some_and(|d| d.role == HostRole::Api)
}

/// Salesforce's generic login hosts and the documentation hosts links may point to.
const FIXED_LINK_HOSTS: [&str; 4] = [
    "login.salesforce.com",
    "test.salesforce.com",
    "help.salesforce.com",
    "developer.salesforce.com",
];

/// True for a host a link shown to the admin may point to: a My Domain host of any role
/// (API/My Domain login, Lightning, Setup, site, scrt2), the generic login hosts and
/// Salesforce's documentation.
pub fn is_link_host(host: &str) -> bool {
    let Some(h) = clean_host(host) else {
        return false;
    };
    FIXED_LINK_HOSTS.contains(&h.as_str()) || parse_my_domain_host(&h).is_some()
}

/// The last check before a URL becomes a clickable link (popup) or an autolink (Markdown):
/// `https:`, no user name, no port, a host in [`is_link_host`] as the browser would read it
/// (see [`crate::url_host`]), and nothing that could end the link early or hide in it
/// (spaces, controls, `<`, `>`, `"`, `\`, non-ASCII).
pub fn is_allowed_link(url: &str) -> bool {
    if !url.starts_with("https://")
        || url["https://".len()..].starts_with('/')
        || url
            .chars()
            .any(|c| !c.is_ascii_graphic() || matches!(c, '<' | '>' | '"' | '\\' | '`'))
    {
        return false;
    }
    match crate::url_host::parse_url(url) {
        Ok(p) => {
            p.scheme == "https"
                && !p.userinfo
                && p.port.is_none()
                && !p.host_rewritten
                && p.domain().is_some_and(is_link_host)
        }
        Err(_) => false,
    }
}

/// True for a valid API name: starts with a letter, letters/digits/underscores, no double or
/// trailing underscore.
pub fn is_valid_api_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && !name.contains("__")
        && !name.ends_with('_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_known_ids() {
        // The widely published example pair 001A0000006Vm9r / 001A0000006Vm9rIAC.
        assert_eq!(id_checksum("001A0000006Vm9r").as_deref(), Some("IAC"));
        // Each chunk's upper-case letters pick one checksum character: D at index 2 → bit 4 → E.
        assert_eq!(id_checksum("00D000000000000").as_deref(), Some("EAA"));
        assert_eq!(id_checksum("00DA00000000000").as_deref(), Some("MAA"));
        assert_eq!(id_checksum("00DHu00000abcde").as_deref(), Some("MAA"));
        assert_eq!(id_checksum("ABCDEABCDEABCDE").as_deref(), Some("555"));
        assert_eq!(id_checksum("00D0000000000"), None);
        assert_eq!(id_checksum("00D00000000000!"), None);
    }

    #[test]
    fn org_id_checks() {
        assert_eq!(
            check_org_id("00DHu00000abcde"),
            Ok("00DHu00000abcde".into())
        );
        assert_eq!(
            check_org_id("00DHu00000abcdeMAA"),
            Ok("00DHu00000abcde".into())
        );
        assert_eq!(
            check_org_id("00DHu00000abcdemaa"),
            Ok("00DHu00000abcde".into())
        );
        assert_eq!(
            check_org_id("00DHu00000ABcdeMAA"),
            Err(OrgIdProblem::Checksum {
                expected: "MAD".into()
            })
        );
        assert_eq!(
            check_org_id("00DHu00000abcd"),
            Err(OrgIdProblem::Length(14))
        );
        assert_eq!(
            check_org_id("005Hu00000abcde"),
            Err(OrgIdProblem::NotAnOrgId)
        );
        assert_eq!(
            check_org_id("00DHu00000abc-e"),
            Err(OrgIdProblem::Characters)
        );
        assert_eq!(
            check_org_id("00DHu00000abcdé"),
            Err(OrgIdProblem::Characters)
        );
    }

    #[test]
    fn parses_my_domain_families() {
        type Row = (&'static str, Option<(&'static str, OrgKind, HostRole)>);
        let rows: &[Row] = &[
            (
                "acme.my.site.com",
                Some(("acme", OrgKind::Production, HostRole::Site)),
            ),
            (
                "ACME.my.salesforce-scrt.com",
                Some(("acme", OrgKind::Production, HostRole::Scrt2)),
            ),
            (
                "acme--uat.sandbox.my.site.com",
                Some(("acme", OrgKind::Sandbox("uat".into()), HostRole::Site)),
            ),
            (
                "acme--uat.sandbox.my.salesforce-scrt.com",
                Some(("acme", OrgKind::Sandbox("uat".into()), HostRole::Scrt2)),
            ),
            (
                "acme-dev-ed.develop.my.site.com",
                Some(("acme-dev-ed", OrgKind::Developer, HostRole::Site)),
            ),
            (
                "acme.lightning.force.com",
                Some(("acme", OrgKind::Production, HostRole::Lightning)),
            ),
            (
                "acme--uat.sandbox.lightning.force.com",
                Some(("acme", OrgKind::Sandbox("uat".into()), HostRole::Lightning)),
            ),
            (
                "acme.my.salesforce.com",
                Some(("acme", OrgKind::Production, HostRole::Api)),
            ),
            (
                "acme.my.salesforce-setup.com",
                Some(("acme", OrgKind::Production, HostRole::Setup)),
            ),
            ("help.acme.com", None),
            ("my.site.com", None),
            ("a.b.c.my.site.com", None),
            ("acme--uat.my.site.com", None),
            // Every label is checked, not only the first.
            ("w.=.my.site.com", None),
            ("acme.x@evil.my.site.com", None),
            ("evil%2ecom.my.site.com", None),
            ("-acme.my.site.com", None),
            ("acme-.my.site.com", None),
            ("acme--.sandbox.my.site.com", None),
            ("acme--u-t.sandbox.my.site.com", None),
            ("acme\u{3002}x.my.site.com", None),
            ("acme..my.site.com", None),
            (
                "ACME.my.site.com.",
                Some(("acme", OrgKind::Production, HostRole::Site)),
            ),
        ];
        for (host, want) in rows {
            let got = parse_my_domain_host(host).map(|h| (h.stem.clone(), h.kind.clone(), h.role));
            let want = want
                .as_ref()
                .map(|(s, k, r)| (s.to_string(), k.clone(), *r));
            assert_eq!(got, want, "{host}");
        }
    }

    #[test]
    fn derives_the_other_hosts_of_a_family() {
        let site = parse_my_domain_host("acme--uat.sandbox.my.site.com").unwrap();
        assert_eq!(
            site.host_for(HostRole::Api),
            "acme--uat.sandbox.my.salesforce.com"
        );
        assert_eq!(
            site.host_for(HostRole::Scrt2),
            "acme--uat.sandbox.my.salesforce-scrt.com"
        );
        let prod = parse_my_domain_host("acme.my.site.com").unwrap();
        assert_eq!(
            prod.host_for(HostRole::Lightning),
            "acme.lightning.force.com"
        );
        let de = parse_my_domain_host("x-dev-ed.develop.my.site.com").unwrap();
        assert_eq!(
            de.host_for(HostRole::Api),
            "x-dev-ed.develop.my.salesforce.com"
        );
    }

    /// The shared table extension/popup/org.js is tested against too (tests/static).
    #[test]
    fn api_host_families_match_the_shared_table() {
        let table: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/salesforce-hosts.json")).unwrap();
        let mut n = 0;
        for (key, want) in [("api", true), ("notApi", false)] {
            for h in table[key].as_array().unwrap() {
                let h = h.as_str().unwrap();
                assert_eq!(is_api_host(h), want, "{h}");
                n += 1;
            }
        }
        assert!(n > 20, "the table is missing rows");
    }

    #[test]
    fn links_only_to_salesforce_families() {
        let table: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/salesforce-hosts.json")).unwrap();
        for (key, want) in [("link", true), ("notLink", false)] {
            let rows = table[key].as_array().unwrap();
            assert!(rows.len() > 10, "the table is missing rows");
            for u in rows {
                let u = u.as_str().unwrap();
                assert_eq!(is_allowed_link(u), want, "{u}");
            }
        }
    }

    #[test]
    fn api_names() {
        for ok in ["Web_Chat", "A", "Chat2", "a_b_c"] {
            assert!(is_valid_api_name(ok), "{ok}");
        }
        for bad in [
            "",
            "2Chat",
            "Web Chat",
            "Web__Chat",
            "Web_",
            "Web-Chat",
            "Wéb",
        ] {
            assert!(!is_valid_api_name(bad), "{bad}");
        }
    }
}
