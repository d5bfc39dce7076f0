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

/// Parses a host name of a My Domain family. `None` for other hosts (custom domains included).
pub fn parse_my_domain_host(host: &str) -> Option<MyDomainHost> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
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
        (Some((stem, sbx)), Some("sandbox")) => (stem, OrgKind::Sandbox(sbx.to_string())),
        (None, None) => (first, OrgKind::Production),
        (None, Some("develop")) => (first, OrgKind::Developer),
        (Some((stem, _)), Some(other)) => (stem, OrgKind::Other(other.to_string())),
        (None, Some(other)) => (first, OrgKind::Other(other.to_string())),
        (Some(_), None) => return None,
    };
    if stem.is_empty() || !stem.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
        return None;
    }
    Some(MyDomainHost {
        stem: stem.to_string(),
        kind,
        role,
    })
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
