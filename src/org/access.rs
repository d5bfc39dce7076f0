//! A failed request explained: access problems (session, API Access Control, API disabled,
//! request limit, setup permissions, Messaging off) get their own codes so the admin sees the
//! one thing to do; anything else is a check that could not run, with the org's own words.

use super::api::ApiError;
use super::checks::Ctx;
use super::json::clip;
use crate::finding::{Evidence, Finding, Severity};

/// A failed request, explained. Access problems get their own codes so the admin sees the
/// one thing to do.
pub fn failure_finding(ctx: &Ctx, what: &str, e: &ApiError, detail: Option<&str>) -> Finding {
    let login = format!("https://{}/", ctx.org.api_host);
    let mut f = match (e.status, e.code.as_str()) {
        (0, _) => Finding::new(
            "org/unreachable",
            Severity::Error,
            "The org's API did not answer",
            format!(
                "Messaging Doctor sent the request for {what} to {} and got no answer: {}. Check the network, a VPN or a proxy, then run the checks again.",
                ctx.org.api_host,
                detail.unwrap_or("no details")
            ),
        )
        .with_fix("Open the org in this browser to confirm it is reachable, then click Run again."),
        (401, _) if api_access_control_refusal(&e.message) => Finding::new(
            "org/api-access-control",
            Severity::Error,
            "API Access Control blocks this browser session",
            format!(
                "The org at {} refused the session this browser holds with 401 {} \"{}\". That answer comes when the org allows API calls only from approved connected apps (API Access Control): logging in again does not help.",
                ctx.org.api_host, e.code, clip(&e.message, 200)
            ),
        )
        .with_fix("Ask an administrator to check Setup › API Access Control and Setup › Connected Apps OAuth Usage: either give your user the \"Use Any API Client\" permission (or \"Approve Uninstalled Connected Apps\"), or run the checks as a user who has it.")
        .with_fix("The page checks above still apply; only the org checks need API access.")
        .with_link("Setup › Connected Apps OAuth Usage", ctx.setup("/lightning/setup/ConnectedAppsUsage/home")),
        (401, _) => Finding::new(
            "org/session-expired",
            Severity::Error,
            "Your Salesforce session has expired",
            format!(
                "The org at {} refused the session Messaging Doctor found in this browser (401 {}{}). The session cookie was read just before the request, so the session has ended (logged out, timed out, or replaced after a My Domain change). The org checks need a live session: log in again, then run the checks again. If this repeats right after logging in, the org may allow API calls only from approved apps (Setup › API Access Control).",
                ctx.org.api_host, e.code,
                if e.message.is_empty() { String::new() } else { format!(" \"{}\"", clip(&e.message, 160)) }
            ),
        )
        .with_fix(format!("Log in at {login} in this browser (same profile or container)."))
        .with_fix("Click Run again in Messaging Doctor.")
        .with_link("Log in to the org", login.clone()),
        (_, "API_DISABLED_FOR_ORG") | (_, "API_CURRENTLY_DISABLED") => Finding::new(
            "org/api-disabled",
            Severity::Error,
            "The API is not available to you in this org",
            format!(
                "The org answered {} ({}). Either the org's edition has no API access or your user lacks the \"API Enabled\" permission, so no org check can run.",
                e.code, e.message
            ),
        )
        .with_fix("Ask an administrator to give your user \"API Enabled\" (profile or permission set).")
        .with_fix("Editions without API access (e.g. Professional without the add-on) cannot be checked.")
        .with_link("Setup › Permission Sets", ctx.setup("/lightning/setup/PermSets/home")),
        (_, "OAUTH_APP_BLOCKED") | (_, "OAUTH_APP_ACCESS_DENIED") => Finding::new(
            "org/api-access-control",
            Severity::Error,
            "API Access Control blocks this session",
            format!(
                "The org answered {} ({}): API Access Control allows API calls only from approved connected apps, and a browser session is not one of them.",
                e.code, e.message
            ),
        )
        .with_fix("Ask an administrator to allow your user to use API without an approved app (\"Use Any API Client\"), or run the checks from an org where that is allowed.")
        .with_link("Setup › Connected Apps OAuth Usage", ctx.setup("/lightning/setup/ConnectedAppsUsage/home")),
        (_, "REQUEST_LIMIT_EXCEEDED") => Finding::new(
            "org/request-limit",
            Severity::Error,
            "The org has used up its API requests",
            format!(
                "The org answered {} ({}). Its API request allowance for the last 24 hours is used up, so the checks cannot run now. Messaging Doctor itself uses about six requests per run.",
                e.code, e.message
            ),
        )
        .with_fix("Find the integration that uses the allowance (Setup › System Overview) and try again later.")
        .with_link("Setup › System Overview", ctx.setup("/lightning/setup/SystemOverview/home")),
        (_, "INSUFFICIENT_ACCESS_OR_READONLY") | (_, "INSUFFICIENT_ACCESS") => Finding::new(
            "org/setup-access",
            Severity::Warning,
            format!("You may not read {what}"),
            format!(
                "The org refused to show {what} ({}: {}). Reading setup metadata through the Tooling API needs \"View Setup and Configuration\" (Apex code also \"Author Apex\" or \"View All Data\"), so these checks were skipped; the others ran.",
                e.code, e.message
            ),
        )
        .with_fix("Run the checks as a user with \"View Setup and Configuration\", or ask an administrator to add it to your permission set.")
        .with_link("Setup › Permission Sets", ctx.setup("/lightning/setup/PermSets/home")),
        (400, "INVALID_TYPE") if e.message.contains("Messaging") => Finding::new(
            "org/messaging-not-enabled",
            Severity::Error,
            "Messaging is not enabled in this org",
            format!(
                "The org does not know the messaging objects ({}: {}). Messaging for Web needs Messaging turned on (and a Digital Engagement or Service Cloud licence); without it no MessagingSession can ever be created.",
                e.code, e.message
            ),
        )
        .with_fix("In Setup › Messaging Settings, turn on Messaging.")
        .with_fix("Check that the snippet's org id is this org's; you may be logged into a different org.")
        .with_link("Setup › Messaging Settings", ctx.setup("/lightning/setup/LiveMessageSetup/home")),
        (400, "INVALID_TYPE") => {
            let object = unsupported_object(&e.message);
            Finding::new(
                "org/check-failed",
                Severity::Warning,
                match &object {
                    Some(o) => format!("Could not check {what}: this org has no {o} object"),
                    None => format!("Could not check {what}"),
                },
                format!(
                    "The org does not know the object this check reads ({}: {}). It depends on the org's edition, licences and features, or on your user's access to the object; the other checks still ran.",
                    e.code,
                    clip(&e.message, 300)
                ),
            )
            .with_fix("If the feature is in use, check that your user can see the object (profile or permission set); otherwise this check does not apply to this org.")
        }
        _ => Finding::new(
            "org/check-failed",
            Severity::Warning,
            format!("Could not check {what}"),
            match detail {
                // An answer that could not be read: the detail says how; the code adds nothing.
                Some(d) => format!("The request for {what} failed: {d}. The other checks still ran."),
                None => format!(
                    "The request for {what} failed with HTTP {} {}{}. The other checks still ran.",
                    e.status,
                    e.code,
                    if e.message.is_empty() { String::new() } else { format!(": {}", clip(&e.message, 300)) },
                ),
            },
        )
        .with_fix("Run the checks again; if it keeps failing, copy the report into a support case."),
    };
    f.evidence.push(Evidence::new("Request", what.to_string()));
    f.evidence.push(Evidence::new(
        "Answer",
        if e.status == 0 {
            detail.unwrap_or("no answer").to_string()
        } else {
            format!("HTTP {} {} {}", e.status, e.code, clip(&e.message, 200))
        },
    ));
    f
}

/// A messaging object the org does not have (its describe answered 404 NOT_FOUND): the same
/// finding as a query the org refused with INVALID_TYPE for it.
pub fn messaging_object_missing(ctx: &Ctx, object: &str, e: &ApiError) -> Finding {
    let as_type = ApiError {
        status: 400,
        code: "INVALID_TYPE".into(),
        message: format!(
            "sObject type '{object}' is not supported (its describe answered {} {})",
            e.status, e.code
        ),
    };
    failure_finding(ctx, &format!("the {object} fields"), &as_type, None)
}

/// The 401 message Salesforce gives a browser session when API Access Control admits only
/// approved clients (peers report it; a plain expired session reads "Session expired or
/// invalid").
pub fn api_access_control_refusal(message: &str) -> bool {
    message
        .to_ascii_lowercase()
        .contains("not valid for use with the rest api")
}

/// The object an `INVALID_TYPE` answer names: "sObject type 'X' is not supported".
pub fn unsupported_object(message: &str) -> Option<String> {
    let rest = &message[message.find("sObject type '")? + "sObject type '".len()..];
    let name = &rest[..rest.find('\'')?];
    (!name.is_empty()
        && name.len() <= 80
        && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'))
    .then(|| name.to_string())
}
