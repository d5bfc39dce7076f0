//! The live capture's findings: what the decisive insert in the debug log says (named cause,
//! evidence from the log, the org check it confirms and its Setup page), and what happened to
//! the capture itself (refused, cancelled, no chat seen, clean-up). Codes:
//! `docs/findings-capture.md`.

use super::log::{InsertAttempt, InsertOutcome, LogCause, LogSummary, TRACKED_OBJECTS};
use super::plan::{CaptureState, LogRow, UserRole};
use super::time;
use crate::finding::{Evidence, Finding, Severity};
use crate::org::api::ApiError;
use crate::org::json::clip;
use crate::org::OrgContext;

fn setup(ctx: &OrgContext, path: &str) -> String {
    format!("https://{}{}", ctx.lightning_host(), path)
}

fn object_page(ctx: &OrgContext, object: &str, page: &str) -> String {
    setup(
        ctx,
        &format!("/lightning/setup/ObjectManager/{object}/{page}/view"),
    )
}

const DEBUG_LOGS: &str = "/lightning/setup/ApexDebugLogs/home";

/// The org check (static finding code) a capture code confirms.
pub fn static_code_for(capture_code: &str) -> Option<&'static str> {
    Some(match capture_code {
        "capture/validation-rule" => "org/validation-rule-blocks",
        "capture/required-field" => "org/required-field",
        "capture/flow-custom-error" | "capture/flow-fault" => "org/flow-blocks",
        "capture/trigger-exception" | "capture/trigger-adderror" => "org/trigger-blocks",
        "capture/storage-limit" => "org/storage-full",
        _ => return None,
    })
}

fn log_evidence(row: &LogRow) -> Evidence {
    let mut v = format!("{} — {}", row.id, clip(&row.operation, 120));
    if !row.status.is_empty() {
        v.push_str(&format!(" — status: {}", clip(&row.status, 200)));
    }
    Evidence::new("Debug log", v).at("Setup › Debug Logs (the log stays in the org)")
}

/// The finding for the decisive insert of a log, and the org check it confirms.
pub fn insert_finding(
    ctx: &OrgContext,
    attempt: &InsertAttempt,
    summary: &LogSummary,
    row: &LogRow,
) -> (Finding, Option<&'static str>) {
    let code = attempt.finding_code();
    // Only a tracked object's name goes into the Setup links (the log is untrusted text).
    let object = attempt
        .object
        .as_deref()
        .and_then(|o| TRACKED_OBJECTS.iter().find(|t| t.eq_ignore_ascii_case(o)))
        .unwrap_or(&"MessagingSession")
        .to_string();
    let status = attempt.status.as_ref();
    let status_text = status
        .map(|s| {
            let m = clip(&s.message, 300);
            if m.is_empty() {
                s.status_code.clone()
            } else {
                format!("{}: {m}", s.status_code)
            }
        })
        .unwrap_or_default();
    let seen = "The debug log of the test chat shows it: this is what happened, not a suspect.";
    let mut f = match (&attempt.outcome, &attempt.cause) {
        (InsertOutcome::Succeeded, _) => Finding::new(
            code,
            Severity::Ok,
            format!("The test chat's {object} was created"),
            format!(
                "The debug log shows the {object} insert of the test chat going through: nothing in the org's save (validation rules, flows, triggers, required fields, storage) stopped it this time. If customers still see \"Not sent\", compare what differs for them (their page, pre-chat values, business hours), and look at the page findings."
            ),
        )
        .with_link("Setup › Debug Logs", setup(ctx, DEBUG_LOGS)),
        (_, Some(LogCause::ValidationRule { name, id, formula, values, message })) => {
            let mut f = Finding::new(
                code,
                Severity::Error,
                format!("Validation rule {name} rejected the chat's {object}"),
                format!(
                    "{seen} The validation rule {name} on {object} fired when the platform inserted the chat's record as the Automated Process user{}, so the insert failed and the customer's message is not sent. Every new chat fails the same way while the rule fires for automated inserts.",
                    message.as_deref().map(|m| format!(" (\"{}\")", clip(m, 200))).unwrap_or_default()
                ),
            )
            .with_evidence(Evidence::new("Rule", match id { Some(i) => format!("{name} ({i})"), None => name.clone() }));
            if let Some(x) = formula {
                f = f.with_evidence(Evidence::new("Formula", clip(x, 400)));
            }
            if let Some(x) = values {
                f = f.with_evidence(Evidence::new("Values the formula saw", clip(x, 400)));
            }
            let link = match id {
                Some(i) if i.bytes().all(|c| c.is_ascii_alphanumeric()) => setup(
                    ctx,
                    &format!("/lightning/setup/ObjectManager/{object}/ValidationRules/{i}/view"),
                ),
                _ => object_page(ctx, &object, "ValidationRules"),
            };
            f.with_fix(format!("Open the rule {name} and exempt the platform's insert, e.g. add AND($User.UserType <> 'AutomatedProcess', …) or NOT(ISNEW()) to its condition — or deactivate it."))
                .with_fix("Start another test chat (capture again) to confirm the fix.")
                .with_link(format!("Setup › {object} › Validation Rules"), link)
        }
        (_, Some(LogCause::RequiredField { fields })) => Finding::new(
            code,
            Severity::Error,
            format!("Required field {} is empty on the chat's {object}", fields.join(", ")),
            format!(
                "{seen} The platform inserted the chat's {object} without a value for {} (REQUIRED_FIELD_MISSING), so the insert failed. The platform fills only its own fields; a required custom field needs a default.",
                fields.join(", ")
            ),
        )
        .with_evidence(Evidence::new("Fields", fields.join(", ")))
        .with_fix("Give the field a default value, or make it not required on the object (keep it required on page layouts instead).")
        .with_fix("Or set it in a before-save flow on create.")
        .with_link(format!("Setup › {object} › Fields & Relationships"), object_page(ctx, &object, "FieldsAndRelationships")),
        (_, Some(LogCause::FlowCustomError { flow, element, message })) => {
            let name = flow.clone().unwrap_or_else(|| "a record-triggered flow".into());
            Finding::new(
                code,
                Severity::Error,
                format!("Flow {name} stopped the chat with a Custom Error"),
                format!(
                    "{seen} The flow {name} ran when the chat's {object} was inserted and reached its Custom Error element{}: \"{}\". The insert failed, so the customer's message is not sent.",
                    element.as_deref().map(|e| format!(" {e}")).unwrap_or_default(),
                    clip(message, 300)
                ),
            )
            .with_evidence(Evidence::new("Flow (label)", name.clone()))
            .with_evidence(Evidence::new("Element", element.clone().unwrap_or_else(|| "?".into())))
            .with_evidence(Evidence::new("Message", clip(message, 400)))
            .with_fix(format!("Open the flow {name}: add an entry condition or decision that skips records created by the Automated Process user (automated chat sessions), or remove the Custom Error path."))
            .with_link("Setup › Flows", setup(ctx, "/lightning/setup/Flows/home"))
        }
        (_, Some(LogCause::FlowFault { flow, element, message })) => {
            let name = flow.clone().unwrap_or_else(|| "a record-triggered flow".into());
            Finding::new(
                code,
                Severity::Error,
                format!("Flow {name} failed while the chat's {object} was saved"),
                format!(
                    "{seen} An element of the flow {name}{} failed with no fault path: \"{}\". The failure rolled the {object} insert back.",
                    element.as_deref().map(|e| format!(" ({e})")).unwrap_or_default(),
                    clip(message, 300)
                ),
            )
            .with_evidence(Evidence::new("Flow (label)", name.clone()))
            .with_evidence(Evidence::new("Element", element.clone().unwrap_or_else(|| "?".into())))
            .with_evidence(Evidence::new("Message", clip(message, 400)))
            .with_fix(format!("Open the flow {name} and fix the failing element (often a record create or update that itself fails), or add a fault path."))
            .with_link("Setup › Flows", setup(ctx, "/lightning/setup/Flows/home"))
        }
        (_, Some(LogCause::TriggerException { trigger, exception_type, message, line, stack })) => {
            let name = trigger.clone().unwrap_or_else(|| "an Apex trigger".into());
            let mut f = Finding::new(
                code,
                Severity::Error,
                format!(
                    "Trigger {name} threw {} on the chat's {object}",
                    exception_type.clone().unwrap_or_else(|| "an exception".into())
                ),
                format!(
                    "{seen} The trigger {name} failed with an uncaught {}: \"{}\"{}. The exception rolled the {object} insert back.",
                    exception_type.clone().unwrap_or_else(|| "exception".into()),
                    clip(message, 300),
                    line.map(|l| format!(" at line {l}")).unwrap_or_default()
                ),
            )
            .with_evidence(Evidence::new("Trigger", name.clone()))
            .with_evidence(Evidence::new("Exception", format!("{}: {}", exception_type.clone().unwrap_or_default(), clip(message, 300))));
            if !stack.is_empty() {
                f = f.with_evidence(Evidence::new("Stack", clip(&stack.join(" | "), 400)));
            }
            f.with_fix(format!("Fix {name} (or its handler) for sessions the Automated Process user creates: no running user's contact, no UI context; guard null values."))
                .with_link(format!("Setup › {object} › Triggers"), object_page(ctx, &object, "ApexTriggers"))
        }
        (_, Some(LogCause::TriggerAddError { trigger, message })) => {
            let name = trigger.clone().unwrap_or_else(|| "an Apex trigger".into());
            Finding::new(
                code,
                Severity::Error,
                format!("Trigger {name} rejected the chat's {object} (addError)"),
                format!(
                    "{seen} The trigger {name} called addError on the chat's {object}: \"{}\". The insert failed, so the customer's message is not sent.",
                    clip(message, 300)
                ),
            )
            .with_evidence(Evidence::new("Trigger", name.clone()))
            .with_evidence(Evidence::new("Message", clip(message, 400)))
            .with_fix(format!("Change the condition in {name} so automated chat sessions pass (e.g. skip when UserInfo.getUserType() == 'AutomatedProcess'), or add a bypass."))
            .with_link(format!("Setup › {object} › Triggers"), object_page(ctx, &object, "ApexTriggers"))
        }
        (_, Some(LogCause::StorageLimit)) => Finding::new(
            code,
            Severity::Error,
            "The org's data storage is full: the chat could not be saved",
            format!("{seen} The {object} insert failed with STORAGE_LIMIT_EXCEEDED: the org has no data storage left, so no chat can start."),
        )
        .with_fix("Free data storage (delete or archive old records) or buy more.")
        .with_link("Setup › Storage Usage", setup(ctx, "/lightning/setup/CompanyResourceDisk/home")),
        (_, Some(LogCause::Other { status_code, message })) => Finding::new(
            code,
            Severity::Error,
            format!(
                "The chat's {object} insert failed ({})",
                status_code.clone().unwrap_or_else(|| "no status code".into())
            ),
            format!(
                "{seen} The {object} insert failed, but the log does not show which automation caused it: \"{}\".",
                clip(message, 300)
            ),
        )
        .with_fix("Read the status code: UNABLE_TO_LOCK_ROW and DUPLICATES_DETECTED point at record locks and duplicate rules.")
        .with_fix("Open the debug log in Setup › Debug Logs and look just before the failure.")
        .with_link("Setup › Debug Logs", setup(ctx, DEBUG_LOGS)),
        (InsertOutcome::Failed, None) => Finding::new(
            code,
            Severity::Error,
            format!("The chat's {object} insert failed{}", status.map(|s| format!(" ({})", s.status_code)).unwrap_or_default()),
            format!(
                "{seen} The {object} insert failed, but the log does not show which automation caused it{}. Validation logging may have been off, or the failure came from a part of the save the log does not show.",
                if status_text.is_empty() { String::new() } else { format!(" ({status_text})") }
            ),
        )
        .with_fix("Open the debug log in Setup › Debug Logs and look just before the failure.")
        .with_fix("Capture again; if a trace flag was already on for the user, its levels were used.")
        .with_link("Setup › Debug Logs", setup(ctx, DEBUG_LOGS)),
        (InsertOutcome::Unknown, None) => Finding::new(
            code,
            Severity::Warning,
            format!("The debug log does not say what happened to the chat's {object}"),
            format!(
                "The debug log of the test chat {}, so it does not show whether the {object} insert went through.",
                if summary.truncated { "is cut short" } else { "has Apex logging off or no sign of the save" }
            ),
        )
        .with_fix("Capture again with a shorter test (one chat, one message).")
        .with_link("Setup › Debug Logs", setup(ctx, DEBUG_LOGS)),
    };
    if !status_text.is_empty() {
        f = f.with_evidence(Evidence::new("Status", status_text));
    }
    for other in attempt.other_causes.iter().take(3) {
        let names = other.names().join(", ");
        f = f.with_evidence(Evidence::new(
            "Also failed",
            format!(
                "{}{}",
                other.finding_code(),
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" — {names}")
                }
            ),
        ));
    }
    f = f.with_evidence(log_evidence(row));
    for e in attempt.evidence.iter().take(6) {
        f = f.with_evidence(Evidence::new(
            format!("Log line {}", e.line),
            clip(&e.text, 300),
        ));
    }
    let static_code = static_code_for(code);
    if let Some(sc) = static_code {
        f = f.with_evidence(Evidence::new(
            "Confirms the org check",
            format!("{sc} (the static check that ranks this automation as a suspect)"),
        ));
    }
    (f, static_code)
}

/// A step of the capture failed. `wrote`: a write had been attempted (the clean-up follows).
pub fn step_failed(
    ctx: &OrgContext,
    what: &str,
    e: &ApiError,
    detail: Option<String>,
    wrote: bool,
) -> Finding {
    let after = if wrote {
        " Whatever the capture had already created is removed again (see the clean-up below)."
    } else {
        " Nothing was written to the org."
    };
    let answer = detail.unwrap_or_else(|| {
        if e.status == 0 {
            "no answer from the org".into()
        } else {
            format!("HTTP {} {} {}", e.status, e.code, clip(&e.message, 200))
        }
    });
    let refused = e.status == 403
        || e.code.starts_with("INSUFFICIENT_ACCESS")
        || e.code == "API_DISABLED_FOR_ORG"
        || e.code == "INSUFFICIENT_PRIVILEGES";
    let f = if e.status == 401 {
        Finding::new(
            "capture/session-expired",
            Severity::Error,
            "Your Salesforce session expired during the capture",
            format!("The org refused the session while trying to {what} (401 {}).{after} Log in again and start the capture again.", e.code),
        )
        .with_fix(format!("Log in at https://{}/ in this browser, then click Capture again.", ctx.api_host))
        .with_link("Log in to the org", format!("https://{}/", ctx.api_host))
    } else if refused {
        Finding::new(
            "capture/no-permission",
            Severity::Error,
            "You may not turn on debug logs in this org",
            format!(
                "The org refused to let Messaging Doctor {what} ({}: {}).{after} Turning on debug logs for another user needs the same permissions as Setup › Debug Logs (typically \"View All Data\" and \"Manage Users\"; reading logs needs \"View All Data\").",
                e.code,
                clip(&e.message, 200)
            ),
        )
        .with_fix("Ask an administrator with those permissions to run the capture, or to give them to you for the test.")
        .with_fix("Or capture by hand: Setup › Debug Logs › New, traced entity type Automated Process, then start a chat.")
        .with_link("Setup › Debug Logs", setup(ctx, DEBUG_LOGS))
    } else {
        Finding::new(
            "capture/failed",
            Severity::Warning,
            format!("The capture stopped: could not {what}"),
            format!("Messaging Doctor could not {what}.{after}"),
        )
        .with_fix(
            "Click Capture again; if it keeps failing, capture by hand in Setup › Debug Logs.",
        )
        .with_link("Setup › Debug Logs", setup(ctx, DEBUG_LOGS))
    };
    f.with_evidence(Evidence::new("Step", what.to_string()))
        .with_evidence(Evidence::new("Answer", answer))
}

pub fn no_automated_user(ctx: &OrgContext) -> Finding {
    Finding::new(
        "capture/no-automated-user",
        Severity::Error,
        "The org shows no Automated Process user",
        "The query for the user with UserType 'AutomatedProcess' returned no active user, so there is nobody to trace. Messaging for Web inserts its records as that user. Nothing was written to the org.",
    )
    .with_evidence(Evidence::new("Query", "SELECT … FROM User WHERE UserType = 'AutomatedProcess'"))
    .with_fix("Check that your user can see all users (View All Users / View Setup and Configuration) and try again.")
    .with_link("Setup › Debug Logs", setup(ctx, DEBUG_LOGS))
}

pub fn cancelled(ctx: &OrgContext, reason: Option<&str>, wrote: bool) -> Finding {
    let why = reason.unwrap_or("You cancelled the capture");
    Finding::new(
        "capture/cancelled",
        Severity::Info,
        "Capture cancelled",
        format!(
            "{why}. {}",
            if wrote {
                "What the capture had created is removed again (see the clean-up below); debug logs already written stay in the org."
            } else {
                "Nothing was written to the org."
            }
        ),
    )
    .with_link("Setup › Debug Logs", setup(ctx, DEBUG_LOGS))
}

pub fn no_chat_seen(ctx: &OrgContext, state: &CaptureState) -> Finding {
    let users: Vec<String> = state.users.iter().map(|u| u.name.clone()).collect();
    let mut f = Finding::new(
        "capture/no-chat-seen",
        Severity::Warning,
        "No chat reached the org while debug logs were on",
        format!(
            "Debug logs of {} were on from {} until the capture's time ran out, and no new log showed a MessagingSession or MessagingEndUser insert. Either no chat was started, or the chat never reached the org (look at the page findings: a widget that does not start, or a blocked request, stops before the org).",
            users.join(" and "),
            time::human(state.started_ms)
        ),
    )
    .with_evidence(Evidence::new("New debug logs read", state.logs_read.to_string()))
    .with_fix("Capture again and start the chat in the customer tab while the popup says it is waiting.")
    .with_link("Setup › Debug Logs", setup(ctx, DEBUG_LOGS));
    if state.end_user_ok {
        f = f.with_evidence(Evidence::new(
            "Seen",
            "a MessagingEndUser insert went through; no MessagingSession insert followed",
        ));
    }
    f
}

/// What the clean-up did. `None` when nothing was ever written.
pub fn cleanup_finding(ctx: &OrgContext, state: &CaptureState) -> Option<Finding> {
    if !state.writes_attempted && state.cleanup_done.is_empty() && state.cleanup_failed.is_empty() {
        return None;
    }
    let link = setup(ctx, DEBUG_LOGS);
    let mut f = if state.cleanup_failed.is_empty() {
        let msg = if state.cleanup_done.is_empty() {
            "The org refused the first write, so nothing was created and nothing is left behind."
                .to_string()
        } else {
            "Messaging Doctor removed everything the capture created (listed below) and put back any trace flag that was already on; nothing of it is left in the org. The debug logs written during the capture stay there, under Setup › Debug Logs.".to_string()
        };
        Finding::new(
            "capture/cleaned-up",
            Severity::Ok,
            "Clean-up done: nothing of the capture is left on",
            msg,
        )
    } else {
        Finding::new(
            "capture/cleanup-incomplete",
            Severity::Warning,
            "Clean-up incomplete: remove the rest by hand",
            format!(
                "Messaging Doctor could not remove everything it created. The trace flag expires by itself at {} at the latest; a debug level does not expire. Delete what is listed below in Setup › Debug Logs (trace flags) and Setup › Debug Logs › Debug Levels.",
                time::human(state.expires_ms)
            ),
        )
        .with_fix("Open Setup › Debug Logs and delete the trace flags listed below; then delete the debug level named below.")
    };
    for d in &state.cleanup_done {
        f = f.with_evidence(Evidence::new("Done", d.clone()));
    }
    for d in &state.cleanup_failed {
        f = f.with_evidence(Evidence::new("Not done", d.clone()));
    }
    for u in &state.users {
        let role = match u.role {
            UserRole::AutomatedProcess => "Automated Process user".to_string(),
            UserRole::SiteGuest => {
                format!("guest user of site {}", u.site.clone().unwrap_or_default())
            }
        };
        f = f.with_evidence(Evidence::new(
            "Traced",
            format!("{} ({}, {role})", u.name, u.id),
        ));
    }
    Some(f.with_link("Setup › Debug Logs", link))
}
