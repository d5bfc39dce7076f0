//! The org checks: decoded API answers (plus the page report, when there is one) in, findings
//! out. One function per check; each reports its own failure (a sub-request that failed, an
//! answer of an unexpected shape) as a finding and never stops the others.

// A check's failure is a whole Finding, built once, on the cold path.
#![allow(clippy::result_large_err)]

use serde_json::Value;

pub use super::access::{api_access_control_refusal, failure_finding};
use super::api::{pick_automated_user, reference, Answers, ApiError, SubAnswer};
use super::json::{array, clip, flag, number, path_text, text, text_or_empty};
use super::{CheckResult, CheckStatus, OrgContext};
use crate::analysis::apex::{analyze_trigger, ClassSource, TriggerSource, Verdict as TVerdict};
use crate::analysis::formula::{judge_rule, Verdict as RVerdict};
use crate::analysis::record::{FieldValue, InsertedRecord};
use crate::finding::{Evidence, Finding, Severity};
use crate::page::lifecycle::Stage;
use crate::page::PageReport;

/// Everything a check needs.
pub struct Ctx<'a> {
    pub org: &'a OrgContext,
    pub answers: &'a Answers,
    pub page: Option<&'a PageReport>,
}

impl Ctx<'_> {
    /// An absolute Setup link on the org's Lightning host. Paths carry names and ids from the
    /// org's answers: one that is not plain URL text (spaces, non-ASCII, `<`, `>`, `"`, `\`,
    /// a backquote) gives the Setup home, never a link that breaks or is refused as foreign.
    pub fn setup(&self, path: &str) -> String {
        let plain = path.starts_with('/')
            && path
                .bytes()
                .all(|c| c.is_ascii_graphic() && !matches!(c, b'<' | b'>' | b'"' | b'\\' | b'`'));
        let path = if plain {
            path
        } else {
            "/lightning/setup/SetupOneHome/home"
        };
        format!("https://{}{}", self.org.lightning_host(), path)
    }

    /// A sub-request's 2xx answer, or why there is none: a finding the caller adds.
    fn answer(&self, reference: &str, what: &str) -> Result<&SubAnswer, Finding> {
        if let Some(f) = self.answers.failed.get(reference) {
            return Err(failure_finding(self, what, &f.error, f.detail.as_deref()));
        }
        match self.answers.get(reference) {
            Some(a) if a.ok() => Ok(a),
            Some(a) => Err(failure_finding(self, what, &a.error(), None)),
            None => Err(not_asked(what)),
        }
    }

    /// The error a sub-request ended with, if it failed.
    fn error_of(&self, reference: &str) -> Option<ApiError> {
        if let Some(f) = self.answers.failed.get(reference) {
            return Some(f.error.clone());
        }
        self.answers
            .get(reference)
            .filter(|a| !a.ok())
            .map(|a| a.error())
    }

    /// A query's records (every page read).
    fn records(&self, reference: &str, what: &str) -> Result<&[Value], Finding> {
        self.answer(reference, what).map(|a| a.records.as_slice())
    }

    /// A non-query sub-request's body.
    fn body(&self, reference: &str, what: &str) -> Result<&Value, Finding> {
        self.answer(reference, what).map(|a| &a.body)
    }

    /// The page's init calls' deployment names, org ids and site URLs.
    fn page_deployments(&self) -> Vec<PageDeployment> {
        let Some(page) = self.page else {
            return Vec::new();
        };
        let mut out: Vec<PageDeployment> = Vec::new();
        for c in &page.init_calls {
            let Some(name) = c.call.deployment.clone() else {
                continue;
            };
            if out.iter().any(|d| d.name.eq_ignore_ascii_case(&name)) {
                continue;
            }
            out.push(PageDeployment {
                name,
                site_url: c.call.site_url.clone(),
                org_id: c.call.org_id.clone(),
                where_: c.location(),
            });
        }
        out
    }

    /// The record the platform inserts, with what the org says about the inserting user: the
    /// Automated Process user's name, profile and — when its permission sets are known — its
    /// complete set of custom permissions.
    pub fn record(&self, object: &str) -> InsertedRecord {
        let mut r = record_for(object);
        let Ok(users) = self.records("automatedUser", "the Automated Process user") else {
            return r;
        };
        let Some((u, _)) = pick_automated_user(users) else {
            return r;
        };
        for key in ["Id", "Name", "Alias"] {
            if let Some(v) = text(u, key) {
                r.user.insert(key.into(), FieldValue::text(&v));
            }
        }
        match path_text(u, "Profile.Name") {
            Some(p) => {
                r.profile.insert("Name".into(), FieldValue::text(&p));
            }
            None if u.get("Profile").map(|p| p.is_null()).unwrap_or(false)
                || (u.get("ProfileId").map(|p| p.is_null()).unwrap_or(false)) =>
            {
                r.profile.insert("Name".into(), FieldValue::null());
            }
            None => {}
        }
        let (Ok(assignments), Ok(perms)) = (
            self.records("automatedPermissionSets", "permission sets"),
            self.records("customPermissions", "custom permissions"),
        ) else {
            return r;
        };
        if assignments.is_empty() {
            // No permission set at all: no custom permission either.
            r.permissions_complete = true;
            return r;
        }
        if let Some(access) = self.answers.records("automatedCustomPermissions") {
            for a in access {
                let id = text_or_empty(a, "SetupEntityId");
                if let Some(p) = perms.iter().find(|p| {
                    text(p, "Id").is_some_and(|pid| pid.get(..15) == id.get(..15) && !id.is_empty())
                }) {
                    r.permissions
                        .insert(text_or_empty(p, "DeveloperName"), true);
                }
            }
            r.permissions_complete = true;
        }
        r
    }

    fn stage(&self) -> Option<&Stage> {
        self.page.and_then(|p| p.stage.as_ref())
    }
}

pub struct PageDeployment {
    pub name: String,
    pub site_url: Option<String>,
    pub org_id: Option<String>,
    pub where_: String,
}

fn not_asked(what: &str) -> Finding {
    Finding::new(
        "org/check-failed",
        Severity::Warning,
        format!("Could not check {what}"),
        format!("The request for {what} was not sent (the diagnosis stopped early), so {what} were not checked."),
    )
}

/// The record model for an object the platform inserts at conversation start.
pub fn record_for(object: &str) -> InsertedRecord {
    let mut r = InsertedRecord::messaging_session_at_start(&[]);
    if object.eq_ignore_ascii_case("MessagingEndUser") {
        r.object = "MessagingEndUser".into();
        r.fields.clear();
        let set = |why: &str| FieldValue::unknown(why);
        r.fields.insert(
            "MessagingChannelId".into(),
            set("the channel's record id (set, not null)"),
        );
        r.fields.insert(
            "MessagingPlatformKey".into(),
            set("the visitor's generated key (set, not null)"),
        );
        r.fields
            .insert("MessageType".into(), FieldValue::text("EmbeddedMessaging"));
        r.fields
            .insert("Name".into(), set("a generated guest name (set, not null)"));
        r.fields.insert(
            "OwnerId".into(),
            set("the Automated Process user or the channel's queue"),
        );
        r.fields
            .insert("CreatedById".into(), set("the Automated Process user's id"));
    }
    r
}

/// Fields the platform fills on insert, so "required" is not a problem for them.
fn platform_fills(model: &InsertedRecord, field: &str) -> bool {
    model.field(field).is_some()
        || [
            "Id",
            "Name",
            "OwnerId",
            "CreatedById",
            "CreatedDate",
            "LastModifiedById",
        ]
        .iter()
        .any(|f| f.eq_ignore_ascii_case(field))
}

fn object_setup_path(object: &str, page: &str) -> String {
    if !path_safe(object) {
        return "/lightning/setup/ObjectManager/home".into();
    }
    format!("/lightning/setup/ObjectManager/{object}/{page}/view")
}

/// A name or id from an org answer that may go into a Setup path as is: letters, digits and
/// `_` (API names, namespaced ones included, and record ids).
fn path_safe(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

// ---------------------------------------------------------------------------------------------
// 1. Required fields

/// A describe field that must be given a value on insert: not nillable, createable, not a
/// checkbox (checkboxes are never nillable but always default to false).
fn must_have_value(field: &Value) -> bool {
    flag(field, "nillable") == Some(false)
        && flag(field, "createable") == Some(true)
        && text_or_empty(field, "type") != "boolean"
}

/// The field's default on create: its formula or value, or "set by the platform" when the
/// describe says `defaultedOnCreate`.
fn default_of(field: &Value) -> Option<String> {
    text(field, "defaultValueFormula")
        .or_else(|| text(field, "defaultValue"))
        .or_else(|| {
            (flag(field, "defaultedOnCreate") == Some(true)).then(|| "set by the platform".into())
        })
}

/// A field that must be given a value on insert and has no default.
pub fn required_without_default(field: &Value) -> bool {
    must_have_value(field) && default_of(field).is_none()
}

pub fn required_fields(ctx: &Ctx, out: &mut Vec<Finding>) -> CheckResult {
    let mut problems = 0;
    let mut defaulted: Vec<String> = Vec::new();
    let mut failures = Vec::new();
    let mut required_count = 0;
    for (object, reference) in [
        ("MessagingSession", "describeSession"),
        ("MessagingEndUser", "describeEndUser"),
    ] {
        // Describe of an object the org does not have answers 404 NOT_FOUND (a query on it
        // answers INVALID_TYPE): for the messaging objects that means Messaging is off.
        if let Some(e) = ctx
            .error_of(reference)
            .filter(|e| e.status == 404 && e.code == "NOT_FOUND")
        {
            failures.push(super::access::messaging_object_missing(ctx, object, &e));
            continue;
        }
        let body = match ctx.body(reference, &format!("the {object} fields")) {
            Ok(b) => b,
            Err(f) => {
                failures.push(f);
                continue;
            }
        };
        let model = record_for(object);
        for field in array(body, "fields") {
            let name = text_or_empty(field, "name");
            let ty = text_or_empty(field, "type");
            if !must_have_value(field) || platform_fills(&model, &name) {
                continue;
            }
            required_count += 1;
            if let Some(default) = default_of(field) {
                defaulted.push(format!("{object}.{name} (default {default})"));
                continue;
            }
            problems += 1;
            let label = text(field, "label").unwrap_or_else(|| name.clone());
            let custom = flag(field, "custom").unwrap_or(false);
            let mut f = Finding::new(
                "org/required-field",
                Severity::Error,
                format!("Required field {object}.{name} has no value when a chat starts"),
                format!(
                    "{object}.{name} (\"{label}\", {ty}) must have a value on insert, but the platform does not set it when a conversation starts and it has no default. Every new chat's {object} insert fails with REQUIRED_FIELD_MISSING, so the window keeps loading or the message shows \"Not sent\"."
                ),
            )
            .with_evidence(Evidence::new("Field", format!("{object}.{name}")).at("describe"))
            .with_evidence(Evidence::new("Type", ty.clone()))
            .with_evidence(Evidence::new(
                "Required",
                "nillable = false, createable = true, defaultedOnCreate = false, no default value",
            ))
            .with_evidence(Evidence::new("Custom field", if custom { "yes" } else { "no" }));
            let dev = name.trim_end_matches("__c");
            if let Some(cf) = ctx.answers.records("customFields").and_then(|rows| {
                rows.iter().find(|r| {
                    text_or_empty(r, "DeveloperName").eq_ignore_ascii_case(dev)
                        && text_or_empty(r, "TableEnumOrId").eq_ignore_ascii_case(object)
                })
            }) {
                f = f.with_evidence(
                    Evidence::new(
                        "Last changed",
                        format!(
                            "{} by {}",
                            text(cf, "LastModifiedDate").unwrap_or_else(|| "?".into()),
                            path_text(cf, "LastModifiedBy.Name").unwrap_or_else(|| "?".into())
                        ),
                    )
                    .at(format!("CustomField {}", text_or_empty(cf, "Id"))),
                );
            }
            if custom {
                f = f
                    .with_fix(format!("Open {object} › Fields & Relationships › {label} and untick \"Required\"; enforce it on the page layout instead if people must fill it."))
                    .with_fix("Or give it a default value (for a picklist, mark a default value) so the system insert has one.")
                    .with_fix("Or map it from a hidden pre-chat field in the deployment, if the page knows the value.");
            } else {
                f = f.with_fix("This standard field is required by the platform; check that the messaging channel and deployment are set up completely (Setup › Messaging Settings).");
            }
            out.push(f.with_link(
                format!("Setup › Object Manager › {object} › Fields"),
                ctx.setup(&object_setup_path(object, "FieldsAndRelationships")),
            ));
        }
    }
    let failed = !failures.is_empty();
    out.extend(failures);
    let summary = if problems > 0 {
        format!("{problems} required field(s) have no value at insert")
    } else if failed {
        "could not read the field list".to_string()
    } else if defaulted.is_empty() {
        format!("no required field is left empty ({required_count} required fields checked)")
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
        status(problems, failed),
        summary,
    )
}

fn status(problems: usize, failed: bool) -> CheckStatus {
    if problems > 0 {
        CheckStatus::Problem
    } else if failed {
        CheckStatus::Failed
    } else {
        CheckStatus::Passed
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Validation rules

pub fn validation_rules(ctx: &Ctx, out: &mut Vec<Finding>) -> CheckResult {
    let rules = match ctx.records("rules", "validation rules") {
        Ok(r) => r,
        Err(f) => {
            out.push(f);
            return CheckResult::new(
                "validation-rules",
                "Validation rules",
                CheckStatus::Failed,
                "could not read the validation rules",
            );
        }
    };
    let mut problems = 0;
    let mut harmless = Vec::new();
    let mut inactive = 0;
    for r in rules {
        let id = text_or_empty(r, "Id");
        let name = text_or_empty(r, "ValidationName");
        let object = path_text(r, "EntityDefinition.QualifiedApiName")
            .unwrap_or_else(|| "MessagingSession".into());
        if flag(r, "Active") != Some(true) {
            inactive += 1;
            continue;
        }
        let detail = ctx.body(
            &reference::keyed("rule", &id).unwrap_or_default(),
            &format!("the formula of rule {name}"),
        );
        let formula = match &detail {
            Ok(b) => b
                .get("Metadata")
                .and_then(|m| text(m, "errorConditionFormula"))
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        let message = text_or_empty(r, "ErrorMessage");
        let changed = format!(
            "{} by {}",
            text(r, "LastModifiedDate").unwrap_or_else(|| "?".into()),
            path_text(r, "LastModifiedBy.Name").unwrap_or_else(|| "?".into())
        );
        let link = ctx.setup(&if reference::is_record_id(&id) && path_safe(&object) {
            format!("/lightning/setup/ObjectManager/{object}/ValidationRules/{id}/view")
        } else {
            object_setup_path(&object, "ValidationRules")
        });
        if let Err(f) = detail {
            // Without the formula: list it for review.
            problems += 1;
            out.push(
                Finding::new(
                    "org/validation-rule-review",
                    Severity::Warning,
                    format!("Review validation rule {object}.{name}"),
                    format!(
                        "The active rule {name} on {object} could not be judged because its formula could not be read ({}). Check by hand whether it fires when the platform creates the record for a new chat.",
                        f.title
                    ),
                )
                .with_evidence(Evidence::new("Error message", message.clone()))
                .with_evidence(Evidence::new("Last changed", changed.clone()))
                .with_fix("Open the rule and check whether its condition is true for a record with Origin = InboundInitiated, Status = Waiting and empty custom fields.")
                .with_link(format!("Setup › {object} › Validation Rules › {name}"), link),
            );
            continue;
        }
        let record = ctx.record(&object);
        let v = judge_rule(&formula, true, &record);
        let Some((code, severity, title)) = rule_verdict_title(&name, &v.verdict) else {
            harmless.push(format!("{name} ({})", clip(&v.summary, 140)));
            continue;
        };
        problems += 1;
        let message_text = match &v.verdict {
            // Said once: the condition that makes the rule true (or, without one, the
            // judge's summary), then the error the insert fails with.
            RVerdict::Fires => format!(
                "The active rule {name} on {object} is true for the record the platform inserts when a chat starts ({}), so the insert fails with FIELD_CUSTOM_VALIDATION_EXCEPTION (\"{}\").",
                match &v.decider {
                    Some(d) => format!("{} is {}", clip(&d.text, 200), d.value),
                    None => clip(&v.summary, 300),
                },
                clip(&message, 200)
            ),
            RVerdict::MayFire { hinges_on } => format!(
                "The active rule {name} on {object} fires for the system-created record if {}. {}",
                hinges_on.join(" and "),
                v.summary
            ),
            _ => format!(
                "The active rule {name} on {object} could not be parsed by Messaging Doctor ({}). Check it by hand.",
                v.error.as_ref().map(|e| e.message.clone()).unwrap_or_default()
            ),
        };
        let mut f = Finding::new(code, severity, title, message_text)
            .with_evidence(
                Evidence::new("Formula", clip(&formula, 2000)).at(format!("ValidationRule {id}")),
            )
            .with_evidence(Evidence::new("Error message", message.clone()));
        if let Some(d) = &v.decider {
            f = f.with_evidence(
                Evidence::new("Decided by", format!("{} = {}", d.text, d.value)).at(format!(
                    "bytes {}..{} of the formula",
                    d.span.start, d.span.end
                )),
            );
        }
        for c in v.clauses.iter().take(8) {
            f = f.with_evidence(Evidence::new(
                "Clause",
                format!("{} = {}", clip(&c.text, 200), c.value),
            ));
        }
        f = f.with_evidence(Evidence::new("Last changed", changed));
        for s in v.suggestions.iter().take(3) {
            f = f.with_fix(format!("{} New formula: {}", s.rationale, s.formula));
        }
        if v.suggestions.is_empty() {
            f = f.with_fix("Change the rule so it does not apply to records the platform creates for a chat, e.g. wrap the condition in AND(NOT(ISNEW()), …).");
        }
        out.push(f.with_link(
            format!("Setup › {object} › Validation Rules › {name}"),
            link,
        ));
    }
    let summary = if problems > 0 {
        format!("{problems} active rule(s) block or may block the insert")
    } else {
        format!(
            "{} active rule(s) do not fire for the system-created record{}{}",
            harmless.len(),
            if harmless.is_empty() {
                String::new()
            } else {
                format!(": {}", harmless.join("; "))
            },
            if inactive > 0 {
                format!("; {inactive} inactive rule(s) ignored")
            } else {
                String::new()
            }
        )
    };
    CheckResult::new(
        "validation-rules",
        "Validation rules",
        status(problems, false),
        summary,
    )
}

// ---------------------------------------------------------------------------------------------
// 3. Record-triggered flows

pub fn flows(ctx: &Ctx, out: &mut Vec<Finding>) -> CheckResult {
    let flows = match ctx.records("flows", "record-triggered flows") {
        Ok(r) => r,
        Err(f) => {
            out.push(f);
            return CheckResult::new(
                "flows",
                "Record-triggered flows",
                CheckStatus::Failed,
                "could not read the flows",
            );
        }
    };
    let mut problems = 0;
    let mut harmless = Vec::new();
    let mut not_on_create = 0;
    for fl in flows {
        // A flow runs when it has an active version (IsActive only says whether the latest
        // version is the active one: a newer draft makes it false).
        let version = text_or_empty(fl, "ActiveVersionId");
        if version.is_empty() {
            not_on_create += 1;
            continue;
        }
        let api_name = text_or_empty(fl, "ApiName");
        let label = text(fl, "Label").unwrap_or_else(|| api_name.clone());
        let meta = ctx
            .body(
                &reference::keyed("flow", &version).unwrap_or_default(),
                &format!("the definition of flow {api_name}"),
            )
            .ok()
            .and_then(|b| b.get("Metadata"));
        let start = meta.and_then(|m| m.get("start"));
        // The trigger and its object from the active version itself; the view's
        // RecordTriggerType is documented for before-save flows only, and its label is
        // translated, so only API names decide which record model the flow is judged on.
        let trigger = start
            .and_then(|s| text(s, "triggerType"))
            .or_else(|| text(fl, "TriggerType"))
            .unwrap_or_default();
        let record_trigger = start
            .and_then(|s| text(s, "recordTriggerType"))
            .or_else(|| text(fl, "RecordTriggerType"))
            .unwrap_or_else(|| "?".into());
        let object = path_text(fl, "TriggerObjectOrEvent.QualifiedApiName")
            .or_else(|| start.and_then(|s| text(s, "object")))
            .unwrap_or_else(|| "MessagingSession".into());
        let timing = if trigger == "RecordBeforeSave" {
            "before-save"
        } else {
            "after-save"
        };
        let judged = super::flows::judge(fl, meta, &ctx.record(&object));
        if !judged.runs_on_insert {
            not_on_create += 1;
            continue;
        }
        let link = ctx.setup(&if reference::is_record_id(&version) {
            format!("/builder_platform_interaction/flowBuilder.app?flowId={version}")
        } else {
            "/lightning/setup/Flows/home".to_string()
        });
        let changed = format!(
            "{} by {}",
            text(fl, "LastModifiedDate").unwrap_or_else(|| "?".into()),
            text(fl, "LastModifiedBy").unwrap_or_else(|| "?".into())
        );
        match judged.severity {
            None => {
                harmless.push(format!(
                    "{label} ({timing}: {})",
                    clip(&judged.summary, 140)
                ));
                continue;
            }
            Some(severity) => {
                problems += 1;
                let mut f = Finding::new(
                    judged.code,
                    severity,
                    judged.title.replace("{label}", &label),
                    judged.message,
                )
                .with_evidence(
                    Evidence::new(
                        "Flow",
                        format!(
                            "{label} ({api_name}) on {object}, {timing}, runs on {record_trigger}"
                        ),
                    )
                    .at(format!("Flow version {version}")),
                )
                .with_evidence(Evidence::new("Last changed", changed));
                for e in judged.evidence {
                    f = f.with_evidence(e);
                }
                for s in judged.fix {
                    f = f.with_fix(s);
                }
                out.push(f.with_link(format!("Flow Builder › {label}"), link));
            }
        }
    }
    let summary = if problems > 0 {
        format!("{problems} flow(s) that run on create can stop the insert")
    } else {
        format!(
            "{} flow(s) run on create and none stops the insert{}{}",
            harmless.len(),
            if harmless.is_empty() {
                String::new()
            } else {
                format!(": {}", harmless.join("; "))
            },
            if not_on_create > 0 {
                format!("; {not_on_create} other flow(s) do not run on create")
            } else {
                String::new()
            }
        )
    };
    CheckResult::new(
        "flows",
        "Record-triggered flows",
        status(problems, false),
        summary,
    )
}

// ---------------------------------------------------------------------------------------------
// 4. Apex triggers

pub fn triggers(ctx: &Ctx, out: &mut Vec<Finding>) -> CheckResult {
    let rows = match ctx.records("triggers", "Apex triggers") {
        Ok(r) => r,
        Err(f) => {
            out.push(f);
            return CheckResult::new(
                "triggers",
                "Apex triggers",
                CheckStatus::Failed,
                "could not read the triggers",
            );
        }
    };
    let classes: Vec<ClassSource> = super::api::fetched_classes(ctx.answers)
        .into_iter()
        .map(|c| ClassSource {
            name: text_or_empty(c, "Name"),
            body: text_or_empty(c, "Body"),
            namespace_prefix: text(c, "NamespacePrefix"),
        })
        .collect();
    let mut problems = 0;
    let mut harmless = Vec::new();
    for t in rows {
        let src = TriggerSource {
            name: text_or_empty(t, "Name"),
            body: text_or_empty(t, "Body"),
            namespace_prefix: text(t, "NamespacePrefix"),
            status: text_or_empty(t, "Status"),
            usage_before_insert: flag(t, "UsageBeforeInsert").unwrap_or(false),
            usage_after_insert: flag(t, "UsageAfterInsert").unwrap_or(false),
            usage_before_update: flag(t, "UsageBeforeUpdate").unwrap_or(false),
            usage_after_update: flag(t, "UsageAfterUpdate").unwrap_or(false),
        };
        let object = text(t, "TableEnumOrId").unwrap_or_else(|| "MessagingSession".into());
        let v = analyze_trigger(&src, &classes, &ctx.record(&object));
        let name = &src.name;
        let Some((code, severity, title, message)) = trigger_verdict_text(
            name,
            &object,
            &v,
            "If the other checks find nothing, capture a debug log of a failing chat to see whether it throws.",
        ) else {
            harmless.push(format!("{name} ({})", clip(&v.summary, 140)));
            continue;
        };
        if severity <= Severity::Warning {
            problems += 1;
        }
        let mut f = Finding::new(code, severity, title, message).with_evidence(
            Evidence::new(
                "Trigger",
                format!("{name} on {object}, {}", v.events.join(", ")),
            )
            .at(format!(
                "ApexTrigger {}, last changed {} by {}",
                text_or_empty(t, "Id"),
                text(t, "LastModifiedDate").unwrap_or_else(|| "?".into()),
                path_text(t, "LastModifiedBy.Name").unwrap_or_else(|| "?".into())
            )),
        );
        for e in v
            .evidence
            .iter()
            .filter(|e| !matches!(e.outcome, crate::analysis::apex::Outcome::NotReached))
            .take(8)
        {
            f = f.with_evidence(
                Evidence::new("Code", trigger_code_evidence(e))
                    .at(format!("{} line {} ({})", e.source, e.line, e.event)),
            );
        }
        for u in &v.unseen {
            f = f.with_evidence(Evidence::new("Not readable", u.clone()));
        }
        f = f
            .with_fix(TRIGGER_FIX_SKIP_PLATFORM)
            .with_fix(TRIGGER_FIX_TRY_CATCH)
            .with_fix("Deploy the change from a sandbox (Apex cannot be edited in production).");
        out.push(f.with_link(
            format!("Setup › {object} › Triggers"),
            ctx.setup(&object_setup_path(&object, "ApexTriggers")),
        ));
    }
    let summary = if problems > 0 {
        format!("{problems} trigger(s) stop or may stop the insert")
    } else {
        format!(
            "{} trigger(s) checked; none stops the insert{}",
            rows.len(),
            if harmless.is_empty() {
                String::new()
            } else {
                format!(": {}", harmless.join("; "))
            }
        )
    };
    CheckResult::new(
        "triggers",
        "Apex triggers",
        status(problems, false),
        summary,
    )
}

// ---------------------------------------------------------------------------------------------
// 5. Storage

/// At or above this share of data storage used, warn.
pub const STORAGE_WARN_PERCENT: f64 = 95.0;

pub fn storage(ctx: &Ctx, out: &mut Vec<Finding>) -> CheckResult {
    let body = match ctx.body("limits", "the org's storage limits") {
        Ok(b) => b,
        Err(f) => {
            out.push(f);
            return CheckResult::new(
                "storage",
                "Data storage",
                CheckStatus::Failed,
                "could not read the limits",
            );
        }
    };
    let mut problems = 0;
    let mut parts = Vec::new();
    for (key, label) in [
        ("DataStorageMB", "Data storage"),
        ("FileStorageMB", "File storage"),
    ] {
        let Some(l) = body.get(key) else { continue };
        let (Some(max), Some(rem)) = (number(l, "Max"), number(l, "Remaining")) else {
            continue;
        };
        let used = max - rem;
        let pct = if max > 0.0 { used * 100.0 / max } else { 0.0 };
        let fmt = |mb: f64| format!("{} MB", mb.round() as i64);
        parts.push(format!("{label}: {} of {} used", fmt(used), fmt(max)));
        let link = ctx.setup("/lightning/setup/CompanyResourceDisk/home");
        if key == "DataStorageMB" && rem <= 0.0 {
            problems += 1;
            out.push(
                Finding::new(
                    "org/storage-full",
                    Severity::Error,
                    "Data storage is full: no record can be created",
                    format!(
                        "The org uses {} of {} data storage ({} MB over). Salesforce refuses every new record with STORAGE_LIMIT_EXCEEDED, including the MessagingSession behind each chat.",
                        fmt(used), fmt(max), (-rem).round() as i64
                    ),
                )
                .with_evidence(Evidence::new(label, format!("Max {} · Remaining {}", fmt(max), fmt(rem))).at("/limits DataStorageMB"))
                .with_fix("Delete or archive records you no longer need (old cases, tasks, messaging sessions, debug data).")
                .with_fix("Or buy more data storage.")
                .with_link("Setup › Storage Usage", link),
            );
        } else if key == "DataStorageMB" && pct >= STORAGE_WARN_PERCENT {
            problems += 1;
            out.push(
                Finding::new(
                    "org/storage-nearly-full",
                    Severity::Warning,
                    "Data storage is nearly full",
                    format!(
                        "The org uses {} of {} data storage. When it is full every new chat fails.",
                        fmt(used),
                        fmt(max)
                    ),
                )
                .with_evidence(
                    Evidence::new(label, format!("Max {} · Remaining {}", fmt(max), fmt(rem)))
                        .at("/limits DataStorageMB"),
                )
                .with_fix("Free data storage before it runs out.")
                .with_link("Setup › Storage Usage", link),
            );
        }
    }
    if parts.is_empty() {
        // Salesforce leaves the storage entries out of /limits for a user without Manage
        // Users (and View Setup and Configuration); the other entries are still there.
        let others = body.as_object().map(|o| o.len()).unwrap_or(0);
        out.push(
            Finding::new(
                "org/storage-permission",
                Severity::Warning,
                "Storage was not checked: your user may not see it",
                format!(
                    "The org's /limits answer lists {others} limit(s) but no DataStorageMB or FileStorageMB. Salesforce shows the storage figures only to users with the \"Manage Users\" and \"View Setup and Configuration\" permissions, so a full data storage — which stops every new chat — could not be ruled out."
                ),
            )
            .with_evidence(Evidence::new("Answer", format!("/limits without DataStorageMB ({others} other entries)")).at("GET /limits"))
            .with_fix("Run the checks as a user with \"Manage Users\" and \"View Setup and Configuration\", or ask an administrator to look at Setup › Storage Usage.")
            .with_link("Setup › Storage Usage", ctx.setup("/lightning/setup/CompanyResourceDisk/home")),
        );
        return CheckResult::new(
            "storage",
            "Data storage",
            CheckStatus::Failed,
            "no storage figures: needs Manage Users and View Setup and Configuration",
        );
    }
    CheckResult::new(
        "storage",
        "Data storage",
        status(problems, false),
        parts.join("; "),
    )
}

// ---------------------------------------------------------------------------------------------
// 6. Deployment, channel, site, guest access, CORS

fn site_prefix_of(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let path = rest.split_once('/').map(|(_, p)| p).unwrap_or("");
    let first = path.split(['/', '?', '#']).next().unwrap_or("");
    Some(first.to_string())
}

fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}

/// Does a CorsWhitelistEntry pattern allow `origin`? Exact, `*`, or `https://*.domain`.
pub fn cors_allows(pattern: &str, origin: &str) -> bool {
    let p = pattern.trim().trim_end_matches('/').to_ascii_lowercase();
    if p == "*" || p == origin {
        return true;
    }
    if let Some((scheme, host)) = p.split_once("://*.") {
        if let Some((os, oh)) = origin.split_once("://") {
            return os == scheme && (oh.ends_with(&format!(".{host}")));
        }
    }
    false
}

/// The first 15 characters of an org id, when it is one (ASCII letters and digits only; page
/// text can hold anything, so nothing is sliced before this check).
fn org_prefix(id: &str) -> Option<&str> {
    let id = id.trim();
    (id.len() >= 15 && id.is_ascii() && id.bytes().all(|c| c.is_ascii_alphanumeric()))
        .then(|| id.get(..15))
        .flatten()
}

/// Does the page's org id name a different org than the session's? Unreadable ids never do.
pub fn other_org(page_org: &str, session_org: &str) -> bool {
    match (org_prefix(page_org), org_prefix(session_org)) {
        (Some(a), Some(b)) => a != b,
        _ => false,
    }
}

pub fn deployment(ctx: &Ctx, out: &mut Vec<Finding>) -> CheckResult {
    let wanted = ctx.page_deployments();
    let deps = match ctx.records("deployments", "Embedded Service deployments") {
        Ok(r) => r,
        Err(f) => {
            out.push(f);
            return CheckResult::new(
                "deployment",
                "Deployment, channel and site",
                CheckStatus::Failed,
                "could not read the deployments",
            );
        }
    };
    let link = ctx.setup("/lightning/setup/EmbeddedServiceDeployments/home");
    if wanted.is_empty() {
        let names: Vec<String> = deps
            .iter()
            .filter(|d| text_or_empty(d, "DeploymentFeature") == "EmbeddedMessaging")
            .map(|d| text_or_empty(d, "DeveloperName"))
            .collect();
        return CheckResult::new(
            "deployment",
            "Deployment, channel and site",
            CheckStatus::Skipped,
            format!(
                "the page names no deployment; the org has {} Messaging deployment(s){}",
                names.len(),
                if names.is_empty() {
                    String::new()
                } else {
                    format!(": {}", names.join(", "))
                }
            ),
        );
    }
    let channels = ctx.records("channels", "messaging channels").ok();
    let sites = ctx.records("sites", "sites").ok();
    let mut problems = 0;
    let mut ok_parts = Vec::new();
    for w in &wanted {
        if let (Some(page_org), Some(org)) = (&w.org_id, &ctx.org.org_id) {
            if other_org(page_org, org) {
                continue; // another org's snippet: the session matcher already says so
            }
        }
        let Some(d) = deps
            .iter()
            .find(|d| text_or_empty(d, "DeveloperName").eq_ignore_ascii_case(&w.name))
        else {
            problems += 1;
            let known: Vec<String> = deps
                .iter()
                .map(|d| text_or_empty(d, "DeveloperName"))
                .collect();
            out.push(
                Finding::new(
                    "org/deployment-not-found",
                    Severity::Error,
                    format!("The page's deployment {} does not exist in this org", w.name),
                    format!(
                        "The snippet on the page starts deployment {}, but this org has no Embedded Service deployment with that API name, so the widget's configuration request fails. The snippet may come from another org or sandbox, or the deployment was renamed or deleted.",
                        w.name
                    ),
                )
                .with_evidence(Evidence::new("Snippet deployment", w.name.clone()).at(w.where_.clone()))
                .with_evidence(Evidence::new("Deployments in this org", if known.is_empty() { "none".into() } else { known.join(", ") }))
                .with_fix("Copy the code snippet again from the deployment in this org (Setup › Embedded Service Deployments › the deployment › Install Code Snippet).")
                .with_link("Setup › Embedded Service Deployments", link.clone()),
            );
            continue;
        };
        let dep_id = text_or_empty(d, "Id");
        // Its Metadata (site, channel, auth) comes from the single-record fetch; when that
        // failed, say so: the site and channel checks below then run on less.
        let meta = match ctx.body(
            &reference::keyed("deployment", &dep_id).unwrap_or_default(),
            &format!("the settings of deployment {}", w.name),
        ) {
            Ok(b) => b.get("Metadata"),
            Err(f) => {
                out.push(f);
                None
            }
        };
        let feature = text_or_empty(d, "DeploymentFeature");
        // The Tooling object has no Site field: the site is in the single-record Metadata.
        let site_name = meta.and_then(|m| text(m, "site")).unwrap_or_default();
        let dep_ev = Evidence::new(
            "Deployment",
            format!(
                "{} ({}), feature {}, enabled {}, guests allowed {}, site {}",
                text_or_empty(d, "MasterLabel"),
                w.name,
                if feature.is_empty() { "?" } else { &feature },
                flag(d, "IsEnabled")
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "?".into()),
                flag(d, "AreGuestUsersAllowed")
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "?".into()),
                if site_name.is_empty() {
                    "?"
                } else {
                    &site_name
                }
            ),
        )
        .at(format!("EmbeddedServiceConfig {dep_id}"));
        if !feature.is_empty() && feature != "EmbeddedMessaging" {
            problems += 1;
            out.push(
                Finding::new(
                    "org/deployment-not-messaging",
                    Severity::Error,
                    format!("Deployment {} is not a Messaging for Web deployment", w.name),
                    format!("The page starts {} with the Messaging for Web loader, but in the org it is a {feature} deployment (legacy chat or another feature), so the messaging configuration does not exist.", w.name),
                )
                .with_evidence(dep_ev.clone())
                .with_fix("Create a Messaging for Web deployment and use its snippet, or use the legacy chat snippet this deployment was made for.")
                .with_link("Setup › Embedded Service Deployments", link.clone()),
            );
            continue;
        }
        if flag(d, "IsEnabled") == Some(false) {
            problems += 1;
            out.push(
                Finding::new(
                    "org/deployment-disabled",
                    Severity::Error,
                    format!("Deployment {} is turned off", w.name),
                    format!("The deployment {} exists but is not enabled, so the widget cannot load its configuration.", w.name),
                )
                .with_evidence(dep_ev.clone())
                .with_fix("Turn the deployment on, then publish it.")
                .with_link("Setup › Embedded Service Deployments", link.clone()),
            );
        }
        if let Some(Stage::ConfigFailed { status }) = ctx.stage() {
            if flag(d, "IsEnabled") != Some(false) {
                problems += 1;
                out.push(
                    Finding::new(
                        "org/deployment-not-published",
                        Severity::Error,
                        format!("Deployment {} exists but its configuration is not served", w.name),
                        format!(
                            "The org has the deployment {} and it is enabled, yet the page's configuration request answered {status}. The usual reason is that the deployment was never published, or changes since the last publish were not published.",
                            w.name
                        ),
                    )
                    .with_evidence(dep_ev.clone())
                    .with_evidence(Evidence::new("Page", format!("configuration request answered {status}")))
                    .with_fix("Open the deployment in Setup and click Publish; wait a few minutes and reload the page.")
                    .with_fix("Check that the snippet's org id and site URL are this org's.")
                    .with_link("Setup › Embedded Service Deployments", link.clone()),
                );
            }
        }
        // Guest access. AreGuestUsersAllowed defaults to false on every deployment, and
        // whether Messaging for Web visitors must be verified is set on the messaging channel
        // (user verification), not here: false alone does not stop a chat, so it is a hint to
        // look, and an error only when the page shows the widget failing to get a token.
        let auth = text(d, "AuthMethod").or_else(|| meta.and_then(|m| text(m, "authMethod")));
        let authenticated = auth
            .as_deref()
            .map(|a| !a.is_empty() && a != "Unauthenticated")
            .unwrap_or(false);
        if flag(d, "AreGuestUsersAllowed") == Some(false) && !authenticated {
            let token_failed = matches!(
                ctx.stage(),
                Some(Stage::StalledAfterClick {
                    step: crate::page::lifecycle::Step::Token,
                    ..
                })
            );
            if token_failed {
                problems += 1;
            }
            out.push(
                Finding::new(
                    "org/guest-access",
                    if token_failed { Severity::Error } else { Severity::Info },
                    if token_failed {
                        format!("Deployment {} does not let guests start a chat", w.name)
                    } else {
                        format!("Check how deployment {} admits visitors", w.name)
                    },
                    if token_failed {
                        format!("The widget on this page could not get an access token, and deployment {} has guest users turned off with no authentication method. Visitors on a public page are guests.", w.name)
                    } else {
                        format!("Deployment {} has \"guest users allowed\" off and no authentication method. That is the default and does not by itself stop Messaging for Web: whether visitors must be verified is set on the messaging channel (User Verification). If chats on this public page fail to start, check that setting.", w.name)
                    },
                )
                .with_evidence(dep_ev.clone())
                .with_fix("In Setup › Messaging Settings, open the deployment's channel and check User Verification: leave it off for anonymous visitors, or pass each visitor's token from the page when it is on.")
                .with_link("Setup › Messaging Settings", ctx.setup("/lightning/setup/LiveMessageSetup/home")),
            );
        }
        // Channel.
        if let Some(chs) = channels {
            let linked = meta
                .and_then(|m| m.get("embeddedServiceMessagingChannel"))
                .and_then(|c| match c {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(_) => {
                        text(c, "messagingChannel").or_else(|| text(c, "developerName"))
                    }
                    _ => None,
                });
            let candidates: Vec<&Value> = chs
                .iter()
                .filter(|c| match &linked {
                    Some(l) => text_or_empty(c, "DeveloperName").eq_ignore_ascii_case(l),
                    None => text_or_empty(c, "MessageType") == "EmbeddedMessaging",
                })
                .collect();
            let active = candidates
                .iter()
                .filter(|c| flag(c, "IsActive") == Some(true))
                .count();
            if candidates.is_empty() || active == 0 {
                problems += 1;
                let listed: Vec<String> = candidates
                    .iter()
                    .map(|c| {
                        format!(
                            "{} (active {})",
                            text_or_empty(c, "DeveloperName"),
                            flag(c, "IsActive").unwrap_or(false)
                        )
                    })
                    .collect();
                out.push(
                    Finding::new(
                        "org/channel-inactive",
                        Severity::Error,
                        match &linked {
                            Some(l) => format!("Messaging channel {l} is not active"),
                            None => "No active Messaging for Web channel".to_string(),
                        },
                        format!("Deployment {} sends chats to {}, which is not active. Conversations start, but no MessagingSession is created and messages show \"Not sent\".", w.name, linked.clone().unwrap_or_else(|| "an Embedded Messaging channel".into())),
                    )
                    .with_evidence(dep_ev.clone())
                    .with_evidence(Evidence::new("Channels", if listed.is_empty() { "none of type EmbeddedMessaging".into() } else { listed.join(", ") }))
                    .with_fix("Activate the channel in Setup › Messaging Settings (and check its routing).")
                    .with_link("Setup › Messaging Settings", ctx.setup("/lightning/setup/LiveMessageSetup/home")),
                );
            } else {
                ok_parts.push(format!(
                    "channel {} active",
                    linked
                        .clone()
                        .unwrap_or_else(|| "(Embedded Messaging)".into())
                ));
            }
        }
        // Site.
        if let (Some(sites), false) = (sites, site_name.is_empty()) {
            match sites
                .iter()
                .find(|s| text_or_empty(s, "Name").eq_ignore_ascii_case(&site_name))
            {
                None => {
                    problems += 1;
                    out.push(
                        Finding::new(
                            "org/site-missing",
                            Severity::Error,
                            format!("The deployment's site {site_name} does not exist"),
                            format!("Deployment {} uses the site {site_name}, which the org does not list. The widget's files and configuration are served from that site.", w.name),
                        )
                        .with_evidence(dep_ev.clone())
                        .with_fix("Open the deployment and save it again so Salesforce recreates its site, then publish.")
                        .with_link("Setup › Embedded Service Deployments", link.clone()),
                    );
                }
                Some(s) => {
                    let status = text_or_empty(s, "Status");
                    let prefix = text_or_empty(s, "UrlPathPrefix");
                    if !status.is_empty() && status != "Active" {
                        problems += 1;
                        out.push(
                            Finding::new(
                                "org/site-inactive",
                                Severity::Error,
                                format!("The deployment's site {site_name} is not active"),
                                format!("The site {site_name} that serves deployment {} is {status}. Its files are not served, so the widget cannot start.", w.name),
                            )
                            .with_evidence(Evidence::new("Site", format!("{site_name}, status {status}, path /{prefix}")).at(format!("Site {}", text_or_empty(s, "Id"))))
                            .with_fix("Activate the site (Setup › All Sites / Sites), then publish the deployment again.")
                            .with_link("Setup › All Sites", ctx.setup("/lightning/setup/SetupNetworks/home")),
                        );
                    }
                    if let Some(url) = &w.site_url {
                        let page_prefix = site_prefix_of(url).unwrap_or_default();
                        if !prefix.is_empty() && !page_prefix.eq_ignore_ascii_case(&prefix) {
                            problems += 1;
                            out.push(
                                Finding::new(
                                    "org/site-url-mismatch",
                                    Severity::Error,
                                    "The snippet's site URL is not the deployment's site",
                                    format!("The snippet loads deployment {} from {url}, but the deployment's site {site_name} lives at path /{prefix}. The widget's files are fetched from the wrong place.", w.name),
                                )
                                .with_evidence(Evidence::new("Snippet site URL", url.clone()).at(w.where_.clone()))
                                .with_evidence(Evidence::new("Deployment's site", format!("{site_name} at /{prefix}")))
                                .with_fix("Copy the code snippet again from the deployment.")
                                .with_link("Setup › Embedded Service Deployments", link.clone()),
                            );
                        } else {
                            ok_parts.push(format!("site {site_name} active at /{prefix}"));
                        }
                    }
                }
            }
        }
        // CORS: the customer's origin must be allowed.
        if let (Some(page), Ok(entries)) = (ctx.page, ctx.records("cors", "the CORS allowlist")) {
            if let Some(origin) = origin_of(&page.url) {
                let own = origin.ends_with(".my.site.com")
                    || origin.ends_with(".force.com")
                    || origin.ends_with(".salesforce.com");
                let allowed = entries
                    .iter()
                    .any(|e| cors_allows(&text_or_empty(e, "UrlPattern"), &origin));
                if !own && !allowed {
                    problems += 1;
                    let sev = if matches!(ctx.stage(), Some(Stage::StartupAnswersWithheld)) {
                        Severity::Error
                    } else {
                        Severity::Warning
                    };
                    let patterns: Vec<String> = entries
                        .iter()
                        .map(|e| text_or_empty(e, "UrlPattern"))
                        .collect();
                    out.push(
                        Finding::new(
                            "org/cors-origin-missing",
                            sev,
                            format!("{origin} is not on the org's CORS allowlist"),
                            format!("The chat runs on {origin}, but the org's CORS allowlist does not include it. The browser then withholds the messaging service's answers from the page and the widget cannot start."),
                        )
                        .with_evidence(Evidence::new("Page origin", origin.clone()))
                        .with_evidence(Evidence::new("Allowlist", if patterns.is_empty() { "empty".into() } else { patterns.join(", ") }).at("CorsWhitelistEntry"))
                        .with_fix(format!("Add {origin} in Setup › CORS (Allowed Origins List)."))
                        .with_link("Setup › CORS", ctx.setup("/lightning/setup/CorsWhitelistEntries/home")),
                    );
                } else if !own {
                    ok_parts.push(format!("{origin} is on the CORS allowlist"));
                }
            }
        }
        ok_parts.insert(0, format!("deployment {} found", w.name));
    }
    let summary = if problems > 0 {
        format!("{problems} problem(s) with the page's deployment")
    } else {
        ok_parts.join("; ")
    };
    CheckResult::new(
        "deployment",
        "Deployment, channel and site",
        status(problems, false),
        summary,
    )
}

// ---------------------------------------------------------------------------------------------
// 7. Recent sessions and the inserting user

pub fn recent_sessions(ctx: &Ctx, out: &mut Vec<Finding>) -> CheckResult {
    let rows = match ctx.records("recentSessions", "recent messaging sessions") {
        Ok(r) => r,
        Err(f) => {
            // Messaging disabled shows up here first; other checks report their own.
            out.push(f);
            return CheckResult::new(
                "recent-sessions",
                "Recent sessions",
                CheckStatus::Failed,
                "could not read recent sessions",
            );
        }
    };
    let picked = ctx
        .records("automatedUser", "the Automated Process user")
        .ok()
        .and_then(pick_automated_user);
    let auto_user = picked.as_ref().map(|(u, _)| text_or_empty(u, "Name"));
    let auto_why = picked.and_then(|(_, why)| why);
    let mut f = Finding::new(
        "org/recent-sessions",
        Severity::Info,
        if rows.is_empty() {
            "No MessagingSession records yet".to_string()
        } else {
            format!("The last {} MessagingSession record(s)", rows.len())
        },
        if rows.is_empty() {
            "The org has no MessagingSession records: no chat has ever been created, which fits a setup where every insert fails.".to_string()
        } else {
            let auto = rows
                .iter()
                .filter(|r| {
                    path_text(r, "CreatedBy.UserType").as_deref() == Some("AutomatedProcess")
                })
                .count();
            let errors = rows
                .iter()
                .filter(|r| text(r, "Status").as_deref() == Some("Error"))
                .count();
            format!(
                "The newest is from {}. {auto} of {} were created by the Automated Process user, the user the checks judge automation for{}.",
                text(&rows[0], "CreatedDate").unwrap_or_else(|| "?".into()),
                rows.len(),
                if errors > 0 { format!("; {errors} are in Error status") } else { String::new() }
            )
        },
    );
    if let Some(u) = &auto_user {
        f = f.with_evidence(
            Evidence::new(
                "Automated Process user",
                match &auto_why {
                    Some(why) => format!("{u} ({why})"),
                    None => format!("{u} (alias autoproc)"),
                },
            )
            .at("User WHERE UserType = 'AutomatedProcess'"),
        );
    }
    for r in rows.iter().take(10) {
        f = f.with_evidence(Evidence::new(
            text_or_empty(r, "Name"),
            format!(
                "{} · {} · {} · created by {} ({})",
                text(r, "CreatedDate").unwrap_or_default(),
                text(r, "Status").unwrap_or_default(),
                text(r, "Origin").unwrap_or_default(),
                path_text(r, "CreatedBy.Name").unwrap_or_else(|| "?".into()),
                path_text(r, "CreatedBy.UserType").unwrap_or_else(|| "?".into()),
            ),
        ));
    }
    out.push(f);
    CheckResult::new(
        "recent-sessions",
        "Recent sessions",
        CheckStatus::Passed,
        format!("{} recent session(s) read", rows.len()),
    )
}

/// A validation rule's verdict as the finding's code, severity and title (`None`: the rule does
/// not fire), shared by the org checks and the source check; their messages differ (a live
/// insert fails, a deployed source would).
pub fn rule_verdict_title(name: &str, v: &RVerdict) -> Option<(&'static str, Severity, String)> {
    Some(match v {
        RVerdict::Fires => (
            "org/validation-rule-blocks",
            Severity::Error,
            format!("Validation rule {name} blocks every new chat"),
        ),
        RVerdict::MayFire { .. } => (
            "org/validation-rule-may-block",
            Severity::Warning,
            format!("Validation rule {name} may block new chats"),
        ),
        RVerdict::Unparsable => (
            "org/validation-rule-review",
            Severity::Warning,
            format!("Review validation rule {name}: its formula could not be read"),
        ),
        RVerdict::DoesNotFire => return None,
    })
}

/// The first fixes of a trigger that stops the insert, for the org checks and the source check.
pub const TRIGGER_FIX_SKIP_PLATFORM: &str = "Skip the code for inserts made by the platform: e.g. return early when UserInfo.getUserType() == 'AutomatedProcess', or guard the insert branch with a custom permission assigned to the Automated Process user.";
pub const TRIGGER_FIX_TRY_CATCH: &str =
    "Wrap work on other records in try/catch so their failures cannot roll back the chat's record.";

/// One line of a trigger's code as evidence: the statement, what it does there, and the guards
/// that decide whether it runs.
pub fn trigger_code_evidence(e: &crate::analysis::apex::SiteEvidence) -> String {
    let guards: Vec<String> = e
        .guards
        .iter()
        .map(|g| format!("{} → {}", g.condition, g.why))
        .collect();
    format!(
        "{} — {}{}",
        clip(&e.text, 200),
        e.note,
        if guards.is_empty() {
            String::new()
        } else {
            format!(" (guards: {})", guards.join("; "))
        }
    )
}

/// A trigger's verdict as the finding's code, severity, title and message (`None`: harmless),
/// shared by the org checks and the source check so both say the same thing.
/// `unread_hint` ends the message when part of the code cannot be read.
pub fn trigger_verdict_text(
    name: &str,
    object: &str,
    v: &crate::analysis::apex::TriggerVerdict,
    unread_hint: &str,
) -> Option<(&'static str, Severity, String, String)> {
    Some(match &v.verdict {
        TVerdict::Blocks { reason } => (
            "org/trigger-blocks",
            Severity::Error,
            format!("Apex trigger {name} stops every new chat"),
            format!("The trigger {name} on {object} stops the insert the platform makes when a chat starts: {reason}. {}", v.summary),
        ),
        TVerdict::MayBlock { conditions } => (
            "org/trigger-may-block",
            Severity::Warning,
            format!("Apex trigger {name} may stop new chats"),
            format!("The trigger {name} on {object} stops the insert if {}. {}", conditions.join("; or if "), v.summary),
        ),
        TVerdict::CannotSee { what } => (
            "org/trigger-hidden",
            Severity::Info,
            format!("Apex trigger {name}: code that cannot be read"),
            format!("The trigger {name} on {object} runs on insert, but Messaging Doctor cannot read {}. {unread_hint}", what.join(", ")),
        ),
        TVerdict::Unlikely | TVerdict::NotOnInsert { .. } => return None,
    })
}
