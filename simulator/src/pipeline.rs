//! The save pipeline: inserting a record the way the platform's order of execution does, with
//! the scenario's automation and its stated ground truth, and an Apex debug log when traced.
//!
//! Order (for API/automated inserts): storage check (simulator choice, see README) → field
//! defaults → before-save record-triggered flows → before-insert triggers → system validation
//! (required fields) → custom validation rules → save → after-insert triggers → after-save flows
//! → commit. The first failing step rejects the insert (validation rules report every rule that
//! fires).

use crate::ids;
use crate::org::{Org, Row};
use crate::scenario::FailureSpec;
use crate::time;
use serde_json::{json, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct SaveError {
    pub status_code: String,
    pub message: String,
    pub fields: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub ok: bool,
    pub object: String,
    pub record_id: Option<String>,
    pub errors: Vec<SaveError>,
    /// Pipeline step that decided the outcome.
    pub stage: String,
    /// Name of the automation / field responsible for a failure.
    pub cause: Option<String>,
    pub log_id: Option<String>,
}

impl Outcome {
    pub fn to_json(&self) -> Value {
        json!({
            "ok": self.ok, "object": self.object, "recordId": self.record_id, "stage": self.stage, "cause": self.cause,
            "logId": self.log_id,
            "errors": self.errors.iter().map(|e| json!({"statusCode": e.status_code, "message": e.message, "fields": e.fields})).collect::<Vec<_>>()
        })
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Cat {
    Apex,
    Db,
    Validation,
    Workflow,
    System,
}

struct Log {
    t0: i64,
    nanos: u64,
    lines: Vec<String>,
    levels: [bool; 5],
}

impl Log {
    fn new(levels: [bool; 5]) -> Log {
        Log {
            t0: time::now_ms(),
            nanos: 1_000_000,
            lines: Vec::new(),
            levels,
        }
    }
    fn on(&self, c: Cat) -> bool {
        self.levels[c as usize]
    }
    fn line(&mut self, c: Cat, event: &str, parts: &[&str]) {
        self.nanos += 731_517;
        if !self.on(c) {
            return;
        }
        let ms = self.t0 + (self.nanos / 1_000_000) as i64;
        let mut l = format!("{} ({})|{}", time::clock(ms), self.nanos, event);
        for p in parts {
            l.push('|');
            l.push_str(p);
        }
        self.lines.push(l);
    }
}

fn empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        _ => false,
    }
}

fn default_for(def: &crate::schema::FieldDef) -> Option<Value> {
    if let Some(v) = &def.value_on_insert {
        return Some(v.clone());
    }
    if let Some(v) = &def.default_value {
        if !v.is_null() {
            return Some(v.clone());
        }
    }
    let f = def.default_value_formula.as_deref()?.trim();
    if f.len() >= 2
        && (f.starts_with('"') && f.ends_with('"') || f.starts_with('\'') && f.ends_with('\''))
    {
        return Some(json!(&f[1..f.len() - 1]));
    }
    match f.to_ascii_lowercase().as_str() {
        "true" => Some(json!(true)),
        "false" => Some(json!(false)),
        "" => None,
        _ => Some(json!(format!("(default: {f})"))),
    }
}

fn status_or(f: &FailureSpec, default: &str) -> String {
    if f.status_code.is_empty() {
        default.to_string()
    } else {
        f.status_code.clone()
    }
}

fn fail(out: &mut Outcome, stage: &str, cause: &str, err: SaveError) {
    out.ok = false;
    out.stage = stage.into();
    out.cause = Some(cause.into());
    out.errors.push(err);
}

/// Debug-level switches of the active trace flag on `user`, if any: [Apex, Db, Validation, Workflow, System].
fn trace_levels(org: &Org, user: &str) -> Option<([bool; 5], String)> {
    let now = time::now_ms();
    let tf = org.table("TraceFlag")?.rows.iter().find(|r| {
        let who = r
            .get("TracedEntityId")
            .and_then(|v| v.as_str())
            .map(|v| ids::same_id(v, user))
            .unwrap_or(false);
        let s = r
            .get("StartDate")
            .and_then(|v| v.as_str())
            .and_then(time::parse)
            .unwrap_or(0);
        let e = r
            .get("ExpirationDate")
            .and_then(|v| v.as_str())
            .and_then(time::parse)
            .unwrap_or(0);
        who && s <= now && now < e
    })?;
    let dl = org.find_in(
        "DebugLevel",
        tf.get("DebugLevelId")
            .and_then(|v| v.as_str())
            .unwrap_or(""),
    )?;
    let lvl = |k: &str| {
        dl.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("INFO")
            .to_string()
    };
    let on = |k: &str| lvl(k) != "NONE";
    let header = format!(
        "65.0 APEX_CODE,{};APEX_PROFILING,{};CALLOUT,{};DB,{};NBA,{};SYSTEM,{};VALIDATION,{};VISUALFORCE,{};WAVE,{};WORKFLOW,{}",
        lvl("ApexCode"), lvl("ApexProfiling"), lvl("Callout"), lvl("Database"), lvl("Nba"), lvl("System"), lvl("Validation"), lvl("Visualforce"), lvl("Wave"), lvl("Workflow")
    );
    Some((
        [
            on("ApexCode"),
            on("Database"),
            on("Validation"),
            on("Workflow"),
            on("System"),
        ],
        header,
    ))
}

fn formula_values(formula: &str, rec: &Row, user_alias: &str) -> String {
    let mut parts = Vec::new();
    for (k, v) in rec {
        if formula.contains(k.as_str()) {
            let shown = match v {
                Value::String(s) => s.clone(),
                Value::Null => "null".into(),
                other => other.to_string(),
            };
            parts.push(format!("{k}={shown}"));
        }
    }
    if formula.contains("$User") {
        parts.push(format!("$User.Alias={user_alias}"));
    }
    parts.join(" , ")
}

/// Inserts one `object` record (MessagingSession or MessagingEndUser) as `user`.
pub fn insert(org: &mut Org, object: &str, values: Row, user: &str, source: &str) -> Outcome {
    let object = org
        .table(object)
        .map(|t| t.name.clone())
        .unwrap_or_else(|| object.to_string());
    let mut out = Outcome {
        ok: true,
        object: object.clone(),
        record_id: None,
        errors: vec![],
        stage: "commit".into(),
        cause: None,
        log_id: None,
    };
    let trace = trace_levels(org, user);
    let mut log = Log::new(trace.as_ref().map(|t| t.0).unwrap_or([false; 5]));
    let user_alias = org
        .find_in("User", user)
        .and_then(|r| r.get("Alias"))
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    let mut rec = values;

    log.line(Cat::System, "EXECUTION_STARTED", &[]);
    log.line(
        Cat::Apex,
        "CODE_UNIT_STARTED",
        &["[EXTERNAL]", &format!("DML Insert {object}")],
    );
    log.line(
        Cat::Db,
        "DML_BEGIN",
        &[
            "[EXTERNAL]",
            "Op:Insert",
            &format!("Type:{object}"),
            "Rows:1",
        ],
    );
    run_steps(
        org,
        &object,
        &mut rec,
        user,
        &user_alias,
        &mut log,
        &mut out,
    );

    if out.ok {
        let now = time::format_sf(time::now_ms());
        let prefix = org
            .table(&object)
            .map(|t| t.prefix.clone())
            .unwrap_or_default();
        let id = org.next_id(&prefix);
        if object == "MessagingSession" && empty(rec.get("Name")) {
            let n = org.table(&object).map(|t| t.rows.len()).unwrap_or(0) + 1;
            rec.insert("Name".into(), json!(format!("MS-{n:07}")));
        }
        rec.insert("Id".into(), json!(id));
        for (k, v) in [
            ("CreatedDate", json!(now)),
            ("CreatedById", json!(user)),
            ("LastModifiedDate", json!(now)),
            ("LastModifiedById", json!(user)),
            ("SystemModstamp", json!(now)),
            ("IsDeleted", json!(false)),
        ] {
            rec.insert(k.into(), v);
        }
        let _ = org.add_row(&object, rec);
        out.record_id = Some(id);
    }
    if !out.ok {
        let e = &out.errors[0];
        let fields = if e.fields.is_empty() {
            String::new()
        } else {
            format!(": [{}]", e.fields.join(", "))
        };
        let text = format!(
            "System.DmlException: Insert failed. First exception on row 0; first error: {}, {}{}",
            e.status_code, e.message, fields
        );
        log.line(Cat::Apex, "EXCEPTION_THROWN", &["[EXTERNAL]", &text]);
        log.line(Cat::Apex, "FATAL_ERROR", &[&text]);
    }
    log.line(Cat::Db, "DML_END", &["[EXTERNAL]"]);
    log.line(
        Cat::Apex,
        "CODE_UNIT_FINISHED",
        &[&format!("DML Insert {object}")],
    );
    log.line(Cat::System, "EXECUTION_FINISHED", &[]);

    if let Some((_, header)) = trace {
        let mut body = header;
        body.push('\n');
        for l in &log.lines {
            body.push_str(l);
            body.push('\n');
        }
        let status = if out.ok {
            "Success".to_string()
        } else {
            format!("{}: {}", out.errors[0].status_code, out.errors[0].message)
        };
        let start = time::format_sf(log.t0);
        let row = json!({"LogUserId": user, "LogLength": body.len(), "Request": "API", "Operation": format!("{object} Insert ({source})"),
            "Application": "Unknown", "Status": status, "DurationMilliseconds": (log.nanos / 1_000_000) as i64, "StartTime": start,
            "Location": "Monitoring", "RequestIdentifier": ids::random_alnum(22), "CreatedById": user, "CreatedDate": start,
            "LastModifiedDate": start, "LastModifiedById": user, "SystemModstamp": start});
        if let Ok(id) = org.add_row("ApexLog", row.as_object().cloned().unwrap_or_default()) {
            org.log_bodies.insert(id.clone(), body);
            out.log_id = Some(id);
        }
    }
    let mut j = out.to_json();
    j["source"] = json!(source);
    j["userId"] = json!(user);
    j["at"] = json!(time::format_sf(time::now_ms()));
    org.outcomes.push(j);
    out
}

fn applies_to_create(record_trigger_type: &Option<String>) -> bool {
    matches!(
        record_trigger_type.as_deref(),
        Some("Create") | Some("CreateAndUpdate")
    )
}

fn run_steps(
    org: &Org,
    object: &str,
    rec: &mut Row,
    user: &str,
    user_alias: &str,
    log: &mut Log,
    out: &mut Outcome,
) {
    let sc = &org.scenario;
    // Storage (simulator choice: checked first).
    if sc.storage.data_remaining_mb <= 0 {
        fail(
            out,
            "storage",
            "DataStorageMB",
            SaveError {
                status_code: "STORAGE_LIMIT_EXCEEDED".into(),
                message: "storage limit exceeded".into(),
                fields: vec![],
            },
        );
        return;
    }
    // Defaults.
    if let Some(defs) = org.fields_of(object) {
        for d in defs {
            if empty(rec.get(&d.name)) && d.createable {
                if let Some(v) = default_for(d) {
                    rec.insert(d.name.clone(), v);
                }
            }
        }
    }
    let on_object = |o: &Option<String>| {
        o.as_deref()
            .unwrap_or("MessagingSession")
            .eq_ignore_ascii_case(object)
    };
    // Before-save flows.
    let mut flows: Vec<_> = sc
        .flows
        .iter()
        .filter(|f| {
            f.is_active && on_object(&f.object) && applies_to_create(&f.record_trigger_type)
        })
        .collect();
    flows.sort_by_key(|f| (f.trigger_order.unwrap_or(i64::MAX), f.api_name.clone()));
    let before: Vec<_> = flows
        .iter()
        .filter(|f| f.trigger_type.as_deref() == Some("RecordBeforeSave"))
        .collect();
    let after: Vec<_> = flows
        .iter()
        .filter(|f| f.trigger_type.as_deref() == Some("RecordAfterSave"))
        .collect();
    for f in before {
        if !run_flow(f, rec, log, out, "beforeSaveFlow") {
            return;
        }
    }
    // Before triggers.
    let mut triggers: Vec<_> = sc
        .apex_triggers
        .iter()
        .filter(|t| on_object(&t.object) && t.status.as_deref().unwrap_or("Active") == "Active")
        .collect();
    triggers.sort_by_key(|t| t.name.clone());
    for t in triggers.iter().filter(|t| t.usage_before_insert) {
        if !run_trigger(t, object, "BeforeInsert", rec, log, out) {
            return;
        }
    }
    // System validation: required fields.
    if let Some(defs) = org.fields_of(object) {
        let missing: Vec<String> = defs
            .iter()
            .filter(|d| {
                !d.nillable
                    && d.createable
                    && !d.defaulted_on_create
                    && d.field_type != "boolean"
                    && empty(rec.get(&d.name))
            })
            .map(|d| d.name.clone())
            .collect();
        if !missing.is_empty() {
            let cause = missing.join(",");
            fail(
                out,
                "requiredFields",
                &cause,
                SaveError {
                    status_code: "REQUIRED_FIELD_MISSING".into(),
                    message: format!("Required fields are missing: [{}]", missing.join(", ")),
                    fields: missing,
                },
            );
            return;
        }
    }
    // Custom validation rules.
    let mut rules: Vec<_> = sc
        .validation_rules
        .iter()
        .filter(|v| v.active && on_object(&v.object))
        .collect();
    rules.sort_by_key(|v| v.name.clone());
    let mut failed = Vec::new();
    for v in rules {
        let id = v.id.clone().unwrap_or_default();
        log.line(Cat::Validation, "VALIDATION_RULE", &[&id, &v.name]);
        let values = v
            .log_values
            .clone()
            .unwrap_or_else(|| formula_values(&v.error_condition_formula, rec, user_alias));
        log.line(
            Cat::Validation,
            "VALIDATION_FORMULA",
            &[&v.error_condition_formula.replace('\n', " "), &values],
        );
        if v.fires_on_insert {
            log.line(Cat::Validation, "VALIDATION_FAIL", &[]);
            failed.push(v);
        } else {
            log.line(Cat::Validation, "VALIDATION_PASS", &[]);
        }
    }
    if !failed.is_empty() {
        for v in &failed {
            log.line(Cat::Validation, "VALIDATION_ERROR", &[&v.error_message]);
            out.errors.push(SaveError {
                status_code: "FIELD_CUSTOM_VALIDATION_EXCEPTION".into(),
                message: v.error_message.clone(),
                fields: v.error_display_field.iter().cloned().collect(),
            });
        }
        out.ok = false;
        out.stage = "validationRules".into();
        out.cause = Some(
            failed
                .iter()
                .map(|v| v.name.clone())
                .collect::<Vec<_>>()
                .join(","),
        );
        return;
    }
    let _ = user;
    // After triggers.
    for t in triggers.iter().filter(|t| t.usage_after_insert) {
        if !run_trigger(t, object, "AfterInsert", rec, log, out) {
            return;
        }
    }
    // After-save flows.
    for f in after {
        if !run_flow(f, rec, log, out, "afterSaveFlow") {
            return;
        }
    }
}

fn run_flow(
    f: &crate::scenario::FlowSpec,
    rec: &mut Row,
    log: &mut Log,
    out: &mut Outcome,
    stage: &str,
) -> bool {
    let interview = format!("{}{}", &ids::random_alnum(8), "a1b2c3");
    let label = if f.label.is_empty() {
        f.api_name.clone()
    } else {
        f.label.clone()
    };
    log.line(Cat::Workflow, "FLOW_START_INTERVIEWS_BEGIN", &["1"]);
    log.line(
        Cat::Workflow,
        "FLOW_START_INTERVIEW_BEGIN",
        &[&interview, &label],
    );
    for (k, v) in &f.sets_fields {
        rec.insert(k.clone(), v.clone());
        log.line(
            Cat::Workflow,
            "FLOW_VALUE_ASSIGNMENT",
            &[&interview, &format!("$Record.{k}"), &v.to_string()],
        );
    }
    if f.fails_on_insert {
        let fs = &f.failure;
        let custom = fs.kind.is_empty() || fs.kind == "customError";
        let element_type = if custom {
            "FlowCustomError"
        } else {
            "FlowRecordCreate"
        };
        let element = if fs.element.is_empty() {
            "Error".to_string()
        } else {
            fs.element.clone()
        };
        log.line(
            Cat::Workflow,
            "FLOW_ELEMENT_BEGIN",
            &[&interview, element_type, &element],
        );
        log.line(
            Cat::Workflow,
            "FLOW_ELEMENT_ERROR",
            &[&fs.message, element_type, &element],
        );
        log.line(
            Cat::Workflow,
            "FLOW_START_INTERVIEW_END",
            &[&interview, &label],
        );
        log.line(Cat::Workflow, "FLOW_START_INTERVIEWS_END", &["1"]);
        let (code, message) = if custom {
            (
                status_or(fs, "FIELD_CUSTOM_VALIDATION_EXCEPTION"),
                fs.message.clone(),
            )
        } else {
            (
                status_or(fs, "CANNOT_EXECUTE_FLOW_TRIGGER"),
                format!("We can't save this record because the “{label}” process failed. Give your Salesforce admin these details. {}", fs.message),
            )
        };
        fail(
            out,
            stage,
            &f.api_name,
            SaveError {
                status_code: code,
                message,
                fields: fs.field.iter().cloned().collect(),
            },
        );
        return false;
    }
    log.line(
        Cat::Workflow,
        "FLOW_START_INTERVIEW_END",
        &[&interview, &label],
    );
    log.line(Cat::Workflow, "FLOW_START_INTERVIEWS_END", &["1"]);
    true
}

fn run_trigger(
    t: &crate::scenario::ApexTriggerSpec,
    object: &str,
    event: &str,
    rec: &mut Row,
    log: &mut Log,
    out: &mut Outcome,
) -> bool {
    let id = t.id.clone().unwrap_or_default();
    let unit = format!("{} on {object} trigger event {event}", t.name);
    let path = format!("__sfdc_trigger/{}", t.name);
    log.line(
        Cat::Apex,
        "CODE_UNIT_STARTED",
        &["[EXTERNAL]", &id, &unit, &path],
    );
    if event == "BeforeInsert" {
        for (k, v) in &t.sets_fields {
            rec.insert(k.clone(), v.clone());
        }
    }
    // A trigger that fails on insert fails in its first insert event.
    let first_event = if t.usage_before_insert {
        "BeforeInsert"
    } else {
        "AfterInsert"
    };
    if t.fails_on_insert && event == first_event {
        let fs = &t.failure;
        let line = if fs.line == 0 { 1 } else { fs.line };
        if fs.kind == "exception" {
            let ty = if fs.exception_type.is_empty() {
                "System.NullPointerException"
            } else {
                fs.exception_type.as_str()
            };
            let text = format!("{ty}: {}", fs.message);
            let stack = if fs.stack_trace.is_empty() {
                format!("Trigger.{}: line {line}, column 1", t.name)
            } else {
                fs.stack_trace.clone()
            };
            log.line(
                Cat::Apex,
                "EXCEPTION_THROWN",
                &[&format!("[{line}]"), &text],
            );
            log.line(Cat::Apex, "FATAL_ERROR", &[&format!("{text}\n\n{stack}")]);
            log.line(Cat::Apex, "CODE_UNIT_FINISHED", &[&unit, &path]);
            let message = format!(
                "{}: execution of {event}\n\ncaused by: {text}\n\n{stack}",
                t.name
            );
            fail(
                out,
                "trigger",
                &t.name,
                SaveError {
                    status_code: status_or(fs, "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"),
                    message,
                    fields: vec![],
                },
            );
        } else {
            log.line(Cat::Apex, "CODE_UNIT_FINISHED", &[&unit, &path]);
            fail(
                out,
                "trigger",
                &t.name,
                SaveError {
                    status_code: status_or(fs, "FIELD_CUSTOM_VALIDATION_EXCEPTION"),
                    message: fs.message.clone(),
                    fields: fs.field.iter().cloned().collect(),
                },
            );
        }
        return false;
    }
    log.line(Cat::Apex, "CODE_UNIT_FINISHED", &[&unit, &path]);
    true
}
