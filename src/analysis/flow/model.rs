//! Tolerant reading of Flow Metadata JSON into an element graph.
//!
//! Missing or unknown keys are fine; an element list may be a JSON array or a single object; a
//! value of the wrong type reads as absent. Nothing here panics, and every list is read up to a
//! bound.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

/// Most elements read from one flow; a flow with more is not analysed (Flow Builder's own
/// limits keep real flows far below this).
pub(crate) const MAX_ELEMENTS: usize = 5_000;
/// Most entries read from one list inside an element (filters, conditions, rules, items).
pub(crate) const MAX_LIST: usize = 1_000;

/// The kind of a flow element, named after its Metadata API type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ElementType {
    /// The Start element (trigger and entry conditions).
    Start,
    Assignment,
    Decision,
    RecordCreate,
    RecordUpdate,
    RecordLookup,
    RecordDelete,
    ActionCall,
    ApexPluginCall,
    Subflow,
    Loop,
    CustomError,
    Screen,
    Wait,
    /// Collection processors, transforms and other elements that only compute values.
    Other,
}

impl ElementType {
    /// The element's name in Flow Builder, for sentences.
    pub fn builder_name(self) -> &'static str {
        match self {
            ElementType::Start => "Start",
            ElementType::Assignment => "Assignment",
            ElementType::Decision => "Decision",
            ElementType::RecordCreate => "Create Records",
            ElementType::RecordUpdate => "Update Records",
            ElementType::RecordLookup => "Get Records",
            ElementType::RecordDelete => "Delete Records",
            ElementType::ActionCall => "Action",
            ElementType::ApexPluginCall => "Apex plug-in",
            ElementType::Subflow => "Subflow",
            ElementType::Loop => "Loop",
            ElementType::CustomError => "Custom Error",
            ElementType::Screen => "Screen",
            ElementType::Wait => "Wait",
            ElementType::Other => "Element",
        }
    }
}

/// The Metadata arrays holding elements, with their kind.
const ARRAYS: [(&str, ElementType); 18] = [
    ("assignments", ElementType::Assignment),
    ("decisions", ElementType::Decision),
    ("recordCreates", ElementType::RecordCreate),
    ("recordUpdates", ElementType::RecordUpdate),
    ("recordLookups", ElementType::RecordLookup),
    ("recordDeletes", ElementType::RecordDelete),
    ("actionCalls", ElementType::ActionCall),
    ("apexPluginCalls", ElementType::ApexPluginCall),
    ("subflows", ElementType::Subflow),
    ("loops", ElementType::Loop),
    ("customErrors", ElementType::CustomError),
    ("screens", ElementType::Screen),
    ("waits", ElementType::Wait),
    ("collectionProcessors", ElementType::Other),
    ("transforms", ElementType::Other),
    ("recordRollbacks", ElementType::Other),
    ("orchestratedStages", ElementType::Other),
    ("steps", ElementType::Other),
];

/// One element of the flow.
#[derive(Debug, Clone)]
pub(crate) struct Element<'a> {
    pub name: String,
    pub label: String,
    pub kind: ElementType,
    /// `connector.targetReference`.
    pub connector: Option<String>,
    /// `faultConnector.targetReference`.
    pub fault: Option<String>,
    pub raw: &'a Value,
}

impl Element<'_> {
    /// `Custom Error 'Block It'` — the Builder's element type and the label (or name).
    pub fn describe(&self) -> String {
        let shown = if self.label.is_empty() {
            &self.name
        } else {
            &self.label
        };
        format!("{} '{}'", self.kind.builder_name(), shown)
    }
}

/// The flow definition as a graph of named elements.
#[derive(Debug)]
pub(crate) struct Graph<'a> {
    pub meta: &'a Map<String, Value>,
    pub elements: Vec<Element<'a>>,
    index: BTreeMap<String, usize>,
    /// Names written by elements other than assignments (Get Records outputs, action and
    /// subflow outputs, loop variables, record ids of Create Records): their values are not known.
    pub written: Vec<String>,
    /// The flow had more elements than [`MAX_ELEMENTS`].
    pub too_many: Option<usize>,
}

/// The elements of a Metadata list: an array's items, or a single object.
pub(crate) fn list(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    let items: &[Value] = match v {
        Some(Value::Array(a)) => a.as_slice(),
        Some(other @ Value::Object(_)) => std::slice::from_ref(other),
        _ => &[],
    };
    items.iter().take(MAX_LIST)
}

/// The number of entries a Metadata list holds (unbounded count, bounded work).
pub(crate) fn list_len(v: Option<&Value>) -> usize {
    match v {
        Some(Value::Array(a)) => a.len(),
        Some(Value::Object(_)) => 1,
        _ => 0,
    }
}

/// A string-valued key (trimmed; empty reads as absent).
pub(crate) fn text<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A boolean key; `"true"`/`"false"` strings are accepted.
pub(crate) fn flag(v: &Value, key: &str) -> Option<bool> {
    match v.get(key) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// The target of a connector key (`{"targetReference": "X"}`, or a bare string).
pub(crate) fn target(v: &Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(c @ Value::Object(_)) => text(c, "targetReference").map(str::to_string),
        // Some serialisations wrap a single connector in a one-item array.
        Some(Value::Array(a)) => a
            .first()
            .and_then(|c| text(c, "targetReference"))
            .map(str::to_string),
        _ => None,
    }
}

/// Keys whose string value names a resource an element writes.
const WRITE_KEYS: [&str; 4] = [
    "outputReference",
    "assignRecordIdToReference",
    "assignNextValueToReference",
    "assignToReference",
];

/// Collects the names written by `v` (bounded depth and count).
fn collect_writes(v: &Value, depth: u32, out: &mut Vec<String>) {
    if depth > 6 || out.len() > MAX_LIST {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter().take(MAX_LIST) {
                if WRITE_KEYS.contains(&k.as_str()) {
                    if let Some(s) = x.as_str() {
                        let base = s.trim().trim_start_matches("{!").trim_end_matches('}');
                        let base = base.split('.').next().unwrap_or(base).to_string();
                        if !base.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&base)) {
                            out.push(base);
                        }
                    }
                } else {
                    collect_writes(x, depth + 1, out);
                }
            }
        }
        Value::Array(a) => {
            for x in a.iter().take(MAX_LIST) {
                collect_writes(x, depth + 1, out);
            }
        }
        _ => {}
    }
}

impl<'a> Graph<'a> {
    pub fn read(meta: &'a Map<String, Value>) -> Graph<'a> {
        let total: usize = ARRAYS.iter().map(|(k, _)| list_len(meta.get(*k))).sum();
        let mut g = Graph {
            meta,
            elements: Vec::new(),
            index: BTreeMap::new(),
            written: Vec::new(),
            too_many: None,
        };
        if total > MAX_ELEMENTS {
            g.too_many = Some(total);
            return g;
        }
        for (key, kind) in ARRAYS {
            let items: &[Value] = match meta.get(key) {
                Some(Value::Array(a)) => a.as_slice(),
                Some(o @ Value::Object(_)) => std::slice::from_ref(o),
                _ => &[],
            };
            for raw in items {
                let Some(name) = text(raw, "name") else {
                    continue;
                };
                let lower = name.to_ascii_lowercase();
                if g.index.contains_key(&lower) {
                    continue;
                }
                g.index.insert(lower, g.elements.len());
                if kind != ElementType::Assignment {
                    collect_writes(raw, 0, &mut g.written);
                }
                g.elements.push(Element {
                    name: name.to_string(),
                    label: text(raw, "label").unwrap_or("").to_string(),
                    kind,
                    connector: target(raw, "connector"),
                    fault: target(raw, "faultConnector"),
                    raw,
                });
            }
        }
        g
    }

    /// The element named `name` (exact, else case-insensitive).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.index.get(&name.trim().to_ascii_lowercase()).copied()
    }

    pub fn get(&self, i: usize) -> Option<&Element<'a>> {
        self.elements.get(i)
    }

    /// A flow resource (variable, constant, formula) by name.
    pub fn resource(&self, key: &str, name: &str) -> Option<&'a Value> {
        let meta: &'a Map<String, Value> = self.meta;
        list(meta.get(key)).find(|v| text(v, "name").is_some_and(|n| n.eq_ignore_ascii_case(name)))
    }

    /// Whether an element other than an assignment writes `name`.
    pub fn written_by_elements(&self, name: &str) -> bool {
        self.written.iter().any(|w| w.eq_ignore_ascii_case(name))
    }
}
