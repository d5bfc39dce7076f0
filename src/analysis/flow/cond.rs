//! Conditions of a flow, evaluated three-valued against the inserted record: references
//! (`$Record.Field`, `$User.X`, variables, constants, formulas, element outputs), literal values,
//! the comparison operators of entry filters and decision conditions, condition logic
//! (`and`, `or`, `1 AND (2 OR NOT 3)`), and flow formulas (merge fields `{!…}` rewritten for the
//! formula engine).

use serde_json::Value;

use super::model::{flag, list, text, ElementType, Graph, MAX_LIST};
use crate::analysis::formula::{self, EvalOptions};
use crate::analysis::formula::{Eval, Value as V};
use crate::analysis::record::{FieldValue, InsertedRecord, Known};

/// Deepest chain of formula resources referring to formula resources.
const MAX_FORMULA_DEPTH: u32 = 8;

/// What the path has set so far: `$Record` fields and flow variables (names lower-cased).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct State {
    pub record: Vec<(String, Eval)>,
    pub vars: Vec<(String, Eval)>,
}

impl State {
    fn get<'s>(map: &'s [(String, Eval)], name: &str) -> Option<&'s Eval> {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
    fn put(map: &mut Vec<(String, Eval)>, name: &str, v: Eval) {
        if let Some(slot) = map.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            slot.1 = v;
        } else if map.len() < MAX_LIST {
            map.push((name.to_string(), v));
        }
    }
    pub fn set_record(&mut self, field: &str, v: Eval) {
        Self::put(&mut self.record, field, v);
    }
    pub fn set_var(&mut self, name: &str, v: Eval) {
        Self::put(&mut self.vars, name, v);
    }
    /// The path assigned the variable `name` or one of its fields.
    pub fn has_var(&self, name: &str) -> bool {
        self.vars.iter().any(|(k, _)| {
            k.eq_ignore_ascii_case(name)
                || k.get(..name.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(name))
                    && k.get(name.len()..).is_some_and(|r| r.starts_with('.'))
        })
    }
    /// A short fingerprint of the state, for telling a cycle that changes nothing.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for (k, v) in self.record.iter().chain(self.vars.iter()) {
            k.to_ascii_lowercase().hash(&mut h);
            format!("{v:?}").hash(&mut h);
        }
        h.finish()
    }
}

/// The evaluation context: the flow, the record, and where the flow runs.
pub(crate) struct Ctx<'g, 'a> {
    pub graph: &'g Graph<'a>,
    pub record: &'g InsertedRecord,
    /// An after-save flow: the record has been saved (Id, Name, audit dates are set).
    pub saved: bool,
}

/// Fields the save itself fills in; set (not null) after save, empty before.
const SET_BY_SAVE: [&str; 6] = [
    "Id",
    "Name",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
    "LastModifiedById",
];

fn known(v: V) -> Eval {
    Eval::Known(v)
}

fn from_known(k: &Known) -> V {
    match k {
        Known::Null => V::Null,
        Known::Bool(b) => V::Bool(*b),
        Known::Number(n) => V::Number(*n),
        Known::Text(s) => V::Text(s.clone()),
    }
}

/// Merges the hinges of `more` into `into` (first-seen order, no duplicates).
pub(crate) fn merge(into: &mut Vec<String>, more: &[String]) {
    for h in more {
        if !into.contains(h) {
            into.push(h.clone());
        }
    }
}

/// A value as people read it in a condition: `'Ended'`, `true`, `3`, `blank`.
pub(crate) fn show(v: &Eval) -> String {
    match v {
        Eval::Known(V::Null) => "blank".into(),
        Eval::Known(V::Text(s)) => format!("'{s}'"),
        Eval::Known(V::Bool(b)) => b.to_string(),
        Eval::Known(other) => other.to_string(),
        Eval::Unknown(h) if h.is_empty() => "unknown".into(),
        Eval::Unknown(h) => format!("unknown ({})", h.join("; ")),
    }
}

/// The literal side of a filter or condition as written: `'Ended'`, `true`, `{!Var}`.
pub(crate) fn render_operand(v: Option<&Value>) -> String {
    let Some(v) = v else {
        return "blank".into();
    };
    if let Some(s) = v.get("stringValue").and_then(Value::as_str) {
        return format!("'{s}'");
    }
    if let Some(b) = flag(v, "booleanValue") {
        return b.to_string();
    }
    if let Some(n) = v.get("numberValue") {
        if let Some(x) = n.as_f64() {
            return V::Number(x).to_string();
        }
        if let Some(s) = n.as_str() {
            return s.to_string();
        }
    }
    for key in ["dateValue", "dateTimeValue", "timeValue"] {
        if let Some(s) = text(v, key) {
            return s.to_string();
        }
    }
    if let Some(r) = text(v, "elementReference") {
        return format!("{{!{r}}}");
    }
    if let Some(f) = text(v, "formulaExpression") {
        return format!("formula {}", one_line(f, 80));
    }
    "blank".into()
}

/// Text on one line, cut to `max` characters.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

impl Ctx<'_, '_> {
    /// The value of a `FlowElementReferenceOrValue` (absent or empty: blank).
    pub fn operand(&self, v: Option<&Value>, st: &State, depth: u32) -> Eval {
        let Some(v) = v else {
            return known(V::Null);
        };
        if let Some(s) = v.get("stringValue").and_then(Value::as_str) {
            return known(V::Text(s.to_string()));
        }
        if let Some(b) = flag(v, "booleanValue") {
            return known(V::Bool(b));
        }
        if let Some(n) = v.get("numberValue") {
            if let Some(x) = n.as_f64() {
                return known(V::Number(x));
            }
            if let Some(x) = n.as_str().and_then(|s| s.trim().parse::<f64>().ok()) {
                return known(V::Number(x));
            }
        }
        for key in ["dateValue", "dateTimeValue", "timeValue"] {
            if let Some(s) = text(v, key) {
                return Eval::unknown(format!("the date/time {s} (dates are not compared)"));
            }
        }
        if let Some(r) = text(v, "elementReference") {
            return self.reference(r, st, depth);
        }
        if let Some(f) = text(v, "formulaExpression") {
            return self.formula(f, st, depth + 1);
        }
        known(V::Null)
    }

    /// The value of a reference such as `$Record.Status`, `$User.Alias`, `varCount`,
    /// `Get_Contact.Email`.
    pub fn reference(&self, r: &str, st: &State, depth: u32) -> Eval {
        let r = r
            .trim()
            .trim_start_matches("{!")
            .trim_end_matches('}')
            .trim();
        let mut parts = r.splitn(2, '.');
        let root = parts.next().unwrap_or("");
        let rest = parts.next().unwrap_or("").trim();
        let lower = root.to_ascii_lowercase();
        match lower.as_str() {
            "$record" => self.record_field(rest, st),
            // No prior version exists on create.
            "$record__prior" => known(V::Null),
            "$user" if !rest.contains('.') => match self.record.user_field(rest) {
                Some(FieldValue::Known(k)) => known(from_known(k)),
                Some(FieldValue::Unknown(why)) => Eval::unknown(format!("$User.{rest} ({why})")),
                None => Eval::unknown(format!(
                    "$User.{rest} (not known for the user who inserts the record)"
                )),
            },
            "$profile" if !rest.contains('.') => match self.record.profile_field(rest) {
                Some(FieldValue::Known(k)) => known(from_known(k)),
                Some(FieldValue::Unknown(why)) => Eval::unknown(format!("$Profile.{rest} ({why})")),
                None => Eval::unknown(format!(
                    "$Profile.{rest} (the profile of the user who inserts the record)"
                )),
            },
            "$permission" => match self.record.has_permission(rest) {
                Some(b) => known(V::Bool(b)),
                None => Eval::unknown(format!("$Permission.{rest}")),
            },
            "$globalconstant" => match rest.to_ascii_lowercase().as_str() {
                "true" => known(V::Bool(true)),
                "false" => known(V::Bool(false)),
                "emptystring" => known(V::Text(String::new())),
                _ => Eval::unknown(format!("{r} (a global constant)")),
            },
            "$flow" => Eval::unknown(format!("{r} (a value of the running interview)")),
            _ if root.starts_with('$') => {
                Eval::unknown(format!("{r} (a global value this analyser does not model)"))
            }
            _ => self.resource(root, rest, r, st, depth),
        }
    }

    /// `$Record.<path>`: what the path set, else the inserted record's value.
    fn record_field(&self, path: &str, st: &State) -> Eval {
        if path.is_empty() {
            return Eval::unknown("$Record (the whole record)");
        }
        if !path.contains('.') {
            if let Some(v) = State::get(&st.record, path) {
                return v.clone();
            }
            if self.saved && SET_BY_SAVE.iter().any(|f| f.eq_ignore_ascii_case(path)) {
                return Eval::unknown(format!("{path} (set when the record is saved, not null)"));
            }
            return match self.record.field(path) {
                Some(FieldValue::Known(k)) => known(from_known(k)),
                Some(FieldValue::Unknown(why)) => Eval::unknown(format!("{path} ({why})")),
                None if self.record.unset_fields_are_null => known(V::Null),
                None => Eval::unknown(format!("{path} (not in the model of the inserted record)")),
            };
        }
        // A related record's field: blank only when the lookup is known to be blank.
        let first = path.split('.').next().unwrap_or(path);
        let lookup = if first.to_ascii_lowercase().ends_with("__r") {
            format!("{}__c", first.get(..first.len() - 3).unwrap_or(first))
        } else {
            format!("{first}Id")
        };
        let custom = first.to_ascii_lowercase().ends_with("__r");
        match State::get(&st.record, &lookup) {
            Some(Eval::Known(V::Null)) => return known(V::Null),
            Some(_) => return Eval::unknown(format!("$Record.{path} (a related record's field)")),
            None => {}
        }
        match self.record.field(&lookup) {
            Some(FieldValue::Known(Known::Null)) => known(V::Null),
            None if custom && self.record.unset_fields_are_null => known(V::Null),
            _ => Eval::unknown(format!("$Record.{path} (a related record's field)")),
        }
    }

    /// Whether `$Record.<field>` is known to be set although its value is unknown (the model
    /// says "set, not null" for the ids the platform fills in).
    pub fn known_not_null(&self, r: &str, st: &State) -> bool {
        let r = r
            .trim()
            .trim_start_matches("{!")
            .trim_end_matches('}')
            .trim();
        let Some(field) = r
            .strip_prefix("$Record.")
            .or_else(|| r.strip_prefix("$record."))
        else {
            return false;
        };
        if field.contains('.') || State::get(&st.record, field).is_some() {
            return false;
        }
        if self.saved && SET_BY_SAVE.iter().any(|f| f.eq_ignore_ascii_case(field)) {
            return true;
        }
        matches!(self.record.field(field), Some(FieldValue::Unknown(why)) if why.contains("not null"))
    }

    /// A flow resource: a variable the path assigned, a constant, a formula, a variable's
    /// default, or an element's output.
    fn resource(&self, root: &str, rest: &str, whole: &str, st: &State, depth: u32) -> Eval {
        if !rest.is_empty() {
            if let Some(v) = State::get(&st.vars, whole) {
                return v.clone();
            }
        }
        if let Some(v) = State::get(&st.vars, root) {
            return if rest.is_empty() {
                v.clone()
            } else {
                match v {
                    Eval::Known(V::Null) => known(V::Null),
                    _ => Eval::unknown(format!("{whole} (a field of the flow's record variable)")),
                }
            };
        }
        if let Some(c) = self.graph.resource("constants", root) {
            return self.operand(c.get("value"), st, depth + 1);
        }
        if let Some(f) = self.graph.resource("formulas", root) {
            let Some(expr) = text(f, "expression") else {
                return Eval::unknown(format!("the formula resource {root} (no expression)"));
            };
            if depth >= MAX_FORMULA_DEPTH {
                return Eval::unknown(format!("the formula resource {root} (nested too deeply)"));
            }
            return self.formula(expr, st, depth + 1);
        }
        if let Some(var) = self.graph.resource("variables", root) {
            if self.graph.written_by_elements(root) {
                return Eval::unknown(format!("{whole} (set by the flow's elements)"));
            }
            if flag(var, "isInput") == Some(true) {
                return Eval::unknown(format!("{whole} (an input variable)"));
            }
            if !rest.is_empty() {
                return Eval::unknown(format!("{whole} (a field of the flow's record variable)"));
            }
            return self.operand(var.get("value"), st, depth + 1);
        }
        if let Some(el) = self.graph.find(root).and_then(|i| self.graph.get(i)) {
            return match el.kind {
                ElementType::RecordLookup => Eval::unknown(format!(
                    "{whole} (what {} returns; blank when it finds no record)",
                    el.describe()
                )),
                _ => Eval::unknown(format!("{whole} (the output of {})", el.describe())),
            };
        }
        if self.graph.written_by_elements(root) {
            return Eval::unknown(format!("{whole} (set by the flow's elements)"));
        }
        Eval::unknown(format!(
            "{whole} (a flow resource the analyser does not know)"
        ))
    }

    /// Compares `left` (a reference) with `right` (a literal or reference) under `op`, as a
    /// flow entry filter or decision condition does on create.
    pub fn compare(&self, left_ref: &str, op: &str, right: Option<&Value>, st: &State) -> Eval {
        let op_l = op.to_ascii_lowercase();
        // IsChanged: there is no prior record on create, so nothing has changed.
        if op_l == "ischanged" {
            let want = match self.operand(right, st, 0) {
                Eval::Known(V::Bool(b)) => b,
                Eval::Known(V::Null) => true,
                other => return other,
            };
            return known(V::Bool(!want));
        }
        let lhs = self.reference(left_ref, st, 0);
        if matches!(op_l.as_str(), "isnull" | "isblank") {
            let want = match self.operand(right, st, 0) {
                Eval::Known(V::Bool(b)) => b,
                Eval::Known(V::Null) => true,
                other => return other,
            };
            let is_null = match &lhs {
                Eval::Known(V::Null) => true,
                Eval::Known(V::Text(s)) => s.is_empty(),
                Eval::Known(_) => false,
                Eval::Unknown(_) if self.known_not_null(left_ref, st) => false,
                Eval::Unknown(h) => return Eval::Unknown(h.clone()),
            };
            return known(V::Bool(is_null == want));
        }
        let rhs = self.operand(right, st, 0);
        compare_values(&op_l, op, &lhs, &rhs)
    }

    /// Evaluates a flow formula (entry formula, formula resource, decision formula): merge
    /// fields are rewritten to what the formula engine reads, resources become fields of a copy
    /// of the record holding their values.
    pub fn formula(&self, src: &str, st: &State, depth: u32) -> Eval {
        if depth > MAX_FORMULA_DEPTH {
            return Eval::unknown("formula resources nested too deeply");
        }
        let mut rec = self.record.clone();
        for (k, v) in &st.record {
            put_field(&mut rec, k, to_field(v));
        }
        let mut placeholders: Vec<(String, String)> = Vec::new();
        let rewritten = rewrite(src, &mut |reference: &str| {
            let lower = reference.to_ascii_lowercase();
            if lower.starts_with("$record.") {
                let path = reference.get(8..).unwrap_or("").trim();
                if !path.is_empty() {
                    return path.to_string();
                }
            }
            if lower.starts_with("$record__prior.") {
                return "NULL".to_string();
            }
            match lower.split('.').next().unwrap_or("") {
                "$user" | "$profile" | "$permission" | "$setup" | "$recordtype"
                | "$organization" | "$label" | "$userrole" | "$api" | "$system"
                | "$custommetadata" | "$site" | "$network" | "$objecttype" | "$resource"
                | "$action" => return reference.to_string(),
                _ => {}
            }
            let value = self.reference(reference, st, depth);
            let name = format!("MdFlowRef{}__c", placeholders.len());
            let fv = to_field(&value);
            if let FieldValue::Unknown(why) = &fv {
                placeholders.push((name.clone(), why.clone()));
            } else {
                placeholders.push((name.clone(), String::new()));
            }
            put_field(&mut rec, &name, fv);
            name
        });
        let expr = match formula::parse(&rewritten) {
            Ok(e) => e,
            Err(e) => {
                return Eval::unknown(format!(
                    "a formula the analyser could not read ({}): {}",
                    e.message,
                    one_line(src, 80)
                ))
            }
        };
        match formula::evaluate(&expr, &rec, &EvalOptions::default()) {
            Eval::Unknown(h) => Eval::Unknown(
                h.into_iter()
                    .map(|x| {
                        for (name, why) in &placeholders {
                            if let Some(inner) = x
                                .strip_prefix(name.as_str())
                                .and_then(|t| t.strip_prefix(" ("))
                                .and_then(|t| t.strip_suffix(')'))
                            {
                                if !why.is_empty() {
                                    return inner.to_string();
                                }
                            }
                        }
                        x
                    })
                    .collect(),
            ),
            known_value => known_value,
        }
    }
}

fn put_field(rec: &mut InsertedRecord, name: &str, v: FieldValue) {
    rec.fields.retain(|k, _| !k.eq_ignore_ascii_case(name));
    rec.fields.insert(name.to_string(), v);
}

fn to_field(v: &Eval) -> FieldValue {
    match v {
        Eval::Known(V::Null) => FieldValue::Known(Known::Null),
        Eval::Known(V::Bool(b)) => FieldValue::Known(Known::Bool(*b)),
        Eval::Known(V::Number(n)) => FieldValue::Known(Known::Number(*n)),
        Eval::Known(V::Text(s)) => FieldValue::Known(Known::Text(s.clone())),
        Eval::Known(other) => FieldValue::Unknown(format!("the date/time {other}")),
        Eval::Unknown(h) if h.is_empty() => FieldValue::Unknown("a value set by the flow".into()),
        Eval::Unknown(h) => FieldValue::Unknown(h.join("; ")),
    }
}

/// Rewrites the merge fields of a flow formula: each `{!ref}` (and a bare `$Record.X` /
/// `$Record__Prior.X` outside quotes and comments) is replaced by `map(ref)`.
pub(crate) fn rewrite(src: &str, map: &mut dyn FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    while let Some(c) = rest.chars().next() {
        if c == '\'' || c == '"' {
            // A string literal, copied as written (backslash escapes kept).
            let mut end = rest.len();
            let mut esc = false;
            for (i, ch) in rest.char_indices().skip(1) {
                if esc {
                    esc = false;
                } else if ch == '\\' {
                    esc = true;
                } else if ch == c {
                    end = i + ch.len_utf8();
                    break;
                }
            }
            out.push_str(rest.get(..end).unwrap_or(rest));
            rest = rest.get(end..).unwrap_or("");
            continue;
        }
        if rest.starts_with("/*") {
            let end = rest.find("*/").map(|i| i + 2).unwrap_or(rest.len());
            out.push_str(rest.get(..end).unwrap_or(rest));
            rest = rest.get(end..).unwrap_or("");
            continue;
        }
        if rest.starts_with("{!") {
            if let Some(close) = rest.find('}') {
                let inner = rest.get(2..close).unwrap_or("").trim();
                out.push_str(&map(inner));
                rest = rest.get(close + 1..).unwrap_or("");
                continue;
            }
        }
        let lower_head: String = rest
            .chars()
            .take(15)
            .collect::<String>()
            .to_ascii_lowercase();
        let prev_ident = out
            .chars()
            .last()
            .is_some_and(|p| p.is_ascii_alphanumeric() || p == '_' || p == '$' || p == '.');
        if !prev_ident
            && (lower_head.starts_with("$record.") || lower_head.starts_with("$record__prior."))
        {
            let end = rest
                .char_indices()
                .skip(1)
                .find(|(_, ch)| !(ch.is_ascii_alphanumeric() || *ch == '_' || *ch == '.'))
                .map(|(i, _)| i)
                .unwrap_or(rest.len());
            out.push_str(&map(rest.get(..end).unwrap_or("")));
            rest = rest.get(end..).unwrap_or("");
            continue;
        }
        out.push(c);
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    out
}

/// Compares two values the way a flow condition does. `op_l` is lower-cased; `op` is shown in
/// messages.
pub(crate) fn compare_values(op_l: &str, op: &str, lhs: &Eval, rhs: &Eval) -> Eval {
    // A blank left side is not greater/less/containing anything, whatever the right side is.
    let l_null = matches!(lhs, Eval::Known(V::Null));
    if l_null
        && matches!(
            op_l,
            "greaterthan"
                | "lessthan"
                | "greaterthanorequalto"
                | "lessthanorequalto"
                | "contains"
                | "startswith"
                | "endswith"
        )
    {
        return known(V::Bool(false));
    }
    let (l, r) = match (lhs, rhs) {
        (Eval::Known(l), Eval::Known(r)) => (l, r),
        (a, b) => {
            let mut h = Vec::new();
            merge(&mut h, a.hinges());
            merge(&mut h, b.hinges());
            return Eval::Unknown(h);
        }
    };
    let b = |x: bool| known(V::Bool(x));
    match op_l {
        "equalto" | "notequalto" => {
            let eq = match equal(l, r) {
                Some(e) => e,
                None => {
                    return Eval::unknown(format!(
                        "a comparison of {} with {} (different types)",
                        l, r
                    ))
                }
            };
            b(if op_l == "equalto" { eq } else { !eq })
        }
        "greaterthan" | "lessthan" | "greaterthanorequalto" | "lessthanorequalto" => {
            let (x, y) = match (number(l), number(r)) {
                (Some(x), Some(y)) => (x, y),
                _ if matches!(r, V::Null) => return b(false),
                _ => {
                    return Eval::unknown(format!(
                        "an ordering of {l} and {r} (only numbers are ordered here)"
                    ))
                }
            };
            b(match op_l {
                "greaterthan" => x > y,
                "lessthan" => x < y,
                "greaterthanorequalto" => x >= y,
                _ => x <= y,
            })
        }
        "contains" | "startswith" | "endswith" => {
            let (V::Text(x), V::Text(y)) = (l, r) else {
                return Eval::unknown(format!("{op} on {l} and {r}"));
            };
            b(match op_l {
                "contains" => x.contains(y.as_str()),
                "startswith" => x.starts_with(y.as_str()),
                _ => x.ends_with(y.as_str()),
            })
        }
        _ => Eval::unknown(format!("the operator {op} (not modelled)")),
    }
}

fn number(v: &V) -> Option<f64> {
    match v {
        V::Number(n) => Some(*n),
        V::Text(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Equality of a flow condition; `None` when the types cannot be compared.
fn equal(l: &V, r: &V) -> Option<bool> {
    Some(match (l, r) {
        (V::Null, V::Null) => true,
        (V::Null, V::Text(s)) | (V::Text(s), V::Null) => s.is_empty(),
        (V::Null, _) | (_, V::Null) => false,
        (V::Text(a), V::Text(b)) => a == b,
        (V::Bool(a), V::Bool(b)) => a == b,
        (V::Bool(a), V::Text(t)) | (V::Text(t), V::Bool(a)) => {
            t.eq_ignore_ascii_case(if *a { "true" } else { "false" })
        }
        (V::Number(a), V::Number(b)) => a == b,
        (V::Number(a), V::Text(t)) | (V::Text(t), V::Number(a)) => match t.trim().parse::<f64>() {
            Ok(x) => x == *a,
            Err(_) => return None,
        },
        _ => return None,
    })
}

// ---- condition logic ----

/// Combines condition values under `logic` (`and`, `or`, or custom logic over 1-based
/// indexes such as `1 AND (2 OR NOT 3)`). An empty logic means `and`.
pub(crate) fn combine(logic: Option<&str>, vals: &[Eval]) -> Eval {
    let logic = logic.unwrap_or("and").trim();
    let lower = logic.to_ascii_lowercase();
    match lower.as_str() {
        "" | "and" => and_all(vals.iter().cloned()),
        "or" => or_all(vals.iter().cloned()),
        _ => {
            let tokens = match tokenize(logic) {
                Some(t) => t,
                None => {
                    return Eval::unknown(format!(
                        "the condition logic '{}' (not readable)",
                        one_line(logic, 60)
                    ))
                }
            };
            let mut p = LogicParser {
                tokens: &tokens,
                pos: 0,
                vals,
                depth: 0,
            };
            match p.or() {
                Some(v) if p.pos == tokens.len() => v,
                _ => Eval::unknown(format!(
                    "the condition logic '{}' (not readable)",
                    one_line(logic, 60)
                )),
            }
        }
    }
}

pub(crate) fn and_all(vals: impl Iterator<Item = Eval>) -> Eval {
    fold_logic(vals, false)
}

pub(crate) fn or_all(vals: impl Iterator<Item = Eval>) -> Eval {
    fold_logic(vals, true)
}

/// AND (`decider` false) and OR (`decider` true) over three-valued conditions: the first
/// known `decider` decides; a blank counts as false; anything unknown (or not a boolean) leaves
/// the result unknown with its hinges, unless a later value decides.
fn fold_logic(vals: impl Iterator<Item = Eval>, decider: bool) -> Eval {
    let mut h = Vec::new();
    let mut unknown = false;
    for v in vals {
        match v {
            Eval::Known(V::Bool(b)) if b == decider => return known(V::Bool(decider)),
            Eval::Known(V::Null) if !decider => return known(V::Bool(false)),
            Eval::Known(V::Bool(_)) | Eval::Known(V::Null) => {}
            Eval::Known(other) => {
                unknown = true;
                h.push(format!(
                    "a condition that gives {other} instead of true/false"
                ));
            }
            Eval::Unknown(more) => {
                unknown = true;
                merge(&mut h, &more);
            }
        }
    }
    if unknown {
        Eval::Unknown(h)
    } else {
        known(V::Bool(!decider))
    }
}

fn not(v: Eval) -> Eval {
    match v {
        Eval::Known(V::Bool(b)) => known(V::Bool(!b)),
        Eval::Known(V::Null) => known(V::Bool(true)),
        other => other,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(usize),
    And,
    Or,
    Not,
    Open,
    Close,
}

fn tokenize(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if out.len() > 4 * MAX_LIST {
            return None;
        }
        match c {
            ' ' | '\t' | '\n' | '\r' => {}
            '(' => out.push(Tok::Open),
            ')' => out.push(Tok::Close),
            '0'..='9' => {
                let mut end = i + 1;
                while let Some((j, d)) = chars.peek().copied() {
                    if d.is_ascii_digit() {
                        end = j + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Tok::Num(s.get(i..end)?.parse().ok()?));
            }
            c if c.is_ascii_alphabetic() => {
                let mut end = i + 1;
                while let Some((j, d)) = chars.peek().copied() {
                    if d.is_ascii_alphabetic() {
                        end = j + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                match s.get(i..end)?.to_ascii_uppercase().as_str() {
                    "AND" => out.push(Tok::And),
                    "OR" => out.push(Tok::Or),
                    "NOT" => out.push(Tok::Not),
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

struct LogicParser<'t> {
    tokens: &'t [Tok],
    pos: usize,
    vals: &'t [Eval],
    depth: u32,
}

impl LogicParser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }
    fn or(&mut self) -> Option<Eval> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Some(if parts.len() == 1 {
            parts.pop()?
        } else {
            or_all(parts.into_iter())
        })
    }
    fn and(&mut self) -> Option<Eval> {
        let mut parts = vec![self.unary()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            parts.push(self.unary()?);
        }
        Some(if parts.len() == 1 {
            parts.pop()?
        } else {
            and_all(parts.into_iter())
        })
    }
    fn unary(&mut self) -> Option<Eval> {
        self.depth += 1;
        if self.depth > 200 {
            return None;
        }
        let r = match self.peek()? {
            Tok::Not => {
                self.pos += 1;
                self.unary().map(not)
            }
            Tok::Open => {
                self.pos += 1;
                let v = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return None;
                }
                self.pos += 1;
                Some(v)
            }
            Tok::Num(n) => {
                let n = *n;
                self.pos += 1;
                n.checked_sub(1).and_then(|i| self.vals.get(i)).cloned()
            }
            _ => None,
        };
        self.depth -= 1;
        r
    }
}

/// The conditions of a decision outcome (or entry filters) read from a Metadata list.
pub(crate) struct Condition {
    pub text: String,
    pub value: Eval,
}

impl Ctx<'_, '_> {
    /// Evaluates decision-rule conditions (`leftValueReference`, `operator`, `rightValue`).
    pub fn rule_conditions(&self, rule: &Value, st: &State) -> Vec<Condition> {
        list(rule.get("conditions"))
            .map(|c| {
                let left = text(c, "leftValueReference").unwrap_or("");
                let op = text(c, "operator").unwrap_or("EqualTo");
                let right = c.get("rightValue");
                let value = if left.is_empty() {
                    Eval::unknown("a condition without a left-hand value")
                } else {
                    self.compare(left, op, right, st)
                };
                Condition {
                    text: format!("{{!{left}}} {op} {}", render_operand(right)),
                    value,
                }
            })
            .collect()
    }

    /// Evaluates entry filters (`field`, `operator`, `value`) against `$Record`.
    pub fn entry_filters(&self, start: &Value, st: &State) -> Vec<Condition> {
        list(start.get("filters"))
            .map(|f| {
                let field = text(f, "field").unwrap_or("");
                let op = text(f, "operator").unwrap_or("EqualTo");
                let right = f.get("value");
                let value = if field.is_empty() {
                    Eval::unknown("an entry filter without a field")
                } else {
                    self.compare(&format!("$Record.{field}"), op, right, st)
                };
                Condition {
                    text: format!("{field} {op} {}", render_operand(right)),
                    value,
                }
            })
            .collect()
    }
}
