//! Snippet sanity: values in an init call that cannot work, whatever the org says.
//!
//! The loader itself checks only types (facts §1), so a site URL without `https://`, an org id
//! with a changed letter, or a scrt2 URL from another sandbox are accepted and then fail
//! quietly. Each problem becomes one line of evidence in a `page/invalid-snippet` finding.

use super::snippet::{Family, InitCall};
use crate::finding::{Evidence, Finding, Severity};
use crate::salesforce::{
    check_org_id, is_ldh_label, is_valid_api_name, parse_my_domain_host, HostRole, MyDomainHost,
    OrgIdProblem,
};
use crate::url_host::{parse_url, Host};

/// One thing wrong with one init call, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub value: String,
    pub why: String,
}

/// What a URL from a snippet really points at, read as a browser reads it (see
/// [`crate::url_host`]).
enum UrlHost {
    /// A plainly written host of a My Domain family.
    Salesforce(MyDomainHost),
    /// A plainly written host outside the families (a custom site domain): not judged, and
    /// never used to make a link or an API host.
    Custom,
    /// Not a plainly written host name: why, in words. The snippet is invalid.
    Hostile(String),
}

fn read_url_host(url: &str) -> UrlHost {
    let p = match parse_url(url) {
        Ok(p) => p,
        Err(e) => return UrlHost::Hostile(format!("The address is not well formed: {e}.")),
    };
    let goes_to = match &p.host {
        Host::Domain(d) => d.clone(),
        Host::Ipv4(a) => format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]),
        Host::Ipv6 => "an IPv6 address".to_string(),
    };
    if p.userinfo {
        return UrlHost::Hostile(format!(
            "The address has a user name before '@', so a browser would go to {goes_to}, not to a Salesforce host."
        ));
    }
    let Host::Domain(d) = &p.host else {
        return UrlHost::Hostile(format!(
            "A browser reads this address's host as the IP address {goes_to}, not a Salesforce host."
        ));
    };
    if p.host_rewritten {
        return UrlHost::Hostile(format!(
            "The host is disguised (percent escapes, look-alike dots or a backslash): a browser would go to {goes_to}."
        ));
    }
    let bare = d.strip_suffix('.').unwrap_or(d);
    if let Some(bad) = bare.split('.').find(|l| !is_ldh_label(l)) {
        return UrlHost::Hostile(format!(
            "The host {goes_to} has the label '{bad}': host names have only letters, digits and inner hyphens between dots."
        ));
    }
    match parse_my_domain_host(bare) {
        Some(h) => UrlHost::Salesforce(h),
        None => UrlHost::Custom,
    }
}

/// Every problem in one MIAW/Enhanced Chat init call. Values set at run time are not judged.
pub fn check_call(call: &InitCall) -> Vec<Problem> {
    let mut out = Vec::new();
    if !call.family.is_messaging() {
        return out;
    }
    if call.family == Family::EnhancedV2 {
        return check_agentforce(call);
    }
    if let Some(org) = &call.org_id {
        let why = match check_org_id(org) {
            Ok(_) => None,
            Err(OrgIdProblem::Length(n)) => Some(format!("An org id has 15 or 18 characters; this one has {n}.")),
            Err(OrgIdProblem::Characters) => Some("An org id has only letters and digits.".to_string()),
            Err(OrgIdProblem::NotAnOrgId) => Some("Org ids start with 00D; this is another kind of id.".to_string()),
            Err(OrgIdProblem::Checksum { expected }) => Some(format!(
                "The last three characters do not match the first fifteen (expected {expected}): a letter was mistyped or its case changed."
            )),
        };
        if let Some(why) = why {
            out.push(Problem {
                field: "Org id",
                value: org.clone(),
                why,
            });
        }
    }
    if let Some(dep) = &call.deployment {
        if !is_valid_api_name(dep) {
            out.push(Problem {
                field: "Deployment API name",
                value: dep.clone(),
                why: "An API name starts with a letter and has only letters, digits and single underscores; use the deployment's API Name from Setup, not its label.".to_string(),
            });
        }
    }
    let site = call.site_url.as_deref().map(|u| (u, read_url_host(u)));
    if let Some((url, parsed)) = &site {
        if !url.starts_with("https://") {
            out.push(Problem {
                field: "Site URL",
                value: url.to_string(),
                why: if url.starts_with("http://") {
                    "The site URL must use https://; the loader's requests over http:// are blocked or redirected.".to_string()
                } else {
                    "The site URL has no https:// in front, so the loader requests a path on this website instead of the Salesforce site and gets nothing back.".to_string()
                },
            });
        } else if let UrlHost::Hostile(why) = parsed {
            out.push(Problem {
                field: "Site URL",
                value: url.to_string(),
                why: why.clone(),
            });
        } else if let UrlHost::Salesforce(h) = parsed {
            if h.role != HostRole::Site {
                out.push(Problem {
                    field: "Site URL",
                    value: url.to_string(),
                    why: format!(
                        "This is a Salesforce {} host, not the deployment's site (…my.site.com).",
                        role_name(h.role)
                    ),
                });
            }
        }
    }
    let scrt = call.scrt2_url.as_deref().map(|u| (u, read_url_host(u)));
    match &scrt {
        None if call.dynamic_args.is_empty() => out.push(Problem {
            field: "scrt2URL",
            value: "(missing)".to_string(),
            why: "The snippet passes no scrt2URL, so the loader cannot reach the messaging service.".to_string(),
        }),
        Some((url, _)) if !url.starts_with("https://") => out.push(Problem {
            field: "scrt2URL",
            value: url.to_string(),
            why: "The scrt2URL must be a full https:// address (https://<My Domain>.my.salesforce-scrt.com).".to_string(),
        }),
        Some((url, UrlHost::Hostile(why))) => out.push(Problem {
            field: "scrt2URL",
            value: url.to_string(),
            why: why.clone(),
        }),
        Some((url, UrlHost::Salesforce(h))) if h.role != HostRole::Scrt2 => out.push(Problem {
            field: "scrt2URL",
            value: url.to_string(),
            why: format!("This is a Salesforce {} host; the scrt2URL is the …my.salesforce-scrt.com host.", role_name(h.role)),
        }),
        _ => {}
    }
    if let (Some((s_url, UrlHost::Salesforce(s))), Some((c_url, UrlHost::Salesforce(c)))) =
        (&site, &scrt)
    {
        if s.org_key() != c.org_key() && s.role == HostRole::Site && c.role == HostRole::Scrt2 {
            out.push(Problem {
                field: "Site URL and scrt2URL",
                value: format!("{s_url} / {c_url}"),
                why: "They belong to different orgs (My Domain or sandbox differ): the snippet mixes values from two orgs. Copy the whole snippet again from the deployment's Code Snippet page.".to_string(),
            });
        }
    }
    out
}

/// Agentforce Messaging's values (facts §1): its init refuses to start without siteUrl, agentId
/// and domainUrl ("Invalid init() configuration specified. siteUrl, agentId & domainUrl are
/// mandatory."); domainUrl is the org's My Domain (…my.salesforce.com); agentId is an agent's
/// record id (prefix 0Xx).
fn check_agentforce(call: &InitCall) -> Vec<Problem> {
    let mut out = Vec::new();
    if call.dynamic_args.iter().any(|a| a.starts_with("(not the")) {
        out.push(Problem {
            field: "agentforce_messaging.init",
            value: "(not an object)".to_string(),
            why: "Agentforce Messaging's init takes one object: {siteUrl, agentApiConfiguration: {agentId, domainUrl}, uiConfiguration}. Other forms do not start it.".to_string(),
        });
        return out;
    }
    for key in &call.missing {
        out.push(Problem {
            field: match key.as_str() {
                "siteUrl" => "siteUrl",
                "agentId" => "agentId",
                _ => "domainUrl",
            },
            value: "(missing)".to_string(),
            why: "Agentforce Messaging refuses to start without it (\"siteUrl, agentId & domainUrl are mandatory\").".to_string(),
        });
    }
    if let Some(url) = &call.site_url {
        if !url.starts_with("https://") {
            out.push(Problem {
                field: "siteUrl",
                value: url.clone(),
                why: "The site URL must be a full https:// address; without it the chat window is loaded from a path on this website.".to_string(),
            });
        } else if let UrlHost::Hostile(why) = read_url_host(url) {
            out.push(Problem {
                field: "siteUrl",
                value: url.clone(),
                why,
            });
        }
    }
    if let Some(url) = &call.domain_url {
        let why = if !url.starts_with("https://") {
            Some("The domainUrl must be the org's My Domain as a full https:// address (https://<My Domain>.my.salesforce.com).".to_string())
        } else {
            match read_url_host(url) {
                UrlHost::Hostile(why) => Some(why),
                UrlHost::Salesforce(h) if h.role == HostRole::Api => None,
                UrlHost::Salesforce(h) => Some(format!(
                    "This is a Salesforce {} host; the domainUrl is the org's My Domain (…my.salesforce.com).",
                    role_name(h.role)
                )),
                UrlHost::Custom => Some("This is not a My Domain host (…my.salesforce.com): the domainUrl is the org's My Domain.".to_string()),
            }
        };
        if let Some(why) = why {
            out.push(Problem {
                field: "domainUrl",
                value: url.clone(),
                why,
            });
        }
    }
    if let Some(id) = &call.agent_id {
        let shape =
            (id.len() == 15 || id.len() == 18) && id.chars().all(|c| c.is_ascii_alphanumeric());
        if !shape || !id.starts_with("0Xx") {
            out.push(Problem {
                field: "agentId",
                value: id.clone(),
                why: if shape {
                    format!(
                        "An Agentforce agent's id starts with 0Xx; this one starts with {}.",
                        id.get(..3).unwrap_or(id)
                    )
                } else {
                    "A record id has 15 or 18 letters and digits.".to_string()
                },
            });
        }
    }
    out
}

fn role_name(role: HostRole) -> &'static str {
    match role {
        HostRole::Api => "API",
        HostRole::Lightning => "Lightning",
        HostRole::Setup => "Setup",
        HostRole::Site => "site",
        HostRole::Scrt2 => "messaging (scrt2)",
    }
}

/// A `page/invalid-snippet` finding for a call with problems, `None` when it looks sound.
pub fn finding_for(call: &InitCall, location: &str) -> Option<Finding> {
    let problems = check_call(call);
    if problems.is_empty() {
        return None;
    }
    let agent;
    let what = match (&call.deployment, &call.agent_id, call.family) {
        (Some(d), _, _) => d.as_str(),
        (None, Some(a), Family::EnhancedV2) => {
            agent = format!("agent {a}");
            agent.as_str()
        }
        (None, None, Family::EnhancedV2) => "Agentforce Messaging",
        _ => "(name computed at run time)",
    };
    let agentforce = call.family == Family::EnhancedV2;
    // Agentforce Messaging's init refuses a missing value outright (C-AGENTFORCE-INIT); the v1
    // loader accepts whatever types fit and fails later.
    let effect = if agentforce {
        "Agentforce Messaging's init refuses to start when siteUrl, agentId or domainUrl is \
         missing, and builds its chat frame from the others as written, so a wrong one sends the \
         chat app to the wrong place"
    } else {
        "the loader accepts them, but the requests it builds from them go to the wrong place or \
         are refused"
    };
    let mut f =
        Finding::new(
            "page/invalid-snippet",
            Severity::Error,
            format!("The chat snippet for {what} has values that cannot work"),
            format!(
            "The init call of {}{what} ({location}) has {} value{} that cannot work: {effect}. \
             Each is listed with the reason. The widget's stage (its own finding) says how far it \
             got on this page.",
            if call.deployment.is_some() { "deployment " } else { "" },
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ),
        );
    for p in &problems {
        f = f
            .with_evidence(Evidence::new(p.field, format!("{} — {}", p.value, p.why)).at(location));
    }
    if agentforce {
        return Some(
            f.with_fix("Write the init call as one object with all three values: agentforce_messaging.init({siteUrl: 'https://…', agentApiConfiguration: {agentId: '0Xx…', domainUrl: 'https://<My Domain>.my.salesforce.com'}}).")
                .with_fix("Take the values from the snippet Salesforce generated for the agent and replace the page's copy with it unchanged."),
        );
    }
    Some(
        f.with_fix("In Setup, open Embedded Service Deployments, choose the deployment, open Code Snippet, and copy the whole snippet again.")
            .with_fix("Replace the snippet on the page with it unchanged (keep the quotes and https:// addresses as given).")
            .with_link("Embedded Service Deployments (Setup)", "/lightning/setup/EmbeddedServiceDeployments/home"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::snippet::find_init_calls;

    fn problems(src: &str) -> Vec<(&'static str, String)> {
        let call = find_init_calls(src).pop().expect("a call");
        check_call(&call)
            .into_iter()
            .map(|p| (p.field, p.why))
            .collect()
    }

    fn fields(src: &str) -> Vec<&'static str> {
        problems(src).into_iter().map(|(f, _)| f).collect()
    }

    const GOOD: &str = "embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWebChat1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'})";

    /// Each row: an init call and the fields that must be reported, in order.
    #[test]
    fn table_of_snippet_values() {
        let rows: &[(&str, &[&str])] = &[
            (GOOD, &[]),
            ("embeddedservice_bootstrap.init('00DHu00000abcdeMAA','Web_Chat','https://acme.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})", &[]),
            ("embeddedservice_bootstrap.init('00DHu00000abcdeMAB','Web_Chat','https://acme.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})", &["Org id"]),
            ("embeddedservice_bootstrap.init('00DHu00000abcd','Web Chat','https://acme.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})", &["Org id", "Deployment API name"]),
            // Seen on a real public page: the site URL without its scheme.
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','acme.my.site.com/ESWWebChat1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'})", &["Site URL"]),
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','http://acme.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})", &["Site URL"]),
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.salesforce.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})", &["Site URL"]),
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESW',{})", &["scrt2URL"]),
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESW',{scrt2URL:'acme.my.salesforce-scrt.com'})", &["scrt2URL"]),
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESW',{scrt2URL:'https://acme.my.site.com'})", &["scrt2URL"]),
            // Production site with the sandbox's scrt2 host: values from two orgs.
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESW',{scrt2URL:'https://acme--uat.sandbox.my.salesforce-scrt.com'})", &["Site URL and scrt2URL"]),
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESW',{scrt2URL:'https://globex.my.salesforce-scrt.com'})", &["Site URL and scrt2URL"]),
            // Custom site domain: not judged (it may be set up with settings.customDomain).
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://help.acme.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})", &[]),
            // Hostile hosts: what a browser opens is not the Salesforce host the text shows.
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.x@evil%2ecom\\\\.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})", &["Site URL"]),
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.x@16909060\\\\.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})", &["Site URL"]),
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://evil\u{3002}com\\\\.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})", &["Site URL"]),
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://w.=.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})", &["Site URL"]),
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','://w.=.my.site.com',{scrt2URL:'https://acme.my.salesforce-scrt.com'})", &["Site URL"]),
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESW',{scrt2URL:'https://x@evil.com\\\\.my.salesforce-scrt.com'})", &["scrt2URL"]),
            ("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESW',{scrt2URL:'https://ACME.my.salesforce-scrt.com'})", &[]),
            // Values computed at run time are not judged.
            ("embeddedservice_bootstrap.init(ORG, DEP, SITE, OPTS)", &[]),
        ];
        for (src, want) in rows {
            assert_eq!(fields(src), *want, "{src}");
            // Agentforce Messaging's positional generation takes the same four values
            // (C-AGENTFORCE-POSITIONAL): the same checks apply.
            let positional = src.replace(
                "embeddedservice_bootstrap.init",
                "agentforce_messaging.init",
            );
            assert_eq!(fields(&positional), *want, "{positional}");
        }
    }

    #[test]
    fn reasons_are_specific() {
        let p = problems("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','acme.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})");
        assert!(p[0].1.contains("no https://"), "{}", p[0].1);
        let p = problems("embeddedservice_bootstrap.init('00DHu00000abcdeMAB','Web_Chat','https://acme.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})");
        assert!(p[0].1.contains("expected MAA"), "{}", p[0].1);
    }

    #[test]
    fn hostile_hosts_are_named_in_the_reason() {
        let p = problems("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.x@evil%2ecom\\\\.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})");
        assert!(
            p[0].1.contains("user name") && p[0].1.contains("evil.com"),
            "{}",
            p[0].1
        );
        let p = problems("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://16909060\\\\.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})");
        assert!(p[0].1.contains("1.2.3.4"), "{}", p[0].1);
        let p = problems("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://evil\u{FF0E}com/.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})");
        assert!(
            p[0].1.contains("disguised") && p[0].1.contains("evil.com"),
            "{}",
            p[0].1
        );
        let p = problems("embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://w.=.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})");
        assert!(p[0].1.contains("'='"), "{}", p[0].1);
    }

    #[test]
    fn finding_lists_every_problem_with_its_location() {
        let call = find_init_calls(
            "embeddedservice_bootstrap.init('00DHu00000abcd','Web_Chat','acme.my.site.com/ESW',{})",
        )
        .pop()
        .unwrap();
        let f = finding_for(&call, "script #2 in <body>, line 1").unwrap();
        assert_eq!(f.code, "page/invalid-snippet");
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.evidence.len(), 3);
        assert!(f
            .evidence
            .iter()
            .all(|e| e.location.as_deref() == Some("script #2 in <body>, line 1")));
        let good = find_init_calls(GOOD).pop().unwrap();
        assert!(finding_for(&good, "x").is_none());
    }

    #[test]
    fn legacy_calls_are_not_judged_by_miaw_rules() {
        let call = find_init_calls("embedded_svc.init('https://a.my.salesforce.com','https://a.my.site.com/h','https://service.force.com','00DHu00000abcde','Chat_Team',{})").pop().unwrap();
        assert!(check_call(&call).is_empty());
    }

    /// Agentforce Messaging's invalid-snippet finding says its init refuses a missing value and
    /// gives no Embedded Service advice.
    #[test]
    fn agentforce_finding_says_init_refuses_and_gives_no_deployment_advice() {
        let call = find_init_calls("agentforce_messaging.init({siteUrl: 'https://acme.my.site.com/ESWAgent1712345678901', agentApiConfiguration: {agentId: '0XxHu000000abcd'}})").pop().unwrap();
        let f = finding_for(&call, "script #1").unwrap();
        assert!(f.message.contains("refuses to start"), "{}", f.message);
        assert!(!f.message.contains("loader accepts them"), "{}", f.message);
        assert!(
            f.fix.iter().all(|x| !x.contains("Embedded Service")),
            "{:?}",
            f.fix
        );
        assert!(f.link.is_none(), "{:?}", f.link);
        let v1 = find_init_calls(GOOD.replace("00DHu00000abcde", "00DHu").as_str())
            .pop()
            .unwrap();
        let f = finding_for(&v1, "script #1").unwrap();
        assert!(f.message.contains("loader accepts them"), "{}", f.message);
    }

    /// Agentforce Messaging: mandatory values, the My Domain host, the agent id prefix.
    #[test]
    fn agentforce_values() {
        let call = |site: &str, agent: &str, domain: &str| {
            format!("agentforce_messaging.init({{siteUrl: '{site}', agentApiConfiguration: {{agentId: '{agent}', domainUrl: '{domain}'}}}})")
        };
        let site = "https://acme.my.site.com/ESWAgent1712345678901";
        assert_eq!(
            fields(&call(
                site,
                "0XxHu000000abcd",
                "https://acme.my.salesforce.com"
            )),
            Vec::<&str>::new()
        );
        assert_eq!(
            fields(&call(
                site,
                "00DHu00000abcde",
                "https://acme.my.salesforce.com"
            )),
            vec!["agentId"]
        );
        assert_eq!(
            fields(&call(site, "0XxHu000000abcd", "https://acme.my.site.com")),
            vec!["domainUrl"]
        );
        assert_eq!(
            fields(&call(site, "0XxHu000000abcd", "acme.my.salesforce.com")),
            vec!["domainUrl"]
        );
        assert_eq!(
            fields(&call(
                "acme.my.site.com/ESW",
                "0XxHu000000abcd",
                "https://www.example.com"
            )),
            vec!["siteUrl", "domainUrl"]
        );
        assert_eq!(
            fields(&format!("agentforce_messaging.init({{siteUrl: '{site}'}})")),
            vec!["agentId", "domainUrl"]
        );
        // The positional generation is judged as the v1 snippet it resembles (below), not as
        // a broken object form.
        assert_eq!(
            fields("agentforce_messaging.init('00DHu00000abcde', 'Agent', 'https://acme.my.site.com/ESW', {scrt2URL: 'https://acme.my.salesforce-scrt.com'})"),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn positional_agentforce_finding_names_the_deployment_and_setup() {
        let call = find_init_calls("window.agentforce_messaging.init('00DHu00000abcdeMAB', 'Web_Chat', 'acme.my.site.com/ESWWebChat1712345678901', {scrt2URL: 'https://acme.my.salesforce-scrt.com'})").pop().unwrap();
        let f = finding_for(&call, "script #3 in <body>").expect("two bad values");
        assert_eq!(f.code, "page/invalid-snippet");
        assert!(f.title.contains("Web_Chat"), "{}", f.title);
        let labels: Vec<&str> = f.evidence.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["Org id", "Site URL"]);
        assert!(
            f.fix
                .iter()
                .any(|x| x.contains("Embedded Service Deployments")),
            "{:?}",
            f.fix
        );
        assert!(
            !f.fix.iter().any(|x| x.contains("agentApiConfiguration")),
            "{:?}",
            f.fix
        );
    }
}
