//! Native timing of the flow analyser on decisions with many outcomes: figures only, no asserts.
//!
//!   cargo run --release --example flow_bench [outcomes...]
//!
//! Each flow is a before-save MessagingSession flow whose one Decision has N outcomes, each
//! hinging on a custom permission the analyser cannot know, so every outcome is a path to
//! follow. Shapes:
//! - `shared`: every outcome goes to the same Custom Error.
//! - `own`: every outcome goes to its own Create Records (no fault connector), then to one
//!   Custom Error.
//! - `formula`: as `shared`, but each outcome tests its own formula resource (`{!F_k}`, a
//!   formula over a custom permission), so every condition looks a resource up.
use messaging_doctor::analysis::flow::{analyze_flow, FlowSource};
use messaging_doctor::analysis::record::InsertedRecord;
use serde_json::{json, Value};
use std::time::Instant;

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Shared,
    Own,
    Formula,
}

fn flow(outcomes: usize, shape: Shape) -> Value {
    let own = shape == Shape::Own;
    let rules: Vec<Value> = (0..outcomes)
        .map(|k| {
            let to = if own { format!("C{k}") } else { "E".into() };
            let left = if shape == Shape::Formula {
                format!("F_{k}")
            } else {
                format!("$Permission.P{k}")
            };
            json!({"name": format!("O{k}"), "label": format!("Outcome {k}"), "conditionLogic": "and",
                "conditions": [{"leftValueReference": left, "operator": "EqualTo",
                                "rightValue": {"booleanValue": true}}],
                "connector": {"targetReference": to}})
        })
        .collect();
    let formulas: Vec<Value> = if shape == Shape::Formula {
        (0..outcomes)
            .map(|k| {
                json!({"name": format!("F_{k}"), "dataType": "Boolean",
                "expression": format!("{{!$Permission.P{k}}}")})
            })
            .collect()
    } else {
        Vec::new()
    };
    let creates: Vec<Value> = if own {
        (0..outcomes)
            .map(|k| {
                json!({"name": format!("C{k}"), "label": format!("Create {k}"), "object": "Task",
                "connector": {"targetReference": "E"}})
            })
            .collect()
    } else {
        Vec::new()
    };
    json!({"label": "Many outcomes", "processType": "AutoLaunchedFlow",
        "start": {"object": "MessagingSession", "triggerType": "RecordBeforeSave",
                  "recordTriggerType": "Create", "connector": {"targetReference": "D"}},
        "decisions": [{"name": "D", "label": "D", "rules": rules}],
        "recordCreates": creates,
        "formulas": formulas,
        "customErrors": [{"name": "E", "label": "E",
            "customErrorMessages": [{"errorMessage": "Stop.", "isFieldError": false}]}]})
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![250, 500, 1_000, 2_000]
    } else {
        sizes
    };
    let source = FlowSource {
        api_name: "Many_Outcomes".into(),
        label: String::new(),
        is_active: true,
        process_type: Some("AutoLaunchedFlow".into()),
        trigger_type: None,
        record_trigger_type: None,
        trigger_order: None,
        active_version_id: Some("301000000000001AAA".into()),
    };
    let record = InsertedRecord::messaging_session_at_start(&[]);
    for (name, shape) in [
        ("shared", Shape::Shared),
        ("own", Shape::Own),
        ("formula", Shape::Formula),
    ] {
        for &n in &sizes {
            let meta = flow(n, shape);
            let t0 = Instant::now();
            let v = std::hint::black_box(analyze_flow(&source, Some(&meta), &record));
            let ms = t0.elapsed().as_secs_f64() * 1e3;
            let json = serde_json::to_string(&v).map(|s| s.len()).unwrap_or(0);
            println!(
                "{name} {n} outcomes: {ms:.1} ms, verdict {}, {} KB JSON",
                v.verdict.label(),
                json / 1024
            );
        }
    }
}
