//! The checks of the source check, one function each, mirroring `org::checks`: the same
//! engines, codes and severities, the evidence pointing at files and lines instead of org
//! records.

use serde_json::{json, Value};

use super::{Located, SourceFinding, SourceInput};
use crate::analysis::apex::parser::Parser;
use crate::analysis::apex::{analyze_trigger, ClassSource, Outcome, TriggerSource};
use crate::analysis::formula::{judge_rule, Verdict as RV};
use crate::analysis::record::InsertedRecord;
use crate::finding::{Evidence, Finding, Severity};
use crate::org::checks::{trigger_code_evidence, TRIGGER_FIX_SKIP_PLATFORM, TRIGGER_FIX_TRY_CATCH};
use crate::org::json::clip;
use crate::org::{CheckResult, CheckStatus};

/// The objects whose insert the platform makes when a conversation starts.
pub const OBJECTS: [&str; 2] = ["MessagingSession", "MessagingEndUser"];

fn is_chat_object(o: &str) -> bool {
    OBJECTS.iter().any(|x| x.eq_ignore_ascii_case(o))
}

fn status(problems: usize) -> CheckStatus {
    if problems > 0 {
        CheckStatus::Problem
    } else {
        CheckStatus::Passed
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!(": {}", items.join("; "))
    }
}

/// `; N <what>` for a count of items a summary set aside, nothing when there are none.
fn also(n: usize, what: &str) -> String {
    if n > 0 {
        format!("; {n} {what}")
    } else {
        String::new()
    }
}

// ---------------------------------------------------------------------------------------------
// Required fields

/// Standard fields the platform fills on every insert (as `org::checks` treats them).
const PLATFORM_FILLS: [&str; 6] = [
    "Id",
    "Name",
    "OwnerId",
    "CreatedById",
    "CreatedDate",
    "LastModifiedById",
];

pub fn required_fields(
    input: &SourceInput,
    record: &dyn Fn(&str) -> InsertedRecord,
    out: &mut Vec<SourceFinding>,
) -> CheckResult {
    let mut problems = 0;
    let mut checked = 0;
    let mut defaulted = Vec::new();
    for f in &input.fields {
        let ty = f.field_type.as_str();
        // Master-detail fields are always required; checkboxes always default to false;
        // formula, roll-up and auto-number fields are never given on insert.
        let must = (f.required || ty.eq_ignore_ascii_case("MasterDetail"))
            && !ty.eq_ignore_ascii_case("Checkbox")
            && !ty.eq_ignore_ascii_case("AutoNumber")
            && !ty.eq_ignore_ascii_case("Summary")
            && !f.formula;
        let model = record(&f.object);
        if !must
            || model.field(&f.name).is_some()
            || PLATFORM_FILLS
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&f.name))
        {
            continue;
        }
        checked += 1;
        if let Some(d) = &f.default_value {
            defaulted.push(format!("{}.{} (default {})", f.object, f.name, clip(d, 60)));
            continue;
        }
        problems += 1;
        let label = f.label.clone().unwrap_or_else(|| f.name.clone());
        let (object, name) = (&f.object, &f.name);
        let finding = Finding::new(
            "org/required-field",
            Severity::Error,
            format!("Required field {object}.{name} has no value when a chat starts"),
            format!(
                "{object}.{name} (\"{label}\", {ty}) must have a value on insert, but the platform does not set it when a conversation starts and it has no default. Once deployed, every new chat's {object} insert fails with REQUIRED_FIELD_MISSING, so the window keeps loading or the message shows \"Not sent\"."
            ),
        )
        .with_evidence(Evidence::new("Field", format!("{object}.{name}")).at(f.at.show()))
        .with_evidence(Evidence::new("Type", ty.to_string()))
        .with_evidence(Evidence::new(
            "Required",
            if f.required { "<required>true</required>, no <defaultValue>" } else { "master-detail (always required), no default" },
        ))
        .with_evidence(Evidence::new("Custom field", "yes"))
        .with_fix(format!("Set <required>false</required> on {object}.{name} (untick \"Required\"); enforce it on the page layout instead if people must fill it."))
        .with_fix("Or give it a <defaultValue> (for a picklist, mark a default value) so the system insert has one.")
        .with_fix("Or map it from a hidden pre-chat field in the deployment, if the page knows the value.");
        out.push(SourceFinding {
            item: format!("field:{object}.{name}"),
            at: f.at.clone(),
            finding,
        });
    }
    let summary = if problems > 0 {
        format!("{problems} required field(s) have no value at insert")
    } else if defaulted.is_empty() {
        format!(
            "no required field is left empty ({checked} required of {} custom field(s) read)",
            input.fields.len()
        )
    } else {
        format!(
            "no required field is left empty; {} required field(s) have defaults: {}",
            defaulted.len(),
            defaulted.join(", ")
        )
    };
    CheckResult::new(
        "required-fields",
        "Required fields",
        status(problems),
        summary,
    )
}

// ---------------------------------------------------------------------------------------------
// Validation rules

/// The 1-based line of byte `offset` of a text that starts on `first_line`.
fn line_in(text: &str, first_line: u32, offset: usize) -> u32 {
    let upto = text.get(..offset.min(text.len())).unwrap_or(text);
    first_line + upto.matches('\n').count() as u32
}

pub fn validation_rules(
    input: &SourceInput,
    record: &dyn Fn(&str) -> InsertedRecord,
    out: &mut Vec<SourceFinding>,
) -> CheckResult {
    let mut problems = 0;
    let mut harmless = Vec::new();
    let mut inactive = 0;
    for r in &input.rules {
        if !r.active {
            inactive += 1;
            continue;
        }
        let (object, name) = (&r.object, &r.name);
        let v = judge_rule(&r.formula, true, &record(object));
        let Some((code, severity, title)) =
            crate::org::checks::rule_verdict_title(name, &v.verdict)
        else {
            harmless.push(format!("{name} ({})", clip(&v.summary, 140)));
            continue;
        };
        problems += 1;
        let message = match &v.verdict {
            RV::Fires => format!(
                "The active rule {name} on {object} is true for the record the platform inserts when a chat starts, so once deployed the insert fails with FIELD_CUSTOM_VALIDATION_EXCEPTION (\"{}\"). {}",
                clip(&r.error_message, 200), v.summary
            ),
            RV::MayFire { hinges_on } => format!(
                "The active rule {name} on {object} fires for the system-created record if {}. {}",
                hinges_on.join(" and "),
                v.summary
            ),
            _ => format!(
                "The active rule {name} on {object} could not be parsed by Messaging Doctor ({}). Check it by hand.",
                v.error.as_ref().map(|e| e.message.clone()).unwrap_or_default()
            ),
        };
        // The primary location: the deciding clause's line, else the formula's first line.
        let at_offset = v
            .decider
            .as_ref()
            .map(|d| d.span.start)
            .or(v.error.as_ref().map(|e| e.span.start));
        let at = Located::new(
            r.at.file.clone(),
            at_offset
                .map(|o| line_in(&r.formula, r.at.line, o))
                .unwrap_or(r.at.line),
        );
        let mut f = Finding::new(code, severity, title, message)
            .with_evidence(Evidence::new("Formula", clip(&r.formula, 2000)).at(r.at.show()))
            .with_evidence(Evidence::new("Error message", r.error_message.clone()));
        if let Some(d) = &v.decider {
            f = f.with_evidence(
                Evidence::new("Decided by", format!("{} = {}", d.text, d.value)).at(at.show()),
            );
        }
        for c in v.clauses.iter().take(8) {
            f = f.with_evidence(Evidence::new(
                "Clause",
                format!("{} = {}", clip(&c.text, 200), c.value),
            ));
        }
        for s in v.suggestions.iter().take(3) {
            f = f.with_fix(format!("{} New formula: {}", s.rationale, s.formula));
        }
        if v.suggestions.is_empty() {
            f = f.with_fix("Change the rule so it does not apply to records the platform creates for a chat, e.g. wrap the condition in AND(NOT(ISNEW()), …).");
        }
        out.push(SourceFinding {
            item: format!("rule:{object}.{name}"),
            at,
            finding: f,
        });
    }
    let summary = if problems > 0 {
        format!("{problems} active rule(s) block or may block the insert")
    } else {
        format!(
            "{} active rule(s) do not fire for the system-created record{}{}",
            harmless.len(),
            list(&harmless),
            also(inactive, "inactive rule(s) ignored")
        )
    };
    CheckResult::new(
        "validation-rules",
        "Validation rules",
        status(problems),
        summary,
    )
}

// ---------------------------------------------------------------------------------------------
// Record-triggered flows

fn meta_text<'a>(meta: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = meta;
    for p in path {
        v = v.get(*p)?;
    }
    v.as_str().map(str::trim).filter(|s| !s.is_empty())
}

pub fn flows(
    input: &SourceInput,
    record: &dyn Fn(&str) -> InsertedRecord,
    out: &mut Vec<SourceFinding>,
) -> CheckResult {
    let mut problems = 0;
    let mut harmless = Vec::new();
    let mut not_on_create = input.other_flows;
    for fl in &input.flows {
        let m = &fl.metadata;
        let trigger = meta_text(m, &["start", "triggerType"]).unwrap_or("");
        let rtt = meta_text(m, &["start", "recordTriggerType"]).unwrap_or("");
        let object = meta_text(m, &["start", "object"]).unwrap_or("");
        let active = fl.status.eq_ignore_ascii_case("Active");
        let on_create = active
            && (trigger == "RecordBeforeSave" || trigger == "RecordAfterSave")
            && (rtt == "Create" || rtt == "CreateAndUpdate")
            && is_chat_object(object);
        if !on_create {
            not_on_create += 1;
            continue;
        }
        let label = meta_text(m, &["label"]).unwrap_or(&fl.api_name).to_string();
        let timing = if trigger == "RecordBeforeSave" {
            "before-save"
        } else {
            "after-save"
        };
        // The FlowDefinitionView row the org checks would read for this flow.
        let row = json!({
            "ApiName": fl.api_name,
            "Label": label,
            "IsActive": true,
            // The org checks count a flow as running when it has an active version; in source
            // the file with status Active is that version.
            "ActiveVersionId": format!("{} (this file)", fl.api_name),
            "ProcessType": meta_text(m, &["processType"]),
            "TriggerType": trigger,
            "RecordTriggerType": rtt,
        });
        let judged = crate::org::flows::judge(&row, Some(m), &record(object));
        let Some(severity) = judged.severity else {
            harmless.push(format!(
                "{label} ({timing}: {})",
                clip(&judged.summary, 140)
            ));
            continue;
        };
        problems += 1;
        let line_of = |element: &str| {
            fl.element_lines
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(element))
                .map(|(_, l)| *l)
        };
        let mut primary: Option<u32> = None;
        let mut f = Finding::new(
            judged.code,
            severity,
            judged.title.replace("{label}", &label),
            judged.message,
        )
        .with_evidence(
            Evidence::new(
                "Flow",
                format!("{label} ({}), {timing}, runs on {rtt}", fl.api_name),
            )
            .at(fl.at.show()),
        );
        for mut e in judged.evidence {
            // `element X` → the element's line in the flow file.
            if let Some(el) = e
                .location
                .as_deref()
                .and_then(|l| l.strip_prefix("element "))
            {
                if let Some(line) = line_of(el) {
                    primary.get_or_insert(line);
                    e.location = Some(format!("{}:{line} (element {el})", fl.at.file));
                }
            }
            f = f.with_evidence(e);
        }
        for s in judged.fix {
            f = f.with_fix(s);
        }
        out.push(SourceFinding {
            item: format!("flow:{}", fl.api_name),
            at: Located::new(fl.at.file.clone(), primary.unwrap_or(fl.at.line)),
            finding: f,
        });
    }
    let summary = if problems > 0 {
        format!("{problems} flow(s) that run on create can stop the insert")
    } else {
        format!(
            "{} flow(s) run on create and none stops the insert{}{}",
            harmless.len(),
            list(&harmless),
            also(not_on_create, "other flow(s) do not run on create")
        )
    };
    CheckResult::new("flows", "Record-triggered flows", status(problems), summary)
}

// ---------------------------------------------------------------------------------------------
// Apex triggers

/// The object a trigger is on, from its header (`trigger T on MessagingSession (…)`).
pub fn trigger_object(body: &str) -> Option<String> {
    Parser::new(body).parse_trigger().map(|t| t.object)
}

pub fn triggers(
    input: &SourceInput,
    record: &dyn Fn(&str) -> InsertedRecord,
    out: &mut Vec<SourceFinding>,
) -> CheckResult {
    let classes: Vec<ClassSource> = input
        .classes
        .iter()
        .map(|c| ClassSource {
            name: c.name.clone(),
            body: c.body.clone(),
            namespace_prefix: None,
        })
        .collect();
    let file_of = |source: &str| -> Option<&str> {
        input
            .triggers
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(source))
            .map(|t| t.file.as_str())
            .or_else(|| {
                input
                    .classes
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(source))
                    .map(|c| c.file.as_str())
            })
    };
    let mut problems = 0;
    let mut harmless = Vec::new();
    let mut judged_count = 0;
    for t in &input.triggers {
        let Some(object) = trigger_object(&t.body).filter(|o| is_chat_object(o)) else {
            continue;
        };
        judged_count += 1;
        // Usage flags stay false: the analyser then reads the events from the header, as
        // the source states them.
        let src = TriggerSource {
            name: t.name.clone(),
            body: t.body.clone(),
            namespace_prefix: None,
            status: t.status.clone(),
            ..Default::default()
        };
        let v = analyze_trigger(&src, &classes, &record(&object));
        let name = &t.name;
        let Some((code, severity, title, message)) = crate::org::checks::trigger_verdict_text(
            name,
            &object,
            &v,
            "Add the classes it calls to the project (or check them by hand).",
        ) else {
            harmless.push(format!("{name} ({})", clip(&v.summary, 140)));
            continue;
        };
        if severity <= Severity::Warning {
            problems += 1;
        }
        let mut primary: Option<Located> = None;
        let mut f = Finding::new(code, severity, title, message).with_evidence(
            Evidence::new(
                "Trigger",
                format!("{name} on {object}, {}", v.events.join(", ")),
            )
            .at(t.file.clone()),
        );
        for e in v
            .evidence
            .iter()
            .filter(|e| !matches!(e.outcome, Outcome::NotReached))
            .take(8)
        {
            let file = file_of(&e.source).unwrap_or(&t.file).to_string();
            let here = Located::new(file, e.line);
            if matches!(e.outcome, Outcome::Blocks | Outcome::MayBlock) && primary.is_none() {
                primary = Some(here.clone());
            }
            f = f.with_evidence(Evidence::new("Code", trigger_code_evidence(e)).at(format!(
                "{} ({})",
                here.show(),
                e.event
            )));
        }
        for u in &v.unseen {
            f = f.with_evidence(Evidence::new("Not readable", u.clone()));
        }
        f = f
            .with_fix(TRIGGER_FIX_SKIP_PLATFORM)
            .with_fix(TRIGGER_FIX_TRY_CATCH);
        out.push(SourceFinding {
            item: format!("trigger:{name}"),
            at: primary.unwrap_or_else(|| Located::new(t.file.clone(), 1)),
            finding: f,
        });
    }
    let summary = if problems > 0 {
        format!("{problems} trigger(s) stop or may stop the insert")
    } else {
        format!(
            "{judged_count} trigger(s) checked ({} class(es) read); none stops the insert{}",
            input.classes.len(),
            list(&harmless)
        )
    };
    CheckResult::new("triggers", "Apex triggers", status(problems), summary)
}

// ---------------------------------------------------------------------------------------------
// Deployments

/// What source says about Messaging for Web deployments: turned off, or closed to guests
/// without an authentication method. The page's deployment, its site and channel state need
/// a live org.
pub fn deployments(input: &SourceInput, out: &mut Vec<SourceFinding>) -> CheckResult {
    let mut problems = 0;
    let mut fine = Vec::new();
    for d in &input.deployments {
        if d.feature.as_deref() != Some("EmbeddedMessaging") {
            continue;
        }
        let name = &d.name;
        let ev = Evidence::new(
            "Deployment",
            format!(
                "{name}: feature EmbeddedMessaging, enabled {}, guests allowed {}, auth {}",
                d.enabled
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "?".into()),
                d.guests_allowed
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "?".into()),
                d.auth_method.clone().unwrap_or_else(|| "none".into())
            ),
        )
        .at(d.at.show());
        let mut bad = false;
        if d.enabled == Some(false) {
            bad = true;
            out.push(SourceFinding {
                item: format!("deployment:{name}"),
                at: d.at.clone(),
                finding: Finding::new(
                    "org/deployment-disabled",
                    Severity::Error,
                    format!("Deployment {name} is turned off"),
                    format!("The deployment {name} is not enabled in source, so once deployed a page that uses it cannot load its configuration."),
                )
                .with_evidence(ev.clone())
                .with_fix("Turn the deployment on, then publish it."),
            });
        }
        let authenticated = d
            .auth_method
            .as_deref()
            .is_some_and(|a| !a.is_empty() && a != "Unauthenticated");
        if d.guests_allowed == Some(false) && !authenticated {
            bad = true;
            out.push(SourceFinding {
                item: format!("deployment:{name}"),
                at: d.at.clone(),
                finding: Finding::new(
                    "org/guest-access",
                    Severity::Error,
                    format!("Deployment {name} does not allow guest users"),
                    format!("Visitors on a public page are guests, but deployment {name} has guest access turned off and no authentication set up, so the widget cannot get a token to start a chat."),
                )
                .with_evidence(ev)
                .with_fix("Allow guest users on the deployment, or set up user verification and pass the visitor's token from the page."),
            });
        }
        if bad {
            problems += 1;
        } else {
            fine.push(name.clone());
        }
    }
    let summary = if problems > 0 {
        format!("{problems} Messaging deployment(s) cannot serve a chat")
    } else if fine.is_empty() {
        "no Messaging for Web deployment in source (site, channel and the page's deployment need a live org)".into()
    } else {
        format!(
            "{} Messaging deployment(s) enabled and open to guests{} (site and channel state need a live org)",
            fine.len(),
            list(&fine)
        )
    };
    CheckResult::new(
        "deployment",
        "Deployment, channel and site",
        status(problems),
        summary,
    )
}
