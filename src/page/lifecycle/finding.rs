//! The finding for a stage: its title, message and fix, with the widget's requests as evidence.

use super::csp::{csp_evidence, csp_fix, is_salesforce_url, salesforce_violations};
use super::stage::{Stage, STALL_AFTER_MS};
use crate::finding::{Evidence, Finding, Severity};
use crate::page::requests::{classify, Step, TimelineEntry};
use crate::page::watch::{self, EventFacts, WatchEvidence};
use crate::page::PageEvidence;

/// Most widget requests listed in a finding: the first ones (the start-up) and the last ones
/// (where it stopped); a page that sends thousands gets "and N more" between them.
const TIMELINE_HEAD: usize = 30;
const TIMELINE_TAIL: usize = 10;

fn timeline_evidence(f: Finding, t: &[TimelineEntry]) -> Finding {
    let line = |f: Finding, e: &TimelineEntry| {
        f.with_evidence(Evidence::new(
            format!("Request: {}", e.step.label()),
            e.describe(),
        ))
    };
    if t.len() <= TIMELINE_HEAD + TIMELINE_TAIL {
        return t.iter().fold(f, line);
    }
    let (head, rest) = t.split_at(TIMELINE_HEAD);
    let tail = &rest[rest.len() - TIMELINE_TAIL..];
    let f = head.iter().fold(f, line).with_evidence(Evidence::new(
        "Requests",
        format!(
            "and {} more widget requests (not listed)",
            rest.len() - TIMELINE_TAIL
        ),
    ));
    tail.iter().fold(f, line)
}

/// The finding for a stage, with the timeline as evidence. `Healthy` and `Starting` give an
/// informational finding so the admin sees what was checked.
pub fn finding_for(stage: &Stage, t: &[TimelineEntry], ev: &PageEvidence) -> Finding {
    finding_for_in(stage, t, ev, ev.watch.as_ref())
}

/// [`finding_for`] for the widget of one document: `watch` is that document's recording (the
/// page's, or none for a frame), whose widget events and loader messages join the evidence.
/// CSP violations are always the page's (the browser's reports and watch mode's).
pub fn finding_for_in(
    stage: &Stage,
    t: &[TimelineEntry],
    ev: &PageEvidence,
    watch: Option<&WatchEvidence>,
) -> Finding {
    let csp = salesforce_violations(ev);
    let facts = watch.map(EventFacts::of).unwrap_or_default();
    let failed_startup = facts.failed_startup() && !stage.widget_started();
    let storage_evidence = |f: Finding| {
        ev.storage.iter().fold(f, |f, s| {
            f.with_evidence(Evidence::new(
                "Session storage",
                format!(
                    "{}: {} message(s) under FAILED_MESSAGES",
                    s.key, s.failed_messages
                ),
            ))
        })
    };
    let f = match stage {
        Stage::MessagesNotSent { count } => storage_evidence(
            Finding::new(
                "page/message-not-sent",
                Severity::Error,
                if *count == 1 {
                    "The chat started but a message was not sent".to_string()
                } else {
                    format!("The chat started but {count} messages were not sent")
                },
                "The widget loaded and the conversation started, but the customer's messages were \
                 kept as failed (\"Not sent\"). The requests from the page succeeded, so the \
                 failure is in the org: most often the MessagingSession record could not be \
                 created (a required field, a validation rule, a flow or trigger, or full storage).",
            )
            .with_fix("Run the org checks (log in to the org's Setup in this browser and open Messaging Doctor again) to see which automation blocks the MessagingSession.")
            .with_fix("Or capture a debug log of the Automated Process user while a test chat is started."),
        ),
        Stage::StalledAfterClick { step, status } => Finding::new(
            "page/request-failed",
            Severity::Error,
            format!("Starting a chat failed at the {}", step.label()),
            format!(
                "The chat button works, but the {} request was refused ({}). For the access token this \
                 usually means guest access is off for the deployment, or it requires authenticated \
                 users and the page never gives a token; for the conversation, the deployment or \
                 channel is not usable.",
                step.label(),
                status.map(|s| format!("HTTP {s}")).unwrap_or_else(|| "no status".into())
            ),
        )
        .with_fix("In Setup, open the deployment's settings and check guest (unauthenticated) access and the messaging channel.")
        .with_link("Embedded Service Deployments (Setup)", "/lightning/setup/EmbeddedServiceDeployments/home"),
        Stage::ConfigFailed { status } => Finding::new(
            "page/request-failed",
            Severity::Error,
            format!("The widget's configuration request failed (HTTP {status})"),
            match status {
                404 => "The messaging service does not know this deployment for this org: the deployment is not published, was renamed or deleted, or the snippet's org id or deployment name is wrong. The widget stops and never shows its button.".to_string(),
                423 => "The org is under maintenance or does not support messaging right now (HTTP 423): the widget shows chat as unavailable.".to_string(),
                s => format!("The messaging service answered HTTP {s} to the widget's start-up request; the widget stops and never shows its button."),
            },
        )
        .with_fix("In Setup, open Embedded Service Deployments, open the deployment and click Publish; wait a few minutes and reload the page.")
        .with_fix("Compare the snippet's org id and deployment API name with the deployment's Code Snippet.")
        .with_link("Embedded Service Deployments (Setup)", "/lightning/setup/EmbeddedServiceDeployments/home"),
        Stage::StartupRequestsBlocked => {
            let observed = !csp.is_empty();
            // The loader builds its container only after the configuration answers, so the
            // container is not the proof that it started: its requests (or styles) are.
            let f = Finding::new(
                "page/csp-blocked",
                Severity::Error,
                if observed {
                    "The page's Content-Security-Policy blocked the widget's requests"
                } else {
                    "The widget's requests to the messaging service were never sent"
                },
                if observed {
                    "The chat loader started, but the browser reported that the page's \
                     Content-Security-Policy blocked its requests to Salesforce (listed below), so \
                     it never got its configuration and business hours and stops without a button."
                } else {
                    "The chat loader started, but the browser never sent its configuration and \
                     business-hours requests to the messaging (scrt2) host. This is what a page \
                     Content-Security-Policy without that host in connect-src, or an ad blocker, does."
                },
            );
            let f = f.with_fix(csp_fix(t, &csp));
            if observed {
                f
            } else {
                f.with_fix("Try the page in a private window without extensions to rule out an ad blocker.")
            }
        }
        Stage::StartupAnswersWithheld => Finding::new(
            "page/cors-blocked",
            Severity::Error,
            "The browser withheld the messaging service's answers from this site (CORS)",
            "The widget asked the messaging (scrt2) host for its configuration, but the browser \
             did not let the page read the answers: the org does not allow this website's origin \
             in its CORS allowlist. The widget stops and never shows its button.",
        )
        .with_fix("In Setup, open CORS and add this website's origin (for example https://www.example.com) to the allowlist; add every domain the chat runs on.")
        .with_link("CORS (Setup)", "/lightning/setup/CorsWhitelistEntries/home"),
        Stage::LoaderBlocked if csp.iter().any(|v| classify(v.blocked_url) == Some(Step::Loader)) => Finding::new(
            "page/csp-blocked",
            Severity::Error,
            "The page's Content-Security-Policy blocked the chat loader",
            "The browser reported that the page's Content-Security-Policy refused the chat loader \
             (bootstrap.min.js, or init.js for Agentforce Messaging's positional generation), so \
             nothing of the chat can start.",
        )
        .with_fix(csp_fix(t, &csp)),
        Stage::LoaderBlocked => Finding::new(
            "page/request-failed",
            Severity::Error,
            "The chat loader script did not load",
            "The page names the chat loader (bootstrap.min.js, or init.js for Agentforce Messaging's \
             positional generation) but the browser has no successful \
             download of it: the site URL is wrong, the site is inactive, or a Content-Security-Policy \
             or ad blocker stops it. Nothing of the chat can start.",
        )
        .with_fix("Open the loader URL from the snippet in a new tab: it must return JavaScript, not an error page.")
        .with_fix("Check that the deployment's Experience Cloud site is active and that the page's CSP allows the site host in script-src."),
        Stage::RelativeSiteUrl {
            site_url,
            requested,
            status,
        } => {
            let f = Finding::new(
                "page/widget-stalled",
                Severity::Error,
                "The snippet's site URL has no https://, so the loader asks this website for its files",
                match requested {
                    Some(_) => format!(
                        "The init call's site URL is \"{site_url}\", without https://. The loader \
                         takes it as a path on this website and asked this website for its styles \
                         ({}) instead of the Salesforce site; start-up ends there, silently, and the \
                         button never appears. This is not an ad blocker or a network problem.",
                        status
                            .map(|s| format!("HTTP {s}"))
                            .unwrap_or_else(|| "no status".into())
                    ),
                    None => format!(
                        "The init call's site URL is \"{site_url}\", without https://. The loader \
                         takes it as a path on this website, so its requests for the widget's files \
                         go to this website instead of the Salesforce site, and start-up ends there."
                    ),
                },
            );
            let f = match requested {
                Some(u) => f.with_evidence(Evidence::new("Requested on this website", u.clone())),
                None => f,
            };
            f.with_fix(format!(
                "Write the site URL as https://{site_url} in the init call, or copy the whole snippet again from the deployment's Code Snippet page."
            ))
        }
        Stage::AgentforceReady => Finding::new(
            "page/widget-ready",
            Severity::Ok,
            "Agentforce Messaging's chat app started in its frame",
            "The loader built its container and chat frame (#agentforce-messaging-frame), and the \
             chat app inside reported its state to the page (the loader sized the frame for it), \
             so init.js, the snippet's values and its site answer. The app reaches the Agentforce \
             agent (the snippet's agentId on its domainUrl) from inside the frame, which the scan \
             cannot read: whether the agent answers a conversation is not known from here. It is \
             not an Embedded Service deployment, so the org checks of deployments and \
             MessagingSession records may not be what decides how it behaves.",
        ),
        Stage::AgentforceStalled { frame: true, site_url } => {
            let address = site_url.as_deref().map(|u| {
                format!("{}/?lwc.mode=prod", watch::capped(u.trim().trim_end_matches('/'), 300))
            });
            let f = Finding::new(
                "page/widget-stalled",
                Severity::Error,
                "Agentforce Messaging's chat app never started in its frame",
                "The loader accepted the snippet's values and built its chat frame \
                 (#agentforce-messaging-frame), which it does at once, before the site answers. \
                 10 s after the page started, the chat app inside has still not reported its state \
                 to the page, so the frame stays hidden and visitors see no chat. The site does \
                 not answer or answers with an error (an inactive or wrong site), refuses to be \
                 framed by this website, or the app could not reach the agent (agentId, \
                 domainUrl); the scan cannot read inside the frame to say which.",
            );
            let f = match &address {
                Some(a) => f
                    .with_evidence(Evidence::new("Chat frame", a.clone()))
                    .with_fix(format!(
                        "Open {a} in a tab: it must show Agentforce Messaging's chat, not an error page."
                    )),
                None => f,
            };
            f.with_fix("Check that the agent is active, and that the snippet's agentId (0Xx…) and domainUrl (https://<My Domain>.my.salesforce.com) are its id and the org's My Domain as in the snippet Salesforce generated.")
        }
        Stage::AgentforceStalled { frame: false, .. } => Finding::new(
            "page/widget-stalled",
            Severity::Error,
            "Agentforce Messaging never started: its loader built nothing",
            "The Agentforce Messaging loader (init.js) is on the page, but there is no \
             #agentforce-messaging container or chat frame. The loader builds both as soon as init \
             accepts the snippet's values, so init did not run, refused the values (it needs \
             siteUrl, agentApiConfiguration.agentId and agentApiConfiguration.domainUrl, in one \
             object), or init.js did not load.",
        )
        .with_fix("Check that the init call is one object with siteUrl, agentApiConfiguration.agentId (0Xx…) and agentApiConfiguration.domainUrl (https://<My Domain>.my.salesforce.com), as in the snippet Salesforce generated for the agent; copy that snippet again if in doubt.")
        .with_fix("Open the browser console on the page: Agentforce Messaging logs \"Invalid init() configuration specified\" when it refuses the values (watch mode records it)."),
        Stage::StylesFailed => Finding::new(
            "page/widget-stalled",
            Severity::Error,
            "The widget stopped at its first request (styles)",
            "The loader could not load its styles from the site URL, and stops there without an \
             error. This is what a site URL without https:// or on the wrong host does.",
        )
        .with_fix("Copy the snippet again from the deployment's Code Snippet page; the site URL must be the full https:// address."),
        Stage::InitNeverCalled => Finding::new(
            "page/widget-stalled",
            Severity::Error,
            "The chat loader loaded but was never started",
            "The loader script arrived, but the browser shows none of its start-up requests \
             (styles, configuration). Either init never ran (the script tag's onload is missing, or \
             initEmbeddedMessaging was overwritten or threw before calling init), or init failed \
             before its first request: the loader rejected the snippet's values, or it ran from \
             <head> before <body> existed. Watch mode records the widget's start-up error to tell \
             which.",
        )
        .with_fix("Keep the snippet as one unit, in <body>: the initEmbeddedMessaging function and the loader tag with onload=\"initEmbeddedMessaging()\".")
        .with_fix("Turn on watch mode for this site and reload the page to record what the widget reported."),
        Stage::StalledBeforeReady { missing } if failed_startup => Finding::new(
            "page/widget-stalled",
            Severity::Error,
            "The widget reported a start-up error and never showed its button",
            format!(
                "Watch mode recorded the widget's own failure signal ({}) and no Ready event: \
                 its start-up failed. {}",
                facts.init_error_words(),
                if [Step::Styles, Step::Config, Step::BusinessHours]
                    .iter()
                    .all(|s| missing.contains(s))
                {
                    "It made none of its start-up requests, so the loader rejected the snippet's \
                     values (org id, deployment name, site URL, scrt2URL), or init ran before the \
                     page's <body> existed (a copy of the snippet in <head>), or its init threw an \
                     exception."
                        .to_string()
                } else if missing.is_empty() {
                    "Every start-up request answered, so the failure came from the widget itself \
                     (for example its chat window failed to initialize)."
                        .to_string()
                } else {
                    format!(
                        "No answer was seen for: {}.",
                        missing.iter().map(|s| s.label()).collect::<Vec<_>>().join(", ")
                    )
                }
            ),
        )
        .with_fix("Open the browser console on the page: the loader logs the reason next to the error.")
        .with_fix("Copy the snippet again from the deployment's Code Snippet page and compare its values."),
        Stage::StalledBeforeReady { missing } => Finding::new(
            "page/widget-stalled",
            Severity::Error,
            "The widget is stuck loading",
            format!(
                "Its start-up requests went out, but it never showed its button{}. The loader waits \
                 for every answer with no timeout of its own, so it keeps loading forever.",
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; no answer was seen for: {}",
                        missing.iter().map(|s| s.label()).collect::<Vec<_>>().join(", ")
                    )
                }
            ),
        )
        .with_fix("Reload the page with watch mode on to record the whole start-up, then look for the request that never answered."),
        Stage::ButtonHidden => Finding::new(
            "page/button-hidden",
            Severity::Info,
            "The chat button is hidden",
            "The widget started, but its button is not displayed: business hours are closed, no \
             agent is available (availability check), or the page hides it \
             (hideChatButtonOnLoad). This is not a failure.",
        ),
        Stage::Starting => Finding::new(
            "page/widget-starting",
            Severity::Info,
            "The widget is still starting",
            format!(
                "The loader arrived less than {} s ago; a healthy widget shows its button within \
                 that time. Check again in a few seconds.",
                STALL_AFTER_MS as i64 / 1000
            ),
        ),
        Stage::TimelineIncomplete => Finding::new(
            "page/timeline-incomplete",
            Severity::Info,
            "The page's request history is too long to tell where the widget stopped",
            "The browser keeps only the first 250 requests of a page, and this page made more,              so the widget's start-up requests may be missing from it. The other checks still ran.",
        )
        .with_fix("Turn on watch mode for this site and reload: it records the widget's start-up from the first request."),
        Stage::Healthy => Finding::new(
            "page/widget-ready",
            Severity::Ok,
            "The widget started and shows its button",
            "The loader, its configuration and business hours answered and the chat button is \
             on the page.",
        ),
    };
    let mut f = timeline_evidence(f, t);
    if let Some(w) = watch {
        if failed_startup {
            if !matches!(stage, Stage::StalledBeforeReady { .. }) {
                f.message.push_str(&format!(
                    " The widget itself reported the failure: watch mode recorded {}.",
                    facts.init_error_words()
                ));
            }
            f = f.with_evidence(Evidence::new(
                "Widget start-up error",
                facts.init_error_words(),
            ));
        }
        if *stage == Stage::ButtonHidden && facts.hours_closed {
            f = f.with_evidence(Evidence::new(
                "Business hours",
                "the widget reported that business hours ended: the button stays hidden until \
                 they start again (not a failure)",
            ));
        } else if *stage == Stage::ButtonHidden && facts.ready {
            f = f.with_evidence(Evidence::new(
                "Start-up",
                "the widget reported Ready (start-up finished), but no chat button is displayed \
                 on the page",
            ));
        }
        f = watch::load_error_evidence(f, w, is_salesforce_url);
        f = watch::event_evidence(f, w);
        f = watch::stage_console_evidence(f, w, stage.widget_started());
    }
    if matches!(
        stage,
        Stage::Healthy | Stage::Starting | Stage::ButtonHidden
    ) && csp.is_empty()
    {
        return f;
    }
    csp_evidence(f, stage, &csp, ev)
}
