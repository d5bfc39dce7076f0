//! The same verdict for the same rule, flow, trigger and field whether it comes from source or
//! from the simulated org. Each simulator scenario's automation (simulator/scenarios/*.json:
//! fields, validationRules, flows with their metadata, apexTriggers, apexClasses) is written
//! out as a Salesforce DX project and read by the source check; the same scenario is loaded
//! into the in-process simulator and the org checks run against it (the popup's plan → answer
//! loop, as simulator/tests/org_checks.rs does). Verdicts are compared per item: finding code
//! and severity, or none.
//!
//! Two comparisons:
//! - with the record the org checks build from the org (the Automated Process user's profile
//!   and custom permissions read through the API): identical per item;
//! - with the record the command uses (what source can know): identical, except where the org
//!   decides on something only the org knows — then source says "may" and names it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use md_sim::http::Request;
use md_sim::scenario::Scenario;
use md_sim::{OrgArg, Sim};
use messaging_doctor::finding::Severity;
use messaging_doctor::org::api::{decode, ApiExchange};
use messaging_doctor::org::checks::Ctx;
use messaging_doctor::org::{analyze, plan, OrgContext, OrgReport};
use messaging_doctor::source::{check, check_with, SourceReport};
use serde_json::{Map, Value};

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../simulator/scenarios")
}

fn scenario_names() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_string)
        })
        .collect();
    v.sort();
    v
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const NS: &str = "xmlns=\"http://soap.sforce.com/2006/04/metadata\"";

/// Tooling-style JSON back to Metadata XML: objects nest, arrays repeat their element.
fn xml_of(key: &str, v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Null => {}
        Value::Array(a) => a.iter().for_each(|x| xml_of(key, x, indent, out)),
        Value::Object(m) => {
            out.push_str(&format!("{pad}<{key}>\n"));
            for (k, x) in m {
                xml_of(k, x, indent + 4, out);
            }
            out.push_str(&format!("{pad}</{key}>\n"));
        }
        Value::String(s) => out.push_str(&format!("{pad}<{key}>{}</{key}>\n", esc(s))),
        other => out.push_str(&format!("{pad}<{key}>{other}</{key}>\n")),
    }
}

fn metadata_type(describe: &str, calculated: bool, auto_number: bool) -> &'static str {
    if auto_number {
        return "AutoNumber";
    }
    let _ = calculated;
    match describe {
        "picklist" => "Picklist",
        "multipicklist" => "MultiselectPicklist",
        "boolean" => "Checkbox",
        "double" | "int" => "Number",
        "currency" => "Currency",
        "percent" => "Percent",
        "date" => "Date",
        "datetime" => "DateTime",
        "email" => "Email",
        "phone" => "Phone",
        "url" => "Url",
        "textarea" => "LongTextArea",
        "reference" => "Lookup",
        _ => "Text",
    }
}

/// Writes the scenario's automation as a DX project; returns the names of what is not in
/// source (managed-package triggers and classes).
fn write_project(s: &Scenario, dir: &Path) -> Vec<String> {
    let _ = std::fs::remove_dir_all(dir);
    write(
        &dir.join("sfdx-project.json"),
        r#"{"packageDirectories":[{"path":"force-app","default":true}]}"#,
    );
    let d = dir.join("force-app/main/default");
    std::fs::create_dir_all(&d).unwrap();
    let mut not_in_source = Vec::new();
    for (object, fields) in &s.fields {
        for f in fields.iter().filter(|f| f.name.ends_with("__c")) {
            let required = f.required == Some(true) || !f.nillable;
            let default = f.default_value_formula.clone().or_else(|| {
                f.default_value.as_ref().map(|v| match v {
                    Value::String(s) => format!("'{s}'"),
                    other => other.to_string(),
                })
            });
            let mut x = format!(
                "{HEAD}<CustomField {NS}>\n    <fullName>{}</fullName>\n    <label>{}</label>\n    <required>{required}</required>\n    <type>{}</type>\n",
                esc(&f.name),
                esc(&f.label),
                metadata_type(&f.field_type, f.calculated, f.auto_number)
            );
            if let Some(dv) = default {
                x.push_str(&format!("    <defaultValue>{}</defaultValue>\n", esc(&dv)));
            }
            if let Some(formula) = &f.calculated_formula {
                x.push_str(&format!("    <formula>{}</formula>\n", esc(formula)));
            }
            x.push_str("</CustomField>\n");
            write(
                &d.join(format!("objects/{object}/fields/{}.field-meta.xml", f.name)),
                &x,
            );
        }
    }
    for (i, r) in s.validation_rules.iter().enumerate() {
        let object = r
            .object
            .clone()
            .unwrap_or_else(|| "MessagingSession".into());
        // Rule names may hold characters a file name cannot; the file name does not matter
        // when <fullName> is given.
        let x = format!(
            "{HEAD}<ValidationRule {NS}>\n    <fullName>{}</fullName>\n    <active>{}</active>\n    <errorConditionFormula>{}</errorConditionFormula>\n    <errorMessage>{}</errorMessage>\n</ValidationRule>\n",
            esc(&r.name),
            r.active,
            esc(&r.error_condition_formula),
            esc(&r.error_message)
        );
        write(
            &d.join(format!(
                "objects/{object}/validationRules/Rule{i}.validationRule-meta.xml"
            )),
            &x,
        );
    }
    for f in &s.flows {
        let mut meta: Map<String, Value> = f.metadata.clone();
        let start = meta
            .entry("start")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(st) = start {
            let mut fill = |k: &str, v: Option<String>| {
                if let Some(v) = v {
                    st.entry(k).or_insert(Value::String(v));
                }
            };
            fill("triggerType", f.trigger_type.clone());
            fill("recordTriggerType", f.record_trigger_type.clone());
            fill(
                "object",
                f.trigger_type.as_ref().map(|_| {
                    f.object
                        .clone()
                        .unwrap_or_else(|| "MessagingSession".into())
                }),
            );
        }
        meta.entry("label")
            .or_insert_with(|| Value::String(f.label.clone()));
        meta.insert(
            "status".into(),
            Value::String(if f.is_active { "Active" } else { "Draft" }.into()),
        );
        let mut x = format!("{HEAD}<Flow {NS}>\n");
        for (k, v) in &meta {
            xml_of(k, v, 4, &mut x);
        }
        x.push_str("</Flow>\n");
        write(&d.join(format!("flows/{}.flow-meta.xml", f.api_name)), &x);
    }
    for t in &s.apex_triggers {
        if t.managed {
            not_in_source.push(t.name.clone());
            continue;
        }
        write(&d.join(format!("triggers/{}.trigger", t.name)), &t.body);
        write(
            &d.join(format!("triggers/{}.trigger-meta.xml", t.name)),
            &format!(
                "{HEAD}<ApexTrigger {NS}>\n    <apiVersion>62.0</apiVersion>\n    <status>{}</status>\n</ApexTrigger>\n",
                t.status.clone().unwrap_or_else(|| "Active".into())
            ),
        );
    }
    for c in &s.apex_classes {
        if c.managed {
            not_in_source.push(c.name.clone());
            continue;
        }
        write(&d.join(format!("classes/{}.cls", c.name)), &c.body);
    }
    not_in_source
}

/// The org checks against the in-process simulator, and the record model they built.
/// The record model the org checks built from the org's answers.
type RecordModel = Box<dyn Fn(&str) -> messaging_doctor::analysis::record::InsertedRecord>;

fn org_side(name: &str) -> (OrgReport, RecordModel) {
    let sim = Sim::from_args(
        &[OrgArg::parse(&format!("acme={name}")).unwrap()],
        &scenarios_dir(),
        None,
    )
    .unwrap();
    let host = "acme.my.salesforce.com";
    let login = sim.handle(&Request::new("GET", host, "/__sim/login?json=1"));
    assert_eq!(login.status, 200, "{name}: {}", login.body_text());
    let sid = login.json_body()["sid"].as_str().unwrap().to_string();
    let mut exchanges: Vec<ApiExchange> = Vec::new();
    for _ in 0..10 {
        let reqs = plan(None, &exchanges);
        if reqs.is_empty() {
            break;
        }
        for r in reqs {
            let body: Value = serde_json::from_str(r.body.as_deref().unwrap_or("null")).unwrap();
            let resp = sim.handle(
                &Request::new(&r.method, host, &r.path)
                    .with_bearer(&sid)
                    .with_json(&body),
            );
            exchanges.push(ApiExchange {
                request: r,
                status: resp.status,
                body: resp.body_text(),
                error: None,
                ms: None,
            });
        }
    }
    let org = OrgContext {
        api_host: host.into(),
        org_id: Some(sid[..15].to_string()),
    };
    let report = analyze(&org, None, &exchanges);
    let record = move |object: &str| {
        let answers = decode(&exchanges);
        let ctx = Ctx {
            org: &org,
            answers: &answers,
            page: None,
        };
        ctx.record(object)
    };
    (report, Box::new(record))
}

/// Verdict per item: (code, severity) or None for "does not stop the insert".
type Verdicts = BTreeMap<String, Option<(String, Severity)>>;

/// The items of the scenario that are in source, with how each side names them in titles.
fn items(s: &Scenario, skip: &[String]) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for (object, fields) in &s.fields {
        for f in fields.iter().filter(|f| f.name.ends_with("__c")) {
            v.push((
                format!("field:{object}.{}", f.name),
                format!("{object}.{}", f.name),
            ));
        }
    }
    for r in &s.validation_rules {
        let object = r
            .object
            .clone()
            .unwrap_or_else(|| "MessagingSession".into());
        v.push((format!("rule:{object}.{}", r.name), r.name.clone()));
    }
    for f in &s.flows {
        v.push((format!("flow:{}", f.api_name), f.label.clone()));
    }
    for t in s.apex_triggers.iter().filter(|t| !skip.contains(&t.name)) {
        v.push((format!("trigger:{}", t.name), t.name.clone()));
    }
    v
}

fn org_verdicts(r: &OrgReport, items: &[(String, String)]) -> Verdicts {
    items
        .iter()
        .map(|(item, shown)| {
            let kind = item.split(':').next().unwrap();
            let prefix = match kind {
                "field" => "org/required-field",
                "rule" => "org/validation-rule",
                "flow" => "org/flow-",
                _ => "org/trigger-",
            };
            let hit = r.findings.iter().find(|f| {
                f.code.starts_with(prefix)
                    && (f.title.contains(&format!(" {shown} "))
                        || f.title.contains(&format!(" {shown}:")))
            });
            (item.clone(), hit.map(|f| (f.code.clone(), f.severity)))
        })
        .collect()
}

fn source_verdicts(r: &SourceReport, items: &[(String, String)]) -> Verdicts {
    items
        .iter()
        .map(|(item, _)| {
            let hit = r.findings.iter().find(|f| &f.item == item);
            (
                item.clone(),
                hit.map(|f| (f.finding.code.clone(), f.finding.severity)),
            )
        })
        .collect()
}

#[test]
fn source_and_simulated_org_give_the_same_verdict_per_rule_flow_trigger_and_field() {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("source_vs_sim");
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut org_problems = 0;
    let mut org_only = Vec::new();
    for name in scenario_names() {
        let s = Scenario::load(&scenarios_dir(), &name).unwrap();
        let dir = tmp.join(&name);
        let skip = write_project(&s, &dir);
        let project = md_cli::read_path(&dir).unwrap();
        assert!(
            project.input.problems.is_empty(),
            "{name}: the written project reads cleanly: {:?}",
            project.input.problems
        );
        let its = items(&s, &skip);
        let (org, record) = org_side(&name);
        if org
            .findings
            .iter()
            .any(|f| f.code == "org/messaging-not-enabled")
        {
            continue; // the org answers nothing about its automation
        }
        let want = org_verdicts(&org, &its);
        // 1. Equal terms: the org's record model.
        let same = source_verdicts(&check_with(&project.input, &*record), &its);
        for (item, v) in &want {
            compared += 1;
            org_problems += usize::from(v.is_some());
            if same[item] != *v {
                failures.push(format!(
                    "{name}: {item}: org {v:?}, source (org's record) {:?}",
                    same[item]
                ));
            }
        }
        // 2. What the command gives: a difference only where the org knew more.
        let cli = check(&project.input);
        let got = source_verdicts(&cli, &its);
        for (item, v) in &want {
            if got[item] == *v {
                continue;
            }
            let f = cli.findings.iter().find(|f| &f.item == item);
            let names_org_fact = f.is_some_and(|f| {
                f.finding.severity == Severity::Warning
                    && (f.finding.message.contains("$Profile")
                        || f.finding.message.contains("$Permission")
                        || f.finding.message.contains("permission"))
            });
            let org_definite = v.as_ref().is_none_or(|(_, s)| *s == Severity::Error);
            if names_org_fact && org_definite {
                org_only.push(format!("{name}: {item}: org {v:?}, source {:?}", got[item]));
            } else {
                failures.push(format!(
                    "{name}: {item}: org {v:?}, source {:?} — not explained by org-only facts",
                    got[item]
                ));
            }
        }
    }
    println!(
        "compared {compared} item verdicts; differences from org-only facts:\n{}",
        org_only.join("\n")
    );
    assert!(compared >= 20, "compared only {compared} items");
    // The comparison must see real verdicts, not only "nothing" on both sides.
    assert!(
        org_problems >= 8,
        "only {org_problems} org findings matched an item"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
